"""The event log: append a report, correct or review an entry, read one entry, follow the log."""

from __future__ import annotations

import json
from functools import partial
from itertools import chain
from uuid import UUID

import orjson
from flask import request, url_for

from service import domain, formats, log
from service.api import Blueprint, exportable, exports, id_in_path, refusals
from service.formats import rows
from service.pipeline import wire
from service.pipeline.errors import ApiError
from service.pipeline.pagination import page_url
from service.pipeline.reads import batched, snapshot
from service.pipeline.schemas import (
    OWNED,
    CorrectionIn,
    EventIn,
    EventOut,
    EventPage,
    LogArgs,
    ReadArgs,
    ReviewIn,
    VoidIn,
)
from service.pipeline.writes import Write, writes
from service.store import Connection, csv_lines, events, names

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/v1/events",
    description="The append-only log of accusations, denials, retractions, mentions, corrections, reviews and voids",
)


def not_found(event_id) -> ApiError:
    return ApiError(404, "Not Found", f"No event {event_id} in the log.", "not-found")


def _event_id(event_id: str) -> UUID:
    return id_in_path(event_id, not_found(event_id))


def created(event) -> tuple:
    return event, {"Location": url_for("events.get_event", event_id=event.id, _external=True)}


@blp.route("", methods=["POST"])
@writes("reporter")
@blp.arguments(EventIn)
@blp.response(
    201, EventOut, headers={"Location": {"description": "URL of the new event", "schema": {"type": "string"}}}
)
@refusals(blp, 401, 403, secured=True)
def append(report: dict, write: Write):
    """Append an accusation, a denial or a retraction.

    A denial must respond to an accusation and be made by the accused side; a retraction withdraws
    an accusation or a denial, once, by the side that said it. Both may leave out their target
    (the accuser for a denial, the statement's target for a retraction) and their act, places and
    time (those of what they answer). Quotes must be verbatim: when the source's text is held,
    each is looked up in it and its span stored.
    """
    return created(log.append(write.conn, report, recorded_by=write.key["name"]))


@blp.route("/<event_id>/corrections", methods=["POST"])
@writes("reporter")
@blp.arguments(CorrectionIn)
@blp.response(
    201, EventOut, headers={"Location": {"description": "URL of the correction", "schema": {"type": "string"}}}
)
@refusals(blp, 401, 403, 404, secured=True)
def correct(record: dict, event_id: str, write: Write):
    """Correct the record of an accusation, a denial or a retraction.

    The body is the entry's whole record as it should have been recorded (what it answers and its
    kind stay as they were); the rules of its kind hold for it as for the first. The original
    stays in the log unchanged; reads of the current state use the latest correction, and the
    entry lists it in its `revisions`. Only the key that recorded the entry, or an editor's or
    admin's key, may correct it.
    """
    entry_id = _event_id(event_id)
    shown = {name: record.pop(name) for name in OWNED if name in record}
    return created(log.correct(write.conn, entry_id, record, write.key, as_read=partial(_unchanged, shown)))


def _unchanged(shown: dict, current: events.Event) -> None:
    """A correction sent as GET showed the entry, edited: what the service decides (its id, seq,
    kind, recording, revisions, hash) must be as GET shows it now. A changed `revisions` says the
    entry was corrected since it was read."""
    if not shown:
        return
    now = EventOut().dump(current)
    changed = {
        name: [
            f"{name} is the service's, not the record's: send it as GET /v1/events/{current.id} shows it "
            f"({json.dumps(now[name])}) or leave it out"
            + ("; the entry has been corrected since it was read" if name == "revisions" else "")
        ]
        for name, value in shown.items()
        if value != now[name]
    }
    if changed:
        raise domain.Refusal(changed)


@blp.route("/<event_id>/reviews", methods=["POST"])
@writes("reviewer")
@blp.arguments(ReviewIn)
@blp.response(201, EventOut, headers={"Location": {"description": "URL of the review", "schema": {"type": "string"}}})
@refusals(blp, 401, 403, 404, secured=True)
def review(assessment: dict, event_id: str, write: Write):
    """Review an accusation: a monitor's verdict on whether the act happened.

    `confirmed` (independent evidence that it happened), `plausible`, `unverified`, `doubtful` or
    `refuted` (evidence that it did not), with a note, and optionally the source it rests on and
    quotes from it, checked against the source's held text. A review changes nothing of the
    accusation; the incident shows its latest review as its `assessment`. Needs a reviewer's key.
    """
    return created(log.review(write.conn, _event_id(event_id), assessment, write.key["name"]))


