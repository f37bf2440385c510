"""Each entry's kept CSV cells (0035) keep beside them the ids of the catalogue rows its row names.

A CSV row writes the names of the actors, places and ceasefire it names, and its source's title
and address, as the catalogue holds them now: those cells are joined at the export. They were
found from the entry: the claimant, target, ceasefire and source by the event row's columns (a
row of about 1 KB read for four ids), the further targets and the places from event_target and
event_location by the entry's id (a probe of an index over every entry, for each entry). At
1,000,000 entries that was half of the export's work. With the ids kept in order beside the
cells, the export reads entry_csv alone and looks each name up by key in the catalogue, whose
few thousand rows stay in memory: a batch of 2,000 rows in 20.6-21.4 ms where it took 31-32
(93,000-97,000 rows a second against 62,000-64,000), the same bytes.

The ids never change: an entry names the same catalogue rows for ever (a correction is an entry of
its own), and a catalogue row keeps its id when it is renamed, so the export still writes the name
it has now. The chain's trigger writes the ids with the cells (entry_csv_parts); upgrading writes
them for the rows it finds, holding the log's head meanwhile (about 10 s at 1,000,000 entries).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07
"""

from alembic import op

from migrations import functions

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

# The actors an entry `e` names as its targets, and the places it names, each in its order: the
# target, then the further ones (event_target, positions from 1), and the places (event_location).
TARGET_IDS = (
    "array_remove(ARRAY[e.target_id], NULL) || CASE WHEN e.more_named > 0 THEN "
    "ARRAY(SELECT m.actor_id FROM event_target m WHERE m.event_id = e.id ORDER BY m.position) ELSE '{}' END"
)
LOCATION_IDS = "ARRAY(SELECT el.location_id FROM event_location el WHERE el.event_id = e.id ORDER BY el.position)"
IDS = "claimant_id, target_ids, location_ids, ceasefire_id, source_id"

# entry_csv_parts gives each entry's ids after its cells.
PARTS = (
    (
        "RETURNS TABLE(seq bigint, parts text[])",
        "RETURNS TABLE(seq bigint, parts text[], claimant_id bigint, target_ids bigint[], location_ids bigint[], "
        "ceasefire_id bigint, source_id bigint)",
    ),
    ("\n]\n  FROM (SELECT e.*,\n", f"\n], {', '.join(f'e.{name}' for name in IDS.split(', '))}\n  FROM (SELECT e.*,\n"),
    (
        "\n          FROM event e\n         WHERE e.seq > after_seq",
        f",\n               {TARGET_IDS} AS target_ids,\n               {LOCATION_IDS} AS location_ids"
        "\n          FROM event e\n         WHERE e.seq > after_seq",
    ),
)
# Where the chain's trigger writes the cells (0035), in its three ways.
CHAIN = (
    (
        "INSERT INTO entry_csv (seq, parts)\n        SELECT c.seq, c.parts FROM entry_csv_parts(coalesce(last_seq, 0), NEW.seq) c;",
        "INSERT INTO entry_csv SELECT c.* FROM entry_csv_parts(coalesce(last_seq, 0), NEW.seq) c;",
    ),
    (
        "INSERT INTO entry_csv (seq, parts)\n        SELECT c.seq, c.parts FROM entry_csv_parts(coalesce(last_seq, 0), "
        "(SELECT max(e.seq) FROM event e)) c;",
        "INSERT INTO entry_csv SELECT c.* FROM entry_csv_parts(coalesce(last_seq, 0), (SELECT max(e.seq) FROM event e)) c;",
    ),
    (
        "'INSERT INTO entry_csv (seq, parts) SELECT c.seq, c.parts FROM entry_csv_parts($1, $2) c'",
        "'INSERT INTO entry_csv SELECT c.* FROM entry_csv_parts($1, $2) c'",
    ),
)

# The table is written anew rather than updated in place, which would leave a dead copy of every
# row behind it (and room in every page for the free space map to send new rows to).
TABLE = rf"""
ALTER TABLE entry_csv RENAME TO entry_csv_before;
ALTER INDEX entry_csv_pkey RENAME TO entry_csv_before_pkey;
CREATE TABLE entry_csv (
    seq          bigint PRIMARY KEY,
    parts        text[] NOT NULL CONSTRAINT entry_csv_six_runs CHECK (cardinality(parts) = 6),
    claimant_id  bigint,
    target_ids   bigint[] NOT NULL,
    location_ids bigint[] NOT NULL,
    ceasefire_id bigint,
    source_id    bigint
);
COMMENT ON TABLE entry_csv IS 'derived from the log by event_chain: each entry''s own cells of the CSV export, in six runs around the catalogue''s, and the ids of the catalogue rows whose names go between them';
DO $$
BEGIN
    PERFORM 1 FROM log_head FOR UPDATE;
    INSERT INTO entry_csv (seq, parts, {IDS})
    SELECT b.seq, b.parts, e.claimant_id, {TARGET_IDS}, {LOCATION_IDS}, e.ceasefire_id, e.source_id
      FROM entry_csv_before b JOIN event e ON e.seq = b.seq;
END $$;
DROP TABLE entry_csv_before;
CREATE TRIGGER entry_csv_derived_only BEFORE INSERT ON entry_csv
    FOR EACH STATEMENT EXECUTE FUNCTION derived_only();
CREATE TRIGGER entry_csv_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON entry_csv
    FOR EACH STATEMENT EXECUTE FUNCTION append_only();
"""


def upgrade() -> None:
    functions.rewrite("entry_csv_parts", PARTS, result_changes=True)
    op.execute(TABLE)
    functions.rewrite("event_chain", CHAIN)


def downgrade() -> None:
    functions.rewrite("event_chain", [(new, old) for old, new in CHAIN])
    functions.rewrite("entry_csv_parts", [(new, old) for old, new in PARTS], result_changes=True)
    op.execute(f"ALTER TABLE entry_csv {', '.join(f'DROP COLUMN {name}' for name in IDS.split(', '))}")
    op.execute(
        "COMMENT ON TABLE entry_csv IS 'derived from the log by event_chain: each entry''s own cells of the CSV "
        "export, in six runs around the catalogue''s'"
    )
