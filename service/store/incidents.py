"""Incidents: accusations with their responses, filtered and paged, now or as of any seq.

A page is three round trips whatever its size or depth: the filters' slugs with the log's head,
the page of accusations, and every entry of their threads (a fourth on the API's JSON when some
entry of the page has been corrected). The page walks the index the filters choose
(store/filters.py) in sort order.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import orjson
from psycopg import Cursor, sql
from psycopg.rows import RowMaker

from service import domain
from service.store import Connection
from service.store import filters as filters_sql
from service.store.events import (
    IN_THREADS,
    SELECT_EVENTS,
    Event,
    check_as_of,
    event_rows,
    fold,
    head,
    void_of,
)


@dataclass
class Assessment:
    """An incident's latest review."""

    verdict: str
    note: str
    review: UUID
    seq: int
    recorded_by: str
    recorded_at: datetime


# How an incident holds its entries: as Events, or on a page of the API, each entry nothing has
# corrected as the line the log wrote for it (Written, below), which the page shows as it is.
Shown = TypeVar("Shown", Event, Event | orjson.Fragment)


@dataclass
class Incident(Generic[Shown]):
    id: UUID
    status: str
    assessment: Assessment | None
    accusation: Shown
    denials: list[Shown]
    counter_accusations: list[Shown]
    retractions: list[Shown]
    reviews: list[Shown]
    # Mentions of its accusation: other sources reporting it, or its side saying it again.
    mentions: list[Shown]
    # How many sources, and how many publishers, report its accusation: its own and its mentions'.
    sources: int
    publishers: int

    def entries(self: Incident[Event]) -> list[Event]:
        """Every entry of its thread, in log order."""
        return sorted(
            [
                self.accusation,
                *self.denials,
                *self.counter_accusations,
                *self.retractions,
                *self.reviews,
                *self.mentions,
            ],
            key=lambda entry: entry.seq,
        )


SORTS = {
    "stated": ("stated_at", "ASC"),
    "-stated": ("stated_at", "DESC"),
    "occurred": ("occurred_from", "ASC"),
    "-occurred": ("occurred_from", "DESC"),
}


# Where a listing stands: the sort key and seq of an incident, as the walk compares them.
Position = tuple[datetime, int]


def page(
    conn: Connection, filters: dict, after: Position | None, limit: int, as_of: int | None
) -> tuple[list[Incident[Event]], Position | None, int]:
    """One page of incidents in the requested order, after the keyset position `after`
    ((sort key, seq) of the last incident seen), as the log stood at `as_of` (now, without it).
    Returns the incidents, the position of the last when more follow, and the seq the page
    reflects. The caller reads in one snapshot (reads.snapshot), so "now" is one state of the log
    across its queries."""
    accusations, position, reflects = _accusations(conn, filters, after, limit, as_of, SELECT_EVENTS, event_rows)
    return threads(conn, accusations, reflects), position, reflects


def page_as_written(
    conn: Connection, filters: dict, after: Position | None, limit: int, as_of: int | None
) -> tuple[list[Incident[Event | orjson.Fragment]], Position | None, int]:
    """The same page for the API's JSON, each entry that nothing has corrected (as of the page's
    seq) shown as the line the log wrote for it as it chained it (migration 0034): the line is
    the entry as GET /v1/events shows it, and the Event it would be built into would be written
    back to those very bytes (tests/test_wire.py holds the two pages to each other). Built from
    its 35 columns, each entry cost a page 20 to 40 µs of the database's time and as much again
    of the worker's. Returns the incidents, the keyset position of the last when more follow, and
    the seq the page reflects."""
    accusations, position, reflects = _accusations(conn, filters, after, limit, as_of, WRITTEN, written_rows)
    if not accusations:
        return [], None, reflects
    entries, state = _in_threads(conn, accusations, reflects, WRITTEN, written_rows)
    # An entry with corrections is shown at its version as of the page, with its revisions: it and
    # its corrections are read whole, as every other read of them is (a few a page). So is an
    # entry the chain's trigger wrote no line for, rather than left out.
    whole = {entry.corrects for entry in entries if entry.corrects is not None} | {
        entry.id for entry in [*accusations, *entries] if isinstance(entry, Written) and entry.line is None
    }
    if whole:
        with conn.cursor(row_factory=event_rows) as cur:
            versions = {event.id: event for event in cur.execute(VERSIONS_OF, {"ids": list(whole), "as_of": reflects})}
        entries = [versions.get(entry.id, entry) for entry in entries]
        accusations = [versions.get(accusation.id, accusation) for accusation in accusations]
    return _assemble(accusations, entries, state), position, reflects


