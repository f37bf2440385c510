"""The incident queries timed through HTTP and through psycopg alone, deep pages, and their plans."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from psycopg import sql

from bench import synthetic
from bench.plan import GROWING, Plan
from bench.serving import follow_cursors, path_of, request, stats, time_http
from service.pipeline.db import connect
from service.store import events, incidents
from service.store import filters as filters_sql


def queries(cat: synthetic.Catalogue) -> dict[str, dict]:
    """The representative queries, as API arguments. The busiest conflict's first side is the one
    most often shelled, so its country and state have the most incidents."""
    conflict = cat.conflicts[0]
    span = synthetic.SPAN_END - synthetic.SPAN_START
    window_start = synthetic.SPAN_START + span * 0.6
    return {
        "disputed": {"status": "disputed"},
        "party_disputed": {"party": conflict.sides[1].state, "status": "disputed"},
        "country_window": {
            "location": conflict.sides[0].country,
            "occurred_after": window_start.isoformat(),
            "occurred_before": (window_start + timedelta(days=90)).isoformat(),
        },
        "search": {"q": "mortar"},
        "ceasefire_act": {"ceasefire": conflict.ceasefires[1][0], "act": "drone-strike"},
        # Two more that a planner estimating matches as spread evenly in time gets wrong.
        "ceasefire": {"ceasefire": conflict.ceasefires[1][0]},
        "month_disputed": {
            "status": "disputed",
            "occurred_after": window_start.isoformat(),
            "occurred_before": (window_start + timedelta(days=30)).isoformat(),
        },
        # Statuses and assessments from corrections, retractions and reviews (2% and 1% of entries).
        "retracted": {"status": "retracted"},
        "confirmed": {"assessment": "confirmed"},
    }


def as_filters(args: dict) -> dict:
    """API arguments as the store receives them once the API has parsed them."""
    filters = {"limit": 50, **args}
    for name in ("occurred_after", "occurred_before"):
        if name in filters:
            filters[name] = datetime.fromisoformat(filters[name])
    return filters


def time_sql(dsn: str, filters: dict, after: tuple | None, as_of: int | None, runs: int, warm_up: int) -> dict:
    """Latency in ms of the same page through psycopg alone: the store's queries, as the API's
    JSON reads them (incidents.page_as_written)."""
    samples = []
    with connect(dsn, autocommit=True) as conn:
        for _ in range(warm_up):
            incidents.page_as_written(conn, filters, after, filters["limit"], as_of)
        for _ in range(runs):
            started = time.perf_counter()
            incidents.page_as_written(conn, filters, after, filters["limit"], as_of)
            samples.append((time.perf_counter() - started) * 1000)
    return stats(samples)


def sql_position(dsn: str, filters: dict, pages: int) -> tuple[tuple | None, int | None]:
    """The keyset position after `pages` pages, walked through the store, and the seq the walk
    reads the log as of (its first page's head, which the service's cursors carry too)."""
    after, as_of = None, filters.get("as_of")
    with connect(dsn, autocommit=True) as conn:
        for _ in range(pages):
            _, position, as_of = incidents.page(conn, filters, after, filters["limit"], as_of)
            if position is None:
                break
            after = position
    return after, as_of


def explain(dsn: str, filters: dict, after: tuple | None, as_of: int | None = None) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the page query and of the responses query after it."""
    with connect(dsn, autocommit=True) as conn:
        refs = filters_sql.resolve(conn, filters)
        _, query, params = incidents.page_query(filters, refs, after, filters["limit"], as_of, incidents.WRITTEN)
        page_plan = conn.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ") + query, params).fetchone()
        ids = [row["id"] for row in conn.execute(query, params).fetchall()]
        responses_plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + incidents.WRITTEN + events.IN_THREADS,
            {"ids": ids, "as_of": refs["head"] if as_of is None else as_of},
        ).fetchone()
    result: dict[str, Any] = {}
    for name, row in (("page", page_plan), ("responses", responses_plan)):
        plan = row["QUERY PLAN"][0]
        nodes = list(_nodes(plan["Plan"]))
        result[name] = {
            "execution_ms": plan["Execution Time"],
            "seq_scans": sorted({n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}),
            "indexes": sorted({n["Index Name"] for n in nodes if "Index Name" in n}),
            "shared_hit": plan["Plan"].get("Shared Hit Blocks", 0),
            "shared_read": plan["Plan"].get("Shared Read Blocks", 0),
        }
    result["seq_scan_of_growing_table"] = sorted(
        {table for part in ("page", "responses") for table in result[part]["seq_scans"]} & GROWING
    )
    return result


