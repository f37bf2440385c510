"""A time may be a day alone, as the source gives it.

Most reports date what they tell by the day ("on Wednesday", "on 19 October"), with no clock and
no time zone. Until now every time had to be an instant with a UTC offset, so a recorder invented
a midnight and an offset, and a claim about 19 October made at +05:00 was drawn and counted on
18 October in UTC. A day alone is now stored with its offset column NULL, at the UTC instant that
bounds it: the first microsecond of the day for occurred_from, a source's published_at and a
ceasefire's agreed_at and effective_at; the last for occurred_to and stated_at, so that a day
dates everything said on it. Reads give such a time back as the date (service/days.py); sorting,
filtering and counting by day need nothing else.

A time may now be as vague as a year (`time_precision` gains `year`: "in 2030").

A ceasefire may take effect on a day its agreement's instant falls on: "agreed at 18:00, in force
from 10 January" holds, as the API already checks it (`ceasefire_effective_after_agreed`).

`<table>_<time>_day_whole` refuses, from any writer, a NULL offset beside an instant that is not its
day's bound. A response must not be stated before what it answers (0015): when what it answers
is dated by the day alone, that means not before the day's first moment.

The canonical form of an entry (0014) leaves out an offset that is NULL, so a day and the
midnight instant at +00:00 hash apart and no existing hash changes.

Downgrading refuses while any time is a day alone: 0020 can only read it as an instant at UTC,
which would rewrite what the source said and break the hash chain.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FIRST = {"event": ("occurred_from",), "source": ("published_at",), "ceasefire": ("agreed_at", "effective_at")}
LAST = {"event": ("occurred_to", "stated_at")}
TIMES = {table: FIRST.get(table, ()) + LAST.get(table, ()) for table in ("event", "source", "ceasefire")}


def whole(name: str, last: bool) -> str:
    bound = f"date_trunc('day', {name}, 'UTC')"
    if last:
        bound += " + interval '1 day' - interval '1 microsecond'"
    return f"{name}_offset IS NOT NULL OR {name} IS NULL OR {name} = {bound}"


ANSWERS_AFTER = r"""
CREATE OR REPLACE FUNCTION event_answers_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_events n JOIN event answered ON answered.id = n.responds_to
                WHERE n.stated_at < CASE WHEN answered.stated_at_offset IS NULL
                                         THEN date_trunc('day', answered.stated_at, 'UTC')
                                         ELSE answered.stated_at END) THEN
        RAISE EXCEPTION 'a response cannot be stated before the statement it answers'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_answers_after_statement';
    END IF;
    RETURN NULL;
END $$;
"""

ANSWERS_AFTER_0015 = r"""
CREATE OR REPLACE FUNCTION event_answers_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_events n JOIN event answered ON answered.id = n.responds_to
                WHERE n.stated_at < answered.stated_at) THEN
        RAISE EXCEPTION 'a response cannot be stated before the statement it answers'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_answers_after_statement';
    END IF;
    RETURN NULL;
END $$;
"""


PRECISIONS = "'exact', 'hour', 'day', 'week', 'month', 'unknown'"
EFFECTIVE_AFTER_AGREED = (
    "effective_at + CASE WHEN effective_at_offset IS NULL THEN interval '1 day' - interval '1 microsecond' "
    "ELSE interval '0' END >= agreed_at"
)


def upgrade() -> None:
    for table, names in TIMES.items():
        # The default stays 0: a writer that leaves the offset out writes an instant at UTC.
        clauses = [f"ALTER COLUMN {name}_offset DROP NOT NULL" for name in names]
        # NOT VALID: every row already has an offset, and nothing needs scanning.
        clauses += [
            f"ADD CONSTRAINT {table}_{name}_day_whole CHECK ({whole(name, name in LAST.get(table, ()))}) NOT VALID"
            for name in names
        ]
        op.execute(f"ALTER TABLE {table} {', '.join(clauses)}")
    op.execute(ANSWERS_AFTER)
    op.execute(f"""
        ALTER TABLE event DROP CONSTRAINT event_time_precision_known,
            ADD CONSTRAINT event_time_precision_known CHECK (time_precision IN ({PRECISIONS}, 'year')) NOT VALID;
        ALTER TABLE ceasefire DROP CONSTRAINT ceasefire_effective_after_agreed,
            ADD CONSTRAINT ceasefire_effective_after_agreed CHECK ({EFFECTIVE_AFTER_AGREED}) NOT VALID
    """)


def downgrade() -> None:
    days = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE {name}_offset IS NULL)"
        for table, names in TIMES.items()
        for name in names
    )
    op.execute(f"""
        DO $$ BEGIN
            IF {days} THEN
                RAISE EXCEPTION 'times dated by the day alone are in the log: revision 0020 cannot hold them';
            END IF;
        END $$
    """)
    op.execute(ANSWERS_AFTER_0015)
    op.execute(f"""
        ALTER TABLE event DROP CONSTRAINT event_time_precision_known,
            ADD CONSTRAINT event_time_precision_known CHECK (time_precision IN ({PRECISIONS})) NOT VALID;
        ALTER TABLE ceasefire DROP CONSTRAINT ceasefire_effective_after_agreed,
            ADD CONSTRAINT ceasefire_effective_after_agreed CHECK (effective_at >= agreed_at) NOT VALID
    """)
    for table, names in TIMES.items():
        clauses = [
            f"DROP CONSTRAINT {table}_{name}_day_whole, ALTER COLUMN {name}_offset SET NOT NULL" for name in names
        ]
        op.execute(f"ALTER TABLE {table} {', '.join(clauses)}")
