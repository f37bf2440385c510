"""An incident's state asks whether an entry was voided where the planner can see it.

incident_state_at (0023) asked `NOT entry_voided(id, at_seq)` of each entry of a thread: a call
into a function the planner cannot look into, priced at a hundred operators and made for every
row a scan passes. Deriving the states of a bulk load of 20,000 entries into a fresh log made
1,138,246 such calls (pg_stat_user_functions), 2.5 s of its 12.3 s. Written out as `NOT EXISTS`
over the void index (event_one_void), each is a probe the planner places and prices.

Nothing but this function calls entry_voided; it stays, for psql.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

import re

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

CALL = re.compile(r"NOT entry_voided\((\w+(?:\.id)?), at_seq\)")
PROBE = re.compile(r"NOT EXISTS \(SELECT 1 FROM event v WHERE v\.voids = (\w+(?:\.id)?) AND v\.seq <= at_seq\)")


def _rewrite(pattern: re.Pattern, replacement: str, calls: int) -> None:
    body = op.get_bind().exec_driver_sql("SELECT pg_get_functiondef('incident_state_at'::regproc)").scalar()
    rewritten, made = pattern.subn(replacement, body)
    assert made == calls, (made, calls)
    op.execute(rewritten)


def upgrade() -> None:
    _rewrite(CALL, r"NOT EXISTS (SELECT 1 FROM event v WHERE v.voids = \1 AND v.seq <= at_seq)", 7)


def downgrade() -> None:
    _rewrite(PROBE, r"NOT entry_voided(\1, at_seq)", 7)
