"""The floor for this stack: a bare Flask app, under the same gunicorn and gevent workers as the
service, that runs the store's own code and writes the JSON, with nothing else: no argument
validation, no keys, no request ids, no idempotency, no caching, no cursors.

- `GET /v1/incidents` reads a page with the store's SQL.
- `POST /v1/events` appends a report with the write path's `log.append` and commits: the same
  statements, triggers and head lock as the service's append.
- `POST /v1/echo` parses a report and answers it with an id, touching no database: what HTTP
  alone costs an append on this machine, under the same workers.

The benchmark sends the same crowd of readers, and the same appenders, to both in the same run;
the service's rate over the floor's is what its own layers cost. Started as
`gunicorn bench.floor:app`.
"""

from __future__ import annotations

import os
from datetime import datetime
from uuid import uuid4

import orjson
from flask import Flask, Response, request
from psycopg import IsolationLevel
from psycopg_pool import ConnectionPool

from service import days, log
from service.pipeline.db import CONNECT_KWARGS
from service.store import events, incidents

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
    return Response(
        orjson.dumps({"items": page, "next": None, "as_of": as_of}, default=days.json), mimetype="application/json"
    )


@app.post("/v1/events")
def append():
    report = orjson.loads(request.get_data())
    for name in events.INSTANTS:
        report[name] = datetime.fromisoformat(report[name])
    with pool.connection() as conn:
        event = log.append(conn, report, recorded_by="floor")
        conn.commit()
    return Response(orjson.dumps({"id": event.id, "seq": event.seq}), status=201, mimetype="application/json")


@app.post("/v1/echo")
def echo():
    report = orjson.loads(request.get_data())
    return Response(orjson.dumps({**report, "id": uuid4()}), status=201, mimetype="application/json")
