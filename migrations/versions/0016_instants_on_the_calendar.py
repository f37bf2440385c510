"""Every writer stores only instants the log can read back.

The API refuses an instant outside the years 1 to 9999 in UTC, and now a UTC offset no clock on
Earth is set to (beyond -12:00 and +14:00); a file imported with one, or a row written with psql,
was stored, and then every read of the log that met it failed ("timestamp too small"), or the
export could not be imported again ("time zone displacement out of range"). These checks refuse
such a row from any writer, by name.

NOT VALID: the checks hold for every row written from now on and scan nothing now, so adding them
takes a moment's lock on event whatever its size; `ALTER TABLE event VALIDATE CONSTRAINT ...`
checks an existing log later, without blocking appends.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INSTANTS = ("occurred_from", "occurred_to", "stated_at", "recorded_at")
OFFSETS = ("occurred_from_offset", "occurred_to_offset", "stated_at_offset")
FIRST, LAST = "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00"


def upgrade() -> None:
    in_calendar = " AND ".join(f"({name} IS NULL OR {name} BETWEEN '{FIRST}' AND '{LAST}')" for name in INSTANTS)
    on_earth = " AND ".join(f"{name} BETWEEN -720 AND 840" for name in OFFSETS)
    op.execute(f"""
        ALTER TABLE event
          ADD CONSTRAINT event_instants_in_calendar CHECK ({in_calendar}) NOT VALID,
          ADD CONSTRAINT event_offsets_on_earth CHECK ({on_earth}) NOT VALID
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE event DROP CONSTRAINT event_offsets_on_earth, DROP CONSTRAINT event_instants_in_calendar")
