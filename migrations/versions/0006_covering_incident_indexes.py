"""Incident indexes that cover what a page walk reads, so the walk never visits a table's heap.

A page walks an index in sort order and tests each candidate (its other time bound, whether it is
denied) until it has 50 incidents. With the ids and the other sort key in the index, each test is
an index read: at 1,000,000 events a `status=disputed` page tested some 3,000 candidates, each
with a heap fetch, and a country's 90-day window read each of its 2,800 rows from the heap to sort
them. Index-only scans need the visibility map, which VACUUM (and autovacuum) keeps.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# name: (table, key columns, covered columns, predicate)
COVERING = {
    "event_incident_stated_idx": ("event", "stated_at, seq", "id, occurred_from", "WHERE kind = 'accusation'"),
    "event_incident_occurred_idx": ("event", "occurred_from, seq", "id, stated_at", "WHERE kind = 'accusation'"),
    "incident_actor_stated_idx": ("incident_actor", "actor_id, stated_at, seq", "side, event_id, occurred_from", ""),
    "incident_actor_occurred_idx": ("incident_actor", "actor_id, occurred_from, seq", "side, event_id, stated_at", ""),
    "incident_place_stated_idx": ("incident_place", "location_id, stated_at, seq", "event_id, occurred_from", ""),
    "incident_place_occurred_idx": ("incident_place", "location_id, occurred_from, seq", "event_id, stated_at", ""),
}
# 0002's definitions, for the downgrade.
PLAIN = {
    "event_incident_stated_idx": ("event", "stated_at, seq", "", "WHERE kind = 'accusation'"),
    "event_incident_occurred_idx": ("event", "occurred_from, seq", "", "WHERE kind = 'accusation'"),
    "incident_actor_stated_idx": ("incident_actor", "actor_id, stated_at, seq", "side", ""),
    "incident_actor_occurred_idx": ("incident_actor", "actor_id, occurred_from, seq", "side", ""),
    "incident_place_stated_idx": ("incident_place", "location_id, stated_at, seq", "", ""),
    "incident_place_occurred_idx": ("incident_place", "location_id, occurred_from, seq", "", ""),
}


def _rebuild(definitions: dict) -> None:
    for name, (table, keys, covered, predicate) in definitions.items():
        include = f" INCLUDE ({covered})" if covered else ""
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON {table} ({keys}){include} {predicate}")


def upgrade() -> None:
    _rebuild(COVERING)


def downgrade() -> None:
    _rebuild(PLAIN)
