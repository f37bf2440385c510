"""The log's entries as CSV lines, written by PostgreSQL byte for byte as formats/csv.py writes
formats/rows.py's event row (tests/test_exports.py holds the two to each other): an export of a
million entries is string functions a row in the database, not a Python object and a csv.writer
call. The names beside each slug are joined here, as rows.event_row looks them up in Names."""

from __future__ import annotations

from collections.abc import Callable

from service.domain import SINGULAR
from service.store.events import ENTRIES_IN_RANGE, NAMES_JOINED, more


def _cell(value: str) -> str:
    """SQL of a text cell as formats/csv.py writes it: empty for NULL; a leading apostrophe before
    what a spreadsheet would run as a formula; quoted (quotes doubled) when it holds a comma, a
    quote or a line break, as Python's csv module does (QUOTE_MINIMAL, CRLF)."""
    escaped = (
        f"CASE WHEN left({value}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || {value} ELSE {value} END"
    )
    return f"""coalesce(CASE WHEN {value} ~ '[",\\r\\n]' THEN '"' || replace({escaped}, '"', '""') || '"'
                           ELSE {escaped} END, '')"""


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


# Each column of rows.EVENT_COLUMNS, in its order, as SQL of the joins below.
CELLS = {
    "id": "e.id::text",
    "seq": "e.seq::text",
    "kind": "CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END",
    "claimant": _cell("claimant.slug::text"),
    "claimant_name": _cell("claimant.name"),
    "claimant_side": _cell(_side("claimant")),
    "target": _cell(_listed("targets", lambda actor: f"{actor}.slug::text")),
    "target_name": _cell(_listed("targets", lambda actor: f"{actor}.name")),
    "target_side": _cell(_listed("targets", _side)),
    "responds_to": _number("e.responds_to"),
    "corrects": _number("e.corrects"),
    "cites": _number("e.cites"),
    "voids": _number("e.voids"),
    "act": _cell(_listed("acts", lambda act: f"{act}.slug::text")),
    "locations": _cell("p.slugs"),
    "location_names": _cell("p.names"),
    "location_coordinates": _cell("p.coordinates"),
    "occurred_from": _number(_time("e.occurred_from", "e.occurred_from_offset")),
    "occurred_to": _number(_time("e.occurred_to", "e.occurred_to_offset")),
    "time_precision": _number("e.time_precision"),
    "time_note": _cell("e.time_note"),
    "stated_at": _number(
        f"CASE WHEN NOT e.stated_unknown THEN {_time('e.stated_at', 'e.stated_at_offset', 'e.stated_at_unit')} END"
    ),
    "ceasefire": _cell("ceasefire.slug::text"),
    "ceasefire_name": _cell("ceasefire.name"),
    "summary": _cell("e.summary"),
    "quotes": _cell("(SELECT string_agg(q.text, E'\\n' ORDER BY q.position) FROM quote q WHERE q.event_id = e.id)"),
    "source": _cell("source.slug::text"),
    "source_title": _cell("source.title"),
    "source_url": _cell("source.url"),
    "channel": _number("e.channel"),
    "channel_name": _cell("e.channel_name"),
    "via": _cell("e.via"),
    "violations": _number("e.violations"),
    "killed": _number("e.killed"),
    "injured": _number("e.injured"),
    "civilians_killed": _number("e.civilians_killed"),
    "civilians_injured": _number("e.civilians_injured"),
    "verdict": _number("e.verdict"),
    "recorded_by": _cell("e.recorded_by"),
    "recorded_at": _number(_time("e.recorded_at", "0")),
}

EVENT_CSV = f"""
SELECT e.seq, concat_ws(',', {", ".join(CELLS.values())}) AS line
  FROM event e
{NAMES_JOINED}
  LEFT JOIN LATERAL (
      SELECT string_agg(l.slug::text, '; ' ORDER BY el.position) AS slugs,
             string_agg(l.name, '; ' ORDER BY el.position) AS names,
             string_agg(coalesce({_float("l.latitude")} || ' ' || {_float("l.longitude")}, ''), '; '
                        ORDER BY el.position) AS coordinates
        FROM event_location el JOIN location l ON l.id = el.location_id
       WHERE el.event_id = e.id) p ON true
 {ENTRIES_IN_RANGE}
"""
