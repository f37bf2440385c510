"""The incident filters as SQL: one reading of them for every query that selects incidents (pages,
counts, exports), so a filter means the same thing in each.

The selection walks one index: by actor (incident_actor), by place (incident_place), by act
(incident_act), or by the incidents' own state (incident_state: its time, status, assessment or
ceasefire), the other
filters testing each candidate along the way (migrations 0002 and 0012). Each of those tables holds
a row for every version of an incident; a read keeps the rows in force now, or as of a seq.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from service import domain
from service.store import Connection, one
from service.store.events import HEAD_SEQ

RESOLVE = f"""
SELECT (SELECT coalesce(jsonb_object_agg(slug, id), '{{}}') FROM actor WHERE slug = ANY(%(actors)s)) AS actors,
       (SELECT id FROM location WHERE slug = %(location)s) AS location_id,
       (SELECT id FROM ceasefire WHERE slug = %(ceasefire)s) AS ceasefire_id,
       (SELECT id FROM act WHERE slug = %(act)s) AS act_id,
       {HEAD_SEQ} AS head
"""

SIDES = {"claimant": ("claimant", "both"), "target": ("target", "both"), "party": ("claimant", "target", "both")}
# Filters on an incident's state (incident_state's own columns), and the column each compares.
STATE_FILTERS = {"status": "status", "assessment": "assessment", "ceasefire": "ceasefire_id"}
# Filters on what an incident names several of (its places, its acts): the table of its rows and
# the column each compares. The first given drives the walk when no actor is named.
NAMED = {"location": ("incident_place", "location_id"), "act": ("incident_act", "act_id")}


def resolve(conn: Connection, filters: dict) -> dict:
    """The ids of the slugs the filters name, and the log's head; every unknown slug is refused
    at once."""
    actor_slugs = [filters[name] for name in SIDES if filters.get(name)]
    refs = one(
        conn.execute(
            RESOLVE,
            {
                "actors": actor_slugs,
                "location": filters.get("location"),
                "ceasefire": filters.get("ceasefire"),
                "act": filters.get("act"),
            },
        ).fetchone()
    )
    errors = {
        name: [f"unknown actor: {filters[name]}"]
        for name in SIDES
        if filters.get(name) and filters[name] not in refs["actors"]
    }
    for name, kind in (("location", "location"), ("ceasefire", "ceasefire"), ("act", "act")):
        if filters.get(name) and refs[f"{name}_id"] is None:
            errors[name] = [f"unknown {kind}: {filters[name]}"]
    if errors:
        raise domain.Refusal(errors, where="query")
    return refs


def in_force(table: str, alias: str, as_of: int | None) -> sql.Composed:
    """The rows of a versioned incident table that hold now (as_of None) or as of a seq: for
    incident_state the stretch that seq falls in, for the actor and place tables the version of
    the record in force then."""
    if table == "incident_state":
        text = (
            "{t}.to_seq IS NULL"
            if as_of is None
            else "{t}.from_seq <= %(as_of)s AND ({t}.to_seq IS NULL OR {t}.to_seq > %(as_of)s)"
        )
    else:
        # The row holds from its accusation's seq, or from the correction it derives from. (As
        # one expression it is a filter, not a bound of the walk: as `seq <= as_of` the planner
        # took it for one and read a country's stated index whole, 12,900 rows at 100,000
        # events, instead of the 299 of its window.)
        text = (
            "{t}.superseded_seq IS NULL"
            if as_of is None
            else "greatest({t}.seq, {t}.corrected_seq) <= %(as_of)s "
            "AND ({t}.superseded_seq IS NULL OR {t}.superseded_seq > %(as_of)s)"
        )
    return sql.SQL(text).format(t=sql.Identifier(alias))


@dataclass
class Selection:
    """The incidents the filters select: rows of `driver` (as `k`, with its event_id, seq,
    stated_at and occurred_from) that meet every condition, given `params`."""

    driver: str
    conditions: list[sql.Composable]
    params: dict

    def where(self) -> sql.Composed:
        return sql.SQL(" AND ").join(self.conditions)


def select(filters: dict, refs: dict, as_of: int | None) -> Selection:
    """The filters (resolved by `resolve`) as conditions on the table the walk should drive."""
    conditions: list[sql.Composable] = []
    params: dict[str, Any] = {"as_of": as_of}
    actor_filters = [name for name in SIDES if filters.get(name)]
    if actor_filters:
        driver = "incident_actor"
        first = actor_filters.pop(0)
        # The actor comes as an InitPlan the planner cannot see into. Seen as a parameter, each
        # custom plan for a busy party was priced below the generic one, so PostgreSQL planned
        # the page afresh on every request (4 ms of a 10 ms page at 100,000 events) and came to
        # the same walk of the actor's index.
        conditions.append(sql.SQL("k.actor_id = (SELECT %(driver_id)s) AND k.side = ANY(%(driver_sides)s)"))
        params |= {"driver_id": refs["actors"][filters[first]], "driver_sides": list(SIDES[first])}
    else:
        driver = next((table for name, (table, _) in NAMED.items() if filters.get(name)), "incident_state")
    for name, (table, column) in NAMED.items():
        if not filters.get(name):
            continue
        params[f"{name}_id"] = refs[f"{name}_id"]
        if table == driver:
            conditions.append(
                sql.SQL("k.{column} = {id}").format(column=sql.Identifier(column), id=sql.Placeholder(f"{name}_id"))
            )
    if driver == "incident_act" and filters.get("ceasefire"):
        # The act's rows carry their version's ceasefire: both walk one index (0027).
        conditions.append(sql.SQL("k.ceasefire_id = %(ceasefire)s"))
    conditions.append(in_force(driver, "k", as_of))

    for name in actor_filters:
        conditions.append(
            sql.SQL(
                "EXISTS (SELECT 1 FROM incident_actor x WHERE x.event_id = k.event_id AND x.actor_id = {id} "
                "AND x.side = ANY({sides}) AND {in_force})"
            ).format(
                id=sql.Placeholder(f"{name}_id"),
                sides=sql.Placeholder(f"{name}_sides"),
                in_force=in_force("incident_actor", "x", as_of),
            )
        )
        params |= {f"{name}_id": refs["actors"][filters[name]], f"{name}_sides": list(SIDES[name])}
    for name, (table, column) in NAMED.items():
        if filters.get(name) and table != driver:
            conditions.append(
                sql.SQL(
                    "EXISTS (SELECT 1 FROM {table} x WHERE x.event_id = k.event_id AND x.{column} = {id} AND {in_force})"
                ).format(
                    table=sql.Identifier(table),
                    column=sql.Identifier(column),
                    id=sql.Placeholder(f"{name}_id"),
                    in_force=in_force(table, "x", as_of),
                )
            )

    # The incident's state: the driver's own columns, or one probe of its row in force.
    state = "k" if driver == "incident_state" else "s"
    state_conditions: list[sql.Composable] = []
    for name, state_column in STATE_FILTERS.items():
        if filters.get(name):
            value = refs[f"{name}_id"] if state_column.endswith("_id") else filters[name]
            if name == "ceasefire" and driver == "incident_act":
                params[name] = value  # the driver's own rows say it (above): no probe of the state
                continue
            # Statuses may be several, separated by commas; one is compared as one, which keeps
            # the walk of (status, time) in time order.
            several = name == "status" and "," in value
            state_conditions.append(
                sql.SQL("{s}.{column} {op} {value}").format(
                    s=sql.Identifier(state),
                    column=sql.Identifier(state_column),
                    op=sql.SQL("= ANY(") if several else sql.SQL("="),
                    value=sql.Placeholder(name) + (sql.SQL(")") if several else sql.SQL("")),
                )
            )
            params[name] = list(dict.fromkeys(value.split(","))) if several else value
    searched = bool(filters.get("q"))
    if searched:
        params["q"] = filters["q"]
    if driver != "incident_state" and (state_conditions or searched):
        # Full text is over the record in force: the version the incident's state names.
        search = (
            sql.SQL(" JOIN event v ON v.seq = s.version_seq AND v.search @@ websearch_to_tsquery('english', %(q)s)")
            if searched
            else sql.SQL("")
        )
        conditions.append(
            sql.SQL(
                "EXISTS (SELECT 1 FROM incident_state s{search} WHERE s.event_id = k.event_id AND {in_force}{more})"
            ).format(
                search=search,
                in_force=in_force("incident_state", "s", as_of),
                more=sql.SQL("").join(sql.SQL(" AND ") + c for c in state_conditions),
            )
        )
    else:
        conditions.extend(state_conditions)

    if driver == "incident_state" and searched:
        # Full text over the version in force. As EXISTS, the planner walks the incidents in
        # order and tests each version's words for a common word (at 100,000 events "mortar",
        # 4.4 ms), or hashes the search index's few matches for a rare one ("fabricated", 2.3 ms);
        # sorting every match of the search index first took 16.7 and 7.2 ms.
        conditions.append(
            sql.SQL(
                "EXISTS (SELECT 1 FROM event v WHERE v.seq = k.version_seq AND v.kind = 'accusation' "
                "AND v.search @@ websearch_to_tsquery('english', %(q)s))"
            )
        )
    if filters.get("occurred_after"):
        conditions.append(sql.SQL("k.occurred_from >= %(occurred_after)s"))
        params["occurred_after"] = filters["occurred_after"]
    if filters.get("occurred_before"):
        conditions.append(sql.SQL("k.occurred_from < %(occurred_before)s"))
        params["occurred_before"] = filters["occurred_before"]
    return Selection(driver, conditions, params)