def _nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def measure_queries(
    dsn: str, host: str, port: int, cat: synthetic.Catalogue, plan: Plan, deep: bool, say: Callable[[str], None]
) -> dict:
    """Each query's first page; with `deep`, also its first page as of the seq halfway down the log,
    and the page reached by following `next` (whose cursors read the log as of their first page)."""
    results = {}
    with connect(dsn, autocommit=True) as conn:
        halfway = events.head(conn) // 2
    for name, args in queries(cat).items():
        filters = as_filters(args)
        http_stats, client = time_http(host, port, path_of(args), plan.runs, plan.warm_up)
        sql_stats = time_sql(dsn, filters, None, None, plan.runs, plan.warm_up)
        status, body, _ = request(host, port, "GET", path_of(args))
        result = {
            "query": urllib.parse.urlencode(args),
            "matches_first_page": len(json.loads(body)["items"]),
            "service_ms": http_stats,
            "sql_ms": sql_stats,
            **client,
            "explain_first": explain(dsn, filters, None),
        }
        line = f"  {name:15} first page  service {fmt(http_stats)}   sql {fmt(sql_stats)}"
        if deep:
            as_of_http, _ = time_http(host, port, path_of({**args, "as_of": halfway}), plan.runs, plan.warm_up)
            as_of_sql = time_sql(dsn, filters, None, halfway, plan.runs, plan.warm_up)
            path, depth, before = follow_cursors(host, port, args, plan.deep_pages)
            after, as_of = sql_position(dsn, filters, depth)
            deep_http, _ = time_http(host, port, path, plan.runs, plan.warm_up)
            deep_sql = time_sql(dsn, filters, after, as_of, plan.runs, plan.warm_up)
            result |= {
                "as_of": halfway,
                "as_of_service_ms": as_of_http,
                "as_of_sql_ms": as_of_sql,
                "explain_as_of": explain(dsn, filters, None, halfway),
                "deep_depth": depth,
                "deep_incidents_before": before,
                "deep_service_ms": deep_http,
                "deep_sql_ms": deep_sql,
                "explain_deep": explain(dsn, filters, after, as_of),
            }
            line += (
                f"\n  {'':15} as of {halfway:<5} service {fmt(as_of_http)}   sql {fmt(as_of_sql)}"
                f"\n  {'':15} page {depth + 1:<5}  service {fmt(deep_http)}   sql {fmt(deep_sql)}"
            )
        say(line)
        results[name] = result
    return results


def pages(cat: synthetic.Catalogue) -> dict[str, str]:
    """The pages for people that the benchmark times: the front page as it opens and filtered, and
    the page of the busiest conflict's busiest ceasefire (its timeline, map and incidents)."""
    conflict = cat.conflicts[0]
    return {
        "front": "/",
        "front_filtered": "/?" + urllib.parse.urlencode({"status": "disputed", "party": conflict.sides[1].state}),
        "ceasefire": f"/ceasefires/{conflict.ceasefires[1][0]}",
    }


def measure_pages(host: str, port: int, cat: synthetic.Catalogue, plan: Plan, say: Callable[[str], None]) -> dict:
    """Each page's latency through HTTP (an upper bound on its server time: the connection is new
    each time, as for the API's queries), and its size."""
    results = {}
    for name, path in pages(cat).items():
        figures, _ = time_http(host, port, path, plan.runs, plan.warm_up)
        _, body, _ = request(host, port, "GET", path)
        results[name] = {"path": path, "ms": figures, "bytes": len(body)}
        say(f"  page {name:14} {fmt(figures)}  ({len(body) / 1024:,.0f} KiB)")
    return results


def fmt(figures: dict) -> str:
    return (
        f"min {figures['min']:6.2f}  med {figures['median']:6.2f}  p95 {figures['p95']:6.2f}  "
        f"max {figures['max']:6.2f} ms"
    )
