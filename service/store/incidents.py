"""Incidents: accusations with their denials and counter-accusations, filtered and paged.

A page is three round trips whatever its size or depth: the filters' slugs, the page of
accusations, and every response to them. The page walks one index in sort order: by actor
(incident_actor), by place (incident_place), or the event log's own, the others filtering
along the way (migrations/versions/0002_incident_indexes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg import sql

from .. import domain
from .events import EVENT_ROWS, SELECT_EVENTS, Event, responses_to


@dataclass
class Incident:
    id: UUID
    status: str
    accusation: Event
    denials: list[Event]
    counter_accusations: list[Event]
    retractions: list[Event]


SORTS = {
    "stated": ("stated_at", "ASC"),
    "-stated": ("stated_at", "DESC"),
    "occurred": ("occurred_from", "ASC"),
    "-occurred": ("occurred_from", "DESC"),
}

RESOLVE = """
SELECT (SELECT coalesce(jsonb_object_agg(slug, id), '{}') FROM actor WHERE slug = ANY(%(actors)s)) AS actors,
       (SELECT id FROM location WHERE slug = %(location)s) AS location_id,
       (SELECT id FROM ceasefire WHERE slug = %(ceasefire)s) AS ceasefire_id,
       (SELECT id FROM act WHERE slug = %(act)s) AS act_id
