"""Incidents counted in time: how many each side alleged each hour (day, week, month), or how many of
each status or act, for any of the incident filters, now or as of a seq.

One query over the same selection as the pages (store/filters.py), grouped in the database; the
buckets between the first and the last (or the filters' window) are filled in here, empty ones
included, so a chart has every day of the month around a ceasefire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from psycopg import sql

from service import domain
from service.store import Connection
from service.store import filters as filters_sql
from service.store.events import check_as_of

INTERVALS = ("hour", "day", "week", "month")
BY = ("status", "side", "act")
TIMES = {"occurred": "occurred_from", "stated": "stated_at"}
# What a bucket holds: how many incidents, or how many violations they allege (an accusation that
# gives no number alleges one).
MEASURES = ("incidents", "violations")
# More buckets than this is a chart no one can read, and a request that asks for one mistook
# the interval: it is refused with a sentence saying so.
MOST_BUCKETS = 5000


@dataclass
class Bucket:
    start: datetime
    counts: dict[str, int]


def count(
    conn: Connection, filters: dict, interval: str, by: str, time: str, as_of: int | None, measure: str = "incidents"
) -> tuple[list[Bucket], int]:
    """The buckets, and the seq they reflect (the caller reads in one snapshot)."""
    refs = filters_sql.resolve(conn, filters)
    reflects = check_as_of(as_of, refs["head"])
    selection = filters_sql.select(filters, refs, as_of)
    on_state = selection.driver == "incident_state"
    # What each incident is counted under: its state's status or act (the driver's own row, or
    # its row in force), or the top-level actor of its claimant (incident_actor's row for it).
    label: sql.Composable
    joins: sql.Composable
    if by == "side":
        label = sql.SQL("a.slug")
        joins = sql.SQL(
            "JOIN incident_actor x ON x.event_id = k.event_id AND x.side IN ('claimant', 'both') AND {f} "
            "JOIN actor a ON a.id = x.actor_id AND a.parent_id IS NULL"
        ).format(f=filters_sql.in_force("incident_actor", "x", as_of))
    elif by == "act":
        # An incident of several acts is counted under each.
        label = sql.SQL("a.slug")
        joins = sql.SQL("JOIN incident_act y ON y.event_id = k.event_id AND {f} JOIN act a ON a.id = y.act_id").format(
            f=filters_sql.in_force("incident_act", "y", as_of)
        )
    else:
        joins = (
            sql.SQL("")
            if on_state
            else sql.SQL("JOIN incident_state s ON s.event_id = k.event_id AND {f} ").format(
                f=filters_sql.in_force("incident_state", "s", as_of)
            )
        )
        label = sql.SQL("{s}.status").format(s=sql.SQL("k" if on_state else "s"))
    tally = sql.SQL("count(*)")
    if measure == "violations":
        # The record in force says how many: the accusation's, or its latest correction's.
        if by != "status" and not on_state:
            joins += sql.SQL(" JOIN incident_state s ON s.event_id = k.event_id AND {f}").format(
                f=filters_sql.in_force("incident_state", "s", as_of)
            )
        version = sql.SQL("k" if on_state else "s")
        joins += sql.SQL(" JOIN event v ON v.seq = {s}.version_seq").format(s=version)
        tally = sql.SQL("sum(coalesce(v.violations, 1))")
    query = sql.SQL(
        "SELECT date_trunc(%(interval)s, k.{time}, 'UTC') AS start, {label} AS label, {tally} AS n "
        "FROM {driver} k {joins} WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2"
    ).format(
        tally=tally,
        time=sql.Identifier(TIMES[time]),
        label=label,
        driver=sql.Identifier(selection.driver),
        joins=joins,
        where=selection.where(),
    )
    rows = conn.execute(
        query, {**selection.params, "interval": interval}, prepare=False if filters.get("q") else None
    ).fetchall()
    counted: dict[datetime, dict[str, int]] = {}
    for row in rows:
        counted.setdefault(row["start"], {})[row["label"]] = row["n"]
    return _buckets(counted, interval, _window(filters, time, counted)), reflects


def _window(filters: dict, time: str, counted: dict) -> tuple[datetime, datetime] | None:
    """The first and last instant to have a bucket: the filters' window of occurrence, when the
    buckets are of occurrence and it is given, else the first and last incident counted."""
    first = min(counted, default=None)
    last = max(counted, default=None)
    if time == "occurred":
        if filters.get("occurred_after"):
            first = filters["occurred_after"]
        if filters.get("occurred_before"):
            # The window's end is exclusive: its last bucket holds the instant just before it.
            # Before the calendar's first instant there is none, and nothing to count.
            try:
                last = filters["occurred_before"] - timedelta(microseconds=1)
            except OverflowError:
                return None
    if first is None or last is None or first > last:
        return None
    return first, last


def _buckets(
    counted: dict[datetime, dict[str, int]], interval: str, window: tuple[datetime, datetime] | None
) -> list[Bucket]:
    labels = sorted({label for counts in counted.values() for label in counts})
    if window is None:
        return []
    start, end = (_truncate(instant, interval) for instant in window)
    buckets: list[Bucket] = []
    while start <= end:
        if len(buckets) == MOST_BUCKETS:
            raise domain.Refusal(
                {
                    "interval": [
                        f"more than {MOST_BUCKETS} {interval}s from {window[0]:%Y-%m-%d} to "
                        f"{window[1]:%Y-%m-%d}: count by a longer interval, or narrow "
                        f"occurred_after and occurred_before"
                    ]
                },
                where="query",
            )
        buckets.append(Bucket(start, {label: counted.get(start, {}).get(label, 0) for label in labels}))
        try:
            start = _next(start, interval)
        except (OverflowError, ValueError):  # past the year 9999: there is no next bucket
            break
    return buckets


def _truncate(instant: datetime, interval: str) -> datetime:
    """As date_trunc(interval, instant, 'UTC') does: a week begins on Monday (ISO 8601)."""
    utc = instant.astimezone(UTC)
    if interval == "hour":
        return utc.replace(minute=0, second=0, microsecond=0)
    day = utc.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "day":
        return day
    if interval == "week":
        # A week of the calendar's first days began before it: its bucket starts at the first day.
        return day - timedelta(days=min(day.weekday(), (day - datetime.min.replace(tzinfo=UTC)).days))
    return day.replace(day=1)


def _next(start: datetime, interval: str) -> datetime:
    if interval == "hour":
        return start + timedelta(hours=1)
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(weeks=1)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
