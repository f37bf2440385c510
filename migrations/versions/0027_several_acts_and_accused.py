"""Several acts, several accused: "mortar shelling and small-arms fire", a broker blaming "both
sides". An entry's first target and first act stay on its row (event.target_id, event.act_id),
so every entry written before lists keeps its record and its hash; the further ones, in the
order the report gives them, are rows of event_target and event_act (position 1 on).

They are written with their entry, before it, in its transaction (the key to event is checked
at the commit): the rules and the derived incident rows, which fire as the entry is inserted,
then see the whole list. A row for an entry already in the log is refused (`*_before_entry`):
nothing is added to a statement after it was made.

Rules, for every writer:
- only an accusation names several targets (`event_targets_of_accusations`); only an entry with
  an act names several (`event_acts_of_claims`); each once (`event_targets_distinct`,
  `event_acts_distinct`), none in the claimant's hierarchy (`event_parties_apart`);
- the accused side is every top-level tree among the targets (and each coalition member's): a
  denial or a counter-accusation may come from any of them (`answers_for`), and a
  counter-accusation's every target is on the accuser's side (`event_counter_at_accuser`).

Derived rows: incident_actor gains the further targets, and the members of a coalition that is
claimant or target (a party filter on a member then finds what its coalition said or was accused
of); incident_act (new) holds every act of each version of an accusation, as incident_place holds
its places, for the act filter and counts by act. The canonical form gains `targets` and `acts`
(the whole list) only where an entry names more than one: no existing hash changes.

On a large log: two empty tables and a column with a constant default (no rewrite); incident_act
is filled from the accusations, one row each (measured on this machine: 1.4 s for a log of
100,000 entries, 72,447 rows, so about 15 s a million), and incident_actor gains rows only for
coalitions.
Their derived-only triggers are set aside for the fill, which takes those two tables' ACCESS
EXCLUSIVE locks until the migration commits; event is only read.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

LISTS = """
-- How many further targets and acts an entry names (0 for nearly all): a read looks for them
-- only where there are some. A constant default: no table rewrite.
ALTER TABLE event ADD COLUMN more_named smallint NOT NULL DEFAULT 0
    CONSTRAINT event_more_named_counted CHECK (more_named >= 0);

CREATE TABLE event_target (
    event_id uuid NOT NULL CONSTRAINT event_target_event_fkey REFERENCES event (id) DEFERRABLE INITIALLY DEFERRED,
    actor_id bigint NOT NULL CONSTRAINT event_target_actor_fkey REFERENCES actor (id),
    position smallint NOT NULL CONSTRAINT event_target_position_range CHECK (position >= 1),
    CONSTRAINT event_target_pkey PRIMARY KEY (event_id, actor_id),
    CONSTRAINT event_target_position_key UNIQUE (event_id, position)
);
CREATE TABLE event_act (
    event_id uuid NOT NULL CONSTRAINT event_act_event_fkey REFERENCES event (id) DEFERRABLE INITIALLY DEFERRED,
    act_id   bigint NOT NULL CONSTRAINT event_act_act_fkey REFERENCES act (id),
    position smallint NOT NULL CONSTRAINT event_act_position_range CHECK (position >= 1),
    CONSTRAINT event_act_pkey PRIMARY KEY (event_id, act_id),
    CONSTRAINT event_act_position_key UNIQUE (event_id, position)
);

CREATE FUNCTION written_before_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows r JOIN event e ON e.id = r.event_id) THEN
        RAISE EXCEPTION '%: an entry''s further targets and acts are written with it, before it; '
                        'nothing is added to an entry already in the log', TG_TABLE_NAME
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_before_entry';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_target_before_entry AFTER INSERT ON event_target REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION written_before_entry();
CREATE TRIGGER event_act_before_entry AFTER INSERT ON event_act REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION written_before_entry();
CREATE TRIGGER event_target_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON event_target
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER event_act_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON event_act
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- Whether `speaker` answers for the side accused by `accusation`: its first target's, or any
-- further target's (each a tree, or for a coalition each member's).
CREATE FUNCTION answers_for(accusation uuid, target bigint, speaker ltree) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT on_side_of(target, speaker)
        OR EXISTS (SELECT 1 FROM event_target et WHERE et.event_id = accusation AND on_side_of(et.actor_id, speaker))
