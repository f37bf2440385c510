"""Concurrent appenders with a follower, sent to the service, the floor, HTTP alone and the store alone."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import psycopg

from bench import synthetic
from bench.plan import Plan
from bench.queries import fmt
from bench.serving import request, service, stats
from service import log
from service.pipeline.db import connect
from service.store import events, keys


def _report(cat: synthetic.Catalogue, rng: random.Random) -> dict:
    conflict = rng.choice(cat.conflicts)
    victim, accused = conflict.sides if rng.random() < 0.5 else conflict.sides[::-1]
    stated = synthetic.SPAN_END - timedelta(days=rng.randint(1, 300), minutes=rng.randint(0, 1440))
    occurred = stated - timedelta(hours=rng.randint(1, 30))
    return {
        "kind": "accusation",
        "claimant": rng.choice(victim.actors),
        "target": accused.state,
        "act": rng.choice(synthetic.ACTS)[0],
        "locations": [rng.choice(victim.towns)],
        "occurred_from": occurred.isoformat(),
        "occurred_to": (occurred + timedelta(minutes=30)).isoformat(),
        "time_precision": "hour",
        "stated_at": stated.isoformat(),
        "ceasefire": conflict.ceasefires[-1][0],
        "summary": f"{cat.names[victim.state]} reported {rng.choice(synthetic.WORDS)} fire from "
        f"{cat.names[accused.state]} positions.",
        "quotes": [],
        "source": cat.sources[rng.randrange(len(cat.sources))]["slug"],
    }


def _append(args: tuple) -> dict:
    """One client: post `count` reports to `path`, each with its own Idempotency-Key; every tenth
    is sent a second time, as a client retrying after a lost answer would."""
    host, port, key, path, seed_, count, client, start = args
    cat = synthetic.catalogue(seed_)
    rng = random.Random(client)
    bodies = [json.dumps(_report(cat, rng)).encode() for _ in range(count)]
    ids, replays, latencies = [], 0, []
    # Every client has started and built its reports before any posts: a client still importing
    # or building its catalogue took a core from the service while the others were measured.
    start.wait()
    cpu, wall, began = time.process_time(), time.perf_counter(), time.time()
    for n, body in enumerate(bodies):
        headers = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"bench-{client}-{n}",
        }
        for attempt in range(2 if n % 10 == 0 else 1):
            started = time.perf_counter()
            status, answer, answer_headers = request(host, port, "POST", path, body, headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 201:
                raise RuntimeError(f"POST {path} answered {status}: {answer[:300]!r}")
            if attempt == 0:
                ids.append(json.loads(answer)["id"])
            elif answer_headers.get("Idempotent-Replayed") == "true" and json.loads(answer)["id"] == ids[-1]:
                replays += 1
    elapsed = time.perf_counter() - wall
    return {
        "ids": ids,
        "replays": replays,
        "latencies": latencies,
        "began": began,
        "ended": time.time(),
        "cpu_share": (time.process_time() - cpu) / elapsed,
    }


def _append_to_store(args: tuple) -> dict:
    """One client of the store alone: `count` reports appended with the write path's `log.append`
    and a commit each, on a connection of its own: no HTTP, no keys, no idempotency."""
    dsn, seed_, count, client, start = args
    cat = synthetic.catalogue(seed_)
    rng = random.Random(client)
    reports = [_report(cat, rng) for _ in range(count)]
    for report in reports:
        for name in events.INSTANTS:
            report[name] = datetime.fromisoformat(report[name])
    latencies = []
    with connect(dsn) as conn:
        start.wait()
        cpu, wall, began = time.process_time(), time.perf_counter(), time.time()
        for report in reports:
            started = time.perf_counter()
            log.append(conn, report, recorded_by="store")
            conn.commit()
            latencies.append((time.perf_counter() - started) * 1000)
        elapsed = time.perf_counter() - wall
    return {
        "latencies": latencies,
        "began": began,
        "ended": time.time(),
        "cpu_share": (time.process_time() - cpu) / elapsed,
    }


def _follow(args: tuple) -> dict:
    """Read the log from `after` while the appenders write, as a follower would: pages of up to
    500 back to back while behind, then a poll every 50 ms once caught up; it stops a second
    after the appenders have finished and nothing new came."""
    host, port, after, done = args
    seen: list[tuple[int, str]] = []
    idle_since = None
    started = time.perf_counter()
    last_new = started
    while True:
        status, body, _ = request(host, port, "GET", f"/v1/events?after={after}&limit=500")
        if status != 200:
            raise RuntimeError(f"GET /v1/events answered {status}")
        items = json.loads(body)["items"]
        if items:
            seen.extend((item["seq"], item["id"]) for item in items)
            after = items[-1]["seq"]
            last_new = time.perf_counter()
            idle_since = None
        elif done.is_set():
            idle_since = idle_since or time.perf_counter()
            if time.perf_counter() - idle_since > 1.0:
                break
        if len(items) < 500:
            time.sleep(0.05)
    return {"seen": seen, "seconds": last_new - started}


def _appenders(
    post: Callable[[tuple], dict], target: tuple, plan: Plan, follow: tuple | None = None
) -> tuple[list[dict], dict | None, float | None]:
    """The plan's appenders, each `post(target + its own arguments)` in a process of its own,
    posting at once; with `follow` (host, port, seq), a follower reading the log from that seq
    meanwhile. Also how many of the machine's cores were busy while they posted (None where
    /proc/stat cannot be read)."""
    context = multiprocessing.get_context("spawn")
    samples: list[tuple[float, int, int]] = []
    posting = threading.Event()

    def sample() -> None:
        while not posting.wait(0.25):
            samples.append((time.time(), *_cpu_ticks()))

    sampler = threading.Thread(target=sample, daemon=True)
    if Path("/proc/stat").exists():
        sampler.start()
    with context.Manager() as manager:
        done, start = manager.Event(), manager.Barrier(plan.appenders)
        with context.Pool(plan.appenders + 1) as pool:
            follower = None if follow is None else pool.apply_async(_follow, ((*follow, done),))
            clients = pool.map(
                post, [(*target, plan.seed, plan.appends_each, n, start) for n in range(plan.appenders)], chunksize=1
            )
            done.set()
            followed = None if follower is None else follower.get(timeout=120)
    posting.set()
    # Only the samples taken while the clients posted: not their start-up, nor the follower's end.
    began = min(client["began"] for client in clients)
    within = [(total, idle) for at, total, idle in samples if began <= at <= began + _wall(clients)]
    busy = None
    if len(within) >= 2 and within[-1][0] > within[0][0]:
        (total_0, idle_0), (total_1, idle_1) = within[0], within[-1]
        busy = round(len(os.sched_getaffinity(0)) * (1 - (idle_1 - idle_0) / (total_1 - total_0)), 2)
    return clients, followed, busy


def _cpu_ticks() -> tuple[int, int]:
    """The machine's CPU time so far, all of it and the idle part (jiffies, /proc/stat)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]  # idle and iowait