def batch_ends(
    conn: Connection, filters: dict, after: Position | None, as_of: int, size: int, count: int
) -> list[Position]:
    """The keyset positions that end the next `count` batches of `size` incidents after `after`,
    as of a seq: read from the listing's walk alone, no entry of it, so that the batches are known
    before any is read (an export reads several at once, reads.batched)."""
    refs = filters_sql.resolve(conn, filters)
    walk, _, params = page_query(filters, refs, after, size * count - 1, as_of)
    rows = conn.execute(walk, params, prepare=False if filters.get("q") else None).fetchall()
    return [(row["sort_key"], row["sort_seq"]) for row in rows[size - 1 :: size]]


def _accusations(
    conn: Connection,
    filters: dict,
    after: Position | None,
    limit: int,
    as_of: int | None,
    select: str,
    rows: Any,
) -> tuple[list, Position | None, int]:
    """The page's accusations, each read by `select` into `rows`; the walk's position of the last
    when more follow; its seq. The position is the walk's own sort key and seq, not one read back
    from the accusation as shown: a statement of unknown time shows no time, yet is walked by the
    day its source gives."""
    refs = filters_sql.resolve(conn, filters)
    reflects = check_as_of(as_of, refs["head"])
    walk, query, params = page_query(filters, refs, after, limit, as_of, select)
    if filters.get("q"):
        # A search is planned for its own words: one prepared plan served common and rare
        # words alike, and as of an early seq took 13.7 ms where a plan for "mortar" took 4.6.
        # Only its walk is planned so, and the entries are then read by id on a kept plan:
        # planned with the walk, their joins cost a search 2 ms of every page (the walk 0.2).
        walked = conn.execute(walk, params, prepare=False).fetchall()
        positions = [(row["sort_key"], row["sort_seq"]) for row in walked]
        with conn.cursor(row_factory=rows) as cur:
            accusations = cur.execute(select + BY_ID, {"ids": [row["id"] for row in walked]}).fetchall()
    else:
        with conn.cursor(row_factory=_walked(rows)) as keyed:
            keyed_rows = keyed.execute(query, params).fetchall()
        positions = [position for position, _ in keyed_rows]
        accusations = [accusation for _, accusation in keyed_rows]
    more = len(accusations) > limit
    return accusations[:limit], positions[limit - 1] if more else None, reflects


def _walked(rows: Any) -> Any:
    """A row factory for `page_query`'s query, whose first two columns are the walk's sort key and
    seq: each row made as (its position, what `rows` makes of the rest)."""

    def factory(cursor: Cursor[Any]) -> RowMaker[tuple[Position, Any]]:
        rest = SimpleNamespace(description=(cursor.description or [])[2:])
        make = rows(rest)
        return lambda values: ((values[0], values[1]), make(values[2:]))

    return factory