$$;

CREATE FUNCTION event_list_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    broken record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_events n WHERE n.more_named <> 0)
       AND NOT EXISTS (SELECT 1 FROM new_events n JOIN event_target et ON et.event_id = n.id)
       AND NOT EXISTS (SELECT 1 FROM new_events n JOIN event_act ea ON ea.event_id = n.id) THEN
        RETURN NULL;
    END IF;
    SELECT n.id INTO broken FROM new_events n
     WHERE n.more_named <> (SELECT count(*) FROM event_target et WHERE et.event_id = n.id)
                         + (SELECT count(*) FROM event_act ea WHERE ea.event_id = n.id)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: more_named is how many further targets and acts it names', broken.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_more_named_counted';
    END IF;
    SELECT n.id, n.kind INTO broken FROM new_events n JOIN event_target et ON et.event_id = n.id
     WHERE n.kind <> 'accusation' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%: only an accusation names several targets; a % answers one statement''s claimant', broken.id, broken.kind
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_targets_of_accusations';
    END IF;
    SELECT n.id INTO broken FROM new_events n JOIN event_act ea ON ea.event_id = n.id WHERE n.act_id IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%: only an entry with an act names several', broken.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_acts_of_claims';
    END IF;
    SELECT n.id, target.slug AS target INTO broken FROM new_events n JOIN event_target et ON et.event_id = n.id
      JOIN actor target ON target.id = et.actor_id WHERE et.actor_id = n.target_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: target % is named twice', broken.id, broken.target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_targets_distinct';
    END IF;
    SELECT n.id, a.slug AS act INTO broken FROM new_events n JOIN event_act ea ON ea.event_id = n.id
      JOIN act a ON a.id = ea.act_id WHERE ea.act_id = n.act_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: act % is named twice', broken.id, broken.act
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_acts_distinct';
    END IF;
    SELECT n.id, claimant.slug AS claimant, target.slug AS target INTO broken
      FROM new_events n JOIN event_target et ON et.event_id = n.id
      JOIN actor claimant ON claimant.id = n.claimant_id
      JOIN actor target ON target.id = et.actor_id
     WHERE claimant.path @> target.path OR target.path @> claimant.path
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'event %: claimant % and target % are in one hierarchy', broken.id, broken.claimant, broken.target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_parties_apart';
    END IF;
    SELECT n.id, target.slug AS target, accuser.slug AS accuser INTO broken
      FROM new_events n
      JOIN event_target et ON et.event_id = n.id
      JOIN event answered ON answered.id = n.responds_to
      JOIN actor target ON target.id = et.actor_id
      JOIN actor accuser ON accuser.id = answered.claimant_id
     WHERE n.kind = 'accusation' AND NOT on_side_of(accuser.id, target.path)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'counter-accusation %: its target % is not on the side of the accuser, %', broken.id, broken.target, broken.accuser
            USING ERRCODE = 'check_violation', CONSTRAINT = 'event_counter_at_accuser';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER event_list_rules AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION event_list_rules();

CREATE TABLE incident_act (
    event_id       uuid NOT NULL,
    act_id         bigint NOT NULL,
    -- The version's ceasefire, as incident_state's: "drone strikes after this ceasefire" walks
    -- one index, as it did on incident_state before acts were several (0005).
    ceasefire_id   bigint,
    stated_at      timestamptz NOT NULL,
    occurred_from  timestamptz NOT NULL,
    seq            bigint NOT NULL,
    corrected_seq  bigint NOT NULL DEFAULT 0,
    superseded_seq bigint,
    CONSTRAINT incident_act_pkey PRIMARY KEY (event_id, act_id, corrected_seq) INCLUDE (superseded_seq, seq)
);
CREATE INDEX incident_act_stated_idx ON incident_act (act_id, stated_at, seq)
    INCLUDE (event_id, occurred_from, corrected_seq, superseded_seq);
