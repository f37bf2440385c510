"""The connection pool (a write's transaction: service/pipeline/writes.py; reads: service/pipeline/reads.py)."""

from __future__ import annotations

import time
import weakref

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool

from service.config import Settings
from service.store import Connection

# Every connection the service opens, pooled or not, reads rows as dicts and speaks UTC. Its
# planner prices a random page read as storage on SSDs does (PostgreSQL's default of 4 assumes
# spinning disks): at the default it walked the whole log in statement order, whose heap is
# stored in nearly the same order, rather than a ceasefire's own index (57 ms against 2 ms at
# 1,000,000 events). Nor does it send parallel workers after a page of fifty: launching them
# took 7 ms of a 9 ms search page read as of an early seq, at 100,000 events.
CONNECT_KWARGS = {
    "row_factory": dict_row,
    "application_name": "ceasefire-log",
    "options": "-c TimeZone=UTC -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0",
}


# Quotes arrive as JSON in the same row as their event; the standard library's parser took a
# tenth of an incident page's time in the worker (py-spy), orjson a fraction of it.
set_json_loads(orjson.loads)


def connect(dsn: str, **overrides) -> Connection:
    """One connection outside the pool (the CLI, the seed, tests)."""
    return psycopg.connect(dsn, **{**CONNECT_KWARGS, **overrides})


# A connection that died while idle (the database restarted) is replaced, not handed out: one
# that has been idle longer than this is asked first (an empty query, a round trip). One given
# back this recently was answering then; asking it again cost every request a round trip.
CHECK_IDLE_AFTER = 2.0


_returned_at: weakref.WeakKeyDictionary[Connection, float] = weakref.WeakKeyDictionary()


def _returned(conn: Connection) -> None:
    _returned_at[conn] = time.monotonic()


def _check(conn: Connection) -> None:
    if time.monotonic() - _returned_at.get(conn, 0.0) > CHECK_IDLE_AFTER:
        ConnectionPool.check_connection(conn)


Pool = ConnectionPool[Connection]


def make_pool(settings: Settings, dsn: str, name: str = "ceasefire-log") -> Pool:
    """A pool that is not open yet: each gunicorn worker opens its own after the fork."""
    return Pool(
        dsn,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        timeout=settings.pool_timeout,
        open=False,
        name=name,
        # A statement is cut off at the time a request may take (CFL_TIMEOUT): a query the
        # planner got wrong must not hold a worker and its connection past the request's end.
        kwargs={
            **CONNECT_KWARGS,
            "options": f"{CONNECT_KWARGS['options']} -c statement_timeout={settings.timeout * 1000}",
        },
        check=_check,
        reset=_returned,
        reconnect_timeout=60,
    )
