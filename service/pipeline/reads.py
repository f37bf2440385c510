"""Reads: each in a snapshot of the log, on the read replica (CFL_READ_URL) when it can serve it,
else on the primary's pool (service/pipeline/db.py)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import psycopg
from flask import Flask, current_app, g, has_request_context
from psycopg import IsolationLevel
from psycopg.pq import TransactionStatus
from psycopg_pool import PoolTimeout

from service.pipeline.db import Pool
from service.store import Connection, events

T = TypeVar("T")
P = TypeVar("P")


class ReplicaFailed(Exception):
    """A read on the replica broke off (it stopped, or its connection did): the request is read
    again from the primary (CeasefireFlask.dispatch_request, `read`)."""


# After the replica failed a read, this worker reads from the primary for a while rather than
# make every request find out again; the pool reconnects to the replica in the background.
REPLICA_RESTS = 2.0
# A replica connection is waited for this long at most before the read goes to the primary.
REPLICA_CHECKOUT = 0.25
# How often a read that needs a seq the replica has not replayed yet asks it again.
REPLICA_POLL = 0.01
_replica_down_until = 0.0


def at_least(seq: int | None) -> None:
    """This request must see the log up to `seq` at least: its own write (`min_seq`), an `as_of`,
    or a cursor's. A replica that has not replayed it yet is waited for, then passed over."""
    if seq is not None and has_request_context():
        g.min_seq = max(seq, g.get("min_seq") or 0)


def _replica_failed() -> None:
    global _replica_down_until
    _replica_down_until = time.monotonic() + REPLICA_RESTS


def replica_rests_until() -> float:
    """Until when (time.monotonic) this worker reads from the primary after the replica failed."""
    return _replica_down_until


def _reader() -> tuple[Pool, Connection]:
    """The pool and connection a read uses: the replica's (CFL_READ_URL), once it has replayed
    the seq the request needs, or the primary's."""
    primary, replicas = current_app.extensions["pool"], current_app.extensions.get("read_pool")
    if replicas is None or g.get("primary_only") or time.monotonic() < _replica_down_until:
        return primary, _read_only(primary.getconn())
    try:
        conn = replicas.getconn(timeout=REPLICA_CHECKOUT)
    except PoolTimeout:
        _replica_failed()
        return primary, _read_only(primary.getconn())
    needed = g.get("min_seq")
    deadline = time.monotonic() + current_app.extensions["settings"].replica_wait
    try:
        _read_only(conn)
        while needed is not None:
            # The first statement fixes the snapshot: a head that has reached `needed` here is
            # the log the whole read sees.
            if events.head(conn) >= needed:
                break
            conn.commit()
            if time.monotonic() >= deadline:
                _give_back(replicas, conn)
                return primary, _read_only(primary.getconn())
            time.sleep(REPLICA_POLL)
        return replicas, conn
    except psycopg.OperationalError:
        _replica_failed()
        _give_back(replicas, conn)
        return primary, _read_only(primary.getconn())


def _read_only(conn: Connection) -> Connection:
    conn.isolation_level, conn.read_only = IsolationLevel.REPEATABLE_READ, True
    return conn


def _give_back(pool: Pool, conn: Connection) -> None:
    """Return a read's connection as it was lent; a broken one the pool replaces."""
    try:
        if conn.info.transaction_status not in (TransactionStatus.IDLE, TransactionStatus.UNKNOWN):
            conn.rollback()
        if not conn.closed:
            conn.isolation_level = conn.read_only = None
    except psycopg.Error:
        pass  # the connection is gone; putconn sees it and discards it
    pool.putconn(conn)


@contextmanager
def snapshot() -> Iterator[Connection]:
    """A read of several statements that sees one state of the log, so that a page, its threads
    and the head it reports agree even while writers append: a read-only REPEATABLE READ
    transaction, which psycopg opens with the first statement. It ends with a COMMIT, though it
    wrote nothing: on a ROLLBACK psycopg forgets every statement it prepared on the connection,
    and planning a page's three queries afresh cost each request 3 ms.

    With a read replica (CFL_READ_URL) the read is made there when the replica can serve it; a
    replica that fails during the read raises ReplicaFailed, and the read is made again."""
    # The request's read may have begun already (begin_read): the page then sees the very log
    # whose head its ETag names.
    pool, conn = g.pop("pending_read", None) or _reader()  # read-only REPEATABLE READ, perhaps begun
    try:
        yield conn
        conn.commit()
    except psycopg.OperationalError as error:
        if pool is not current_app.extensions["pool"]:
            _replica_failed()
            raise ReplicaFailed() from error
        raise
    finally:
        _give_back(pool, conn)


