"""Each entry's own cells of the CSV export are written once, beside its NDJSON line (0034).

A CSV row names each actor, place, ceasefire and source beside its slug as the catalogue holds
them now, so a row cannot be kept whole. But most of its cells are the entry's own and never
change: its slugs and sides, times, summary, quotes, counts. Every export escaped them again, a
formula guard and a quoting test for each text cell, its four times, its lists: at 200,000 entries
of a 1,000,000-entry log, 45,800 rows/s through the store. Kept, in the six runs between the
catalogue's cells, and joined to those at the export, the same rows come at 86,800/s. They cost
each entry about 0.7 KB (text[]) and a bulk load a few percent.

How a cell is written (formats/csv.py: a formula guard, then quoting as Python's csv module
does) is one function in the database now, csv_cell, with csv_formula for cells that can hold
nothing to quote; the export's catalogue cells use them too (service/store/csv_lines.py).
tests/test_exports.py holds the rows, byte for byte, to the service's own rendering.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07
"""

from alembic import op

from migrations import functions

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

# A text cell as formats/csv.py writes it: empty for NULL; a leading apostrophe before what a
# spreadsheet would run as a formula; quoted, quotes doubled, when it holds a quote, a comma or a
# line break (QUOTE_MINIMAL, CRLF). strpos, four times, costs a third of a regular expression.
CELLS = r"""
CREATE FUNCTION csv_formula(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT coalesce(CASE WHEN left(value, 1) IN ('=', '+', '-', '@', E'\t', E'\r') THEN '''' || value ELSE value END, '')
$$;
CREATE FUNCTION csv_cell(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN strpos(value, '"') > 0 OR strpos(value, ',') > 0 OR strpos(value, E'\r') > 0 OR strpos(value, E'\n') > 0
            THEN '"' || replace(csv_formula(value), '"', '""') || '"'
            ELSE csv_formula(value) END
$$;
"""

# The cells of (after_seq, through_seq]'s entries that are theirs alone, as six runs of cells
# (rows.EVENT_COLUMNS) around the catalogue's: [id .. claimant], [claimant_side, target],
# [target_side .. locations], [occurred_from .. ceasefire], [summary .. source], [channel ..
# recorded_at]. Slugs hold only [a-z0-9-] (0001), so a cell of them is asked only for a formula.
# Names are looked up by key, as entry_lines does (one table to plan, for any range).
ENTRY_CSV_PARTS = r"""
CREATE FUNCTION entry_csv_parts(after_seq bigint, through_seq bigint)
RETURNS TABLE (seq bigint, parts text[]) LANGUAGE sql STABLE AS $$
SELECT e.seq, ARRAY[
    e.id::text || ',' || e.seq || ',' || CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END
        || ',' || csv_formula(e.claimant),
    csv_formula(replace(subpath(e.claimant_path, 0, 1)::text, '_', '-')) || ',' || csv_formula(e.targets),
    csv_formula(e.target_sides) || ',' || coalesce(e.responds_to::text, '') || ',' || coalesce(e.corrects::text, '')
        || ',' || coalesce(e.cites::text, '') || ',' || coalesce(e.voids::text, '') || ',' || csv_formula(e.acts)
        || ',' || csv_formula(e.places),
    coalesce(wire_time(e.occurred_from, e.occurred_from_offset), '') || ','
        || coalesce(wire_time(e.occurred_to, e.occurred_to_offset), '') || ',' || coalesce(e.time_precision, '')
        || ',' || csv_cell(e.time_note) || ','
        || coalesce(CASE WHEN NOT e.stated_unknown THEN wire_time(e.stated_at, e.stated_at_offset, e.stated_at_unit) END, '')
        || ',' || csv_formula(e.ceasefire),
    csv_cell(e.summary) || ',' || csv_cell(e.quoted) || ',' || csv_formula(e.source),
    coalesce(e.channel, '') || ',' || csv_cell(e.channel_name) || ',' || csv_cell(e.via)
        || ',' || coalesce(e.violations::text, '') || ',' || coalesce(e.killed::text, '')
        || ',' || coalesce(e.injured::text, '') || ',' || coalesce(e.civilians_killed::text, '')
        || ',' || coalesce(e.civilians_injured::text, '') || ',' || coalesce(e.verdict, '')
        || ',' || csv_cell(e.recorded_by) || ',' || coalesce(wire_time(e.recorded_at, 0), '')
]
  FROM (SELECT e.*,
               (SELECT a.slug::text FROM actor a WHERE a.id = e.claimant_id) AS claimant,
               (SELECT a.path FROM actor a WHERE a.id = e.claimant_id) AS claimant_path,
               concat_ws('; ', (SELECT a.slug::text FROM actor a WHERE a.id = e.target_id),
                         CASE WHEN e.more_named > 0 THEN
                             (SELECT string_agg((SELECT a.slug::text FROM actor a WHERE a.id = m.actor_id), '; '
                                                ORDER BY m.position)
                                FROM event_target m WHERE m.event_id = e.id) END) AS targets,
               concat_ws('; ', (SELECT replace(subpath(a.path, 0, 1)::text, '_', '-') FROM actor a WHERE a.id = e.target_id),
                         CASE WHEN e.more_named > 0 THEN
                             (SELECT string_agg((SELECT replace(subpath(a.path, 0, 1)::text, '_', '-')
                                                   FROM actor a WHERE a.id = m.actor_id), '; ' ORDER BY m.position)
                                FROM event_target m WHERE m.event_id = e.id) END) AS target_sides,
               concat_ws('; ', (SELECT a.slug::text FROM act a WHERE a.id = e.act_id),
                         CASE WHEN e.more_named > 0 THEN
                             (SELECT string_agg((SELECT a.slug::text FROM act a WHERE a.id = m.act_id), '; '
                                                ORDER BY m.position)
                                FROM event_act m WHERE m.event_id = e.id) END) AS acts,
               (SELECT string_agg((SELECT l.slug::text FROM location l WHERE l.id = el.location_id), '; '
                                  ORDER BY el.position)
                  FROM event_location el WHERE el.event_id = e.id) AS places,
               (SELECT c.slug::text FROM ceasefire c WHERE c.id = e.ceasefire_id) AS ceasefire,
               (SELECT s.slug::text FROM source s WHERE s.id = e.source_id) AS source,
               (SELECT string_agg(q.text, E'\n' ORDER BY q.position) FROM quote q WHERE q.event_id = e.id) AS quoted
          FROM event e
         WHERE e.seq > after_seq AND e.seq <= through_seq
        OFFSET 0) e
$$;
"""

