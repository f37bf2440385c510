"""The incident indexes take rows only from their fill triggers, and so need no foreign keys.

incident_actor and incident_place are derived from the log: 0002's triggers write them from rows
that have just passed every rule of the event table, and nothing may update or delete them. Their
foreign keys checked, row by row, what the triggers had just read from the referenced tables, and
cost a third of a bulk load. In their place, a statement-level guard refuses any insert that does
not come from a trigger, so no client can write a misleading row into them by hand.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE FUNCTION derived_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Depth 1 is this trigger itself on a client's statement; a fill trigger's insert is deeper.
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION '% is derived from the event log and written only by its triggers; append an event instead', TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation', CONSTRAINT = TG_TABLE_NAME || '_derived_only';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER incident_actor_derived_only BEFORE INSERT ON incident_actor
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER incident_place_derived_only BEFORE INSERT ON incident_place
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();

ALTER TABLE incident_actor DROP CONSTRAINT incident_actor_event_fkey, DROP CONSTRAINT incident_actor_actor_fkey;
ALTER TABLE incident_place DROP CONSTRAINT incident_place_event_fkey, DROP CONSTRAINT incident_place_location_fkey;
"""

DOWNGRADE = r"""
ALTER TABLE incident_place
    ADD CONSTRAINT incident_place_event_fkey FOREIGN KEY (event_id) REFERENCES event (id),
    ADD CONSTRAINT incident_place_location_fkey FOREIGN KEY (location_id) REFERENCES location (id);
ALTER TABLE incident_actor
    ADD CONSTRAINT incident_actor_event_fkey FOREIGN KEY (event_id) REFERENCES event (id),
    ADD CONSTRAINT incident_actor_actor_fkey FOREIGN KEY (actor_id) REFERENCES actor (id);
DROP TRIGGER incident_place_derived_only ON incident_place;
DROP TRIGGER incident_actor_derived_only ON incident_actor;
DROP FUNCTION derived_only();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