def begin_read(first: Callable[[Connection], T]) -> T:
    """Begin this request's read now with its first statement, `first`, for its first `snapshot`
    to go on with: that statement fixes the snapshot the page is read in. A replica that fails it
    hands the read to the primary, as `read` does for a batch."""
    pool, conn = g.pending_read = _reader()
    try:
        return first(conn)
    except psycopg.OperationalError:
        if pool is current_app.extensions["pool"]:
            raise
        _replica_failed()
        end_pending_read()
        g.primary_only = True
        return begin_read(first)


def end_pending_read(_error: BaseException | None = None) -> None:
    """At the end of a request: a read begun and never gone on with (a 304, a refusal) ends."""
    pending = g.pop("pending_read", None)
    if pending is not None:
        pool, conn = pending
        try:
            conn.commit()  # a ROLLBACK would forget the connection's prepared statements
        except psycopg.Error:
            pass
        _give_back(pool, conn)


def read(work: Callable[[Connection], T]) -> T:
    """`work` in a snapshot, made again on the primary if the replica fails it: for the reads
    that cannot be answered again whole (a batch of a streaming export, read as of one seq)."""
    try:
        with snapshot() as conn:
            return work(conn)
    except ReplicaFailed:
        g.primary_only = True
        with snapshot() as conn:
            return work(conn)


# How many of an export's batches are read while the one before them is sent: each on a pooled
# connection of its own, so that PostgreSQL writes them on as many of its cores. On two cores, at
# 1,000,000 entries, two took the CSV export over HTTP from 66,000 to 98,000 entries a second and
# the NDJSON from 160,000 to 231,000 (bench/data.py measures both); a page asked for meanwhile
# waits for a core, 9 ms then 16 to 19.
READ_AHEAD = 2
# What of the request's state a read made for it elsewhere must know: the seq it must see at
# least (a replica waits for it), and whether the replica failed it already.
_CARRIED = ("min_seq", "primary_only")


def read_ahead(works: Iterable[Callable[[Connection], T]], depth: int = READ_AHEAD) -> Generator[T, None, None]:
    """Each work's result, in order, each `read` in a snapshot of its own (as `read` does for a
    batch of an export): while the caller sends one, the next `depth` are being read. A caller
    that stops early leaves the reads under way to finish and give their connections back."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    carried = {name: g.get(name) for name in _CARRIED if name in g}

    def made(work: Callable[[Connection], T]) -> T:
        with app.app_context():
            for name, value in carried.items():
                setattr(g, name, value)
            return read(work)

    pending: deque[Future[T]] = deque()
    executor = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="read-ahead")
    try:
        for work in works:
            pending.append(executor.submit(made, work))
            if len(pending) > depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False)


# How many batches' ends one look finds: a walk of the listing's index that reads nothing else.
ENDS_AT_A_LOOK = 16


def batched(
    start: P, ends: Callable[[Connection, P, int], list[P]], read_batch: Callable[[Connection, P], T]
) -> Generator[T, None, None]:
    """A listing read in batches, each `read` in a snapshot of its own, the next ones while one is
    sent (read_ahead). `ends(conn, start, count)` gives the positions that end each of the next
    `count` batches after `start` (fewer when the listing ends before them), so the batches are
    known before any is read; `read_batch(conn, start)` reads the batch after `start`. The
    caller reads the first before its answer begins: a failure there (a refusal, the database
    gone) is answered as a problem, not a stream cut short."""

    def look(conn: Connection, position: P) -> list[P]:
        return ends(conn, position, ENDS_AT_A_LOOK)

    def reads() -> Iterator[Callable[[Connection], T]]:
        after = start
        while True:
            found = read(_at(look, after))
            for end in found:
                yield _at(read_batch, after)
                after = end
            if len(found) < ENDS_AT_A_LOOK:
                yield _at(read_batch, after)  # the rest: less than a batch
                return

    return read_ahead(reads())


def _at(work: Callable[[Connection, P], T], position: P) -> Callable[[Connection], T]:
    return lambda conn: work(conn, position)
