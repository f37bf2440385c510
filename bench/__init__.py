"""`python -m bench`: the log at N events against the log at 10,000, measured in one run.

It builds two synthetic logs (bench/synthetic.py) in scratch databases: on an embedded
PostgreSQL in a temporary folder, or, with DATABASE_URL, in new databases on that server, which it
drops afterwards. It never opens the service's own database. Against each log it starts the real
service (gunicorn, its own processes) and measures the incident queries through HTTP and the same
queries through psycopg alone, deep pages, the query plans, and concurrent appends with a
follower. The crowd of readers and the appenders are also sent to a floor, the store alone under
the same workers (bench/floor.py); the appenders also to HTTP alone (the floor's echo)
and to the store with no HTTP. Every figure is printed and written to a JSON file; the ratios
are what to compare across machines, since they are measured side by side.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from bench import synthetic
from bench.appends import measure_appends
from bench.crowd import measure_crowd
from bench.data import measure_data
from bench.plan import TARGETS, Plan
from bench.queries import measure_pages, measure_queries
from bench.report import memory_bytes, ratios, summary, verdicts, write
from bench.scratch import build_log, scratch_databases
from bench.serving import service
from service.pipeline.db import connect


def run(plan: Plan, database_url: str | None, say: Callable[[str], None] = print) -> dict:
    cat = synthetic.catalogue(plan.seed)
    report: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "memory_gib": round(memory_bytes() / 2**30, 1),
        },
        "plan": asdict(plan),
        "targets": TARGETS,
    }
    with scratch_databases(database_url) as make:
        for label, size in (("small", plan.small), ("large", plan.events)):
            say(f"log of {size:,} events")
            dsn = make(label)
            load = build_log(dsn, cat, size, plan, say)
            with connect(dsn) as conn:
                report["server_version"] = conn.execute("SHOW server_version").fetchone()["server_version"]
            with service(dsn, plan.workers) as (host, port, pid):
                measured = measure_queries(dsn, host, port, cat, plan, deep=label == "large", say=say)
                shown = measure_pages(host, port, cat, plan, say)
                # Appends first: the import below leaves its database to autovacuum, which took
                # appends from 192/s to 101/s when they came after it.
                appends = measure_appends(dsn, host, port, plan, say) if label == "large" else None
                crowd = measure_crowd(dsn, host, port, cat, plan, say) if label == "large" else None
                data = measure_data(dsn, host, port, pid, cat, plan, make, say) if label == "large" else None
            report[label] = {
                "load": load,
                "queries": measured,
                "pages": shown,
                **({"crowd": crowd} if crowd else {}),
                **({"data": data} if data else {}),
                **({"appends": appends} if appends else {}),
            }
    report["ratios"] = ratios(report)
    report["verdicts"] = verdicts(report, plan)
    say(summary(report))
    return report


__all__ = ["Plan", "run", "summary", "write"]
