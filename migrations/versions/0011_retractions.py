"""Retractions: a side withdraws an accusation or a denial it made.

A retraction responds to an accusation or a denial, is made by the same side (the tree of the
top-level actor of the statement's claimant) and has the statement's target as its own; a
statement is retracted at most once, and a retraction is not itself retracted (it can answer
only an accusation or a denial). An incident is `retracted` when its accusation is; a denial
that was retracted no longer disputes it.

Two derived tables, written only by triggers and never updated, keep the status filters
index-backed: incident_retracted (accusations that were retracted, with their sort keys, walked
by `status=retracted`) and incident_withdrawal (one row per statement withdrawn in an incident's
thread, the accusation or a denial). A denied accusation with no withdrawal in its thread is
disputed after one probe of that small index; only the few with one are looked at closely.

On a log of 1,000,000 events: the CHECK constraints are added NOT VALID (every existing row is an
accusation or a denial, which they allow), so nothing scans; the unique partial index scans the
event table once to build (a few seconds at that size, during which writes wait), and holds only
retractions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


UPGRADE = r"""
ALTER TABLE event
    DROP CONSTRAINT event_kind_known,
    ADD CONSTRAINT event_kind_known CHECK (kind IN ('accusation', 'denial', 'retraction')) NOT VALID,
    DROP CONSTRAINT event_responds_to_accusation,
    -- What each kind may answer: a retraction an accusation or a denial, the others an accusation.
    ADD CONSTRAINT event_responds_to_kind_known CHECK (
        CASE WHEN kind = 'retraction' THEN responds_to_kind IN ('accusation', 'denial')
             ELSE responds_to_kind = 'accusation' END) NOT VALID,
    ADD CONSTRAINT event_retraction_responds CHECK (kind <> 'retraction' OR responds_to IS NOT NULL) NOT VALID;

CREATE UNIQUE INDEX event_one_retraction ON event (responds_to) WHERE kind = 'retraction';

CREATE FUNCTION retraction_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    SELECT n.id, withdrawer.slug AS withdrawer, speaker.slug AS speaker INTO broken
      FROM new_events n
      JOIN event statement ON statement.id = n.responds_to
      JOIN actor withdrawer ON withdrawer.id = n.claimant_id
      JOIN actor speaker ON speaker.id = statement.claimant_id
     WHERE n.kind = 'retraction' AND NOT subpath(speaker.path, 0, 1) @> withdrawer.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'retraction %: % may not withdraw what % said; only its own side may', broken.id, broken.withdrawer, broken.speaker
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_retraction_by_same_side';
    END IF;

    SELECT n.id INTO broken
      FROM new_events n JOIN event statement ON statement.id = n.responds_to
     WHERE n.kind = 'retraction' AND n.target_id <> statement.target_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'retraction %: its target must be the target of the statement it withdraws', broken.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_retraction_targets_target';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER retraction_rules AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION retraction_rules();
"""

# The status tables and their triggers (0012 makes them again when it steps down).
TABLES = r"""
CREATE TABLE incident_retracted (
    event_id      uuid NOT NULL CONSTRAINT incident_retracted_pkey PRIMARY KEY,
    stated_at     timestamptz NOT NULL,
    occurred_from timestamptz NOT NULL,
    seq           bigint NOT NULL,
    retracted_seq bigint NOT NULL
);
CREATE INDEX incident_retracted_stated_idx ON incident_retracted (stated_at, seq) INCLUDE (event_id, occurred_from);
CREATE INDEX incident_retracted_occurred_idx ON incident_retracted (occurred_from, seq) INCLUDE (event_id, stated_at);

CREATE TABLE incident_withdrawal (
    event_id      uuid NOT NULL,
    statement_id  uuid NOT NULL,
    retracted_seq bigint NOT NULL,
    CONSTRAINT incident_withdrawal_pkey PRIMARY KEY (event_id, statement_id)
);

CREATE FUNCTION incident_retracted_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_retracted (event_id, stated_at, occurred_from, seq, retracted_seq)
    SELECT a.id, a.stated_at, a.occurred_from, a.seq, n.seq
      FROM new_events n JOIN event a ON a.id = n.responds_to
     WHERE n.kind = 'retraction' AND n.responds_to_kind = 'accusation';
    INSERT INTO incident_withdrawal (event_id, statement_id, retracted_seq)
    SELECT CASE WHEN n.responds_to_kind = 'denial' THEN s.responds_to ELSE s.id END, s.id, n.seq
      FROM new_events n JOIN event s ON s.id = n.responds_to
     WHERE n.kind = 'retraction';
    RETURN NULL;
END $$;
CREATE TRIGGER incident_retracted_fill AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION incident_retracted_fill();

CREATE TRIGGER incident_retracted_derived_only BEFORE INSERT ON incident_retracted
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER incident_retracted_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_retracted
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER incident_withdrawal_derived_only BEFORE INSERT ON incident_withdrawal
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER incident_withdrawal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_withdrawal
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""

DOWNGRADE = r"""
DO $$ BEGIN
    -- The log is append-only: its retractions cannot be removed, so the schema cannot go back.
    IF EXISTS (SELECT 1 FROM event WHERE kind = 'retraction') THEN
        RAISE EXCEPTION 'the log holds retractions; a schema before 0011 cannot hold them';
    END IF;
END $$;
DROP TRIGGER incident_retracted_fill ON event;
DROP FUNCTION incident_retracted_fill();
DROP TABLE incident_withdrawal;
DROP TABLE incident_retracted;
DROP TRIGGER retraction_rules ON event;
DROP FUNCTION retraction_rules();
DROP INDEX event_one_retraction;
ALTER TABLE event
    DROP CONSTRAINT event_retraction_responds,
    DROP CONSTRAINT event_responds_to_kind_known,
    ADD CONSTRAINT event_responds_to_accusation CHECK (responds_to_kind = 'accusation') NOT VALID,
    DROP CONSTRAINT event_kind_known,
    ADD CONSTRAINT event_kind_known CHECK (kind IN ('accusation', 'denial')) NOT VALID;
"""


def upgrade() -> None:
    op.execute(UPGRADE + TABLES)


def downgrade() -> None:
    op.execute(DOWNGRADE)