def _wall(clients: list[dict]) -> float:
    """From the first request sent to the last answer received, whichever clients they came from."""
    return max(client["ended"] for client in clients) - min(client["began"] for client in clients)


def measure_appends(dsn: str, host: str, port: int, plan: Plan, say: Callable[[str], None]) -> dict:
    """The appenders against the service, with a follower; then, in the same run, the rungs below
    it: the floor (bench/floor.py: the store's append under the same workers, with
    nothing else), HTTP alone (the floor's echo: no database), and the store alone (the same
    appends from the clients' own connections: no HTTP)."""
    with connect(dsn) as conn:
        holder = f"bench-appender-{uuid.uuid4().hex[:8]}"
        key, alone_key = keys.create(conn, holder, "reporter"), keys.create(conn, f"{holder}-alone", "reporter")
        start_seq = conn.execute("SELECT coalesce(max(seq), 0) AS s FROM event").fetchone()["s"]
        conn.commit()
    clients, followed, busy = _appenders(_append, (host, port, key, "/v1/events"), plan, follow=(host, port, start_seq))
    # The service as the floor is measured, with no follower beside it: on two cores the
    # follower's reads take a share of the CPU the appends have (a quarter of their rate).
    alone = _appenders(_append, (host, port, alone_key, "/v1/events"), plan)
    chain = _chain_cost(dsn, host, port, plan, say, before=alone)
    with service(dsn, plan.workers, app="bench.floor:app") as (floor_host, floor_port, _):
        rungs = {
            "floor": _appenders(_append, (floor_host, floor_port, key, "/v1/events"), plan),
            "http_alone": _appenders(_append, (floor_host, floor_port, key, "/v1/echo"), plan),
        }
    rungs["store_alone"] = _appenders(_append_to_store, (dsn,), plan)
    posted = [event_id for client in clients for event_id in client["ids"]]
    seen_ids = [event_id for _, event_id in followed["seen"]]
    seqs = [seq for seq, _ in followed["seen"]]
    with connect(dsn) as conn:
        stored = conn.execute(
            "SELECT count(*) AS n FROM event WHERE seq > %s AND recorded_by = %s", (start_seq, holder)
        ).fetchone()["n"]
    latencies = [ms for client in clients for ms in client["latencies"]]
    events_per_s = len(posted) / _wall(clients)

    def rung(rung_clients: list[dict], rung_busy: float | None) -> dict:
        # No rung has idempotency: each of its requests, retries too, appends (or is echoed).
        return {
            "events_per_s": round(sum(len(c["latencies"]) for c in rung_clients) / _wall(rung_clients), 1),
            "machine_busy_cores": rung_busy,
            "post_ms": stats([ms for c in rung_clients for ms in c["latencies"]]),
        }

    result = {
        "clients": plan.appenders,
        "events": len(posted),
        "requests": len(latencies),
        "retries_replayed": sum(client["replays"] for client in clients),
        "retries_sent": sum(1 for client in clients for n in range(len(client["ids"])) if n % 10 == 0),
        "events_per_s": round(events_per_s, 1),
        "post_ms": stats(latencies),
        "client_cpu_share": [round(client["cpu_share"], 3) for client in clients],
        "machine_busy_cores": busy,
        "events_stored": stored,
        "follower_seen": len(seen_ids),
        "follower_events_per_s": round(len(seen_ids) / followed["seconds"], 1) if followed["seconds"] else None,
        "follower_exactly_once": sorted(seen_ids) == sorted(posted) and len(set(seen_ids)) == len(seen_ids),
        "follower_in_seq_order": seqs == sorted(seqs),
        **{name: rung(rung_clients, rung_busy) for name, (rung_clients, _, rung_busy) in rungs.items()},
    }
    if chain is not None:
        result["chain"] = {name: rung(rung_clients, rung_busy) for name, (rung_clients, _, rung_busy) in chain.items()}
        chained = (result["chain"]["before"]["events_per_s"] + result["chain"]["after"]["events_per_s"]) / 2
        result["chain"]["cost"] = round(1 - chained / result["chain"]["unchained"]["events_per_s"], 3)
    alone_clients, _, alone_busy = alone
    result["service_alone"] = {
        **rung(alone_clients, alone_busy),
        # A retry the service answers from its idempotency record appends nothing.
        "appended_per_s": round(sum(len(c["ids"]) for c in alone_clients) / _wall(alone_clients), 1),
    }
    # Entries appended a second, the service's over the floor's: the same clients sending the
    # same requests, neither with a follower. The floor appends every retry again and the service
    # none, which counts against the service.
    result["over_floor"] = round(result["service_alone"]["appended_per_s"] / result["floor"]["events_per_s"], 3)
    result["with_follower_over_floor"] = round(events_per_s / result["floor"]["events_per_s"], 3)
    say(
        f"  appends: {result['events']} events from {plan.appenders} clients, {result['events_per_s']:,.0f} events/s, "
        f"POST {fmt(result['post_ms'])}; {result['retries_replayed']}/{result['retries_sent']} retries replayed; "
        f"stored {stored}; follower saw {len(seen_ids)} "
        f"({'each exactly once, in order' if result['follower_exactly_once'] and result['follower_in_seq_order'] else 'NOT exactly once'}); "
        f"cores busy meanwhile {busy}"
    )
    for name, said in (
        ("floor", "the floor (the store's append under the same workers, nothing else)"),
        ("http_alone", "HTTP alone (the floor's echo, no database)"),
        ("store_alone", "the store alone (no HTTP, a connection per client)"),
    ):
        say(
            f"  appends to {said}: {result[name]['events_per_s']:,.0f}/s, {fmt(result[name]['post_ms'])}; "
            f"cores busy {result[name]['machine_busy_cores']}"
        )
    say(
        f"  appends to the service with no follower: {result['service_alone']['appended_per_s']:,.0f}/s, "
        f"{fmt(result['service_alone']['post_ms'])}; cores busy {result['service_alone']['machine_busy_cores']}"
    )
    say(
        f"  service/floor {result['over_floor']:.2f} (with a follower reading meanwhile "
        f"{result['with_follower_over_floor']:.2f})"
    )
    if chain is not None:
        say(
            f"  the hash chain: appends with it {result['chain']['before']['events_per_s']:,.0f} and "
            f"{result['chain']['after']['events_per_s']:,.0f}/s, without it (its trigger off) "
            f"{result['chain']['unchained']['events_per_s']:,.0f}/s: it costs {result['chain']['cost']:.1%}"
        )
    return result


