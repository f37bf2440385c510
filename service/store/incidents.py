"""Incidents: accusations with their responses, filtered and paged, now or as of any seq.

A page is three round trips whatever its size or depth: the filters' slugs with the log's head,
the page of accusations, and every entry of their threads. The page walks one index in sort
order: by actor (incident_actor), by place (incident_place), or by the incidents' own state
(incident_state: its time, status, assessment, ceasefire or act), the others filtering along the
way (migrations 0002 and 0012). Each of those tables holds a row for every version of an
incident; a read keeps the rows in force now, or as of the seq it was asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import sql

from .. import domain
from .events import EVENT_ROWS, SELECT_EVENTS, Event, HEAD_SEQ, check_as_of, fold, head, responses_to


@dataclass
class Assessment:
    """An incident's latest review."""
    verdict: str
    note: str
    review: UUID
    seq: int
    recorded_by: str
    recorded_at: datetime


@dataclass
class Incident:
    id: UUID
    status: str
    assessment: Assessment | None
    accusation: Event
    denials: list[Event]
    counter_accusations: list[Event]
    retractions: list[Event]
    reviews: list[Event]


SORTS = {
    "stated": ("stated_at", "ASC"),
    "-stated": ("stated_at", "DESC"),
    "occurred": ("occurred_from", "ASC"),
    "-occurred": ("occurred_from", "DESC"),
}

RESOLVE = f"""
SELECT (SELECT coalesce(jsonb_object_agg(slug, id), '{{}}') FROM actor WHERE slug = ANY(%(actors)s)) AS actors,
       (SELECT id FROM location WHERE slug = %(location)s) AS location_id,
       (SELECT id FROM ceasefire WHERE slug = %(ceasefire)s) AS ceasefire_id,
       (SELECT id FROM act WHERE slug = %(act)s) AS act_id,
       {HEAD_SEQ} AS head
"""

SIDES = {"claimant": ("claimant", "both"), "target": ("target", "both"), "party": ("claimant", "target", "both")}
# Filters on an incident's state (incident_state's own columns), and the column each compares.
STATE_FILTERS = {"status": "status", "assessment": "assessment", "ceasefire": "ceasefire_id", "act": "act_id"}


def resolve(conn: psycopg.Connection, filters: dict) -> dict:
    """The ids of the slugs the filters name, and the log's head; every unknown slug is refused
    at once."""
    actor_slugs = [filters[name] for name in SIDES if filters.get(name)]
    refs = conn.execute(RESOLVE, {"actors": actor_slugs, "location": filters.get("location"),
                                  "ceasefire": filters.get("ceasefire"), "act": filters.get("act")}).fetchone()
    errors = {name: [f"unknown actor: {filters[name]}"] for name in SIDES
              if filters.get(name) and filters[name] not in refs["actors"]}
    for name, kind in (("location", "location"), ("ceasefire", "ceasefire"), ("act", "act")):
        if filters.get(name) and refs[f"{name}_id"] is None:
            errors[name] = [f"unknown {kind}: {filters[name]}"]
    if errors:
        raise domain.Refusal(errors, title="Invalid query string")
    return refs


def page(conn: psycopg.Connection, filters: dict, after: tuple | None, limit: int,
         as_of: int | None) -> tuple[list[Incident], bool, int]:
    """One page of incidents in the requested order, after the keyset position `after`
    ((sort key, seq) of the last incident seen), as the log stood at `as_of` (now, without it).
    Returns the incidents, whether more follow, and the seq the page reflects. The caller reads
    in one snapshot (db.snapshot), so "now" is one state of the log across the three queries."""
    refs = resolve(conn, filters)
    reflects = check_as_of(as_of, refs["head"])
    query, params = page_query(filters, refs, after, limit, as_of)
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        # A search is planned for its own words: one prepared plan served common and rare words
        # alike, and as of an early seq took 13.7 ms where a plan for "mortar" took 4.6.
        accusations = cur.execute(query, params, prepare=False if filters.get("q") else None).fetchall()
    more = len(accusations) > limit
    return threads(conn, accusations[:limit], reflects), more, reflects


