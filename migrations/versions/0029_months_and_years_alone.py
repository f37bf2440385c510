"""A month or a year alone as a moment: a statement "made in April 2031", a report "published in
2031", a truce "agreed in March". Such a time is held, as a day alone is (0021), at the UTC instant that bounds its span,
with no offset: a statement at its last microsecond, a publication at its first. A unit column
beside it says that the span is a month or a year (`stated_at_unit`, `published_at_unit`,
`agreed_at_unit`, `effective_at_unit`; NULL:
an instant, or a day as its offset says), so that it reads back as it was given, "2031-04", and
not as a day nobody said.

Rules, for every writer: a unit goes with a time alone, held at its span's bound
(`event_stated_at_unit_whole`, `source_published_at_unit_whole`,
`ceasefire_agreed_at_unit_whole`, `ceasefire_effective_at_unit_whole`); a response is not stated
before the first moment of what it answers, a month's first day for a statement of a month
(`event_answers_after_statement`); a statement of unknown time holds its source's publication,
a month's or year's last microsecond for one published in a month or a year
(`event_stated_unknown_bounded`). The canonical form gains `stated_at_unit` where an entry has
it: no existing hash changes.

On a large log: ADD COLUMNs without a default, and CHECKs added NOT VALID (every existing row
is NULL there): catalogue changes, each a moment's ACCESS EXCLUSIVE lock, no table scan.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

UNITS = "('month', 'year')"
UPGRADE = f"""
ALTER TABLE event ADD COLUMN stated_at_unit text,
    ADD CONSTRAINT event_stated_at_unit_whole CHECK (stated_at_unit IS NULL OR (
        stated_at_unit IN {UNITS} AND stated_at_offset IS NULL
        AND stated_at = date_trunc(stated_at_unit, stated_at, 'UTC')
                        + ('1 ' || stated_at_unit)::interval - interval '1 microsecond')) NOT VALID;
ALTER TABLE ceasefire ADD COLUMN agreed_at_unit text, ADD COLUMN effective_at_unit text,
    ADD CONSTRAINT ceasefire_agreed_at_unit_whole CHECK (agreed_at_unit IS NULL OR (
        agreed_at_unit IN {UNITS} AND agreed_at_offset IS NULL
        AND agreed_at = date_trunc(agreed_at_unit, agreed_at, 'UTC'))) NOT VALID,
    ADD CONSTRAINT ceasefire_effective_at_unit_whole CHECK (effective_at_unit IS NULL OR (
        effective_at_unit IN {UNITS} AND effective_at_offset IS NULL
        AND effective_at = date_trunc(effective_at_unit, effective_at, 'UTC'))) NOT VALID;
ALTER TABLE source ADD COLUMN published_at_unit text,
    ADD CONSTRAINT source_published_at_unit_whole CHECK (published_at_unit IS NULL OR (
        published_at_unit IN {UNITS} AND published_at_offset IS NULL
        AND published_at = date_trunc(published_at_unit, published_at, 'UTC'))) NOT VALID;
"""

# Each function as 0015 and 0028 wrote it, and as it reads with units.
REWRITTEN = {
    "event_answers_after": [
        (
            "date_trunc('day', answered.stated_at, 'UTC')",
            "date_trunc(coalesce(answered.stated_at_unit, 'day'), answered.stated_at, 'UTC')",
        )
    ],
    "event_stated_rules": [
        (
            "s.published_at + interval '1 day' - interval '1 microsecond'",
            "s.published_at + ('1 ' || coalesce(s.published_at_unit, 'day'))::interval - interval '1 microsecond'",
        ),
        (
            "OR n.stated_at_offset IS DISTINCT FROM s.published_at_offset)",
            "OR n.stated_at_offset IS DISTINCT FROM s.published_at_offset\n"
            "            OR n.stated_at_unit IS DISTINCT FROM s.published_at_unit)",
        ),
    ],
    "entry_canonical": [
        (
            "    'stated_at_offset', CASE",
            "    'stated_at_unit', CASE WHEN NOT entry.stated_unknown THEN entry.stated_at_unit END,\n"
            "    'stated_at_offset', CASE",
        )
    ],
}


def _rewrite(forward: bool) -> None:
    for function, pairs in REWRITTEN.items():
        body = op.get_bind().exec_driver_sql(f"SELECT pg_get_functiondef('{function}'::regproc)").scalar()
        for old, new in pairs:
            old, new = (old, new) if forward else (new, old)
            assert body.count(old) == 1, (function, old)
            body = body.replace(old, new)
        op.execute(body)


def upgrade() -> None:
    op.execute(UPGRADE)
    _rewrite(forward=True)


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM event WHERE stated_at_unit IS NOT NULL) "
        "OR EXISTS (SELECT 1 FROM source WHERE published_at_unit IS NOT NULL) "
        "OR EXISTS (SELECT 1 FROM ceasefire WHERE num_nonnulls(agreed_at_unit, effective_at_unit) > 0) THEN "
        "RAISE EXCEPTION 'times of a month or a year alone are in the log: revision 0028 cannot hold them'; "
        "END IF; END $$"
    )
    _rewrite(forward=False)
    op.execute(
        "ALTER TABLE event DROP COLUMN stated_at_unit; ALTER TABLE source DROP COLUMN published_at_unit; "
        "ALTER TABLE ceasefire DROP COLUMN agreed_at_unit, DROP COLUMN effective_at_unit"
    )
