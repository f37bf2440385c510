"""Say how a time was arrived at.

A report's times are often not stated outright: the seed's article says only "moments after the
ceasefire took force", and the instants recorded come from the public record of when it did. A
reader must be able to tell a stated time from an estimate, so an event and a ceasefire may carry
a `time_note`, in the words of whoever recorded them.

Both columns are nullable with no default: PostgreSQL records them in the catalogue without
rewriting the table, and the length checks (NOT VALID) scan nothing, since every existing row
holds NULL.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("event", "ceasefire")


def upgrade() -> None:
    for table in TABLES:
        op.execute(f"""
            ALTER TABLE {table}
              ADD COLUMN time_note text,
              ADD CONSTRAINT {table}_time_note_length
                  CHECK (char_length(time_note) BETWEEN 1 AND 1000) NOT VALID
        """)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN time_note")
