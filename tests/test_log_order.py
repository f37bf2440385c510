"""Following the log under concurrent writers: no gap a follower could fall into, no repeat."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from service import log
from service.pipeline.db import connect
from service.store import events

START = datetime(2020, 10, 11, 9, tzinfo=UTC)


def report(n: int) -> dict:
    return {
        "kind": "accusation",
        "claimant": "azerbaijan-military",
        "target": "armenia",
        "act": "shelling",
        "locations": ["agdam"],
        "occurred_from": START,
        "occurred_to": START + timedelta(hours=1),
        "time_precision": "hour",
        "stated_at": START + timedelta(hours=2),
        "ceasefire": "moscow-humanitarian-2020",
        "summary": f"Shelling report {n}.",
        "quotes": [],
        "source": "moscow-ceasefire-article",
    }


def test_each_writers_batch_takes_one_contiguous_run_of_seq(dsn):
    """Two writers append batches at once; each batch's seqs must not interleave with the other's."""
    batches: dict[str, list[list[int]]] = {"a": [], "b": []}

    def writer(name: str) -> None:
        with connect(dsn) as conn:
            for _ in range(10):
                with conn.transaction():
                    batches[name].append([log.append(conn, report(i), recorded_by=name).seq for i in range(5)])

    threads = [threading.Thread(target=writer, args=(name,)) for name in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for runs in batches.values():
        for run in runs:
            assert run == list(range(run[0], run[0] + len(run)))


def follow_while(dsn: str, after: int, writer, writers: int) -> list[events.Event]:
    """Run `writers` threads of `writer(n)` while a follower reads the log from just after
    `after`, a page of 7 at a time, until the writers are done and a read after that finds
    nothing new; returns what the follower saw."""
    done, seen = threading.Event(), []

    def follow() -> None:
        last = after
        with connect(dsn, autocommit=True) as conn:
            while True:
                finished = done.is_set()
                page = events.after(conn, last, 7)
                seen.extend(page)
                if page:
                    last = page[-1].seq
                elif finished:
                    return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    reader = threading.Thread(target=follow)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    return seen


def test_a_follower_sees_every_event_exactly_once_while_writers_append(dsn):
    writers, per_writer = 4, 25
    with connect(dsn) as conn:
        start = conn.execute("SELECT max(seq) AS seq FROM event").fetchone()["seq"]

    def writer(n: int) -> None:
        with connect(dsn) as conn:
            for i in range(per_writer):
                with conn.transaction():
                    log.append(conn, report(n * 1000 + i), recorded_by=f"writer-{n}")

    seen = follow_while(dsn, start, writer, writers)

    with connect(dsn) as conn:
        written = [
            row["seq"] for row in conn.execute("SELECT seq FROM event WHERE seq > %s ORDER BY seq", [start]).fetchall()
        ]
    assert len(written) == writers * per_writer
    assert [event.seq for event in seen] == written