CREATE INDEX incident_act_occurred_idx ON incident_act (act_id, occurred_from, seq)
    INCLUDE (event_id, stated_at, corrected_seq, superseded_seq);
CREATE INDEX incident_act_ceasefire_idx ON incident_act (ceasefire_id, act_id, stated_at, seq)
    INCLUDE (event_id, occurred_from, corrected_seq, superseded_seq);
CREATE TRIGGER incident_act_append_only BEFORE DELETE OR TRUNCATE ON incident_act
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
CREATE TRIGGER incident_act_closes_once BEFORE UPDATE ON incident_act
    FOR EACH ROW EXECUTE FUNCTION derived_closes_once('superseded_seq');
CREATE TRIGGER incident_act_derived_only BEFORE INSERT ON incident_act
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER incident_act_derived_update BEFORE UPDATE ON incident_act
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
"""

# Each version of an accusation (as first recorded, then each correction), as the incident
# tables number it; `{source}` is the accusations to derive from.
VERSIONS = """
SELECT n.id, n.claimant_id, n.target_id, n.act_id, n.ceasefire_id, n.stated_at, n.occurred_from,
       coalesce(n.corrects, n.id) AS incident_id,
       CASE WHEN n.corrects IS NULL THEN n.seq ELSE (SELECT o.seq FROM event o WHERE o.id = n.corrects) END
           AS incident_seq,
       CASE WHEN n.corrects IS NULL THEN 0 ELSE n.seq END AS corrected_seq,
       {next_seq} AS next_seq
  FROM {source} n WHERE n.kind = 'accusation'
"""
NEXT_IN_BATCH = "lead(n.seq) OVER (PARTITION BY coalesce(n.corrects, n.id) ORDER BY n.seq)"
# Each asked apart, so that each is one probe of its own index (0030 says why).
NEXT_IN_LOG = (
    "least((SELECT min(later.seq) FROM event later WHERE later.corrects = coalesce(n.corrects, n.id) "
    "AND later.seq > n.seq), (SELECT later.seq FROM event later WHERE later.voids = coalesce(n.corrects, n.id) "
    "AND later.seq > n.seq))"
)

# The actors an incident's version involves, with the role each has: its claimant, its targets,
# and the members of a coalition among them; each row for an actor above one of them.
ACTOR_ROWS = """
INSERT INTO incident_actor (event_id, actor_id, side, stated_at, occurred_from, seq, corrected_seq, superseded_seq)
SELECT v.incident_id, above.id,
       CASE WHEN bool_or(p.role = 'claimant') AND bool_or(p.role = 'target') THEN 'both'
            WHEN bool_or(p.role = 'claimant') THEN 'claimant' ELSE 'target' END,
       v.stated_at, v.occurred_from, v.incident_seq, v.corrected_seq, v.next_seq
  FROM ({versions}) v
 CROSS JOIN LATERAL (
      SELECT 'claimant' AS role, v.claimant_id AS actor_id
      UNION ALL SELECT 'target', v.target_id
      UNION ALL SELECT 'target', et.actor_id FROM event_target et WHERE et.event_id = v.id
 ) named
 CROSS JOIN LATERAL (
      SELECT named.role, named.actor_id
      UNION ALL SELECT named.role, m.member_id FROM actor_member m WHERE m.coalition_id = named.actor_id
 ) p
  JOIN actor party ON party.id = p.actor_id
  JOIN actor above ON above.path @> party.path
 GROUP BY v.incident_id, above.id, v.stated_at, v.occurred_from, v.incident_seq, v.corrected_seq, v.next_seq
{conflict}
"""
ACT_ROWS = """
INSERT INTO incident_act (event_id, act_id, ceasefire_id, stated_at, occurred_from, seq, corrected_seq, superseded_seq)
SELECT v.incident_id, acts.act_id, v.ceasefire_id, v.stated_at, v.occurred_from, v.incident_seq, v.corrected_seq,
       v.next_seq
  FROM ({versions}) v
 CROSS JOIN LATERAL (
      SELECT v.act_id UNION ALL SELECT ea.act_id FROM event_act ea WHERE ea.event_id = v.id
 ) acts (act_id)
