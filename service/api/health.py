"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from flask import current_app

from .. import migrate
from . import Blueprint
from ..errors import ApiError
from ..schemas import Health

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

    503 with Retry-After while the database is away or its schema is behind; answers within a
    second either way.
    """
    # A probe gives up after a second or two: answer 503 within one rather than make it time out.
    with current_app.extensions["pool"].connection(timeout=READY_WITHIN) as conn:
        current = migrate.current_heads(conn)
    expected = migrate.script_heads()
    if current != expected:
        raise ApiError(503, "Service Unavailable",
                       f"The database schema is at {sorted(current) or 'nothing'}, the service needs {sorted(expected)}; "
                       "run `ceasefire-log db upgrade`.", "schema-not-at-head", headers={"Retry-After": "5"})
    return {"status": "ready", "schema": sorted(current)}
