"""Each entry's line of the NDJSON export is written once, as the entry is hashed, and kept.

An entry never changes once it is committed, and neither does its line: the fields GET /v1/events
shows of it in the export (the slugs it names, which the hash chain already holds fixed, its
times at their offsets, its quotes and hash; `revisions` is always empty there). Yet every export
wrote every line again: at 118,124 entries, 37,000-45,000 lines/s for the query alone, which is
what bounded `GET /v1/events?format=ndjson` and `ceasefire-log export` (31,000 entries/s over HTTP
at 1,000,000). Read from this table, the same lines come at 290,000-350,000/s.

The line is written by the chain's trigger (0032's event_chain), right after the entry's hash,
in the same three ways: one entry on a kept plan, a few on the same plan, many planned for the
range they are. It costs each entry about 1.1 KB more (a fifth more for the whole database; pglz
does not shrink a single line, whose keys repeat only across lines). tests/test_exports.py holds
the lines, byte for byte, to the service's own rendering (orjson over the store's Events), so a
field added to the wire later fails there until a migration writes the lines anew.

entry_line is derived like entry_hash: written only by the trigger, never changed. Upgrading
writes the lines of the log it finds, holding the log's head meanwhile.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07
"""

from alembic import op

from migrations import functions

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

# A time as the wire writes it (NULL for none): an instant in RFC 3339 at its own offset, with
# microseconds only when it has some; a day, month or year alone (no offset) as its date
# (service/days.py). The CSV export writes its times with it too (service/store/csv_lines.py).
WIRE_TIME = r"""
CREATE FUNCTION wire_time(at timestamptz, minutes integer, unit text DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT CASE
    WHEN at IS NULL THEN NULL
    WHEN minutes IS NULL THEN left(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
                                   CASE unit WHEN 'month' THEN 7 WHEN 'year' THEN 4 ELSE 10 END)
    ELSE to_char((at AT TIME ZONE 'UTC') + make_interval(mins => minutes), 'YYYY-MM-DD"T"HH24:MI:SS')
         || CASE WHEN date_part('microseconds', at)::bigint % 1000000 <> 0
                 THEN to_char((at AT TIME ZONE 'UTC') + make_interval(mins => minutes), '.US') ELSE '' END
         || CASE WHEN minutes < 0 THEN '-' ELSE '+' END || to_char(make_interval(mins => abs(minutes)), 'HH24:MI')
    END
$$;
"""

# Each entry of (after_seq, through_seq] as its line, with the hash the chain gave it: the
# service's Event written by orjson, field by field in the dataclass's order. Every name an entry
# gives is looked up by its key, not joined, so the query is planned for one table, one plan for
# any range, and costs a single append nothing to plan (joined, it was planned afresh for each
# append, 2.4 ms); and no plan made on the statistics of a log nearly empty before a bulk load
# can read a whole catalogue for every entry (a join of places did: 0.11 ms an entry, where the
# line's other work is 0.02). OFFSET 0 keeps the names of the inner query computed once.
ENTRY_LINES = r"""
CREATE FUNCTION entry_lines(after_seq bigint, through_seq bigint)
RETURNS TABLE (seq bigint, line text) LANGUAGE sql STABLE AS $$
SELECT e.seq, '{"id":"' || e.id || '","seq":' || e.seq
    || ',"kind":"' || CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END
    || '","claimant":' || coalesce(e.claimant, 'null')
    || ',"targets":' || CASE
           WHEN e.target IS NULL THEN '[]'
           WHEN e.more_named = 0 THEN '[' || e.target || ']'
           ELSE '[' || array_to_string(ARRAY(
                    SELECT e.target
                    UNION ALL (SELECT (SELECT to_json(x.slug::text)::text FROM actor x WHERE x.id = m.actor_id)
                                 FROM event_target m WHERE m.event_id = e.id ORDER BY m.position)), ',') || ']'
       END
    || ',"target":' || coalesce(e.target, 'null')
    || ',"responds_to":' || coalesce(to_json(e.responds_to)::text, 'null')
    || ',"acts":' || CASE
           WHEN e.act IS NULL THEN '[]'
           WHEN e.more_named = 0 THEN '[' || e.act || ']'
           ELSE '[' || array_to_string(ARRAY(
                    SELECT e.act
                    UNION ALL (SELECT (SELECT to_json(x.slug::text)::text FROM act x WHERE x.id = m.act_id)
                                 FROM event_act m WHERE m.event_id = e.id ORDER BY m.position)), ',') || ']'
       END
    || ',"act":' || coalesce(e.act, 'null')
    || ',"locations":[' || array_to_string(ARRAY(
           SELECT (SELECT to_json(l.slug::text)::text FROM location l WHERE l.id = el.location_id)
             FROM event_location el WHERE el.event_id = e.id ORDER BY el.position), ',') || ']'
    || ',"occurred_from":' || coalesce('"' || wire_time(e.occurred_from, e.occurred_from_offset) || '"', 'null')
    || ',"occurred_to":' || coalesce('"' || wire_time(e.occurred_to, e.occurred_to_offset) || '"', 'null')
    || ',"time_precision":' || coalesce(to_json(e.time_precision)::text, 'null')
    || ',"time_note":' || coalesce(to_json(e.time_note)::text, 'null')
    || ',"stated_at":' || CASE
           WHEN e.stated_unknown THEN 'null'
           ELSE coalesce('"' || wire_time(e.stated_at, e.stated_at_offset, e.stated_at_unit) || '"', 'null')
       END
    || ',"ceasefire":' || coalesce(e.ceasefire, 'null')
    || ',"summary":' || to_json(e.summary)::text
    || ',"source":' || coalesce(e.source, 'null')
    || ',"quotes":[' || array_to_string(ARRAY(
           SELECT '{"text":' || to_json(q.text)::text || ',"start":' || coalesce(q.span_start::text, 'null')
                  || ',"end":' || coalesce(q.span_end::text, 'null') || '}'
             FROM quote q WHERE q.event_id = e.id ORDER BY q.position), ',') || ']'
    || ',"recorded_by":' || to_json(e.recorded_by)::text
    || ',"recorded_at":' || '"' || wire_time(e.recorded_at, 0) || '"'
    || ',"corrects":' || coalesce(to_json(e.corrects)::text, 'null')
    || ',"verdict":' || coalesce(to_json(e.verdict)::text, 'null')
    || ',"channel":' || coalesce(to_json(e.channel)::text, 'null')
    || ',"channel_name":' || coalesce(to_json(e.channel_name)::text, 'null')
    || ',"via":' || coalesce(to_json(e.via)::text, 'null')
    || ',"violations":' || coalesce(e.violations::text, 'null')
    || ',"casualties":' || CASE
           WHEN num_nonnulls(e.killed, e.injured, e.civilians_killed, e.civilians_injured) > 0
           THEN '{"killed":' || coalesce(e.killed::text, 'null') || ',"injured":' || coalesce(e.injured::text, 'null')
                || ',"civilians_killed":' || coalesce(e.civilians_killed::text, 'null')
                || ',"civilians_injured":' || coalesce(e.civilians_injured::text, 'null') || '}'
           ELSE 'null'
       END
    || ',"cites":' || coalesce(to_json(e.cites)::text, 'null')
    || ',"voids":' || coalesce(to_json(e.voids)::text, 'null')
    || ',"hash":"' || e.hash || '","revisions":[]}'
  FROM (SELECT e.*,
               (SELECT to_json(a.slug::text)::text FROM actor a WHERE a.id = e.claimant_id) AS claimant,
               (SELECT to_json(a.slug::text)::text FROM actor a WHERE a.id = e.target_id) AS target,
               (SELECT to_json(a.slug::text)::text FROM act a WHERE a.id = e.act_id) AS act,
               (SELECT to_json(c.slug::text)::text FROM ceasefire c WHERE c.id = e.ceasefire_id) AS ceasefire,
               (SELECT to_json(s.slug::text)::text FROM source s WHERE s.id = e.source_id) AS source,
               (SELECT encode(h.hash, 'hex') FROM entry_hash h WHERE h.seq = e.seq) AS hash
          FROM event e
         WHERE e.seq > after_seq AND e.seq <= through_seq
        OFFSET 0) e
$$;
"""