"""

DERIVED = ("incident_actor", "incident_place", "incident_act")
SUPERSEDED = """
    WITH corrected AS (SELECT corrects, min(seq) AS by_seq FROM new_events
                        WHERE kind = 'accusation' AND corrects IS NOT NULL GROUP BY corrects)
    UPDATE {table} x SET superseded_seq = c.by_seq
      FROM corrected c
     WHERE x.event_id = c.corrects AND x.superseded_seq IS NULL AND x.corrected_seq < c.by_seq;
"""
VOIDED = """
    UPDATE {table} x SET superseded_seq = n.seq FROM new_events n
     WHERE n.kind = 'void' AND x.event_id = n.voids AND x.superseded_seq IS NULL;
"""


def _ending(tables: tuple[str, ...]) -> str:
    """incident_supersede and incident_void over the derived tables that hold versions' rows."""
    return f"""
CREATE OR REPLACE FUNCTION incident_supersede() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_events WHERE kind = 'accusation' AND corrects IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    {"".join(SUPERSEDED.format(table=table) for table in tables)}
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION incident_void() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_events WHERE kind = 'void') THEN
        RETURN NULL;
    END IF;
    {"".join(VOIDED.format(table=table) for table in tables)}
    RETURN NULL;
END $$;
"""


FILLS = f"""
CREATE OR REPLACE FUNCTION incident_actor_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each version of an accusation gets rows of its own; one that a later entry of the same
    -- statement corrects is ended by it at once.
    {ACTOR_ROWS.format(versions=VERSIONS.format(source="new_events", next_seq=NEXT_IN_BATCH), conflict="")};
    RETURN NULL;
END $$;

CREATE FUNCTION incident_act_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ACT_ROWS.format(versions=VERSIONS.format(source="new_events", next_seq=NEXT_IN_BATCH))};
    RETURN NULL;
END $$;
CREATE TRIGGER incident_act_fill AFTER INSERT ON event REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION incident_act_fill();

{_ending(DERIVED)}
"""

ACTOR_FILL_0026 = """
CREATE OR REPLACE FUNCTION incident_actor_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_actor (event_id, actor_id, side, stated_at, occurred_from, seq, corrected_seq, superseded_seq)
    SELECT v.incident_id, above.id,
           CASE WHEN above.path @> claimant.path AND above.path @> target.path THEN 'both'
                WHEN above.path @> claimant.path THEN 'claimant'
                ELSE 'target' END,
           v.stated_at, v.occurred_from, v.incident_seq, v.corrected_seq, v.next_seq
      FROM (SELECT n.claimant_id, n.target_id, n.stated_at, n.occurred_from,
                   coalesce(n.corrects, n.id) AS incident_id,
                   CASE WHEN n.corrects IS NULL THEN n.seq ELSE (SELECT o.seq FROM event o WHERE o.id = n.corrects) END
                       AS incident_seq,
                   CASE WHEN n.corrects IS NULL THEN 0 ELSE n.seq END AS corrected_seq,
                   lead(n.seq) OVER (PARTITION BY coalesce(n.corrects, n.id) ORDER BY n.seq) AS next_seq
              FROM new_events n WHERE n.kind = 'accusation') v
      JOIN actor claimant ON claimant.id = v.claimant_id
      JOIN actor target ON target.id = v.target_id
      JOIN actor above ON above.path @> claimant.path OR above.path @> target.path;
    RETURN NULL;
END $$;
"""