TABLE = r"""
CREATE TABLE entry_csv (
    seq   bigint PRIMARY KEY,
    parts text[] NOT NULL CONSTRAINT entry_csv_six_runs CHECK (cardinality(parts) = 6)
);
COMMENT ON TABLE entry_csv IS 'derived from the log by event_chain: each entry''s own cells of the CSV export, in six runs around the catalogue''s';
"""

WRITTEN = r"""
DO $$
BEGIN
    PERFORM 1 FROM log_head FOR UPDATE;
    INSERT INTO entry_csv (seq, parts) SELECT c.seq, c.parts FROM entry_csv_parts(0, (SELECT max(seq) FROM event)) c;
END $$;
CREATE TRIGGER entry_csv_derived_only BEFORE INSERT ON entry_csv
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER entry_csv_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON entry_csv
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""

# Where 0034's event_chain writes the lines, and what it writes now: the cells after them.
LINES = (
    "SELECT l.seq, l.line FROM entry_lines(coalesce(last_seq, 0), NEW.seq) l;",
    "SELECT l.seq, l.line FROM entry_lines(coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e)) l;",
    "USING coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e);",
)
CSV = (
    "\n        INSERT INTO entry_csv (seq, parts)\n"
    "        SELECT c.seq, c.parts FROM entry_csv_parts(coalesce(last_seq, 0), NEW.seq) c;",
    "\n        INSERT INTO entry_csv (seq, parts)\n"
    "        SELECT c.seq, c.parts FROM entry_csv_parts(coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e)) c;",
    "\n    EXECUTE 'INSERT INTO entry_csv (seq, parts) SELECT c.seq, c.parts FROM entry_csv_parts($1, $2) c'\n"
    "        USING coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e);",
)


def upgrade() -> None:
    op.execute(CELLS)
    op.execute(ENTRY_CSV_PARTS)
    op.execute(TABLE)
    op.execute(WRITTEN)
    functions.rewrite("event_chain", [(old, old + new) for old, new in zip(LINES, CSV, strict=True)])


def downgrade() -> None:
    functions.rewrite("event_chain", [(old + new, old) for old, new in zip(LINES, CSV, strict=True)])
    op.execute("DROP TABLE entry_csv")
    op.execute("DROP FUNCTION entry_csv_parts(bigint, bigint)")
    op.execute("DROP FUNCTION csv_cell(text)")
    op.execute("DROP FUNCTION csv_formula(text)")