def page_query(
    filters: dict, refs: dict, after: Position | None, limit: int, as_of: int | None, select: str = SELECT_EVENTS
) -> tuple[sql.Composed, sql.Composed, dict]:
    """The page's accusations (one more row than `limit`, to tell whether more follow): the walk
    to them, a query of their ids in the page's order, and the query of their entries with the
    walk joined in (its sort key and seq first, then `select`'s columns), with the parameters of
    both.

    The driver table holds each version of an incident with its id and sort keys, in indexes that
    cover them; its walk reads the event table only for full-text search, so a page costs index
    pages, not a heap fetch for every candidate."""
    column, direction = SORTS[filters.get("sort") or "-stated"]
    selection = filters_sql.select(filters, refs, as_of)
    conditions, params = selection.conditions, selection.params
    # The limit is written into the query, not passed: against LIMIT $n a generic plan is priced
    # for a tenth of the matches, so PostgreSQL kept planning each page anew (at 100,000 events
    # the disputed page took 2.9 ms so, 1.3 ms on its prepared plan).
    rows = sql.Literal(limit + 1)
    windowed = column == "stated_at" and filters.get("occurred_after") and filters.get("occurred_before")
    if as_of is not None and direction == "DESC" and not windowed and after is None:
        # As of an early seq, a newest-first walk would pass every incident recorded since; the
        # high water says where that seq's incidents end (incident_high_water, migration 0012).
        # Past the first page the cursor is the nearer bound: with both, the walk began at the
        # high water and passed every incident down to the cursor (8 ms of a deep search page at
        # 100,000 events). A window is read whole from the occurred index; a bound on the
        # statement time would turn the planner to the stated index (12,900 rows of a country
        # at 100,000 events).
        conditions.append(
            sql.SQL(
                "k.{column} <= coalesce((SELECT h.{column} FROM incident_high_water h WHERE h.seq >= %(as_of)s "
                "ORDER BY h.seq LIMIT 1), 'infinity')"
            ).format(column=sql.Identifier(column))
        )
    comparison = sql.SQL(">" if direction == "ASC" else "<")
    if after is not None:
        params |= {"after_key": after[0], "after_seq": after[1]}
        if not windowed:
            conditions.append(
                sql.SQL("(k.{column}, k.seq) {cmp} (%(after_key)s, %(after_seq)s)").format(
                    column=sql.Identifier(column), cmp=comparison
                )
            )

    selected = sql.SQL(
        "SELECT k.event_id AS id, k.{column} AS sort_key, k.seq AS sort_seq FROM {driver} k WHERE {conditions}"
    ).format(
        column=sql.Identifier(column),
        driver=sql.Identifier(selection.driver),
        conditions=sql.SQL(" AND ").join(conditions),
    )
    direction_sql = sql.SQL(direction)
    if windowed:
        # A window of occurrence, in order of statement: read the window (a range of an occurred
        # index) and sort it. Walking the statements newest first instead would pass every claim
        # stated since the window closed, a number that only grows; OFFSET 0 keeps the planner
        # from choosing that walk on the belief that matches are spread evenly in time. The
        # cursor is applied to the window once read: inside the fence the planner ANDed a bitmap
        # of every claim stated before the cursor (15,343 rows at 100,000 events) with the window's
        # (205), and a disputed month's last page took 1.6 times its first at 1,000,000.
        after_cursor = (
            sql.SQL("WHERE (sort_key, sort_seq) {cmp} (%(after_key)s, %(after_seq)s) ").format(cmp=comparison)
            if after is not None
            else sql.SQL("")
        )
        matching = sql.SQL(
            "SELECT id, sort_key, sort_seq FROM ({selected} OFFSET 0) bounded {after_cursor}"
            "ORDER BY sort_key {dir}, sort_seq {dir} LIMIT {rows}"
        ).format(selected=selected, after_cursor=after_cursor, dir=direction_sql, rows=rows)
    else:
        matching = sql.SQL("{selected} ORDER BY k.{column} {dir}, k.seq {dir} LIMIT {rows}").format(
            selected=selected, column=sql.Identifier(column), dir=direction_sql, rows=rows
        )
    # `select` begins with SELECT: the walk's sort key and seq go before its own columns.
    keyed = select.replace("SELECT ", "SELECT page.sort_key AS walk_key, page.sort_seq AS walk_seq, ", 1)
    query = sql.SQL(keyed) + sql.SQL(
        " JOIN ({matching}) page ON page.id = e.id ORDER BY page.sort_key {dir}, page.sort_seq {dir}"
    ).format(matching=matching, dir=direction_sql)
    return matching, query, params


# Entries by id, in the order of the ids given (after a select of them).
BY_ID = " JOIN unnest(%(ids)s::uuid[]) WITH ORDINALITY page (id, n) ON page.id = e.id ORDER BY page.n"