# The log as it stands: every version's acts, and the members of the coalitions it names.
BACKFILL = f"""
ALTER TABLE incident_act DISABLE TRIGGER incident_act_derived_only;
{ACT_ROWS.format(versions=VERSIONS.format(source="event", next_seq=NEXT_IN_LOG))};
ALTER TABLE incident_act ENABLE TRIGGER incident_act_derived_only;
ALTER TABLE incident_actor DISABLE TRIGGER incident_actor_derived_only;
{
    ACTOR_ROWS.format(
        versions=VERSIONS.format(source="event", next_seq=NEXT_IN_LOG)
        + " AND EXISTS (SELECT 1 FROM actor_member m WHERE m.coalition_id IN (n.claimant_id, n.target_id))",
        conflict="ON CONFLICT DO NOTHING",
    )
};
ALTER TABLE incident_actor ENABLE TRIGGER incident_actor_derived_only;
"""

# The canonical form's lists, after its `act`: present only where an entry names more than one.
CANONICAL_ACT = "    'act', (SELECT a.slug::text FROM act a WHERE a.id = entry.act_id),\n"
CANONICAL_LISTS = """    'targets', (SELECT jsonb_build_array((SELECT a.slug::text FROM actor a WHERE a.id = entry.target_id))
                       || jsonb_agg(a.slug::text ORDER BY et.position)
                  FROM event_target et JOIN actor a ON a.id = et.actor_id WHERE et.event_id = entry.id
                HAVING count(*) > 0),
    'acts', (SELECT jsonb_build_array((SELECT a.slug::text FROM act a WHERE a.id = entry.act_id))
                    || jsonb_agg(a.slug::text ORDER BY ea.position)
               FROM event_act ea JOIN act a ON a.id = ea.act_id WHERE ea.event_id = entry.id
             HAVING count(*) > 0),
"""

# Who may answer an accusation: its accused side is now every target's.
ANSWERERS = {
    "event_rules": (
        "NOT on_side_of(accused.id, denier.path)",
        "NOT answers_for(accusation.id, accused.id, denier.path)",
    ),
    "counter_accusation_rules": (
        "NOT on_side_of(accused.id, claimant.path)",
        "NOT answers_for(answered.id, accused.id, claimant.path)",
    ),
}


def _replace(function: str, old: str, new: str) -> None:
    """Create `function` again as the database holds it, with `old` written `new`."""
    body = op.get_bind().exec_driver_sql(f"SELECT pg_get_functiondef('{function}'::regproc)").scalar()
    assert body.count(old) == 1, (function, old)
    op.execute(body.replace(old, new))


def upgrade() -> None:
    op.execute(LISTS)
    op.execute(FILLS)
    for function, (old, new) in ANSWERERS.items():
        _replace(function, old, new)
    _replace("entry_canonical", CANONICAL_ACT, CANONICAL_ACT + CANONICAL_LISTS)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM event_target) OR EXISTS (SELECT 1 FROM event_act) THEN "
        "RAISE EXCEPTION 'entries name several targets or acts: revision 0026 cannot hold them'; END IF; END $$"
    )
    _replace("entry_canonical", CANONICAL_ACT + CANONICAL_LISTS, CANONICAL_ACT)
    for function, (old, new) in ANSWERERS.items():
        _replace(function, new, old)
    op.execute(
        """
        DROP TRIGGER incident_act_fill ON event;
        DROP FUNCTION incident_act_fill();
        DROP TRIGGER event_list_rules ON event;
        DROP FUNCTION event_list_rules();
        DROP FUNCTION answers_for(uuid, bigint, ltree);
        DROP TABLE event_target, event_act;
        ALTER TABLE event DROP COLUMN more_named;
        DROP FUNCTION written_before_entry();
        """
    )
    # The incident tables as 0026 derived them. The members' incident_actor rows stay (derived
    # rows are never deleted): they are true of what was said, and the party filter of 0026
    # simply finds more.
    op.execute(_ending(DERIVED[:2]) + ACTOR_FILL_0026)
    op.execute("DROP TABLE incident_act")
