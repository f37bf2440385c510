"""An export: every match of a read, streamed in the format asked for, with a file name that says
what it holds and as of which seq.

The records come in batches, each read in a snapshot of its own at the seq the export reflects
(fixed by its first batch), so a connection is held while a batch is read and never while the
client takes its bytes: a slow download of the whole log leaves the pool to everyone else, and
still every batch sees the log as it stood at that one seq."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, request, stream_with_context

from service.formats import MEDIA_TYPES, csv, filename, geojson, ndjson, rows
from service.pipeline.errors import invalid
from service.store.names import Names

# What a record becomes in a row of CSV or a feature's properties, by what is exported.
WRITERS: dict[str, tuple[dict[str, str], Callable[[Any, Names], dict]]] = {
    "incidents": (rows.INCIDENT_COLUMNS, rows.incident_row),
    "events": (rows.EVENT_COLUMNS, rows.event_row),
}


# What only a page takes, and what an export says of it when sent one.
PAGE_ONLY = {
    "cursor": "an export streams every match from the first; leave the cursor out",
    "limit": "an export streams every match; limit is for pages only, leave it out",
}


def refuse_page_arguments() -> None:
    """An export asked with a page's cursor or limit is refused by name: it would ignore them."""
    sent = {name: [message] for name, message in PAGE_ONLY.items() if name in request.args}
    if sent:
        raise invalid(sent, title="Invalid query string")


def response(what: str, format: str, records: Iterator, names: Names, as_of: int, named_by: dict) -> Response:
    """The streaming answer: `records` (incidents or events, as the store gives them) written as
    `format`. `named_by` are the filters that chose them, for the file name."""
    columns, row = WRITERS[what]
    if format == "ndjson":
        body = ndjson.write(records)
    elif format == "csv":
        body = csv.write(records, columns, lambda record: row(record, names))
    else:
        body = geojson.write(records, lambda record: row(record, names), names, as_of)
    return streamed(what, format, body, as_of, named_by)


def streamed(what: str, format: str, body: Iterator[bytes], as_of: int, named_by: dict) -> Response:
    """The streaming answer of an export whose bytes are written already (`body`)."""
    media_type = MEDIA_TYPES[format] + ("; charset=utf-8; header=present" if format == "csv" else "")
    return Response(
        stream_with_context(body),
        content_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename(what, named_by, as_of, format)}"',
            # What it reflects, for a client that keeps the stream but not the name.
            "X-As-Of": str(as_of),
        },
    )
