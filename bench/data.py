"""Exports, import and the service's memory while it streams."""

from __future__ import annotations

import http.client
import json
import random
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg

from bench import synthetic
from bench.plan import Plan
from bench.queries import fmt, queries
from bench.serving import request, stats, time_http
from service import chain
from service.pipeline.db import connect
from service.store import events, keys, migrate


def _rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB (VmRSS; 0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _workers(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def _stream(host: str, port: int, path: str, master: int, probe: str | None) -> dict:
    """Read GET path to its end: the bytes, lines and seconds, the workers' highest resident memory
    while it streamed against before it began, and (with `probe`) the latency of another request
    sent over and over meanwhile."""
    workers = _workers(master)
    before = {pid: _rss_kib(pid) for pid in workers}
    peak = dict(before)
    probes: list[float] = []
    conn = http.client.HTTPConnection(host, port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"GET {path} answered {response.status}: {response.read()[:300]!r}")
    size = lines = 0
    last_probe = 0.0
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
        for pid in workers:
            peak[pid] = max(peak[pid], _rss_kib(pid))
        if probe and time.perf_counter() - last_probe > 0.05:
            sent = time.perf_counter()
            request(host, port, "GET", probe)
            last_probe = time.perf_counter()
            probes.append((last_probe - sent) * 1000)
    seconds = time.perf_counter() - started
    conn.close()
    return {
        "bytes": size,
        "lines": lines,
        "seconds": round(seconds, 2),
        "worker_rss_mib_before": round(max(before.values(), default=0) / 1024, 1),
        "worker_rss_mib_peak": round(max(peak.values(), default=0) / 1024, 1),
        **({"probe_ms": stats(probes)} if probes else {}),
    }


def measure_data(
    dsn: str,
    host: str,
    port: int,
    master: int,
    cat: synthetic.Catalogue,
    plan: Plan,
    make: Callable[[str], str],
    say: Callable[[str], None],
) -> dict:
    """Counts, exports over HTTP and by the CLI's code, and an import of the whole log into an
    empty database, on the large log."""
    from service.exchange import archive

    ceasefire, effective = cat.conflicts[0].ceasefires[1]
    month = (
        f"by=side&interval=day&ceasefire={ceasefire}"
        f"&occurred_after={urllib.parse.quote((effective - timedelta(days=15)).isoformat())}"
        f"&occurred_before={urllib.parse.quote((effective + timedelta(days=15)).isoformat())}"
    )
    counts_ms, _ = time_http(host, port, f"/v1/incidents/counts?{month}", plan.runs, plan.warm_up)
    say(f"  counts: a month of daily counts by side for {ceasefire}: {fmt(counts_ms)}")
    probe = "/v1/incidents?" + urllib.parse.urlencode(queries(cat)["disputed"])
    alone, _ = time_http(host, port, probe, plan.runs, 0)
    result: dict = {"counts_month_ms": counts_ms, "probe_alone_ms": alone}
    # Before the import below, as the appends are: autovacuum works on a freshly imported log
    # long after, beside whatever follows (at 1,000,000 events a batch ran at 524 entries/s
    # after it, against 1,300/s through the store on the same log at rest). The exports and
    # the import that follow include its entries.
    result["batches"] = _batches(dsn, host, port, cat, plan)
    for format in ("ndjson", "csv"):
        streamed = _stream(host, port, f"/v1/events?format={format}", master, probe)
        # A CSV row may span lines (quotes are one a line): the entries are the NDJSON's lines.
        entries = result["http_ndjson"]["lines"] if format == "csv" else streamed["lines"]
        streamed["events_per_s"] = round(entries / streamed["seconds"]) if streamed["seconds"] else None
        result[f"http_{format}"] = streamed
        say(
            f"  GET /v1/events?format={format}: {entries:,} entries, {streamed['bytes'] / 2**20:,.0f} MiB in "
            f"{streamed['seconds']} s ({streamed['events_per_s']:,}/s); worker RSS {streamed['worker_rss_mib_before']} "
            f"-> {streamed['worker_rss_mib_peak']} MiB; a disputed page meanwhile "
            f"{fmt(streamed['probe_ms']) if 'probe_ms' in streamed else 'not sent (too short)'} "
            f"(alone {fmt(alone)})"
        )
    incidents_csv = _stream(host, port, "/v1/incidents?format=csv", master, None)
    result["http_incidents_csv"] = incidents_csv
    say(f"  GET /v1/incidents?format=csv: {incidents_csv['lines']:,} lines in {incidents_csv['seconds']} s")
    with tempfile.TemporaryDirectory(prefix="cfl-bench-") as folder:
        path = Path(folder) / "log.ndjson"
        with connect(dsn) as conn, path.open("wb") as out:
            started = time.perf_counter()
            exported = archive.export(conn, out)
            export_s = time.perf_counter() - started
        target = make("imported")
        migrate.upgrade(target)
        with connect(target) as conn:
            started = time.perf_counter()
            imported = archive.import_(conn, path)
            import_s = time.perf_counter() - started
        result["verify_imported"] = _verify(target)
        result["export"] = {
            "entries": exported.entries,
            "seconds": round(export_s, 2),
            "bytes": path.stat().st_size,
            "events_per_s": round(exported.entries / export_s),
        }
        result["import"] = {
            "entries": imported.entries,
            "seconds": round(import_s, 2),
            "events_per_s": round(imported.entries / import_s),
            "same_sha256": imported.sha256 == exported.sha256,
        }
    result["verify"] = _verify(dsn)
    for name, said in (("verify", "the log"), ("verify_imported", "the imported log")):
        checked = result[name]
        say(
            f"  ceasefire-log verify over {said}: {checked['entries']:,} entries in {checked['seconds']} s "
            f"({checked['events_per_s']:,}/s); {'all match' if checked['all_match'] else 'A BREAK: ' + checked['break']}"
        )
    result["copy"] = _copy_floors(dsn, make)
    say(
        f"  floors: COPY out of the entries' rows {result['copy']['out_per_s']:,}/s, COPY into bare tables of the same "
        f"columns {result['copy']['in_per_s']:,}/s; POST /v1/batches of {BATCH:,}: "
        f"{result['batches']['events_per_s']:,} entries/s"
    )
    say(
        f"  export: {exported.entries:,} entries in {export_s:.1f} s ({result['export']['events_per_s']:,}/s, "
        f"{result['export']['bytes'] / 2**20:,.0f} MiB); import into an empty log: {import_s:.1f} s "
        f"({result['import']['events_per_s']:,}/s)"
    )
    return result


# What an entry is in the log's own tables: the rows an export reads and an import writes.
ENTRY_TABLES = ("event", "event_location", "quote")
BATCH = 1000


# Each floor is the fastest of this many rounds: one round of 0.6 s at 100,000 entries moved by
# a factor of 1.6 between runs (autovacuum and the machine's neighbours), and every ratio with it.
FLOOR_ROUNDS = 3


def _copy_floors(dsn: str, make: Callable[[str], str]) -> dict:
    """What PostgreSQL itself does with the log's rows, beside the export and the import: COPY of
    every entry's rows out (the export's floor), and COPY of the same rows into bare tables of
    the same columns, with no key, index or trigger (the import's floor); each the fastest of
    FLOOR_ROUNDS."""
    copied: dict[str, bytes] = {}
    out_s = in_s = float("inf")
    with connect(dsn) as conn:
        entries = conn.execute("SELECT count(*) AS n FROM event").fetchone()["n"]
        for _ in range(FLOOR_ROUNDS):
            started = time.perf_counter()
            for table in ENTRY_TABLES:
                with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                    copied[table] = b"".join(bytes(chunk) for chunk in copy)
            out_s = min(out_s, time.perf_counter() - started)
            conn.commit()
        columns = {
            table: conn.execute(
                "SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                "AS columns FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (table,),
            ).fetchone()["columns"]
            for table in ENTRY_TABLES
        }
    bare = make("bare")
    with connect(bare) as conn:
        for table in ENTRY_TABLES:
            conn.execute(f"CREATE TABLE {table} ({columns[table]})")
        conn.commit()
        for _ in range(FLOOR_ROUNDS):
            conn.execute("TRUNCATE " + ", ".join(ENTRY_TABLES))
            conn.commit()
            started = time.perf_counter()
            for table in ENTRY_TABLES:
                with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(copied[table])
            conn.commit()
            in_s = min(in_s, time.perf_counter() - started)
    return {
        "entries": entries,
        "out_seconds": round(out_s, 2),
        "out_per_s": round(entries / out_s),
        "in_seconds": round(in_s, 2),
        "in_per_s": round(entries / in_s),
    }


def _batches(dsn: str, host: str, port: int, cat: synthetic.Catalogue, plan: Plan) -> dict:
    """POST /v1/batches of 1,000 accusations each (three, or one in a quick run), timed from the
    client: one transaction a batch, all or none."""
    from bench.appends import _report

    with connect(dsn) as conn:
        key = keys.create(conn, f"bench-batches-{uuid.uuid4().hex[:8]}", "reporter")
        conn.commit()
    rng = random.Random(plan.seed)
    count = 1 if plan.runs < 10 else 3
    bodies = [json.dumps({"entries": [_report(cat, rng) for _ in range(BATCH)]}).encode() for _ in range(count)]
    seconds = []
    for body in bodies:
        started = time.perf_counter()
        status, answer, _ = request(
            host,
            port,
            "POST",
            "/v1/batches",
            body,
            {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        seconds.append(time.perf_counter() - started)
        if status != 201:
            raise RuntimeError(f"POST /v1/batches answered {status}: {answer[:300]!r}")
    return {
        "batches": count,
        "entries_each": BATCH,
        "seconds": [round(s, 2) for s in seconds],
        "events_per_s": round(count * BATCH / sum(seconds)),
    }


def _verify(dsn: str) -> dict:
    """`ceasefire-log verify` over the log at `dsn`, timed: the chain recomputed in Python from a
    snapshot of every entry."""
    with connect(dsn) as conn:
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        started = time.perf_counter()
        with conn.transaction():
            matched, _, broken = chain.verify(entry.fields() for entry in events.every(conn))
        seconds = time.perf_counter() - started
    return {
        "entries": matched,
        "seconds": round(seconds, 2),
        "events_per_s": round(matched / seconds) if seconds else 0,
        "all_match": broken is None,
        **({"break": str(broken)} if broken else {}),
    }