"""

# Filters on columns of the event itself that the driver tables do not copy.
EVENT_FILTERS = ("ceasefire", "act", "q")
SIDES = {"claimant": ("claimant", "both"), "target": ("target", "both"), "party": ("claimant", "target", "both")}


def resolve(conn: psycopg.Connection, filters: dict) -> dict:
    """The ids of the slugs the filters name; every unknown slug is refused at once."""
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


def page(conn: psycopg.Connection, filters: dict, after: tuple | None, limit: int) -> tuple[list[Incident], bool]:
    """One page of incidents in the requested order, after the keyset position `after`
    ((sort key, seq) of the last incident seen). Returns the incidents and whether more follow."""
    query, params = page_query(filters, resolve(conn, filters), after, limit)
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        accusations = cur.execute(query, params).fetchall()
    more = len(accusations) > limit
    return threads(conn, accusations[:limit]), more


def page_query(filters: dict, refs: dict, after: tuple | None, limit: int) -> tuple[sql.Composed, dict]:
    """The page's accusations as one query (one more row than `limit`, to tell whether more follow).

    A driver table (incident_actor, incident_place, incident_denied) holds only accusations, with
    their ids and sort keys, in indexes that cover them; its walk reads the event table only when
    a filter needs a column of the event itself (ceasefire, act, q), so a page costs index pages,
    not a heap fetch for every candidate."""
    column, direction = SORTS[filters.get("sort") or "-stated"]
    conditions, params = [], {"limit": limit + 1}

    actor_filters = [name for name in SIDES if filters.get(name)]
    actor_driven = bool(actor_filters)
    # Disputed and retracted incidents have tables of their own (incident_denied, incident_retracted):
    # with no actor, place or event filter, walking that table is the status filter.
    status_driven = (not actor_driven and not filters.get("location") and filters.get("status") in STATUS_TABLES
                     and not any(filters.get(name) for name in EVENT_FILTERS))
    if actor_driven:
        driver = sql.SQL("incident_actor")
        first = actor_filters.pop(0)
        conditions.append(sql.SQL("k.actor_id = %(driver_id)s AND k.side = ANY(%(driver_sides)s)"))
        params |= {"driver_id": refs["actors"][filters[first]], "driver_sides": list(SIDES[first])}
    elif filters.get("location"):
        driver = sql.SQL("incident_place")
        conditions.append(sql.SQL("k.location_id = %(location_id)s"))
        params["location_id"] = refs["location_id"]
    elif status_driven:
        # With a filter of the event's own, that filter's index is walked instead (a ceasefire's
        # claims sit in its own months, far down a walk of every denied accusation).
        driver = sql.Identifier(STATUS_TABLES[filters["status"]])
    else:
        driver = None
        conditions.append(sql.SQL("e.kind = 'accusation'"))
    # The id and sort keys come from the table walked: the driver's copy of them, or the event's own.
    key = sql.Identifier("k" if driver is not None else "e")
    event_id = sql.SQL("k.event_id" if driver is not None else "e.id")

    for name in actor_filters:
        conditions.append(sql.SQL(
            "EXISTS (SELECT 1 FROM incident_actor x WHERE x.event_id = {event_id} AND x.actor_id = {id} "
            "AND x.side = ANY({sides}))"
        ).format(event_id=event_id, id=sql.Placeholder(f"{name}_id"), sides=sql.Placeholder(f"{name}_sides")))
        params |= {f"{name}_id": refs["actors"][filters[name]], f"{name}_sides": list(SIDES[name])}
    if filters.get("location") and actor_driven:
        conditions.append(sql.SQL(
            "EXISTS (SELECT 1 FROM incident_place x WHERE x.event_id = {event_id} AND x.location_id = %(location_id)s)"
        ).format(event_id=event_id))
        params["location_id"] = refs["location_id"]
    if filters.get("status"):
        conditions.append(status_condition(filters["status"], event_id, driven=status_driven))
    if filters.get("ceasefire"):
        conditions.append(sql.SQL("e.ceasefire_id = %(ceasefire_id)s"))
        params["ceasefire_id"] = refs["ceasefire_id"]
    if filters.get("act"):
        conditions.append(sql.SQL("e.act_id = %(act_id)s"))
        params["act_id"] = refs["act_id"]
    if filters.get("occurred_after"):
        conditions.append(sql.SQL("{key}.occurred_from >= %(occurred_after)s").format(key=key))
        params["occurred_after"] = filters["occurred_after"]
    if filters.get("occurred_before"):
        conditions.append(sql.SQL("{key}.occurred_from < %(occurred_before)s").format(key=key))
        params["occurred_before"] = filters["occurred_before"]
    if filters.get("q"):
        conditions.append(sql.SQL("e.search @@ websearch_to_tsquery('english', %(q)s)"))
        params["q"] = filters["q"]
    windowed = column == "stated_at" and filters.get("occurred_after") and filters.get("occurred_before")
    comparison = sql.SQL(">" if direction == "ASC" else "<")
    if after is not None:
        params |= {"after_key": after[0], "after_seq": after[1]}
        if not windowed:
            conditions.append(sql.SQL("({key}.{column}, {key}.seq) {cmp} (%(after_key)s, %(after_seq)s)").format(
                key=key, column=sql.Identifier(column), cmp=comparison))

    if driver is None:
        source = sql.SQL("event e")
    elif any(filters.get(name) for name in EVENT_FILTERS):
        source = sql.SQL("{driver} k JOIN event e ON e.id = k.event_id").format(driver=driver)
    else:
        source = sql.SQL("{driver} k").format(driver=driver)
    order = sql.SQL("{key}.{column} {dir}, {key}.seq {dir}").format(
        key=key, column=sql.Identifier(column), dir=sql.SQL(direction))
    selected = sql.SQL("SELECT {event_id} AS id, {key}.{column} AS sort_key, {key}.seq AS sort_seq FROM {source} "
                       "WHERE {conditions}").format(
        event_id=event_id, key=key, column=sql.Identifier(column), source=source,
        conditions=sql.SQL(" AND ").join(conditions or [sql.SQL("true")]))
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
                           "ORDER BY sort_key {dir}, sort_seq {dir} LIMIT %(limit)s").format(
            selected=selected, after_cursor=after_cursor, dir=sql.SQL(direction))
    else:
        matching = sql.SQL("{selected} ORDER BY {order} LIMIT %(limit)s").format(selected=selected, order=order)
    query = sql.SQL(SELECT_EVENTS) + sql.SQL(" JOIN ({matching}) page ON page.id = e.id "
                                             "ORDER BY page.sort_key {dir}, page.sort_seq {dir}").format(
        matching=matching, dir=sql.SQL(direction))
    return query, params


STATUS_TABLES = {"disputed": "incident_denied", "retracted": "incident_retracted"}

# A status as SQL over an accusation's id ({e}), as domain.incident_status derives it. Withdrawals
# are rare (incident_withdrawal: the accusation or a denial of it was retracted): a denied
# accusation with none is disputed after one probe of that small index, and only the few with
# one are looked at closely. The probes of the two small tables are scalar subqueries with LIMIT
# 1, which the planner runs as an index probe per candidate: as EXISTS it hashed both tables
# whole for every page (a sequential scan of tables that grow with the log; at 100,000 events
# with 2% retractions the disputed page's SQL took 3.3 ms against 2.8 ms without them).
WITHDRAWN = "(SELECT true FROM incident_withdrawal w WHERE w.event_id = {e} LIMIT 1)"
RETRACTED = "(SELECT true FROM incident_retracted r WHERE r.event_id = {e} LIMIT 1) IS NOT NULL"
DENIED = "EXISTS (SELECT 1 FROM incident_denied x WHERE x.event_id = {e})"
STANDS = f"""({WITHDRAWN} IS NULL
    OR (NOT {RETRACTED}
        AND EXISTS (SELECT 1 FROM event d WHERE d.responds_to = {{e}} AND d.kind = 'denial'
                       AND (SELECT true FROM incident_withdrawal w
                             WHERE w.event_id = {{e}} AND w.statement_id = d.id LIMIT 1) IS NULL)))"""


def status_condition(status: str, event_id: sql.Composable, driven: bool) -> sql.Composed:
    """`driven`: the walk is over the status's own table already, so its membership holds."""
    def part(text: str) -> sql.Composed:
        return sql.SQL(text).format(e=event_id)

    if status == "retracted":
        return sql.SQL("true") if driven else part(RETRACTED)
    disputed = [part(STANDS)] if driven else [part(DENIED), part(STANDS)]
    if status == "disputed":
        return sql.SQL(" AND ").join(disputed)
    return sql.SQL("NOT {} AND NOT ({})").format(part(RETRACTED), sql.SQL(" AND ").join([part(DENIED), part(STANDS)]))


