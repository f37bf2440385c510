"""Incidents: each accusation with its denials and counter-accusations, and whether it is disputed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from flask import current_app, g, url_for

from . import Blueprint, refusals
from .. import wire
from ..errors import ApiError
from ..auth import requires
from ..db import in_transaction
from ..idempotency import idempotent
from ..pagination import decode, encode, filters_digest, link_headers, next_url
from ..schemas import DenialIn, EventOut, IncidentArgs, IncidentOut, IncidentPage
from ..store import events, incidents

blp = Blueprint("incidents", __name__, url_prefix="/v1/incidents",
                description="Accusations with their responses: which are disputed, between whom, where")


def no_incident(incident_id) -> ApiError:
    return ApiError(404, "Not Found", f"No incident {incident_id}: no accusation has that id.", "not-found")


def _incident_id(incident_id: str) -> UUID:
    try:
        return UUID(incident_id)
    except ValueError:
        raise no_incident(incident_id) from None


@blp.route("", methods=["GET"])
@blp.arguments(IncidentArgs, location="query")
@blp.response(200, IncidentPage)
def list_incidents(filters: dict):
    """Incidents, filtered, newest statement first by default.

    Actor filters (claimant, target, party) include everything beneath the actor, and `location`
    everything beneath the place. Filters combine with AND. Pages follow `next` (or the `Link`
    header); a cursor only works with the filters and sort it was made for.
    """
    sort = filters.get("sort", "-stated")
    digest = filters_digest(filters)
    after = decode(filters["cursor"], digest, (datetime, int)) if filters.get("cursor") else None
    with current_app.extensions["pool"].connection() as conn:
        page, more = incidents.page(conn, filters, tuple(after) if after else None, filters["limit"])
    url = next_url(encode(incidents.sort_position(page[-1], sort), digest) if more else None)
    return wire.page(page, url, link_headers(url))


@blp.route("/<incident_id>", methods=["GET"])
@blp.response(200, IncidentOut)
@refusals(blp, 404)
def get_incident(incident_id: str):
    """One incident with its whole thread.

    The accusation (its id is the incident's), its denials and counter-accusations in log order,
    and its status.
    """
    with current_app.extensions["pool"].connection() as conn:
        incident = incidents.get(conn, _incident_id(incident_id))
    if incident is None:
        raise no_incident(incident_id)
    return incident


@blp.route("/<incident_id>/denials", methods=["POST"])
@in_transaction
@requires("reporter")
@idempotent
@blp.arguments(DenialIn)
@blp.response(201, EventOut)
@refusals(blp, 401, 403, 404, secured=True)
def deny(report: dict, incident_id: str):
    """Deny the incident's accusation, as the accused side.

    Any actor of the accused's side (the tree of its top-level actor) may deny; the denial's
    target is the accuser, and it inherits the accusation's act, places and time unless given.
    """
    accusation_id = _incident_id(incident_id)
    # The statement the denial needs anyway says whether the incident exists: no thread is read.
    accusation = events.statement(g.conn, accusation_id)
    if accusation is None or accusation["kind"] != "accusation":
        raise no_incident(incident_id)
    event = events.append(g.conn, {**report, "kind": "denial", "responds_to": accusation_id, "target": None},
                          recorded_by=g.key["name"], responding=accusation)
    return event, {"Location": url_for("events.get_event", event_id=event.id, _external=True)}
