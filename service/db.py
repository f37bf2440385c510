"""The connection pool, and the one way a write gets its transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

import orjson
import psycopg
from flask import current_app, g
from psycopg import IsolationLevel
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import ConnectionPool

from .config import Settings
from .errors import OutcomeUnknown


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
def snapshot() -> Iterator[psycopg.Connection]:
    """A read of several statements that sees one state of the log, so that a page, its threads
    and the head it reports agree even while writers append: a read-only REPEATABLE READ
    transaction, which psycopg opens with the first statement. It ends with a COMMIT, though it
    wrote nothing: on a ROLLBACK psycopg forgets every statement it prepared on the connection,
    and planning a page's three queries afresh cost each request 3 ms."""
    with current_app.extensions["pool"].connection() as conn:
        conn.isolation_level, conn.read_only = IsolationLevel.REPEATABLE_READ, True
        try:
            yield conn
            conn.commit()
        finally:
            if conn.info.transaction_status not in (TransactionStatus.IDLE, TransactionStatus.UNKNOWN):
                conn.rollback()
            if not conn.closed:
                conn.isolation_level = conn.read_only = None


def in_transaction(view):
    """A write: one connection and one transaction for the whole request, as `g.conn`.

    The answer is made inside the transaction; then whatever must be stored with it (`on_commit`:
    the idempotency record) and the COMMIT go in one round trip, because until the commit an
    appending transaction holds the log's head and other writers wait. A view that raises rolls
    everything back: a request that fails changes nothing."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        with current_app.extensions["pool"].connection() as conn:
            g.conn, g.on_commit = conn, []
            response = current_app.make_response(view(*args, **kwargs))
            try:
                with conn.pipeline():
                    for step in g.on_commit:
                        step(conn, response)
                    conn.commit()
            except psycopg.OperationalError as error:
                # The COMMIT may have reached the server before the connection broke: only the
                # log can tell whether this write is in it, so the answer says exactly that.
                raise OutcomeUnknown() from error
            return response
    return wrapper
