"""The log's entries as CSV lines, written by PostgreSQL byte for byte as formats/csv.py writes
formats/rows.py's event row (tests/test_exports.py holds the two to each other).

An entry's own cells never change, and the database writes them once, as it chains the entry
(migration 0035, entry_csv: six runs of cells). The catalogue's cells between them (the names of
the actors, places and ceasefire, the source's title and address) are its as it stands, so they
are looked up here, by the ids kept beside the cells (0036), and written by the same cell
functions (csv_cell, csv_formula)."""

from __future__ import annotations

from service.store.events import ENTRIES_IN_RANGE

# The catalogue's cells of rows.EVENT_COLUMNS, each after the run of the entry's own cells that
# precedes it (entry_csv.parts, 1-based), with its value as SQL of the joins below and its writer.
BETWEEN = (
    (1, "claimant_name", "claimant.name", "csv_cell"),
    (2, "target_name", """CASE WHEN cardinality(e.target_ids) < 2 THEN target.name
         ELSE (SELECT string_agg((SELECT a.name FROM actor a WHERE a.id = t.id), '; ' ORDER BY t.n)
                 FROM unnest(e.target_ids) WITH ORDINALITY t(id, n)) END""",
     "csv_cell"),
    (3, "location_names", "p.names", "csv_cell"),
    (3, "location_coordinates", "p.coordinates", "csv_formula"),
    (4, "ceasefire_name", "ceasefire.name", "csv_cell"),
    (5, "source_title", "source.title", "csv_cell"),
    (5, "source_url", "source.url", "csv_cell"),
)  # fmt: skip
RUNS = 6


def _float(value: str) -> str:
    """A coordinate as Python's repr writes a float: both write the shortest text that reads back
    the same, but Python ends a whole number in '.0' (40.0, where PostgreSQL writes 40)."""
    return f"CASE WHEN {value} = trunc({value}) THEN {value}::text || '.0' ELSE {value}::text END"


def _line() -> str:
    cells = []
    for run in range(1, RUNS + 1):
        cells.append(f"c.parts[{run}]")
        cells += [f'{write}(c."{name}")' for after, name, _, write in BETWEEN if after == run]
    return " || ',' || ".join(cells)


VALUES = ",\n       ".join(f'{value} AS "{name}"' for _, name, value, _ in BETWEEN)
# Each catalogue cell's value computed once, in an inner row, and written into its cell outside it.
# Each name is looked up by key from the entry's kept ids: the event row is not read (0036).
EVENT_CSV = f"""
SELECT c.seq, {_line()} AS line
  FROM (
SELECT e.seq, e.parts,
       {VALUES}
  FROM entry_csv e
  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_ids[1]
  LEFT JOIN source ON source.id = e.source_id
  LEFT JOIN ceasefire ON ceasefire.id = e.ceasefire_id
  LEFT JOIN LATERAL (
      SELECT string_agg(l.name, '; ' ORDER BY p.n) AS names,
             string_agg(coalesce({_float("l.latitude")} || ' ' || {_float("l.longitude")}, ''), '; '
                        ORDER BY p.n) AS coordinates
        FROM unnest(e.location_ids) WITH ORDINALITY p(id, n) JOIN location l ON l.id = p.id) p ON true
 {ENTRIES_IN_RANGE}) c
"""