def in_force(table: str, alias: str, as_of: int | None) -> sql.Composed:
    """The rows of a versioned incident table that hold now (as_of None) or as of a seq: for
    incident_state the stretch that seq falls in, for the actor and place tables the version of
    the record in force then."""
    if table == "incident_state":
        text = ("{t}.to_seq IS NULL" if as_of is None else
                "{t}.from_seq <= %(as_of)s AND ({t}.to_seq IS NULL OR {t}.to_seq > %(as_of)s)")
    else:
        # The row holds from its accusation's seq, or from the correction it derives from. (As
        # one expression it is a filter, not a bound of the walk: as `seq <= as_of` the planner
        # took it for one and read a country's stated index whole, 12,900 rows at 100,000
        # events, instead of the 299 of its window.)
        text = ("{t}.superseded_seq IS NULL" if as_of is None else
                "greatest({t}.seq, {t}.corrected_seq) <= %(as_of)s "
                "AND ({t}.superseded_seq IS NULL OR {t}.superseded_seq > %(as_of)s)")
    return sql.SQL(text).format(t=sql.Identifier(alias))


def page_query(filters: dict, refs: dict, after: tuple | None, limit: int,
               as_of: int | None) -> tuple[sql.Composed, dict]:
    """The page's accusations as one query (one more row than `limit`, to tell whether more follow).

    The driver table holds each version of an incident with its id and sort keys, in indexes that
    cover them; its walk reads the event table only for full-text search, so a page costs index
    pages, not a heap fetch for every candidate."""
    column, direction = SORTS[filters.get("sort") or "-stated"]
    conditions, params = [], {"as_of": as_of}
    # The limit is written into the query, not passed: against LIMIT $n a generic plan is priced
    # for a tenth of the matches, so PostgreSQL kept planning each page anew (at 100,000 events
    # the disputed page took 2.9 ms so, 1.3 ms on its prepared plan).
    rows = sql.Literal(limit + 1)

    actor_filters = [name for name in SIDES if filters.get(name)]
    if actor_filters:
        driver = "incident_actor"
        first = actor_filters.pop(0)
        conditions.append(sql.SQL("k.actor_id = %(driver_id)s AND k.side = ANY(%(driver_sides)s)"))
        params |= {"driver_id": refs["actors"][filters[first]], "driver_sides": list(SIDES[first])}
    elif filters.get("location"):
        driver = "incident_place"
        conditions.append(sql.SQL("k.location_id = %(location_id)s"))
        params["location_id"] = refs["location_id"]
    else:
        driver = "incident_state"
    conditions.append(in_force(driver, "k", as_of))

    for name in actor_filters:
        conditions.append(sql.SQL(
            "EXISTS (SELECT 1 FROM incident_actor x WHERE x.event_id = k.event_id AND x.actor_id = {id} "
            "AND x.side = ANY({sides}) AND {in_force})"
        ).format(id=sql.Placeholder(f"{name}_id"), sides=sql.Placeholder(f"{name}_sides"),
                 in_force=in_force("incident_actor", "x", as_of)))
        params |= {f"{name}_id": refs["actors"][filters[name]], f"{name}_sides": list(SIDES[name])}
    if filters.get("location") and driver == "incident_actor":
        conditions.append(sql.SQL(
            "EXISTS (SELECT 1 FROM incident_place x WHERE x.event_id = k.event_id AND x.location_id = %(location_id)s "
            "AND {in_force})").format(in_force=in_force("incident_place", "x", as_of)))
        params["location_id"] = refs["location_id"]

    # The incident's state: the driver's own columns, or one probe of its row in force.
    state = "k" if driver == "incident_state" else "s"
    state_conditions = []
    for name, state_column in STATE_FILTERS.items():
        if filters.get(name):
            state_conditions.append(sql.SQL("{s}.{column} = {value}").format(
                s=sql.Identifier(state), column=sql.Identifier(state_column), value=sql.Placeholder(name)))
            params[name] = refs[f"{name}_id"] if state_column.endswith("_id") else filters[name]
    searched = bool(filters.get("q"))
    if searched:
        params["q"] = filters["q"]
    if driver != "incident_state" and (state_conditions or searched):
        # Full text is over the record in force: the version the incident's state names.
        search = (sql.SQL(" JOIN event v ON v.seq = s.version_seq AND v.search @@ websearch_to_tsquery('english', %(q)s)")
                  if searched else sql.SQL(""))
        conditions.append(sql.SQL("EXISTS (SELECT 1 FROM incident_state s{search} WHERE s.event_id = k.event_id "
                                  "AND {in_force}{more})").format(
            search=search, in_force=in_force("incident_state", "s", as_of),
            more=sql.SQL("").join(sql.SQL(" AND ") + c for c in state_conditions)))
    else:
        conditions.extend(state_conditions)

    if driver == "incident_state" and searched:
        # Full text over the version in force. As EXISTS, the planner walks the incidents in
        # order and tests each version's words for a common word (at 100,000 events "mortar",
        # 4.4 ms), or hashes the search index's few matches for a rare one ("fabricated", 2.3 ms);
        # sorting every match of the search index first took 16.7 and 7.2 ms.
        conditions.append(sql.SQL("EXISTS (SELECT 1 FROM event v WHERE v.seq = k.version_seq AND v.kind = 'accusation' "
                                  "AND v.search @@ websearch_to_tsquery('english', %(q)s))"))
    if filters.get("occurred_after"):
        conditions.append(sql.SQL("k.occurred_from >= %(occurred_after)s"))
        params["occurred_after"] = filters["occurred_after"]
    if filters.get("occurred_before"):
        conditions.append(sql.SQL("k.occurred_from < %(occurred_before)s"))
        params["occurred_before"] = filters["occurred_before"]
    windowed = column == "stated_at" and filters.get("occurred_after") and filters.get("occurred_before")
    if as_of is not None and direction == "DESC" and not windowed and after is None:
        # As of an early seq, a newest-first walk would pass every incident recorded since; the
        # high water says where that seq's incidents end (incident_high_water, migration 0012).
        # Past the first page the cursor is the nearer bound: with both, the walk began at the
        # high water and passed every incident down to the cursor (8 ms of a deep search page at
        # 100,000 events). A window is read whole from the occurred index; a bound on the
        # statement time would turn the planner to the stated index (12,900 rows of a country
        # at 100,000 events).
        conditions.append(sql.SQL(
            "k.{column} <= coalesce((SELECT h.{column} FROM incident_high_water h WHERE h.seq >= %(as_of)s "
            "ORDER BY h.seq LIMIT 1), 'infinity')").format(column=sql.Identifier(column)))
    comparison = sql.SQL(">" if direction == "ASC" else "<")
    if after is not None:
        params |= {"after_key": after[0], "after_seq": after[1]}
        if not windowed:
            conditions.append(sql.SQL("(k.{column}, k.seq) {cmp} (%(after_key)s, %(after_seq)s)").format(
                column=sql.Identifier(column), cmp=comparison))

    selected = sql.SQL("SELECT k.event_id AS id, k.{column} AS sort_key, k.seq AS sort_seq FROM {driver} k "
                       "WHERE {conditions}").format(
        column=sql.Identifier(column), driver=sql.Identifier(driver), conditions=sql.SQL(" AND ").join(conditions))
    direction_sql = sql.SQL(direction)
    if windowed:
        # A window of occurrence, in order of statement: read the window (a range of an occurred
        # index) and sort it. Walking the statements newest first instead would pass every claim
        # stated since the window closed, a number that only grows; OFFSET 0 keeps the planner
        # from choosing that walk on the belief that matches are spread evenly in time. The
        # cursor is applied to the window once read: inside the fence the planner ANDed a bitmap
        # of every claim stated before the cursor (15,343 rows at 100,000 events) with the window's
        # (205), and a disputed month's last page took 1.6 times its first at 1,000,000.
        after_cursor = (sql.SQL("WHERE (sort_key, sort_seq) {cmp} (%(after_key)s, %(after_seq)s) ").format(
            cmp=comparison) if after is not None else sql.SQL(""))
        matching = sql.SQL("SELECT id, sort_key, sort_seq FROM ({selected} OFFSET 0) bounded {after_cursor}"
                           "ORDER BY sort_key {dir}, sort_seq {dir} LIMIT {rows}").format(
            selected=selected, after_cursor=after_cursor, dir=direction_sql, rows=rows)
    else:
        matching = sql.SQL("{selected} ORDER BY k.{column} {dir}, k.seq {dir} LIMIT {rows}").format(
            selected=selected, column=sql.Identifier(column), dir=direction_sql, rows=rows)
    query = sql.SQL(SELECT_EVENTS) + sql.SQL(" JOIN ({matching}) page ON page.id = e.id "
                                             "ORDER BY page.sort_key {dir}, page.sort_seq {dir}").format(
        matching=matching, dir=direction_sql)
    return query, params


