"""Pages of events and incidents, and a batch's answer, as JSON, written by orjson straight from
the store's dataclasses.

A page of 50 incidents with their threads is about a thousand fields: through marshmallow's dump
and the standard json module it took longer than the database did. orjson writes the dataclasses
(their UUIDs as strings, their UTC datetimes in RFC 3339) exactly as EventOut, IncidentOut, their
pages and BatchOut in schemas.py describe them (tests/test_wire.py holds them to it); the schemas
stay the documentation and serve every other answer. Entries the log has written lines for (migration
0034) come as those lines, orjson.Fragment, the same bytes.
"""

from __future__ import annotations

from uuid import UUID

import orjson
from flask import Response

from service import days
from service.pipeline.pagination import link_headers
from service.store.events import Event
from service.store.incidents import Incident


def page(items: list[Event] | list[Incident] | orjson.Fragment, next_url: str | None, as_of: int) -> Response:
    """A page of the log's contract: its items, the URL of the next (in `next` and the `Link`
    header), and the seq of the last entry of the log it reflects (`as_of`)."""
    return Response(
        orjson.dumps({"items": items, "next": next_url, "as_of": as_of}, default=days.json),
        mimetype="application/json",
        headers=link_headers(next_url),
    )


def batch(entries: list[Event], refs: dict[str, UUID]) -> Response:
    """A batch's answer (BatchOut): its entries as appended, and the id each ref was given. Dumped
    by marshmallow, a batch of 1,000 cost its request 100 ms."""
    return Response(
        orjson.dumps({"entries": entries, "refs": refs}, default=days.json), status=201, mimetype="application/json"
    )