# The entries appended while the chain's trigger was off, chained after the last entry that has a
# hash, as migration 0014 chains a log it finds, with their lines and cells of the exports (0034,
# 0035). Derived tables refuse writers other than their triggers, which the replica role switches
# off for this transaction.
CHAIN_THE_REST = """
DO $$
DECLARE
    previous bytea := (SELECT h.hash FROM entry_hash h ORDER BY h.seq DESC LIMIT 1);
    entry event;
BEGIN
    PERFORM 1 FROM log_head FOR UPDATE;
    FOR entry IN SELECT * FROM event WHERE seq > (SELECT coalesce(max(seq), 0) FROM entry_hash) ORDER BY seq LOOP
        previous := entry_hash_of(previous, entry);
        INSERT INTO entry_hash (seq, hash) VALUES (entry.seq, previous);
    END LOOP;
    INSERT INTO entry_line (seq, line)
    SELECT l.seq, l.line FROM entry_lines((SELECT coalesce(max(seq), 0) FROM entry_line), (SELECT max(seq) FROM event)) l;
    INSERT INTO entry_csv
    SELECT c.* FROM entry_csv_parts((SELECT coalesce(max(seq), 0) FROM entry_csv), (SELECT max(seq) FROM event)) c;
END $$
"""


@contextmanager
def _unchained(dsn: str) -> Iterator[None]:
    """The log with its chain trigger off while the block runs; afterwards the entries appended
    meanwhile are chained, so the log verifies as before."""
    with connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE event DISABLE TRIGGER event_chain")
        try:
            yield
        finally:
            conn.execute("ALTER TABLE event ENABLE TRIGGER event_chain")
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
                conn.execute(CHAIN_THE_REST)


def _chain_cost(dsn: str, host: str, port: int, plan: Plan, say: Callable[[str], None], before: tuple) -> dict | None:
    """What the hash chain costs appends: the same appenders to the same service with the chain's
    trigger off, between two runs with it on (`before`, the service's run with no follower, and
    one after), each with a key of its own (retries are idempotent by key). None where the
    database will not let the benchmark switch a trigger off (a DATABASE_URL without the rights)."""
    with connect(dsn) as conn:
        off, after = (keys.create(conn, f"bench-chain-{uuid.uuid4().hex[:8]}", "reporter") for _ in range(2))
        conn.commit()
    try:
        with _unchained(dsn):
            unchained = _appenders(_append, (host, port, off, "/v1/events"), plan)
    except psycopg.errors.InsufficientPrivilege as error:
        say(f"  the hash chain's cost not measured: {str(error).splitlines()[0]}")
        return None
    return {
        "before": before,
        "unchained": unchained,
        "after": _appenders(_append, (host, port, after, "/v1/events"), plan),
    }
