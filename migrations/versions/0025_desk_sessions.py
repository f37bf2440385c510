"""Sessions of the intake desk: a person signs in with an API key and the browser keeps a cookie.

The cookie holds a random token; the database keeps only its SHA-256, the key it was opened with,
the CSRF token every form of the session carries, and when it expires or ended. Sessions live
here, not in a worker, so every worker and restart sees the same ones; a session is refused as
soon as its key is revoked (the key is read with it on every request).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE desk_session (
            token_hash text PRIMARY KEY CONSTRAINT desk_session_token_hash CHECK (token_hash ~ '^[0-9a-f]{64}$'),
            key_id     bigint NOT NULL CONSTRAINT desk_session_key_fkey REFERENCES api_key (id),
            csrf       text NOT NULL CONSTRAINT desk_session_csrf_length CHECK (length(csrf) >= 32),
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL,
            ended_at   timestamptz,
            CONSTRAINT desk_session_expires_after CHECK (expires_at > created_at)
        );
        CREATE INDEX desk_session_key_idx ON desk_session (key_id);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE desk_session")
