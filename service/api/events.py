"""The event log: append a report, read one event, follow the log."""

from __future__ import annotations

from uuid import UUID

from flask import current_app, g, url_for

from . import Blueprint, refusals
from .. import wire
from ..errors import ApiError
from ..auth import requires
from ..db import in_transaction
from ..idempotency import idempotent
from ..pagination import link_headers
from ..schemas import EventIn, EventOut, EventPage, LogArgs
from ..store import events

blp = Blueprint("events", __name__, url_prefix="/v1/events", description="The append-only log of accusations, denials and retractions")


def not_found(event_id) -> ApiError:
    return ApiError(404, "Not Found", f"No event {event_id} in the log.", "not-found")


@blp.route("", methods=["POST"])
@in_transaction
@requires("reporter")
@idempotent
@blp.arguments(EventIn)
@blp.response(201, EventOut, headers={"Location": {"description": "URL of the new event", "schema": {"type": "string"}}})
@refusals(blp, 401, 403, secured=True)
def append(report):
    """Append an accusation, a denial or a retraction.

    A denial must respond to an accusation and be made by the accused side; a retraction withdraws
    an accusation or a denial, once, by the side that said it. Both may leave out their target
    (the accuser for a denial, the statement's target for a retraction) and their act, places and
    time (those of what they answer). Quotes must be verbatim: when the source's text is held,
    each is looked up in it and its span stored.
    """
    event = events.append(g.conn, report, recorded_by=g.key["name"])
    return event, {"Location": url_for("events.get_event", event_id=event.id, _external=True)}


@blp.route("", methods=["GET"])
@blp.arguments(LogArgs, location="query", as_kwargs=True)
@blp.response(200, EventPage)
def follow(after: int, limit: int):
    """The log in append order, from just after `after` (a seq).

    A follower that resumes from the last seq it saw misses nothing and sees nothing twice, even
    while many writers append.
    """
    with current_app.extensions["pool"].connection() as conn:
        page = events.after(conn, after, limit)
    url = url_for("events.follow", after=page[-1].seq, limit=limit, _external=True) if len(page) == limit else None
    return wire.page(page, url, link_headers(url))


@blp.route("/<event_id>", methods=["GET"])
@blp.response(200, EventOut)
@refusals(blp, 404)
def get_event(event_id: str):
    """One event.

    Any kind of entry of the log, by its id, with its seq and who recorded it when.
    """
    try:
        parsed = UUID(event_id)
    except ValueError:
        raise not_found(event_id) from None
    with current_app.extensions["pool"].connection() as conn:
        event = events.get(conn, parsed)
    if event is None:
        raise not_found(event_id)
    return event
