"""A crowd of readers (wrk) against the service and against the floor."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable

from bench import synthetic
from bench.plan import Plan
from bench.queries import queries
from bench.serving import path_of, request, service

CROWD = 16


WRK_SCRIPT = """
local paths = {%s}
local tags = {%s}
local i = 0
request = function()
  i = i + 1
  local n = (i %% #paths) + 1
  if tags[n] then return wrk.format("GET", paths[n], {["If-None-Match"] = tags[n]}) end
  return wrk.format("GET", paths[n])
end
"""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _lua(text: str) -> str:
    return "[[" + text + "]]"


def wrk(
    host: str, port: int, paths: list[str], seconds: int, tags: list[str] | None = None, connections: int = CROWD
) -> dict:
    """`connections` clients on kept-alive connections walking `paths` in turn for `seconds`
    (wrk, two threads), each request with its If-None-Match when `tags` are given: requests/s and
    latency percentiles in ms. Every answer must be 200 (or 304 when tagged)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (", ".join(map(_lua, paths)), ", ".join(map(_lua, tags or []))))
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "-s",
                script.name,
                f"http://{host}:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()[-300:]}")
    out = done.stdout
    figures: dict = {"connections": connections, "seconds": seconds}
    for line in out.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in ("50%", "75%", "90%", "99%"):
            number = words[1].rstrip("usm")
            figures[f"p{words[0][:-1]}_ms"] = round(float(number) * _UNITS[words[1][len(number) :]], 3)
        elif line.startswith("Requests/sec:"):
            figures["requests_per_s"] = float(words[1])
        elif "requests in" in line:
            figures["requests"] = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            figures["not_2xx_3xx"] = int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            figures["socket_errors"] = line.split(":", 1)[1].strip()
    if figures.get("not_2xx_3xx") or "socket_errors" in figures:
        raise RuntimeError(f"wrk saw failures: {out[-500:]}")
    return figures


def measure_crowd(
    dsn: str, host: str, port: int, cat: synthetic.Catalogue, plan: Plan, say: Callable[[str], None]
) -> dict | None:
    """16 readers walking the benchmark's incident queries: against the service, against the floor
    (bench/floor.py) on the same log in the same run, and against the service again with
    each request's If-None-Match (a 304 for every one while nothing is appended)."""
    if shutil.which("wrk") is None:
        say("  crowd: wrk is not installed (apt-get install wrk): not measured")
        return None
    paths = [path_of(args) for args in queries(cat).values()]
    for path in paths:  # as warm as the single-client figures: every worker has prepared each query
        for _ in range(plan.warm_up // 4 or 1):
            request(host, port, "GET", path)
    served = wrk(host, port, paths, plan.crowd_seconds)
    tags = [request(host, port, "GET", path)[2]["ETag"] for path in paths]
    revalidated = wrk(host, port, paths, plan.crowd_seconds, tags)
    with service(dsn, plan.workers, app="bench.floor:app") as (floor_host, floor_port, _):
        for path in paths:
            for _ in range(plan.warm_up // 4 or 1):
                request(floor_host, floor_port, "GET", path)
        floor = wrk(floor_host, floor_port, paths, plan.crowd_seconds)
    result = {
        "service": served,
        "floor": floor,
        "not_modified": revalidated,
        "over_floor": round(served["requests_per_s"] / floor["requests_per_s"], 3),
        "p99_over_median": round(served["p99_ms"] / served["p50_ms"], 2),
        "not_modified_cost": round(served["requests_per_s"] / revalidated["requests_per_s"], 3),
    }
    say(
        f"  crowd of {CROWD}: service {served['requests_per_s']:,.0f} req/s (p50 {served['p50_ms']} ms, "
        f"p99 {served['p99_ms']} ms); floor {floor['requests_per_s']:,.0f} req/s (p50 {floor['p50_ms']} ms, "
        f"p99 {floor['p99_ms']} ms); service/floor {result['over_floor']:.2f}; "
        f"304s {revalidated['requests_per_s']:,.0f} req/s, a 304 costs {result['not_modified_cost']:.2f} of a page"
    )
    return result
