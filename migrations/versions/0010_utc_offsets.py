"""Keep the UTC offset each instant was given with.

`timestamptz` keeps the instant and drops the offset it was written with, so a report of
"12:00+04:00" came back as "08:00+00:00". For a statement's local time the offset is part of what
was said; each instant of an event, a ceasefire and a source now keeps it, in minutes east of UTC.

On a log of 1,000,000 events this is quick: a column with a constant default is recorded in the
catalogue without rewriting the table, and the range checks are added NOT VALID, so nothing scans
the existing rows (all of which hold the default, 0, which is in range). Each ALTER TABLE takes
an ACCESS EXCLUSIVE lock for milliseconds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = {
    "event": ("occurred_from", "occurred_to", "stated_at"),
    "ceasefire": ("agreed_at", "effective_at"),
    "source": ("published_at",),
}


def upgrade() -> None:
    for table, instants in COLUMNS.items():
        for instant in instants:
            # RFC 3339 offsets run from -23:59 to +23:59.
            op.execute(f"""
                ALTER TABLE {table}
                  ADD COLUMN {instant}_offset smallint NOT NULL DEFAULT 0,
                  ADD CONSTRAINT {table}_{instant}_offset_range
                      CHECK ({instant}_offset BETWEEN -1439 AND 1439) NOT VALID
            """)


def downgrade() -> None:
    for table, instants in COLUMNS.items():
        for instant in instants:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {instant}_offset")
