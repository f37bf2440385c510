"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import time

import psycopg
from flask import current_app
from psycopg_pool import PoolTimeout

from service.api import Blueprint
from service.pipeline import reads
from service.pipeline.errors import ApiError
from service.pipeline.schemas import Health
from service.store import events, first_line, migrate

READY_WITHIN = 1.0

blp = Blueprint("health", __name__, description="Liveness and readiness")


@blp.route("/healthz")
@blp.response(200, Health)
def healthz():
    """The process answers.

    Says nothing of the database: a load balancer restarts a process that stops answering this.
    """
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, Health)
def readyz():
    """The database answers and its schema is at the migrations' head.

    With a read replica, `replica` says how far behind it is (entries not yet replayed, seconds
    since it last replayed a commit) and where this worker's reads go now.

    503 with Retry-After while the database is away or its schema is behind; answers within a
    second either way.
    """
    # A probe gives up after a second or two: answer 503 within one rather than make it time out.
    with current_app.extensions["pool"].connection(timeout=READY_WITHIN) as conn:
        current = migrate.current_heads(conn)
        head = events.head(conn) if "read_pool" in current_app.extensions and current else None
    expected = migrate.script_heads()
    if current != expected:
        raise ApiError(
            503,
            "Service Unavailable",
            f"The database schema is at {sorted(current) or 'nothing'}, the service needs {sorted(expected)}; "
            "run `ceasefire-log db upgrade`.",
            "schema-not-at-head",
            headers={"Retry-After": "5"},
        )
    answer = {"status": "ready", "schema": sorted(current)}
    if head is not None:
        answer["replica"] = _replica(head)
    return answer


def _replica(primary_head: int) -> dict:
    """How far the read replica is behind: entries of the log it has not replayed yet, and how
    long ago it last replayed a commit. An unreachable replica leaves the service ready: its
    reads go to the primary."""
    try:
        with current_app.extensions["read_pool"].connection(timeout=READY_WITHIN) as conn:
            state = events.replay(conn)
    except (psycopg.Error, PoolTimeout) as error:
        return {"state": "unreachable", "detail": first_line(error), "reads_from": "primary"}
    seconds = state["replayed_seconds_ago"]
    return {
        "state": "streaming" if state["standby"] else "not a standby",
        "behind_entries": max(primary_head - state["head"], 0),
        "last_replay_seconds_ago": None if seconds is None else round(float(seconds), 3),
        "reads_from": "replica" if time.monotonic() >= reads.replica_rests_until() else "primary",
    }