# Originals %(ids)s and their corrections up to a seq, in log order: joined, as BY_ID is, and the
# ids an InitPlan the planner cannot see into. (As `e.id = ANY(...) OR e.corrects = ANY(...)`,
# or with the ids a parameter, each page's few ids were priced below the kept plan and the query
# was planned afresh for every page, 4 ms; as `e.id IN (...)` its kept plan read the whole log.)
VERSIONS_OF = SELECT_EVENTS + (
    " JOIN (SELECT o.id FROM unnest((SELECT %(ids)s::uuid[])) o (id)"
    " UNION ALL SELECT c.id FROM unnest((SELECT %(ids)s::uuid[])) o (id) JOIN event c ON c.corrects = o.id) version"
    " ON version.id = e.id WHERE e.seq <= %(as_of)s ORDER BY e.seq"
)


@dataclass(slots=True)
class Written:
    """An entry as the log wrote it: what a thread and its assessment are put together by, and its
    line of the export, which a page of the API shows as it is."""

    id: UUID
    seq: int
    kind: str
    responds_to: UUID | None
    corrects: UUID | None
    cites: UUID | None
    verdict: str | None
    summary: str
    recorded_by: str
    recorded_at: datetime
    # None for an entry appended with the chain's trigger off (it has no line): it is read whole.
    line: orjson.Fragment | None


WRITTEN = """
SELECT e.id, e.seq, CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END AS kind, e.responds_to,
       e.corrects, e.cites, e.verdict, e.summary, e.recorded_by, e.recorded_at, l.line
  FROM event e
  LEFT JOIN entry_line l ON l.seq = e.seq
"""


def written_rows(cursor: Cursor[Any]) -> RowMaker[Written]:
    """Each row of WRITTEN as a Written, its line as the bytes a page shows."""
    names = [sys.intern(column.name) for column in cursor.description or ()]

    def make(values: Sequence) -> Written:
        row = dict(zip(names, values, strict=True))
        row["line"] = None if row["line"] is None else orjson.Fragment(row["line"])
        return Written(**row)

    return make


ACCUSATION = SELECT_EVENTS + (
    " WHERE e.id = %(id)s AND e.kind = 'accusation' AND e.corrects IS NULL AND e.seq <= %(as_of)s"
    " AND NOT entry_voided(e.id, %(as_of)s)"
)


def get(conn: Connection, incident_id: UUID, as_of: int | None = None) -> Incident | None:
    """One incident with its thread, now or as of a seq (the caller reads in one snapshot)."""
    reflects = check_as_of(as_of, head(conn))
    with conn.cursor(row_factory=event_rows) as cur:
        accusation = cur.execute(ACCUSATION, {"id": incident_id, "as_of": reflects}).fetchone()
    return None if accusation is None else threads(conn, [accusation], reflects)[0]


def absent(conn: Connection, incident_id: UUID, as_of: int | None = None) -> str:
    """Why `get` found no incident with this id: none was recorded, or its accusation was voided."""
    void = void_of(conn, incident_id, as_of)
    if void is None:
        return f"No incident {incident_id}: no accusation has that id."
    return (
        f"No incident {incident_id}: its accusation was voided by entry {void['seq']} ({void['reason']}); "
        f"as_of={void['seq'] - 1} reads it as it stood before."
    )


# Each incident's status in the state in force as of a seq, and how many sources and publishers
# report its accusation (the source of its version then, and its mentions').
STATUS_AS_OF = sql.SQL(
    """SELECT s.event_id, s.status, reported.sources, reported.publishers
         FROM incident_state s
        CROSS JOIN LATERAL (
              SELECT count(DISTINCT o.id) AS sources, count(DISTINCT o.publisher) AS publishers
                FROM (SELECT coalesce((SELECT c.source_id FROM event c
                                        WHERE c.corrects = s.event_id AND c.seq <= %(as_of)s
                                        ORDER BY c.seq DESC LIMIT 1), a.source_id) AS source_id
                        FROM event a WHERE a.id = s.event_id
                      UNION ALL
                      SELECT m.source_id FROM event m WHERE m.cites = s.event_id AND m.seq <= %(as_of)s
                         AND NOT entry_voided(m.id, %(as_of)s)) r
                JOIN source o ON o.id = r.source_id) reported
        WHERE s.event_id = ANY(%(ids)s) AND {}"""
).format(
    filters_sql.in_force("incident_state", "s", as_of=0)  # any seq: the condition reads %(as_of)s
)


