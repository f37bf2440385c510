"""One claim, many sources: an entry of kind `mention` records that another source reports a
statement already in the log, or that the statement's side said it again.

Recording a real article found the Prime Minister's office backing its army's accusation, and a
second outlet carrying the same claim; each became an incident of its own and the claim was
counted twice. A mention `cites` the statement (an accusation, a denial or a retraction as first
recorded); its claimant is on the side of the statement's claimant (the same actor, when another
source reports it); it has its own source, quotes, channel and time, and no target, act, places
or time of the act: it restates. It changes no incident's status and starts no incident. Reads
count how many sources and publishers report an incident's accusation: its own source and those
of its mentions.

The rules hold for every writer (`event_mention_shape`, `event_mention_cites_statement`,
`event_mention_by_same_side`); the canonical form of an entry gains `cites` where it has one, so
no existing hash changes. The column is added without a default and the checks are NOT VALID:
the migration holds event's lock for a moment whatever the log's size.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KINDS = "'accusation', 'denial', 'retraction', 'review'"
NOT_ACTS = (
    "target_id IS NULL AND act_id IS NULL AND occurred_from IS NULL AND occurred_to IS NULL AND time_precision IS NULL"
)
CLAIM = (
    "claimant_id IS NOT NULL AND target_id IS NOT NULL AND act_id IS NOT NULL AND occurred_from IS NOT NULL "
    "AND occurred_to IS NOT NULL AND time_precision IS NOT NULL AND stated_at IS NOT NULL AND source_id IS NOT NULL"
)

RULES = r"""
CREATE FUNCTION mention_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    SELECT n.id, cited.kind INTO broken
      FROM new_events n JOIN event cited ON cited.id = n.cites
     WHERE cited.kind NOT IN ('accusation', 'denial', 'retraction') OR cited.corrects IS NOT NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'mention %: it cites a %, not a statement (an accusation, a denial or a retraction as first recorded)', broken.id, broken.kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_mention_cites_statement';
    END IF;

    -- subpath(path, 0, 1) is the top-level actor: the side an actor belongs to.
    SELECT n.id, claimant.slug AS claimant, said.slug AS said INTO broken
      FROM new_events n
      JOIN event cited ON cited.id = n.cites
      JOIN actor claimant ON claimant.id = n.claimant_id
      JOIN actor said ON said.id = cited.claimant_id
     WHERE NOT subpath(said.path, 0, 1) @> claimant.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'mention %: % is not on the side of %, who made the statement it cites', broken.id, broken.claimant, broken.said
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_mention_by_same_side';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER mention_rules AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION mention_rules();
"""


def _revision(name: str):
    """A sibling revision's module, for the canonical form it wrote."""
    spec = importlib.util.spec_from_file_location(f"revision_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    channels = _revision("0017_channels_and_numbers")
    op.execute(f"""
        ALTER TABLE event
          ADD COLUMN cites uuid,
          ADD CONSTRAINT event_cites_fkey FOREIGN KEY (cites) REFERENCES event (id) NOT VALID,
          DROP CONSTRAINT event_kind_known,
          ADD CONSTRAINT event_kind_known CHECK (kind IN ({KINDS}, 'mention')) NOT VALID,
          DROP CONSTRAINT event_claim_complete,
          ADD CONSTRAINT event_claim_complete CHECK (kind IN ('review', 'mention') OR ({CLAIM})) NOT VALID,
          ADD CONSTRAINT event_mention_shape CHECK ((kind = 'mention') = (cites IS NOT NULL) AND (kind <> 'mention' OR (
              {NOT_ACTS} AND claimant_id IS NOT NULL AND stated_at IS NOT NULL AND source_id IS NOT NULL
              AND responds_to IS NULL AND corrects IS NULL))) NOT VALID;
        CREATE INDEX event_cites_idx ON event (cites, seq) WHERE cites IS NOT NULL;
    """)
    op.execute(RULES)
    op.execute(channels.CANONICAL.format(fields=channels.NEW_FIELDS + ",\n    'cites', entry.cites::text"))


def downgrade() -> None:
    channels = _revision("0017_channels_and_numbers")
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM event WHERE kind = 'mention') THEN "
        "RAISE EXCEPTION 'mentions are in the log: revision 0021 cannot hold them'; END IF; END $$"
    )
    op.execute(channels.CANONICAL.format(fields=channels.NEW_FIELDS))
    op.execute("DROP TRIGGER mention_rules ON event; DROP FUNCTION mention_rules();")
    op.execute(f"""
        DROP INDEX event_cites_idx;
        ALTER TABLE event
          DROP CONSTRAINT event_mention_shape,
          DROP CONSTRAINT event_claim_complete,
          ADD CONSTRAINT event_claim_complete CHECK (kind = 'review' OR ({CLAIM})) NOT VALID,
          DROP CONSTRAINT event_kind_known,
          ADD CONSTRAINT event_kind_known CHECK (kind IN ({KINDS})) NOT VALID,
          DROP COLUMN cites;
    """)
