"""API keys (stored only as hashes) and the responses kept for Idempotency-Key replays.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE TABLE api_key (
    id         bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT api_key_pkey PRIMARY KEY,
    name       slug NOT NULL CONSTRAINT api_key_name_key UNIQUE,
    role       text NOT NULL CONSTRAINT api_key_role_known CHECK (role IN ('reporter', 'admin')),
    -- SHA-256 of the key: keys are 256 random bits, so a fast hash is as safe as a slow one here.
    key_hash   text NOT NULL CONSTRAINT api_key_hash_key UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- One row per (key holder, Idempotency-Key). The first request inserts it and holds it until
-- its transaction ends; a concurrent retry waits on the unique index, then replays what the
-- first one stored. A failed first request rolls back and leaves nothing, so a retry runs anew.
CREATE TABLE idempotency (
    api_key_id   bigint NOT NULL CONSTRAINT idempotency_api_key_fkey REFERENCES api_key (id),
    key          text NOT NULL CONSTRAINT idempotency_key_length CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    status       smallint,
    body         bytea,
    location     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT idempotency_pkey PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_created_idx ON idempotency (created_at);
"""

DOWNGRADE = r"""
DROP TABLE idempotency;
DROP TABLE api_key;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
