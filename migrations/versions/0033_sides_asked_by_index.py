"""Whether a speaker is on a party's side is asked of the party's coalition members by index.

on_side_of (0024) joined a coalition's members to the actors in one EXISTS, and PostgreSQL,
planning it once for any party, walked every actor testing its tree before it looked for the
party's members: a bulk load of 20,000 entries called it 12,215 times and `subpath` 1.2 million
times (pg_stat_user_functions), 0.46 s. Each member's tree is now looked up from the member
row, so a party that is no coalition costs one probe of actor_member's key.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""

from migrations import functions

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

JOINED = """OR EXISTS (SELECT 1 FROM actor_member m JOIN actor member ON member.id = m.member_id
                    WHERE m.coalition_id = party AND subpath(member.path, 0, 1) @> speaker)"""
PROBED = """OR EXISTS (SELECT 1 FROM actor_member m
                    WHERE m.coalition_id = party
                      AND subpath((SELECT member.path FROM actor member WHERE member.id = m.member_id), 0, 1) @> speaker)"""


def upgrade() -> None:
    functions.rewrite("on_side_of", [(JOINED, PROBED)])


def downgrade() -> None:
    functions.rewrite("on_side_of", [(PROBED, JOINED)])
