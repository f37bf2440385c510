"""HTTP caching of the log's reads (DESIGN.md, "Growing past one machine").

A read with an explicit `as_of` shows the log as it stood at that entry, which appending cannot
change: it is marked immutable, so any HTTP cache or CDN may keep it for a year, and its ETag
needs no query. Every other read of the log changes exactly when an entry is appended: its
strong ETag names the log's head, and a client (or a cache revalidating) that sends it back in
If-None-Match gets a 304 for one indexed read of the head, without the page's own queries. That
read is the first of the page's own snapshot, so the tag names the very log the page shows.

Both tags also name the representation: the path, the query, the Accept header (a page and its
CSV export differ) and the service's version, so that no two different bodies share a tag. The
catalogue's own pages and the pages for people are not tagged: they show names that change
without an entry being appended.
"""

from __future__ import annotations

import hashlib
import re
from importlib.metadata import PackageNotFoundError, version

from flask import Response, g, request

from service.pipeline.headers import READ_METHODS, keyed
from service.pipeline.reads import at_least, begin_read, end_pending_read
from service.store import events

# The reads whose every answer is a function of the log up to its head (or up to `as_of`).
LOG_READS = {
    "events.follow",
    "events.get_event",
    "incidents.list_incidents",
    "incidents.count_incidents",
    "incidents.get_incident",
    "log.head",
}
# A seq as the API takes one (schemas.Integer): ASCII digits only; "²" is a digit to str.isdigit.
SEQ = re.compile(r"[0-9]{1,19}")
IMMUTABLE = "public, max-age=31536000, immutable"
# A shared cache may keep the others only to revalidate them: a new entry is visible at once.
REVALIDATE = "no-cache"

try:
    _VERSION = version("ceasefire-log")
except PackageNotFoundError:  # running from a checkout that was never installed
    _VERSION = "0"


def _representation() -> str:
    named = "\n".join(
        (_VERSION, request.path, request.query_string.decode("latin-1"), request.headers.get("Accept", ""))
    )
    return hashlib.blake2b(named.encode(), digest_size=12).hexdigest()


def check() -> Response | None:
    """Before a log read runs: tag it, and answer 304 when the client holds that very answer."""
    if request.method not in READ_METHODS or request.endpoint not in LOG_READS:
        return None
    if "as_of" in request.args:
        if not SEQ.fullmatch(request.args["as_of"]):
            return None  # not a seq: the view refuses it by name, and nothing is tagged
        g.etag, g.immutable = f"a{request.args['as_of']}-{_representation()}", True
    else:
        # The read begins here, on the replica when there is one, once it holds the writer's own
        # entry (min_seq): the page is then read in this snapshot, at the head its tag names.
        min_seq = request.args.get("min_seq", "")
        if SEQ.fullmatch(min_seq):
            at_least(int(min_seq))
        head = begin_read(events.head)
        g.etag, g.immutable = f"h{head}-{_representation()}", False
    # `If-None-Match: *` asks whether the answer exists at all: that is known once the view has
    # read it (stamp), not before its arguments are checked.
    if not request.if_none_match.star_tag and request.if_none_match.contains(g.etag):
        end_pending_read()
        return stamp(Response(status=304))
    return None


def stamp(response: Response) -> Response:
    """After a log read answered 200 (or 304): its ETag, and how long a cache may keep it. A read
    that needs a key is private: headers.common forbids storing it, whatever it is."""
    tag = g.get("etag")
    if tag is None or response.status_code not in (200, 304):
        return response
    if response.status_code == 200 and request.if_none_match.star_tag:
        response = Response(status=304)
    response.set_etag(tag)
    response.headers["Vary"] = "Accept"
    if not keyed():
        response.headers["Cache-Control"] = IMMUTABLE if g.immutable else REVALIDATE
    return response
