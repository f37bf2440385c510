"""Keyset pagination: an opaque cursor holds the last row's sort key and seq, never an offset,
so page 1,000 costs what page 1 costs.

A cursor is data from the outside. It carries a digest of the filters it was made for (so it
cannot be replayed against another query) and an HMAC under the database's own key (migration
0009), so only a cursor this service made is taken; its position is still decoded into typed
values, or refused, before it reaches a query."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime

from flask import current_app, request, url_for

from service.pipeline.errors import invalid
from service.pipeline.reads import at_least
from service.store import incidents, keys

SLUG = re.compile(r"[a-z0-9-]{1,64}")
BIGINT = 2**63 - 1


def filters_digest(args: dict) -> str:
    # The seq a listing reflects travels in its cursor, so page 2 reads the log page 1 read.
    relevant = {name: str(value) for name, value in sorted(args.items()) if name not in {"cursor", "limit", "as_of"}}
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()[:16]


def encode(position: list, digest: str) -> str:
    raw = json.dumps({"p": position, "f": digest}, separators=(",", ":")).encode()
    return f"{_b64(raw)}.{_b64(_mac(raw))}"


def decode(cursor: str, digest: str, kinds: tuple[type, ...]) -> list:
    """The position in `cursor`, each value of the kind given (datetime, int, or str for a slug)."""
    refused = invalid({"cursor": ["not a cursor this service made; start again without it"]})
    payload, _, mac = cursor.partition(".")
    try:
        raw = _unb64(payload)
        if not hmac.compare_digest(_unb64(mac), _mac(raw)):
            raise refused
        decoded = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if decoded.get("f") != digest:
        raise invalid({"cursor": ["this cursor was made for other filters or another sort; start again without it"]})
    position = decoded.get("p")
    if not isinstance(position, list) or len(position) != len(kinds):
        raise refused
    try:
        return [_typed(value, kind) for value, kind in zip(position, kinds, strict=True)]
    except (TypeError, ValueError):
        raise refused from None


def incident_position(filters: dict, digest: str) -> tuple[tuple | None, int | None]:
    """Where a listing of incidents resumes and as of which seq: (sort key, seq) and the seq its
    cursor keeps, or no position and the `as_of` asked for. An `as_of` that contradicts its
    cursor is refused. The read must then see that seq (reads.at_least), on a replica too."""
    as_of = filters.get("as_of")
    if not filters.get("cursor"):
        return None, as_of
    *after, cursor_as_of = decode(filters["cursor"], digest, (datetime, int, int))
    if as_of is not None and as_of != cursor_as_of:
        raise invalid(
            {
                "as_of": [
                    f"this cursor reads the log as of seq {cursor_as_of}; leave as_of out or "
                    f"start again without the cursor"
                ]
            },
            title="Invalid query string",
        )
    at_least(cursor_as_of)  # a cursor made on the primary is read where its seq has been replayed
    return tuple(after), cursor_as_of


def after_incident(position: incidents.Position | None, as_of: int, digest: str) -> str | None:
    """The URL of the listing's page after the keyset position `position`, or None when no page
    follows. The cursor holds the instant itself (isoformat): a day alone would write only its
    date."""
    if position is None:
        return None
    value, seq = position
    return next_url(encode([datetime.isoformat(value), seq, as_of], digest))


def _typed(value, kind: type):
    if kind is datetime:
        instant = datetime.fromisoformat(value)
        if instant.tzinfo is None:
            raise ValueError("naive")
        return instant
    if kind is int:
        if type(value) is not int or not 0 <= value <= BIGINT:
            raise ValueError("not a seq")
        return value
    if type(value) is not str or not SLUG.fullmatch(value):
        raise ValueError("not a slug")
    return value


def _mac(raw: bytes) -> bytes:
    return hmac.new(_key(), raw, hashlib.sha256).digest()[:16]


def _key() -> bytes:
    """The signing key, read once per process: it never changes once the migration made it."""
    key = current_app.extensions.get("cursor_key")
    if key is None:
        # A connection of its own: the request's read may have begun already (reads.begin_read),
        # and its snapshot is the page's, not this key's.
        with current_app.extensions["pool"].connection() as conn:
            key = current_app.extensions["cursor_key"] = keys.cursor_secret(conn)
    return key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def page_url(**changes) -> str:
    """This request's URL with some of its query parameters changed: the next page of a list."""
    args = {**request.args.to_dict(), **changes}
    return url_for(str(request.endpoint), _external=True, **(request.view_args or {}), **args)


def next_url(cursor: str | None) -> str | None:
    """The next page of a list read by cursor, or None after its last."""
    return None if cursor is None else page_url(cursor=cursor)


def link_headers(url: str | None) -> dict:
    return {"Link": f'<{url}>; rel="next"'} if url else {}