def get(conn: psycopg.Connection, incident_id: UUID) -> Incident | None:
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        accusation = cur.execute(SELECT_EVENTS + " WHERE e.id = %(id)s AND e.kind = 'accusation'",
                                 {"id": incident_id}).fetchone()
    return None if accusation is None else threads(conn, [accusation])[0]


def threads(conn: psycopg.Connection, accusations: list[Event]) -> list[Incident]:
    """Each accusation with its responses (and the retractions of its denials), fetched for the
    whole page in one query."""
    responses = responses_to(conn, [a.id for a in accusations]) if accusations else []
    answered = {event.id: event.responds_to for event in responses}
    by_accusation: dict[UUID, list[Event]] = {}
    for response in responses:
        # A retraction of a denial answers the denial; it belongs to the denial's accusation.
        accusation_id = answered.get(response.responds_to, response.responds_to)
        by_accusation.setdefault(accusation_id, []).append(response)
    incidents = []
    for accusation in accusations:
        thread: dict[str, list[Event]] = {kind.in_thread: [] for kind in domain.KINDS.values()}
        for event in by_accusation.get(accusation.id, []):
            thread[domain.KINDS[event.kind].in_thread].append(event)
        retracted = {event.responds_to for event in thread["retractions"]}
        status = domain.incident_status(accusation.id, thread["denials"], retracted)
        incidents.append(Incident(id=accusation.id, status=status, accusation=accusation, **thread))
    return incidents


def sort_position(incident: Incident, sort: str) -> list:
    column = SORTS[sort][0]
    value = incident.accusation.stated_at if column == "stated_at" else incident.accusation.occurred_from
    return [value.isoformat(), incident.accusation.seq]