ACCUSATION = SELECT_EVENTS + (" WHERE e.id = %(id)s AND e.kind = 'accusation' AND e.corrects IS NULL"
                              " AND e.seq <= %(as_of)s")


def get(conn: psycopg.Connection, incident_id: UUID, as_of: int | None = None) -> Incident | None:
    """One incident with its thread, now or as of a seq (the caller reads in one snapshot)."""
    reflects = check_as_of(as_of, head(conn))
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        accusation = cur.execute(ACCUSATION, {"id": incident_id, "as_of": reflects}).fetchone()
    return None if accusation is None else threads(conn, [accusation], reflects)[0]


def threads(conn: psycopg.Connection, accusations: list[Event], as_of: int) -> list[Incident]:
    """Each accusation with its responses (and the retractions of its denials), each entry at its
    version as of `as_of`, fetched for the whole page in one query."""
    entries = responses_to(conn, [a.id for a in accusations], as_of) if accusations else []
    corrections: dict[UUID, list[Event]] = {}
    originals = []
    for entry in entries:
        if entry.corrects is not None:
            corrections.setdefault(entry.corrects, []).append(entry)
        else:
            originals.append(entry)
    # A retraction of a denial answers the denial; it belongs to the denial's accusation.
    denied = {entry.id: entry.responds_to for entry in originals if entry.kind == "denial"}
    by_accusation: dict[UUID, list[Event]] = {}
    for entry in originals:
        accusation_id = denied.get(entry.responds_to, entry.responds_to)
        by_accusation.setdefault(accusation_id, []).append(fold(entry, corrections.get(entry.id, [])))
    incidents = []
    for accusation in accusations:
        thread: dict[str, list[Event]] = {kind.in_thread: [] for kind in domain.KINDS.values() if kind.in_thread}
        for entry in by_accusation.get(accusation.id, []):
            thread[domain.KINDS[entry.kind].in_thread].append(entry)
        latest = domain.assessment(thread)
        assessment = None if latest is None else Assessment(
            latest.verdict, latest.summary, latest.id, latest.seq, latest.recorded_by, latest.recorded_at)
        incidents.append(Incident(id=accusation.id, status=domain.incident_status(accusation.id, thread),
                                  assessment=assessment, accusation=fold(accusation, corrections.get(accusation.id, [])),
                                  **thread))
    return incidents


def sort_position(incident: Incident, sort: str) -> list:
    column = SORTS[sort][0]
    value = incident.accusation.stated_at if column == "stated_at" else incident.accusation.occurred_from
    return [value.isoformat(), incident.accusation.seq]