TABLE = r"""
CREATE TABLE entry_line (
    seq  bigint PRIMARY KEY,
    line text NOT NULL
);
COMMENT ON TABLE entry_line IS 'derived from the log by event_chain: each entry''s line of the NDJSON export, hash included';
"""

# The log as it stands, each entry's line written once (before the triggers that admit only the
# chain's writes).
WRITTEN = r"""
DO $$
BEGIN
    PERFORM 1 FROM log_head FOR UPDATE;
    INSERT INTO entry_line (seq, line) SELECT l.seq, l.line FROM entry_lines(0, (SELECT max(seq) FROM event)) l;
END $$;
CREATE TRIGGER entry_line_derived_only BEFORE INSERT ON entry_line
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER entry_line_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON entry_line
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""

# Where 0032's event_chain has hashed the entries it chains, one, a few or many, and the line it
# writes after each: for the range it hashed, the many planned for themselves by EXECUTE.
HASHED = (
    "INSERT INTO entry_hash (seq, hash) VALUES (NEW.seq, entry_hash_of(previous, NEW));",
    "INSERT INTO entry_hash (seq, hash) VALUES (one.seq, previous);\n        END LOOP;",
    "INSERT INTO entry_hash (seq, hash) SELECT * FROM unnest(seqs, hashes);",
)
LINES = (
    "\n        INSERT INTO entry_line (seq, line) SELECT l.seq, l.line FROM entry_lines(coalesce(last_seq, 0), NEW.seq) l;",
    "\n        INSERT INTO entry_line (seq, line)\n"
    "        SELECT l.seq, l.line FROM entry_lines(coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e)) l;",
    "\n    EXECUTE 'INSERT INTO entry_line (seq, line) SELECT l.seq, l.line FROM entry_lines($1, $2) l'\n"
    "        USING coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e);",
)


def upgrade() -> None:
    op.execute(WIRE_TIME)
    op.execute(ENTRY_LINES)
    op.execute(TABLE)
    op.execute(WRITTEN)
    functions.rewrite("event_chain", [(old, old + new) for old, new in zip(HASHED, LINES, strict=True)])
    # Its statements keep one plan for any entry: PostgreSQL priced a plan for a range it cannot
    # see above one planned for a range of one entry, and so planned the line of every append
    # afresh (1.5 ms an append).
    op.execute("ALTER FUNCTION event_chain() SET plan_cache_mode = force_generic_plan")


def downgrade() -> None:
    op.execute("ALTER FUNCTION event_chain() RESET plan_cache_mode")
    functions.rewrite("event_chain", [(old + new, old) for old, new in zip(HASHED, LINES, strict=True)])
    op.execute("DROP TABLE entry_line")
    op.execute("DROP FUNCTION entry_lines(bigint, bigint)")
    op.execute("DROP FUNCTION wire_time(timestamptz, integer, text)")