def threads(conn: Connection, accusations: list[Event], as_of: int) -> list[Incident[Event]]:
    """Each accusation with its responses (and the retractions of its denials), each entry at its
    version as of `as_of`, fetched for the whole page in one query."""
    if not accusations:
        return []
    entries, state = _in_threads(conn, accusations, as_of, SELECT_EVENTS, event_rows)
    # Every entry is an Event, so every incident holds Events only.
    return cast(list[Incident[Event]], _assemble(list(accusations), entries, state))


def _in_threads(
    conn: Connection, accusations: list, as_of: int, select: str, rows: Any
) -> tuple[list[Event | Written], dict]:
    """The entries of these accusations' threads up to `as_of`, each read by `select` into
    `rows`, and each incident's status (derived by the database, migration 0012, and never again
    here) with its sources and publishers by its id: in one round trip."""
    ids = [accusation.id for accusation in accusations]
    with conn.pipeline(), conn.cursor(row_factory=rows) as responses, conn.cursor() as states:
        responses.execute(select + IN_THREADS, {"ids": ids, "as_of": as_of})
        states.execute(STATUS_AS_OF, {"ids": ids, "as_of": as_of})
        entries = list(responses.fetchall())
        state = {row["event_id"]: row for row in states.fetchall()}
    return entries, state


def _assemble(
    accusations: list[Event | Written], entries: list[Event | Written], state: dict
) -> list[Incident[Event | orjson.Fragment]]:
    """The incidents of these accusations, each with its thread from `entries` (the originals
    and their corrections, in log order) and its `state` (status, sources, publishers). An
    original with corrections is read whole (an Event) and folded to its latest version; one
    without is shown as it is, an Event as an Event, a Written entry as its line."""
    corrections: dict[UUID, list[Event]] = {}
    originals = []
    for entry in entries:
        if entry.corrects is not None:
            assert isinstance(entry, Event), "a correction is read whole"
            corrections.setdefault(entry.corrects, []).append(entry)
        else:
            originals.append(entry)
    # A retraction of a denial answers the denial; it belongs to the denial's accusation.
    denied: dict[UUID | None, UUID | None] = {
        entry.id: entry.responds_to for entry in originals if entry.kind == "denial"
    }
    by_accusation: dict[UUID | None, list[Event | Written]] = {}
    for entry in originals:
        accusation_id = entry.cites if entry.kind == "mention" else denied.get(entry.responds_to, entry.responds_to)
        by_accusation.setdefault(accusation_id, []).append(_folded(entry, corrections))
    incidents = []
    for accusation in accusations:
        thread: dict[str, list[Event | Written]] = {
            kind.in_thread: [] for kind in domain.KINDS.values() if kind.in_thread
        }
        for entry in by_accusation.get(accusation.id, []):
            thread[domain.KINDS[entry.kind].in_thread].append(entry)
        latest = domain.assessment(thread)
        assessment = (
            None
            if latest is None
            else Assessment(
                latest.verdict, latest.summary, latest.id, latest.seq, latest.recorded_by, latest.recorded_at
            )
        )
        incidents.append(
            Incident[Event | orjson.Fragment](
                id=accusation.id,
                status=state[accusation.id]["status"],
                sources=state[accusation.id]["sources"],
                publishers=state[accusation.id]["publishers"],
                assessment=assessment,
                accusation=_shown(_folded(accusation, corrections)),
                **{name: [_shown(entry) for entry in listed] for name, listed in thread.items()},
            )
        )
    return incidents


def _folded(entry: Event | Written, corrections: dict[UUID, list[Event]]) -> Event | Written:
    return fold(entry, corrections.get(entry.id, [])) if isinstance(entry, Event) else entry


def _shown(entry: Event | Written) -> Event | orjson.Fragment:
    if isinstance(entry, Event):
        return entry
    assert entry.line is not None, "an entry without its line is read whole"
    return entry.line
