"""Indexes for the incident queries: by party, by place (each with everything beneath it), by
time, by ceasefire, by act, and full text.

"Claims by Azerbaijan" must find claims by its foreign minister, and "incidents in Azerbaijan"
must find Agdam, in page order and without sorting every match. So each accusation is written
once more per actor above its claimant and target, and per place above its locations, into
incident_actor and incident_place, with the accusation's sort keys; a page is then a walk down
one index. Triggers fill them from the event log, set-based per statement, so bulk loads pay a
join rather than a lookup per row; like the log they are never updated.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE INDEX event_incident_stated_idx ON event (stated_at, seq) WHERE kind = 'accusation';
CREATE INDEX event_incident_occurred_idx ON event (occurred_from, seq) WHERE kind = 'accusation';
CREATE INDEX event_incident_ceasefire_idx ON event (ceasefire_id, stated_at, seq) WHERE kind = 'accusation';
CREATE INDEX event_incident_act_idx ON event (act_id, stated_at, seq) WHERE kind = 'accusation';
CREATE INDEX event_incident_search_idx ON event USING gin (search) WHERE kind = 'accusation';

CREATE TABLE incident_actor (
    event_id      uuid NOT NULL CONSTRAINT incident_actor_event_fkey REFERENCES event (id),
    actor_id      bigint NOT NULL CONSTRAINT incident_actor_actor_fkey REFERENCES actor (id),
    -- Which side this actor is on: its claimant's, its target's, or (a common ancestor) both.
    side          text NOT NULL CONSTRAINT incident_actor_side_known CHECK (side IN ('claimant', 'target', 'both')),
    stated_at     timestamptz NOT NULL,
    occurred_from timestamptz NOT NULL,
    seq           bigint NOT NULL,
    CONSTRAINT incident_actor_pkey PRIMARY KEY (event_id, actor_id)
);
CREATE INDEX incident_actor_stated_idx ON incident_actor (actor_id, stated_at, seq) INCLUDE (side);
CREATE INDEX incident_actor_occurred_idx ON incident_actor (actor_id, occurred_from, seq) INCLUDE (side);

CREATE TABLE incident_place (
    event_id      uuid NOT NULL CONSTRAINT incident_place_event_fkey REFERENCES event (id),
    location_id   bigint NOT NULL CONSTRAINT incident_place_location_fkey REFERENCES location (id),
    stated_at     timestamptz NOT NULL,
    occurred_from timestamptz NOT NULL,
    seq           bigint NOT NULL,
    CONSTRAINT incident_place_pkey PRIMARY KEY (event_id, location_id)
);
CREATE INDEX incident_place_stated_idx ON incident_place (location_id, stated_at, seq);
CREATE INDEX incident_place_occurred_idx ON incident_place (location_id, occurred_from, seq);

CREATE FUNCTION incident_actor_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_actor (event_id, actor_id, side, stated_at, occurred_from, seq)
    SELECT n.id, above.id,
           CASE WHEN above.path @> claimant.path AND above.path @> target.path THEN 'both'
                WHEN above.path @> claimant.path THEN 'claimant'
                ELSE 'target' END,
           n.stated_at, n.occurred_from, n.seq
      FROM new_events n
      JOIN actor claimant ON claimant.id = n.claimant_id
      JOIN actor target ON target.id = n.target_id
      JOIN actor above ON above.path @> claimant.path OR above.path @> target.path
     WHERE n.kind = 'accusation';
    RETURN NULL;
END $$;
CREATE TRIGGER incident_actor_fill AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION incident_actor_fill();

CREATE FUNCTION incident_place_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_place (event_id, location_id, stated_at, occurred_from, seq)
    SELECT DISTINCT e.id, above.id, e.stated_at, e.occurred_from, e.seq
      FROM new_links l
      JOIN event e ON e.id = l.event_id AND e.kind = 'accusation'
      JOIN location place ON place.id = l.location_id
      JOIN location above ON above.path @> place.path
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER incident_place_fill AFTER INSERT ON event_location REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION incident_place_fill();

CREATE TRIGGER incident_actor_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_actor
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER incident_place_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_place
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""

DOWNGRADE = r"""
DROP TRIGGER incident_place_fill ON event_location;
DROP TRIGGER incident_actor_fill ON event;
DROP FUNCTION incident_place_fill();
DROP FUNCTION incident_actor_fill();
DROP TABLE incident_place;
DROP TABLE incident_actor;
DROP INDEX event_incident_search_idx;
DROP INDEX event_incident_act_idx;
DROP INDEX event_incident_ceasefire_idx;
DROP INDEX event_incident_occurred_idx;
DROP INDEX event_incident_stated_idx;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
