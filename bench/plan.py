"""What a run measures and the targets its verdicts hold figures to."""

from __future__ import annotations

from dataclasses import dataclass

TARGETS = {
    "median_ms_at_1m": 10.0,
    "growth": 1.5,
    "deep_over_first": 1.2,
    "as_of_over_first": 1.5,
    "service_over_sql": 4.0,
    "appends_per_s": 800.0,
    "bulk_per_s": 20000.0,
    "import_per_s": 20000.0,
    "export_per_s": 50000.0,
    "csv_over_ndjson": 1.5,
    "counts_ms": 50.0,
    "page_ms": 50.0,
    "crowd_over_floor": 0.6,
    "crowd_p99_over_median": 4.0,
    "not_modified_cost": 0.2,
    "chain_cost": 0.05,
    "verify_per_s": 20000.0,
}


# Tables that grow with the log: a sequential scan of any of them is a query that will not scale.
# (incident_high_water grows by a row for each write statement that raises it: a bulk load's
# batches add a few dozen rows, which the planner rightly reads whole.)
GROWING = {
    "event", "incident_actor", "incident_place", "incident_act", "incident_state", "event_location", "event_target",
    "event_act", "quote",
}  # fmt: skip


@dataclass(frozen=True)
class Plan:
    events: int = 100_000
    small: int = 10_000
    runs: int = 30
    # Requests before timing a query: enough for each of up to 9 gunicorn workers to have run it
    # and prepared it several times over.
    warm_up: int = 60
    deep_pages: int = 100
    appenders: int = 4
    appends_each: int = 300
    workers: int = 0  # 0: the service's own default
    crowd_seconds: int = 20
    seed: int = 20201010

    @classmethod
    def quick(cls) -> Plan:
        return cls(
            events=3000, small=1000, runs=3, warm_up=3, deep_pages=3, appenders=2, appends_each=20, crowd_seconds=2
        )
