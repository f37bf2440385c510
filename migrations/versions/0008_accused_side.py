"""The accused side is the whole tree of the target's top-level actor.

A state speaks for its bodies: when Azerbaijan's military is accused, Azerbaijan, its foreign
ministry or its president may deny it. Until now only the target or an actor beneath it could
(`event_denial_by_accused`); now any actor beneath the target's top-level actor may, and never
one on the accuser's side (`event_denial_not_by_accuser`, which only matters when accuser and
accused share a top-level actor).

Replacing a function takes a brief lock on nothing but the function; the trigger that calls it
is unchanged. Events already in the log were checked under the narrower rule, so they hold.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# event_rules() as 0001 wrote it, up to the rule that changes.
COMMON = r"""
CREATE OR REPLACE FUNCTION event_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    SELECT n.id, claimant.slug AS claimant, target.slug AS target INTO broken
      FROM new_events n
      JOIN actor claimant ON claimant.id = n.claimant_id
      JOIN actor target ON target.id = n.target_id
     WHERE claimant.path @> target.path OR target.path @> claimant.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: claimant % and target % are in one hierarchy', broken.id, broken.claimant, broken.target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_parties_apart';
    END IF;

    SELECT n.id, n.target_id, accusation.claimant_id INTO broken
      FROM new_events n JOIN event accusation ON accusation.id = n.responds_to
     WHERE n.kind = 'denial' AND n.target_id <> accusation.claimant_id
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'denial %: its target must be the accuser of the accusation it denies', broken.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_denial_targets_accuser';
    END IF;
"""

UPGRADE = (
    COMMON
    + r"""
    -- subpath(path, 0, 1) is the top-level actor: the side an actor belongs to.
    SELECT n.id, denier.slug AS denier, accused.slug AS accused INTO broken
      FROM new_events n
      JOIN event accusation ON accusation.id = n.responds_to
      JOIN actor denier ON denier.id = n.claimant_id
      JOIN actor accused ON accused.id = accusation.target_id
     WHERE n.kind = 'denial' AND NOT subpath(accused.path, 0, 1) @> denier.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'denial %: % may not deny an accusation against %; only the accused side may', broken.id, broken.denier, broken.accused
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_denial_by_accused';
    END IF;

    SELECT n.id, denier.slug AS denier, accuser.slug AS accuser INTO broken
      FROM new_events n
      JOIN event accusation ON accusation.id = n.responds_to
      JOIN actor denier ON denier.id = n.claimant_id
      JOIN actor accuser ON accuser.id = accusation.claimant_id
     WHERE n.kind = 'denial' AND subpath(accuser.path, 0, 1) @> denier.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'denial %: % is on the side of the accuser, %', broken.id, broken.denier, broken.accuser
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_denial_not_by_accuser';
    END IF;
    RETURN NULL;
END $$;
"""
)

DOWNGRADE = (
    COMMON
    + r"""
    SELECT n.id, denier.slug AS denier, accused.slug AS accused INTO broken
      FROM new_events n
      JOIN event accusation ON accusation.id = n.responds_to
      JOIN actor denier ON denier.id = n.claimant_id
      JOIN actor accused ON accused.id = accusation.target_id
     WHERE n.kind = 'denial' AND NOT accused.path @> denier.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'denial %: % may not deny an accusation against %; only the accused side may', broken.id, broken.denier, broken.accused
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_denial_by_accused';
    END IF;
    RETURN NULL;
END $$;
"""
)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
