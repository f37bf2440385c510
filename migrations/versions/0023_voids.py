"""A recording mistake can be withdrawn: an entry of kind `void` names the entry it withdraws in
`voids`, with its reason as its summary.

Trying the log on real articles left two wrong entries in it for good: a correction may not change
what an entry answers, and a retraction would say, falsely, that the claimant withdrew its claim.
A void says nothing of the claimant: it records that the entry was recorded by mistake (a test
entry, a duplicate, a wrong link). The voided entry stays in the log, and reads as of a seq before
the void show it; from the void on it leaves every read of the current state:

- a voided accusation (a counter-accusation too) is no longer an incident: its incident_state
  stretch ends at the void and no other begins; its incident_actor and incident_place rows end
  there, as a correction ends a version's;
- a voided denial, retraction, review or counter-accusation no longer counts in the state of the
  incident it answered, which is derived again at the void (incident_state_at skips what was
  voided by then); a voided mention no longer counts among the incident's sources.

Rules, for every writer: a void withdraws an earlier original entry that is not a void
(`event_voids_entry`), once (`event_one_void`), and is written by the key that recorded that
entry or an editor's or admin's (`event_void_by_recorder`); nothing answers, cites, corrects or
voids an entry after it was voided (`event_not_voided`); a void has no claimant, target, act,
places, time, source or quotes (`event_void_shape`). The canonical form gains `voids` where an
entry has it: no existing hash changes.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def _revision(name: str):
    """A sibling revision's module, for what it wrote that this one extends."""
    spec = importlib.util.spec_from_file_location(f"revision_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


KINDS = "'accusation', 'denial', 'retraction', 'review', 'mention'"
CLAIM = _revision("0022_mentions").CLAIM
NOTHING_SAID = " AND ".join(
    f"{column} IS NULL"
    for column in (
        "claimant_id", "target_id", "act_id", "occurred_from", "occurred_to", "time_precision", "stated_at",
        "responds_to", "corrects", "cites", "verdict", "source_id", "ceasefire_id", "channel", "channel_name",
        "via", "violations", "killed", "injured", "civilians_killed", "civilians_injured",
    )
)  # fmt: skip

EVENT = f"""
ALTER TABLE event
  ADD COLUMN voids uuid,
  ADD CONSTRAINT event_voids_fkey FOREIGN KEY (voids) REFERENCES event (id) NOT VALID,
  DROP CONSTRAINT event_kind_known,
  ADD CONSTRAINT event_kind_known CHECK (kind IN ({KINDS}, 'void')) NOT VALID,
  DROP CONSTRAINT event_claim_complete,
  ADD CONSTRAINT event_claim_complete CHECK (kind IN ('review', 'mention', 'void') OR ({CLAIM})) NOT VALID,
  ADD CONSTRAINT event_void_shape CHECK (
      (kind = 'void') = (voids IS NOT NULL) AND (kind <> 'void' OR ({NOTHING_SAID}))) NOT VALID;
CREATE UNIQUE INDEX event_one_void ON event (voids) WHERE voids IS NOT NULL;
"""

RULES = r"""
CREATE FUNCTION entry_voided(entry uuid, at_seq bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM event v WHERE v.voids = entry AND v.seq <= at_seq)
$$;

CREATE FUNCTION void_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    SELECT n.id, o.id AS voided INTO broken
      FROM new_events n JOIN event o ON o.id = n.voids
     WHERE o.corrects IS NOT NULL OR o.kind = 'void' OR o.seq >= n.seq
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'void %: it withdraws an earlier original entry that is not a void, and % is not one', broken.id, broken.voided
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_voids_entry';
    END IF;

    SELECT n.id, n.recorded_by, o.recorded_by AS recorder INTO broken
      FROM new_events n JOIN event o ON o.id = n.voids
     WHERE n.recorded_by <> o.recorded_by
       AND NOT EXISTS (SELECT 1 FROM api_key k WHERE k.name = n.recorded_by AND k.role IN ('editor', 'admin')
                                                 AND k.revoked_at IS NULL)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'void %: % may not void what % recorded; only that key or an editor or admin may', broken.id, broken.recorded_by, broken.recorder
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_void_by_recorder';
    END IF;

    SELECT n.id, v.voids AS voided INTO broken
      FROM new_events n JOIN event v ON v.voids IN (n.responds_to, n.cites, n.corrects, n.voids) AND v.seq < n.seq
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: % was voided; nothing answers, cites, corrects or voids it since', broken.id, broken.voided
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_not_voided';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER void_rules AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION void_rules();

-- A voided accusation's actor and place rows end at the void. (Named to fire after
-- incident_actor_fill, which writes the rows of an accusation loaded in the same statement.)
CREATE FUNCTION incident_void() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_events WHERE kind = 'void') THEN
        RETURN NULL;
    END IF;
    UPDATE incident_actor x SET superseded_seq = n.seq FROM new_events n
     WHERE n.kind = 'void' AND x.event_id = n.voids AND x.superseded_seq IS NULL;
    UPDATE incident_place x SET superseded_seq = n.seq FROM new_events n
     WHERE n.kind = 'void' AND x.event_id = n.voids AND x.superseded_seq IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER incident_void AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION incident_void();
"""

DROP_RULES = """
DROP TRIGGER incident_void ON event; DROP FUNCTION incident_void();
DROP TRIGGER void_rules ON event; DROP FUNCTION void_rules();
"""

# incident_place_fill as 0012 wrote it; {ended}: the entries that end an accusation's version.
PLACE_FILL = r"""
CREATE OR REPLACE FUNCTION incident_place_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_place (event_id, location_id, stated_at, occurred_from, seq, corrected_seq, superseded_seq)
    SELECT DISTINCT coalesce(e.corrects, e.id), above.id, e.stated_at, e.occurred_from,
           CASE WHEN e.corrects IS NULL THEN e.seq ELSE (SELECT o.seq FROM event o WHERE o.id = e.corrects) END,
           CASE WHEN e.corrects IS NULL THEN 0 ELSE e.seq END,
           -- A correction already in the log (a bulk load writes events before their places).
           (SELECT min(later.seq) FROM event later
             WHERE {ended} AND later.seq > e.seq)
      FROM new_links l
      JOIN event e ON e.id = l.event_id AND e.kind = 'accusation'
      JOIN location place ON place.id = l.location_id
      JOIN location above ON above.path @> place.path
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
"""
CORRECTED = "later.corrects = coalesce(e.corrects, e.id)"
CORRECTED_OR_VOIDED = "(later.corrects = coalesce(e.corrects, e.id) OR later.voids = coalesce(e.corrects, e.id))"

# The state of an incident as of a seq, as 0019 derives it, with what was voided by then left out;
# a voided incident has no state.
STATE_AT = r"""
CREATE OR REPLACE FUNCTION incident_state_at(incident uuid, at_seq bigint)
RETURNS TABLE (seq bigint, version_seq bigint, stated_at timestamptz, occurred_from timestamptz,
               ceasefire_id bigint, act_id bigint, status text, assessment text)
LANGUAGE sql STABLE AS $$
    SELECT a.seq, coalesce(latest.seq, a.seq),
           coalesce(latest.stated_at, a.stated_at), coalesce(latest.occurred_from, a.occurred_from),
           CASE WHEN latest.seq IS NULL THEN a.ceasefire_id ELSE latest.ceasefire_id END,
           coalesce(latest.act_id, a.act_id),
           CASE WHEN EXISTS (SELECT 1 FROM event r WHERE r.responds_to = incident AND r.kind = 'retraction'
                                AND r.corrects IS NULL AND r.seq <= at_seq AND NOT entry_voided(r.id, at_seq))
                    THEN 'retracted'
                WHEN EXISTS (SELECT 1 FROM event d WHERE d.responds_to = incident AND d.kind = 'denial'
                                AND d.corrects IS NULL AND d.seq <= at_seq AND NOT entry_voided(d.id, at_seq)
                                AND NOT EXISTS (SELECT 1 FROM event r WHERE r.responds_to = d.id
                                                   AND r.kind = 'retraction' AND r.corrects IS NULL
                                                   AND r.seq <= at_seq AND NOT entry_voided(r.id, at_seq)))
                    THEN 'disputed'
                WHEN EXISTS (SELECT 1 FROM event c WHERE c.responds_to = incident AND c.kind = 'accusation'
                                AND c.corrects IS NULL AND c.seq <= at_seq AND NOT entry_voided(c.id, at_seq)
                                AND NOT EXISTS (SELECT 1 FROM event r WHERE r.responds_to = c.id
                                                   AND r.kind = 'retraction' AND r.corrects IS NULL
                                                   AND r.seq <= at_seq AND NOT entry_voided(r.id, at_seq)))
                    THEN 'countered'
                ELSE 'uncontested' END,
           (SELECT r.verdict FROM event r WHERE r.responds_to = incident AND r.kind = 'review' AND r.seq <= at_seq
               AND NOT entry_voided(r.id, at_seq)
             ORDER BY r.seq DESC LIMIT 1)
      FROM event a
      LEFT JOIN LATERAL (SELECT c.seq, c.stated_at, c.occurred_from, c.ceasefire_id, c.act_id FROM event c
                          WHERE c.corrects = incident AND c.seq <= at_seq ORDER BY c.seq DESC LIMIT 1) latest ON true
     WHERE a.id = incident AND NOT entry_voided(incident, at_seq)
$$;
"""

# A void changes the incident the entry it withdraws belongs to (ending it, when that entry is its
# accusation), and the incident a voided counter-accusation, or a voided retraction of one, answers.
VOIDS = r"""
    UNION ALL
    SELECT n.seq, 'void', NULL, NULL, NULL, NULL, NULL, affected.incident_id
      FROM {entries} n
      JOIN event v ON v.id = n.voids
     CROSS JOIN LATERAL (
          SELECT CASE WHEN v.kind = 'accusation' THEN v.id
                      WHEN v.kind = 'mention' THEN NULL
                      WHEN v.kind = 'retraction' AND v.responds_to_kind = 'denial'
                          THEN (SELECT d.responds_to FROM event d WHERE d.id = v.responds_to)
                      ELSE v.responds_to END
          UNION ALL
          SELECT CASE WHEN v.kind = 'accusation' THEN v.responds_to
                      WHEN v.kind = 'retraction' AND v.responds_to_kind = 'accusation'
                          THEN (SELECT c.responds_to FROM event c WHERE c.id = v.responds_to) END
     ) affected (incident_id)
     WHERE n.kind = 'void'"""


def fill_trigger(counters) -> str:
    """incident_state_fill as 0019 made it, with the changes a void makes."""
    fill = (
        counters.STATE_CHANGES.format(
            entries="new_events",
            answers=counters.ANSWERS.format(entries="new_events") + VOIDS.format(entries="new_events"),
            only="",
        )
        + counters.HIGH_WATER
    )
    return rf"""
CREATE OR REPLACE FUNCTION incident_state_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM new_events) = 1 THEN
        {fill};
    ELSE
        EXECUTE $fill${fill}$fill$;
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    channels, counters = _revision("0017_channels_and_numbers"), _revision("0019_counter_accusations")
    op.execute(EVENT)
    op.execute(RULES)
    op.execute(PLACE_FILL.format(ended=CORRECTED_OR_VOIDED))
    op.execute(STATE_AT)
    op.execute(fill_trigger(counters))
    op.execute(
        channels.CANONICAL.format(
            fields=channels.NEW_FIELDS + ",\n    'cites', entry.cites::text,\n    'voids', entry.voids::text"
        )
    )


def downgrade() -> None:
    channels, counters = _revision("0017_channels_and_numbers"), _revision("0019_counter_accusations")
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM event WHERE kind = 'void') THEN "
        "RAISE EXCEPTION 'voids are in the log: revision 0022 cannot hold them'; END IF; END $$"
    )
    op.execute(channels.CANONICAL.format(fields=channels.NEW_FIELDS + ",\n    'cites', entry.cites::text"))
    op.execute(counters.fill_trigger(answers=True))
    op.execute(counters.STATE_AT.format(countered=counters.COUNTERED))
    op.execute(PLACE_FILL.format(ended=CORRECTED))
    op.execute(DROP_RULES)
    op.execute("DROP FUNCTION entry_voided(uuid, bigint)")
    op.execute(f"""
        DROP INDEX event_one_void;
        ALTER TABLE event
          DROP CONSTRAINT event_void_shape,
          DROP CONSTRAINT event_claim_complete,
          ADD CONSTRAINT event_claim_complete CHECK (kind IN ('review', 'mention') OR ({CLAIM})) NOT VALID,
          DROP CONSTRAINT event_kind_known,
          ADD CONSTRAINT event_kind_known CHECK (kind IN ({KINDS})) NOT VALID,
          DROP COLUMN voids;
    """)
