"""Pages of events and incidents as JSON, written directly instead of through marshmallow.

A page of 50 incidents with their threads is about a thousand fields; marshmallow's dump took
more time than the database did. These functions write exactly what EventOut, IncidentOut and
their pages in schemas.py describe (tests/test_wire.py holds them to it); the schemas stay the
documentation and serve every other answer.
"""

from __future__ import annotations

from flask import Response, current_app

from .store.events import Event
from .store.incidents import Incident


def event(e: Event) -> dict:
    return {
        "id": str(e.id), "seq": e.seq, "kind": e.kind, "claimant": e.claimant, "target": e.target,
        "responds_to": None if e.responds_to is None else str(e.responds_to), "act": e.act,
        "locations": e.locations, "occurred_from": e.occurred_from.isoformat(),
        "occurred_to": e.occurred_to.isoformat(), "time_precision": e.time_precision,
        "stated_at": e.stated_at.isoformat(), "ceasefire": e.ceasefire, "summary": e.summary, "source": e.source,
        "quotes": [{"text": q["text"], "start": q["start"], "end": q["end"]} for q in e.quotes],
        "recorded_by": e.recorded_by, "recorded_at": e.recorded_at.isoformat(),
    }


def incident(i: Incident) -> dict:
    return {
        "id": str(i.id), "status": i.status, "accusation": event(i.accusation),
        "denials": [event(d) for d in i.denials],
        "counter_accusations": [event(c) for c in i.counter_accusations],
    }


def page(items: list[dict], next_url: str | None, headers: dict) -> Response:
    response = current_app.json.response({"items": items, "next": next_url})
    response.headers.update(headers)
    return response
