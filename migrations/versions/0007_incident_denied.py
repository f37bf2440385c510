"""incident_denied: the accusations that have been denied, in page order.

"Which incidents are disputed" is the question users ask most. Answered from the event table, a
page walks the newest accusations and probes each for a denial; the newest are seldom denied
yet (a denial comes hours or days later), so at 1,000,000 events a page probed some 3,000
accusations to find 50 disputed ones. This table holds one row per denied accusation, with its
sort keys, written by a trigger when its first denial is appended; a page of disputed incidents
is then the first 50 entries of one index. Like the other incident indexes it is derived from
the log, takes rows only from its trigger, and is never updated.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


UPGRADE = r"""
CREATE TABLE incident_denied (
    event_id      uuid NOT NULL CONSTRAINT incident_denied_pkey PRIMARY KEY,
    stated_at     timestamptz NOT NULL,
    occurred_from timestamptz NOT NULL,
    seq           bigint NOT NULL
);

INSERT INTO incident_denied (event_id, stated_at, occurred_from, seq)
SELECT a.id, a.stated_at, a.occurred_from, a.seq
  FROM event a
 WHERE a.kind = 'accusation'
   AND EXISTS (SELECT 1 FROM event d WHERE d.responds_to = a.id AND d.kind = 'denial');

CREATE INDEX incident_denied_stated_idx ON incident_denied (stated_at, seq) INCLUDE (event_id, occurred_from);
CREATE INDEX incident_denied_occurred_idx ON incident_denied (occurred_from, seq) INCLUDE (event_id, stated_at);

CREATE FUNCTION incident_denied_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_denied (event_id, stated_at, occurred_from, seq)
    SELECT DISTINCT a.id, a.stated_at, a.occurred_from, a.seq
      FROM new_events n JOIN event a ON a.id = n.responds_to
     WHERE n.kind = 'denial'
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER incident_denied_fill AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION incident_denied_fill();

CREATE TRIGGER incident_denied_derived_only BEFORE INSERT ON incident_denied
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER incident_denied_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incident_denied
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""

DOWNGRADE = r"""
DROP TRIGGER incident_denied_fill ON event;
DROP FUNCTION incident_denied_fill();
DROP TABLE incident_denied;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
