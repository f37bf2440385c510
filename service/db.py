"""The connection pool and the one way to run a transaction."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from .config import Settings


# Every connection the service opens, pooled or not, reads rows as dicts and speaks UTC. Its
# planner prices a random page read as storage on SSDs does (PostgreSQL's default of 4 assumes
# spinning disks): at the default it walked the whole log in statement order, whose heap is
# stored in nearly the same order, rather than a ceasefire's own index (57 ms against 2 ms at
# 1,000,000 events).
CONNECT_KWARGS = {
    "row_factory": dict_row,
    "application_name": "ceasefire-log",
    "options": "-c TimeZone=UTC -c random_page_cost=1.1",
}


def connect(dsn: str, **overrides) -> psycopg.Connection:
    """One connection outside the pool (the CLI, the seed, tests)."""
    return psycopg.connect(dsn, **{**CONNECT_KWARGS, **overrides})


def make_pool(settings: Settings, dsn: str) -> ConnectionPool:
    """A pool that is not open yet: each gunicorn worker opens its own after the fork."""
    return ConnectionPool(
        dsn,
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        timeout=settings.pool_timeout,
        open=False,
        name="ceasefire-log",
        kwargs=CONNECT_KWARGS,
        # A connection that died while idle (database restarted) is replaced, not handed out.
        check=ConnectionPool.check_connection,
        reconnect_timeout=60,
    )


@contextmanager
def transaction(pool: ConnectionPool) -> Iterator[psycopg.Connection]:
    """One connection, one transaction: committed when the block ends, rolled back if it raises."""
    with pool.connection() as conn:
        yield conn
