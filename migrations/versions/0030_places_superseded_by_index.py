"""The places of an accusation loaded in bulk find what supersedes them by index.

incident_place_fill (0023) gives each place row the seq of the first later correction or void
of its accusation, for entries whose places a bulk load writes after entries that correct them.
It asked for both at once (`corrects = id OR voids = id`), which no index answers: each new row
read the log whole. A bulk load of 20,000 entries into a fresh log took 97 s in that one
statement (pg_stat_user_functions), 186 entries a second in all. Asked apart, each is one probe
of its own partial index (event_corrects_idx, event_one_void), and the earlier is the answer.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

EITHER = """(SELECT min(later.seq) FROM event later
             WHERE (later.corrects = coalesce(e.corrects, e.id) OR later.voids = coalesce(e.corrects, e.id)) AND later.seq > e.seq)"""
EACH = """least((SELECT min(later.seq) FROM event later
                   WHERE later.corrects = coalesce(e.corrects, e.id) AND later.seq > e.seq),
                 (SELECT later.seq FROM event later
                   WHERE later.voids = coalesce(e.corrects, e.id) AND later.seq > e.seq))"""


def _rewrite(old: str, new: str) -> None:
    body = op.get_bind().exec_driver_sql("SELECT pg_get_functiondef('incident_place_fill'::regproc)").scalar()
    assert body.count(old) == 1, old
    op.execute(body.replace(old, new))


def upgrade() -> None:
    _rewrite(EITHER, EACH)


def downgrade() -> None:
    _rewrite(EACH, EITHER)
