"""The floor for incident pages on this stack: a bare Flask app, under the same gunicorn and gevent
workers as the service, that runs the store's SQL for `GET /v1/incidents` and writes the JSON,
with nothing else: no argument validation, no keys, no request ids, no caching, no cursors.

The benchmark's crowd of readers is sent to both in the same run; the service's requests/s over
the floor's is what its own layers cost. Started as `gunicorn service.bench.floor:app`.
"""

from __future__ import annotations

import os
from datetime import datetime

import orjson
from flask import Flask, Response, request
from psycopg import IsolationLevel
from psycopg_pool import ConnectionPool

from ..db import CONNECT_KWARGS
from ..store import incidents

app = Flask(__name__)
pool = ConnectionPool(os.environ["DATABASE_URL"], min_size=2, max_size=10, open=False, kwargs=CONNECT_KWARGS)
pool.open(wait=False)
app.extensions["pool"] = pool  # closed by gunicorn_conf.worker_exit, as the service's is


@app.get("/readyz")
def ready():
    return {"status": "ready"}


@app.get("/v1/incidents")
def incident_page():
    filters = {"limit": 50, **request.args.to_dict()}
    filters["limit"] = int(filters["limit"])
    for name in ("occurred_after", "occurred_before"):
        if name in filters:
            filters[name] = datetime.fromisoformat(filters[name])
    with pool.connection() as conn:
        conn.isolation_level, conn.read_only = IsolationLevel.REPEATABLE_READ, True
        page, _, as_of = incidents.page(conn, filters, None, filters["limit"], None)
        conn.commit()
    return Response(orjson.dumps({"items": page, "next": None, "as_of": as_of}), mimetype="application/json")
