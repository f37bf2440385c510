"""What every answer carries: a request id, no sniffing, no caching of what is private or failed,
and the headers that let a page on another origin read the public log (never write to it)."""

from __future__ import annotations

import re
import uuid

from flask import Response, current_app, g, request

# A caller's own X-Request-Id is kept when it is a plain token, so one id follows a report from a
# proxy or a client's log to ours; anything else is replaced, never echoed.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
READ_METHODS = {"GET", "HEAD"}


def assign_request_id() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def keyed() -> bool:
    """Whether this answer is for one key's holder: a shared cache must not keep it."""
    return "Authorization" in request.headers or current_app.extensions["settings"].reads_need_key


def common(response: Response) -> Response:
    # A request refused before the first hook ran (413) still gets an id.
    response.headers["X-Request-Id"] = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code >= 400 or keyed():
        response.headers["Cache-Control"] = "no-store"
    if request.method in READ_METHODS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Link, Location, Retry-After, X-As-Of, X-Request-Id"
    return response


def preflight(methods: set[str]) -> dict[str, str]:
    """A browser asks before a cross-origin request; reads are allowed from any origin, writes
    from none (no Access-Control-Allow-Origin, so the browser does not send them)."""
    asked = request.headers.get("Access-Control-Request-Method", "")
    if asked not in READ_METHODS or asked not in methods:
        return {}
    return {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD",
        "Access-Control-Allow-Headers": "Authorization, If-None-Match, X-Request-Id",
        "Access-Control-Max-Age": "86400",
    }
