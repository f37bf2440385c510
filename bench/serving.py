"""The service (or the floor) under gunicorn on a free port, and timed HTTP requests to it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

from service.running.cli import gunicorn_command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def service(dsn: str, workers: int, app: str = "service.running.wsgi:app") -> Iterator[tuple[str, int, int]]:
    """The service (or the floor, bench/floor.py) under gunicorn on a free port: its host,
    port and master's pid."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "CFL_HOST": "127.0.0.1",
        "CFL_PORT": str(port),
        "CFL_LOG_LEVEL": "warning",
        "CFL_READS_NEED_KEY": "false",
    }
    if workers:
        env["CFL_WORKERS"] = str(workers)
    process = subprocess.Popen(
        gunicorn_command(app), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                said = process.stderr.read() if process.stderr else ""
                raise RuntimeError(f"the service did not start: {said.strip()[-500:]}")
            try:
                if request("127.0.0.1", port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not become ready within 60 s")
            time.sleep(0.1)
        yield "127.0.0.1", port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def request(
    host: str, port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes, dict]:
    """One HTTP exchange on a new connection, as the benchmark has always measured (the service's
    gevent workers would keep it alive; README "Serving" says what that changes)."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "min": round(ordered[0], 3),
        "median": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "max": round(ordered[-1], 3),
        "n": len(ordered),
    }


def time_http(host: str, port: int, path: str, runs: int, warm_up: int) -> tuple[dict, dict]:
    """Latency in ms of GET path, and the client's CPU share while measuring it. The warm-up
    reaches every worker several times, so that each has its connection open and its statements
    prepared (psycopg prepares a query on its sixth use), as in a service that has been running."""
    for _ in range(warm_up):
        request(host, port, "GET", path)
    samples = []
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(runs):
        started = time.perf_counter()
        status, body, _ = request(host, port, "GET", path)
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    share = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return stats(samples), {"client_cpu_share": round(share, 3)}


def path_of(args: dict) -> str:
    return "/v1/incidents?" + urllib.parse.urlencode({"limit": 50, **args})


def follow_cursors(host: str, port: int, args: dict, pages: int) -> tuple[str, int, int]:
    """Follow `next` up to `pages` times; returns the last page's path, its depth and how many
    incidents came before it."""
    path, depth, seen = path_of(args), 0, 0
    while depth < pages:
        status, body, _ = request(host, port, "GET", path)
        page = json.loads(body)
        if status != 200 or not page["next"]:
            break
        seen += len(page["items"])
        split = urllib.parse.urlsplit(page["next"])
        path, depth = f"{split.path}?{split.query}", depth + 1
    return path, depth, seen
