"""service_secret: a key the service signs its page cursors with, made by the database.

Every worker and every replica reads the same key from here, so a cursor made by one is
accepted by all, across restarts, with nothing to configure. 32 random bytes from two v4 UUIDs
(gen_random_uuid, built in since PostgreSQL 13).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE TABLE service_secret (
    name  text NOT NULL CONSTRAINT service_secret_pkey PRIMARY KEY,
    value bytea NOT NULL CONSTRAINT service_secret_length CHECK (length(value) >= 32)
);
INSERT INTO service_secret (name, value)
VALUES ('cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
"""

DOWNGRADE = r"""
DROP TABLE service_secret;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
