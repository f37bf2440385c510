"""A response is never stated before the statement it answers.

A denial, a retraction or a counter-accusation dated before the accusation it answers says the
log's order of speech is wrong; the API refused nothing of the kind, and neither did the database.
The rule holds for entries appended from now on (a statement-level check over the rows each
statement inserts, as event_rules does): a log that already holds such a pair keeps it, and
`ceasefire-log verify` still passes over it. Nothing is locked beyond what an append locks.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION event_answers_after() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_events n JOIN event answered ON answered.id = n.responds_to
                WHERE n.stated_at < answered.stated_at) THEN
        RAISE EXCEPTION 'a response cannot be stated before the statement it answers'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_answers_after_statement';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_answers_after AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION event_answers_after();
"""

DOWNGRADE = r"""
DROP TRIGGER event_answers_after ON event;
DROP FUNCTION event_answers_after();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
