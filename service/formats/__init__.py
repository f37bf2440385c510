"""Writers of the wire formats: JSON pages (wire.py), and the exports, NDJSON, CSV and GeoJSON,
each taking an iterator of the store's records and yielding bytes as it goes, so an export of the
whole log streams in flat memory.

Which one a read answers in: `format=` when given (a link in a browser), else the `Accept`
header's best match, else JSON."""

from __future__ import annotations

import re

MEDIA_TYPES = {
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "csv": "text/csv",
    "geojson": "application/geo+json",
}
EXPORTS = ("ndjson", "csv", "geojson")


def chosen(requested: str | None, accept) -> str:
    """The format a read answers in: the one `format=` names, or the best the client accepts
    (werkzeug's MIMEAccept), JSON when it accepts anything."""
    if requested:
        return requested
    best = accept.best_match(list(MEDIA_TYPES.values()), default=MEDIA_TYPES["json"])
    return next(name for name, media_type in MEDIA_TYPES.items() if media_type == best)


def filename(what: str, filters: dict, as_of: int, format: str) -> str:
    """A name that says what was exported and as of which seq:
    `incidents-status-disputed-party-armenia-as-of-57.csv`."""
    parts = [what]
    for name, value in sorted(filters.items()):
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        parts += [name.replace("_", "-"), re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")]
    stem = "-".join(part for part in parts if part)[:150].rstrip("-")
    return f"{stem}-as-of-{as_of}.{format}"
