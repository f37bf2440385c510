"""Following the log under concurrent writers: no gap a follower could fall into, no repeat."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

from service import log
from service.pipeline.db import connect
from service.store import bulk, events

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


def test_a_follower_sees_every_entry_once_in_order_while_appends_batches_and_bulk_loads_run_at_once(dsn):
    """Single appends, batches (the API's POST /v1/batches) and bulk loads (import, seed) take the
    head in turns: the follower must see each of their entries exactly once, in seq order."""
    rounds, batch = 8, 6
    with connect(dsn) as conn:
        start = events.head(conn)

    def single(n: int) -> None:
        with connect(dsn) as conn:
            for i in range(rounds * batch):
                with conn.transaction():
                    log.append(conn, report(n * 10_000 + i), recorded_by="single")

    def batches(n: int) -> None:
        with connect(dsn) as conn:
            for i in range(rounds):
                with conn.transaction():
                    log.append_batch(
                        conn, [report(n * 10_000 + i * batch + j) for j in range(batch)], recorded_by="batch"
                    )

    def loads(n: int) -> None:
        with connect(dsn) as conn:
            bulk.prepare(conn)
            for i in range(rounds):
                entries = []
                for j in range(batch):
                    given = report(n * 10_000 + i * batch + j)
                    entries.append(
                        bulk.Entry(
                            line=j + 1,
                            id=uuid.uuid4(),
                            kind="accusation",
                            summary=given["summary"],
                            recorded_by="bulk",
                            claimant=given["claimant"],
                            targets=[given["target"]],
                            acts=[given["act"]],
                            locations=given["locations"],
                            occurred_from=given["occurred_from"],
                            occurred_to=given["occurred_to"],
                            time_precision=given["time_precision"],
                            stated_at=given["stated_at"],
                            ceasefire=given["ceasefire"],
                            source=given["source"],
                        )
                    )
                with conn.transaction():
                    bulk.load(conn, entries, keep_seq=False)

    paths = [single, single, batches, loads]
    seen = follow_while(dsn, start, lambda n: paths[n](n), len(paths))

    with connect(dsn) as conn:
        written = conn.execute("SELECT seq, recorded_by FROM event WHERE seq > %s ORDER BY seq", [start]).fetchall()
    assert len(written) == len(paths) * rounds * batch
    assert [event.seq for event in seen] == [row["seq"] for row in written]
    assert {row["recorded_by"] for row in written} == {"single", "batch", "bulk"}
    # A batch and a bulk load each take one contiguous run of seqs.
    runs = [row["recorded_by"] for row in written]
    for path in ("batch", "bulk"):
        positions = [i for i, name in enumerate(runs) if name == path]
        chunks = [positions[k : k + batch] for k in range(0, len(positions), batch)]
        assert all(chunk == list(range(chunk[0], chunk[0] + batch)) for chunk in chunks)