@blp.route("/<event_id>/voids", methods=["POST"])
@writes("reporter")
@blp.arguments(VoidIn)
@blp.response(201, EventOut, headers={"Location": {"description": "URL of the void", "schema": {"type": "string"}}})
@refusals(blp, 401, 403, 404, secured=True)
def void(withdrawal: dict, event_id: str, write: Write):
    """Void an entry recorded by mistake: a test entry, a duplicate, a wrong link.

    Unlike a retraction, a void says nothing of the claimant. The entry stays in the log; from
    the void on it leaves every read of the current state (a voided accusation is no longer an
    incident; a voided denial no longer disputes), and reads `as_of` a seq before the void show
    it. Only the key that recorded the entry, or an editor's or admin's key, may void it; an
    entry is voided once; a correction is corrected again instead, and a void is never voided.
    """
    return created(log.void(write.conn, _event_id(event_id), withdrawal["reason"], write.key))


@blp.route("", methods=["GET"])
@blp.arguments(LogArgs, location="query", as_kwargs=True)
@blp.response(200, EventPage)
@exportable(blp, EventPage)
def follow(after: int, limit: int, as_of: int | None = None, format: str | None = None):
    """The log in append order, from just after `after` (a seq), up to `as_of` when given.

    A follower that resumes from the last seq it saw misses nothing and sees nothing twice, even
    while many writers append. Asked for NDJSON, CSV or GeoJSON (by `Accept` or `format`), it
    answers every entry from `after` to the head (or `as_of`) as one stream: each entry as it was
    written, corrections and reviews included.
    """
    format = formats.chosen(format, request.accept_mimetypes)
    if format != "json":
        return export(after, as_of, format)
    with snapshot() as conn:
        reflects = events.check_as_of(as_of, events.head(conn))
        try:
            # Each entry as the line the log wrote for it as it chained it (0034): the bytes its
            # Event would be written to, read at the speed of an export.
            lines, count, last = events.lines_after(conn, after, limit, until=reflects, end=",")
            items: list[events.Event] | orjson.Fragment = orjson.Fragment(b"[" + lines[:-1] + b"]")
        except events.Unwritten:
            # An entry appended with the chain's trigger off has no line: the page is read whole.
            page = events.after(conn, after, limit, until=reflects)
            items, count, last = page, len(page), page[-1].seq if page else after
    # The next page goes on from this one's last entry; a follower that reads the log as it grows
    # (no as_of) is not held to this page's head.
    url = page_url(after=last) if count and last < reflects and count == limit else None
    return wire.page(items, url, reflects)


# Entries an export reads at a time: a batch of lines written by PostgreSQL is one string.
EXPORT_BATCH = 2000

# The exports PostgreSQL writes: each one's query of lines, how a line ends, and what comes first.
LINES = {
    "ndjson": (events.EVENT_LINE, "\n", b""),
    "csv": (csv_lines.EVENT_CSV, "\r\n", (",".join(rows.EVENT_COLUMNS) + "\r\n").encode()),
}


def export(after: int, as_of: int | None, format: str):
    """The log from just after `after` to `as_of` (the head) as one stream, EXPORT_BATCH entries a
    read, each in a snapshot of its own, the next ones read while one is sent (reads.batched):
    the log below the head never changes, so batches read apart agree. NDJSON and CSV are lines
    PostgreSQL wrote (events.lines_after); GeoJSON is written here from the entries."""
    exports.refuse_page_arguments()
    named_by = {"after": after} if after else {}
    with snapshot() as conn:
        bound = events.check_as_of(as_of, events.head(conn))

    def ends(conn: Connection, start: int, count: int) -> list[int]:
        return events.batch_ends(conn, start, bound, EXPORT_BATCH, count)

    if format in LINES:
        query, end, header = LINES[format]

        def lines(conn: Connection, start: int) -> tuple[bytes, int, int]:
            return events.lines_after(conn, start, EXPORT_BATCH, until=bound, lines=query, end=end)

        written = batched(after, ends, lines)
        first = next(written)
        body = chain([header], (batch for batch, _, _ in chain([first], written)))
        return exports.streamed("events", format, body, bound, named_by)

    def entries(conn: Connection, start: int) -> list[events.Event]:
        return events.after(conn, start, EXPORT_BATCH, until=bound)

    with snapshot() as conn:
        catalogue = names.read(conn)
    listed = batched(after, ends, entries)
    first_entries = next(listed)
    every = chain.from_iterable(chain([first_entries], listed))
    return exports.response("events", format, every, catalogue, bound, named_by)


@blp.route("/<event_id>", methods=["GET"])
@blp.arguments(ReadArgs, location="query", as_kwargs=True)
@blp.response(200, EventOut)
@refusals(blp, 404)
def get_event(event_id: str, as_of: int | None = None):
    """One entry of the log.

    Any kind of entry, by its id, with its seq and who recorded it when. An accusation, a denial
    or a retraction is shown at its current version (or its version as of `as_of`) with its
    revisions; a correction or a review as it was written.
    """
    parsed = _event_id(event_id)
    with snapshot() as conn:
        event = events.get(conn, parsed, as_of)
    if event is None:
        raise not_found(event_id)
    return event
