"""Request bodies: JSON, said so, parsed once.

The body is parsed here, before the view, for the view's arguments (api.StrictParser reads
`g.body`) and for the idempotency check (which compares parsed requests, not bytes)."""

from __future__ import annotations

import json

from flask import Response, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from service.pipeline.errors import ApiError

METHODS = {"POST", "PUT", "PATCH"}
# The most of a body left unread that is read and dropped before answering (see `drain`).
DRAIN = 8 * 1024 * 1024


def read_json() -> None:
    """415 for a body that is not application/json, 413 for one over the limit, 400 for one that
    is not JSON (not UTF-8, or nested deeper than the parser's recursion allows, about 1,000
    levels: reports and catalogue entries are a couple of levels deep)."""
    if request.routing_exception is not None or request.method not in METHODS:
        return  # a 404 or a 405 comes first: the body does not matter on a path that refuses it
    if request.blueprint == "desk":
        return  # the desk's pages take forms (service/web/desk.py)
    chunked = request.content_length is None and bool(request.headers.get("Transfer-Encoding"))
    if request.content_length in (None, 0) and not chunked:
        return
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "Unsupported Media Type",
            f"Send the body as application/json, not {request.mimetype or 'no content type'}.",
            "unsupported-media-type",
        )
    charset = request.mimetype_params.get("charset", "utf-8")
    if charset.lower() not in ("utf-8", "utf8"):
        raise ApiError(
            415,
            "Unsupported Media Type",
            f"Send the body as UTF-8 (JSON is UTF-8, RFC 8259), not {charset}.",
            "unsupported-media-type",
        )
    raw = request.get_data(cache=True)
    if chunked and request.max_content_length is not None and len(raw) >= request.max_content_length:
        # Werkzeug stops reading a chunked body at the limit without saying so.
        raise RequestEntityTooLarge()
    try:
        # Decoded as UTF-8 before parsing: json.loads would take UTF-16 and UTF-32 bytes too.
        g.body = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ApiError(400, "Bad Request", "The JSON body is nested too deeply.", "malformed-json") from None
    except UnicodeDecodeError as error:
        raise ApiError(
            400,
            "Bad Request",
            f"The body is not UTF-8 (byte {error.start} is not): send JSON as UTF-8.",
            "malformed-json",
        ) from None
    except ValueError as error:  # not JSON
        raise ApiError(400, "Bad Request", f"The body is not valid JSON: {error}.", "malformed-json") from None


def drain(response: Response) -> Response:
    """Read what is left of a body the answer did not need (a 413 over the limit, a 415, a 404 on a
    POST) before the answer goes out. A server that closes a connection with bytes unread makes
    the kernel reset it, and a client still sending sees the reset instead of the answer. A body
    declared larger than DRAIN is not waited for: its sender gets the reset."""
    length = request.content_length
    chunked = length is None and bool(request.headers.get("Transfer-Encoding"))
    if not (length or chunked) or (length is not None and length > DRAIN):
        return response
    if "form" in request.__dict__ or getattr(request, "_cached_data", None) is not None:
        # Read whole already (a desk form, a JSON body): a server that hands over the socket itself
        # (werkzeug's) would otherwise wait here for bytes a keep-alive client never sends.
        return response
    stream, left = request.environ["wsgi.input"], DRAIN
    while left > 0 and (chunk := stream.read(min(64 * 1024, left))):
        left -= len(chunk)
    return response
