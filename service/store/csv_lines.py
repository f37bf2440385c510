"""The log's entries as CSV lines, written by PostgreSQL byte for byte as formats/csv.py writes
formats/rows.py's event row (tests/test_exports.py holds the two to each other).

An entry's own cells never change, and the database writes them once, as it chains the entry
(migration 0035, entry_csv: six runs of cells). The catalogue's cells between them (the names of
the actors, places and ceasefire, the source's title and address) are its as it stands, so they
are joined and written here, by the same cell functions (csv_cell, csv_formula)."""

from __future__ import annotations

from service.store.events import ENTRIES_IN_RANGE, more

# The catalogue's cells of rows.EVENT_COLUMNS, each after the run of the entry's own cells that
# precedes it (entry_csv.parts, 1-based), with its value as SQL of the joins below and its writer.
BETWEEN = (
    (1, "claimant_name", "claimant.name", "csv_cell"),
    (2, "target_name", f"""CASE WHEN e.more_named = 0 THEN target.name
         ELSE concat_ws('; ', target.name, nullif(array_to_string(ARRAY({more("targets", "x.name")}), '; '), '')) END""",
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
EVENT_CSV = f"""
SELECT c.seq, {_line()} AS line
  FROM (
SELECT e.seq, x.parts,
       {VALUES}
  FROM event e
  JOIN entry_csv x ON x.seq = e.seq
  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_id
  LEFT JOIN source ON source.id = e.source_id
  LEFT JOIN ceasefire ON ceasefire.id = e.ceasefire_id
  LEFT JOIN LATERAL (
      SELECT string_agg(l.name, '; ' ORDER BY el.position) AS names,
             string_agg(coalesce({_float("l.latitude")} || ' ' || {_float("l.longitude")}, ''), '; '
                        ORDER BY el.position) AS coordinates
        FROM event_location el JOIN location l ON l.id = el.location_id
       WHERE el.event_id = e.id) p ON true
 {ENTRIES_IN_RANGE}) c
"""
