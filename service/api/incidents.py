"""Incidents: each accusation with its thread, whether it is disputed, and how it was assessed, now
or as of any seq of the log."""

from __future__ import annotations

from itertools import chain
from uuid import UUID

from flask import request, url_for

from service import formats, log
from service.api import Blueprint, exportable, exports, id_in_path, refusals
from service.pipeline import wire
from service.pipeline.errors import ApiError
from service.pipeline.pagination import after_incident, filters_digest, incident_position
from service.pipeline.reads import batched, snapshot
from service.pipeline.schemas import (
    CountsArgs,
    CountsOut,
    DenialIn,
    EventOut,
    IncidentArgs,
    IncidentOut,
    IncidentPage,
    ReadArgs,
)
from service.pipeline.writes import Write, writes
from service.store import Connection, counts, events, incidents, names

blp = Blueprint(
    "incidents",
    __name__,
    url_prefix="/v1/incidents",
    description="Accusations with their responses: which are disputed, between whom, where",
)


def no_incident(incident_id) -> ApiError:
    return ApiError(404, "Not Found", f"No incident {incident_id}: no accusation has that id.", "not-found")


def _incident_id(incident_id: str) -> UUID:
    return id_in_path(incident_id, no_incident(incident_id))


@blp.route("", methods=["GET"])
@blp.arguments(IncidentArgs, location="query")
@blp.response(200, IncidentPage)
@exportable(blp, IncidentPage)
def list_incidents(filters: dict):
    """Incidents, filtered, newest statement first by default.

    Actor filters (claimant, target, party) include everything beneath the actor, and `location`
    everything beneath the place. Filters combine with AND and read the current version of each
    incident (its latest corrections). With `as_of`, the log as it stood when that seq was its
    last entry. Every page says which seq it reflects (`as_of`); pages follow `next` (or the
    `Link` header), which keeps it, so a listing's pages agree while writers append. A cursor
    only works with the filters and sort it was made for.

    Asked for NDJSON, CSV or GeoJSON (by `Accept` or `format`), it answers every match as one
    stream instead of a page, in the same order, as of one seq (`X-As-Of`, and the file name).
    """
    format = formats.chosen(filters.pop("format", None), request.accept_mimetypes)
    if format != "json":
        return export(filters, format)
    digest = filters_digest(filters)
    after, as_of = incident_position(filters, digest)
    with snapshot() as conn:
        page, last, as_of = incidents.page_as_written(conn, filters, after, filters["limit"], as_of)
    return wire.page(page, after_incident(last, as_of, digest), as_of)


@blp.route("/counts", methods=["GET"])
@blp.arguments(CountsArgs, location="query")
@blp.response(200, CountsOut)
def count_incidents(query: dict):
    """Incidents counted in time.

    Buckets of a day, a week or a month (UTC), by when the act began (or, with `time=stated`,
    when it was alleged), each counting the incidents of each status, act, or accusing side (the
    claimant's top-level actor), for the same filters as the list and as of any seq. Every bucket
    from the window's start (`occurred_after`, or the first incident) to its end is there, empty
    ones included: "how many violations did each side allege each day of the month around this
    ceasefire" is one request.
    """
    interval, by, time, measure = query.pop("interval"), query.pop("by"), query.pop("time"), query.pop("measure")
    with snapshot() as conn:
        buckets, as_of = counts.count(conn, query, interval, by, time, query.get("as_of"), measure)
    return {"interval": interval, "by": by, "time": time, "measure": measure, "as_of": as_of, "buckets": buckets}


# Incidents an export reads at a time, each batch in a snapshot of its own (service/api/exports.py).
EXPORT_BATCH = 500


def export(filters: dict, format: str):
    """Every incident the filters select, as of the seq the export begins at, EXPORT_BATCH a read,
    the next ones read while one is sent (reads.batched)."""
    exports.refuse_page_arguments()
    # NDJSON writes each incident as a page of the API does: its entries as the log wrote them.
    as_written = format == "ndjson"
    with snapshot() as conn:
        catalogue = names.read(conn)
        as_of = events.check_as_of(filters.get("as_of"), events.head(conn))

    def ends(conn: Connection, start: incidents.Position | None, count: int) -> list[incidents.Position | None]:
        return list(incidents.batch_ends(conn, filters, start, as_of, EXPORT_BATCH, count))

    def batch(conn: Connection, start: incidents.Position | None) -> list:
        if as_written:
            return incidents.page_as_written(conn, filters, start, EXPORT_BATCH, as_of)[0]
        return incidents.page(conn, filters, start, EXPORT_BATCH, as_of)[0]

    start: incidents.Position | None = None
    batches = batched(start, ends, batch)
    first = next(batches)
    every = chain.from_iterable(chain([first], batches))
    named_by = {
        name: value
        for name, value in filters.items()
        if name not in {"limit", "as_of"} and not (name == "sort" and value == "-stated")
    }
    return exports.response("incidents", format, every, catalogue, as_of, named_by)


@blp.route("/<incident_id>", methods=["GET"])
@blp.arguments(ReadArgs, location="query", as_kwargs=True)
@blp.response(200, IncidentOut)
@refusals(blp, 404)
def get_incident(incident_id: str, as_of: int | None = None):
    """One incident with its whole thread.

    The accusation (its id is the incident's), its denials, counter-accusations, retractions and
    reviews in log order, each at its current version (or as of `as_of`), its status and its
    assessment (the latest review).
    """
    parsed = _incident_id(incident_id)
    with snapshot() as conn:
        incident = incidents.get(conn, parsed, as_of)
        if incident is None:
            raise ApiError(404, "Not Found", incidents.absent(conn, parsed, as_of), "not-found")
    return incident


@blp.route("/<incident_id>/denials", methods=["POST"])
@writes("reporter")
@blp.arguments(DenialIn)
@blp.response(201, EventOut)
@refusals(blp, 401, 403, 404, secured=True)
def deny(report: dict, incident_id: str, write: Write):
    """Deny the incident's accusation, as the accused side.

    Any actor of the accused's side (the tree of its top-level actor) may deny; the denial's
    target is the accuser, and it inherits the accusation's act, places and time unless given.
    """
    accusation_id = _incident_id(incident_id)
    # The statement the denial needs anyway says whether the incident exists: no thread is read.
    accusation = events.statement(write.conn, accusation_id)
    if accusation is None or accusation["kind"] != "accusation" or accusation["corrects"] is not None:
        raise no_incident(incident_id)
    event = log.append(
        write.conn, {**report, "kind": "denial", "responds_to": accusation_id, "target": None}, write.key["name"]
    )
    return event, {"Location": url_for("events.get_event", event_id=event.id, _external=True)}
