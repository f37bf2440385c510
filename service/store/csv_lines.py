"""The log's entries as CSV lines, written by PostgreSQL byte for byte as formats/csv.py writes
formats/rows.py's event row (tests/test_exports.py holds the two to each other): an export of a
million entries is string functions a row in the database, not a Python object and a csv.writer
call. The names beside each slug are joined here, as rows.event_row looks them up in Names."""

from __future__ import annotations

from collections.abc import Callable

from service.domain import SINGULAR
from service.store.events import ENTRIES_IN_RANGE, NAMES_JOINED, more

# Whether a cell's value starts as a spreadsheet formula would.
FORMULA = "left({value}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r')"
# Whether it holds what a CSV cell must be quoted for: a quote, a comma or a line break (four
# strpos cost a third of one regular expression's match).
SPECIAL = " OR ".join(f"strpos({{value}}, {char}) > 0" for char in ("'\"'", "','", "E'\\r'", "E'\\n'"))


def _cell(value: str) -> str:
    """SQL of a text cell as formats/csv.py writes it: empty for NULL; a leading apostrophe before
    what a spreadsheet would run as a formula; quoted (quotes doubled) when it holds a comma, a
    quote or a line break, as Python's csv module does (QUOTE_MINIMAL, CRLF). `value` is read
    several times: a column of the inner query, computed once."""
    escaped = f"CASE WHEN {FORMULA.format(value=value)} THEN '''' || {value} ELSE {value} END"
    return f"""coalesce(CASE WHEN {SPECIAL.format(value=value)} THEN '"' || replace({escaped}, '"', '""') || '"'
                           ELSE {escaped} END, '')"""


def _slugs(value: str) -> str:
    """SQL of a cell of slugs, or of coordinates, as _cell writes it: slugs (0001's domain,
    [a-z0-9-]) and numbers, joined by '; ', hold nothing to quote, so only a formula is asked for."""
    return f"coalesce(CASE WHEN {FORMULA.format(value=value)} THEN '''' || {value} ELSE {value} END, '')"


def _number(value: str) -> str:
    return f"coalesce({value}::text, '')"


def _side(actor: str) -> str:
    """The slug of an actor's top-level actor: the first label of its path, with '-' for '_'
    (0001's tree_path), as names.read gives it."""
    return f"replace(subpath({actor}.path, 0, 1)::text, '_', '-')"


def _listed(name: str, of: Callable[[str], str]) -> str:
    """An entry's targets or acts (`name`), as `of(alias)` gives each, joined with '; ': the
    first (joined as `target` or `act`, NAMES_JOINED) alone, or with the further ones (an entry
    may name further acts and no further target: then none is joined, not an empty one)."""
    first = of(SINGULAR[name])
    return f"""CASE WHEN e.more_named = 0 THEN {first}
                   ELSE concat_ws('; ', {first}, nullif(array_to_string(ARRAY({more(name, of("x"))}), '; '), '')) END"""


def _time(column: str, offset: str, unit: str = "NULL") -> str:
    """SQL of a time as the wire writes it (migration 0034's wire_time, as the NDJSON lines do)."""
    return f"wire_time({column}, {offset}, {unit})"


def _float(value: str) -> str:
    """A coordinate as Python's repr writes a float: both write the shortest text that reads back
    the same, but Python ends a whole number in '.0' (40.0, where PostgreSQL writes 40)."""
    return f"CASE WHEN {value} = trunc({value}) THEN {value}::text || '.0' ELSE {value}::text END"


# Each column of rows.EVENT_COLUMNS, in its order: its value, as SQL of the joins below, and how
# its cell is written from it.
CELLS: dict[str, tuple[str, Callable[[str], str]]] = {
    "id": ("e.id", _number),
    "seq": ("e.seq", _number),
    "kind": ("CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END", _number),
    "claimant": ("claimant.slug::text", _slugs),
    "claimant_name": ("claimant.name", _cell),
    "claimant_side": (_side("claimant"), _slugs),
    "target": (_listed("targets", lambda actor: f"{actor}.slug::text"), _slugs),
    "target_name": (_listed("targets", lambda actor: f"{actor}.name"), _cell),
    "target_side": (_listed("targets", _side), _slugs),
    "responds_to": ("e.responds_to", _number),
    "corrects": ("e.corrects", _number),
    "cites": ("e.cites", _number),
    "voids": ("e.voids", _number),
    "act": (_listed("acts", lambda act: f"{act}.slug::text"), _slugs),
    "locations": ("p.slugs", _slugs),
    "location_names": ("p.names", _cell),
    "location_coordinates": ("p.coordinates", _slugs),
    "occurred_from": (_time("e.occurred_from", "e.occurred_from_offset"), _number),
    "occurred_to": (_time("e.occurred_to", "e.occurred_to_offset"), _number),
    "time_precision": ("e.time_precision", _number),
    "time_note": ("e.time_note", _cell),
    "stated_at": (
        f"CASE WHEN NOT e.stated_unknown THEN {_time('e.stated_at', 'e.stated_at_offset', 'e.stated_at_unit')} END",
        _number,
    ),
    "ceasefire": ("ceasefire.slug::text", _slugs),
    "ceasefire_name": ("ceasefire.name", _cell),
    "summary": ("e.summary", _cell),
    "quotes": ("(SELECT string_agg(q.text, E'\\n' ORDER BY q.position) FROM quote q WHERE q.event_id = e.id)", _cell),
    "source": ("source.slug::text", _slugs),
    "source_title": ("source.title", _cell),
    "source_url": ("source.url", _cell),
    "channel": ("e.channel", _number),
    "channel_name": ("e.channel_name", _cell),
    "via": ("e.via", _cell),
    "violations": ("e.violations", _number),
    "killed": ("e.killed", _number),
    "injured": ("e.injured", _number),
    "civilians_killed": ("e.civilians_killed", _number),
    "civilians_injured": ("e.civilians_injured", _number),
    "verdict": ("e.verdict", _number),
    "recorded_by": ("e.recorded_by", _cell),
    "recorded_at": (_time("e.recorded_at", "0"), _number),
}

# Each cell's value computed once, in an inner row, and written into its cell outside it.
VALUES = ",\n       ".join(f'{value} AS "{name}"' for name, (value, _) in CELLS.items())
EVENT_CSV = f"""
SELECT c.seq, concat_ws(',', {", ".join(write(f'c."{name}"') for name, (_, write) in CELLS.items())}) AS line
  FROM (
SELECT {VALUES}
  FROM event e
{NAMES_JOINED}
  LEFT JOIN LATERAL (
      SELECT string_agg(l.slug::text, '; ' ORDER BY el.position) AS slugs,
             string_agg(l.name, '; ' ORDER BY el.position) AS names,
             string_agg(coalesce({_float("l.latitude")} || ' ' || {_float("l.longitude")}, ''), '; '
                        ORDER BY el.position) AS coordinates
        FROM event_location el JOIN location l ON l.id = el.location_id
       WHERE el.event_id = e.id) p ON true
 {ENTRIES_IN_RANGE}) c
"""
