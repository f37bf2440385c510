"""Keyset pagination: an opaque cursor holds the last row's sort key and seq, never an offset,
so page 1,000 costs what page 1 costs. The cursor also carries a digest of the filters it was
made for, so it cannot be replayed against another query."""

from __future__ import annotations

import base64
import hashlib
import json

from flask import request, url_for

from .errors import invalid


def filters_digest(args: dict) -> str:
    relevant = {name: str(value) for name, value in sorted(args.items()) if name not in {"cursor", "limit"}}
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()[:16]


def encode(position: list, digest: str) -> str:
    raw = json.dumps({"p": position, "f": digest}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, digest: str, length: int) -> list:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position = decoded["p"]
        assert isinstance(position, list) and len(position) == length
    except Exception:  # anything a client can send: refuse it as a bad cursor
        raise invalid({"cursor": ["not a cursor this service made"]}) from None
    if decoded.get("f") != digest:
        raise invalid({"cursor": ["this cursor was made for other filters or another sort; start again without it"]})
    return position


def next_url(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    args = request.args.to_dict()
    args["cursor"] = cursor
    return url_for(request.endpoint, _external=True, **(request.view_args or {}), **args)


def link_headers(url: str | None) -> dict:
    return {"Link": f'<{url}>; rel="next"'} if url else {}
