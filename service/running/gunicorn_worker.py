"""The gunicorn worker: gevent, with gunicorn's own refusals answered as problem+json.

A sync worker holds one connection from its first byte to its last, so five clients sending
their headers a byte a second took every worker of the service (Slowloris). Under gevent a
connection waiting on a slow client costs a greenlet, not a worker: the service stays available
with hundreds of them open, and while the database is away requests wait for it without
holding up /healthz. psycopg (3.1.14 and newer) and its pool cooperate with gevent once the
standard library is patched, which gunicorn does in each worker before it loads the app; that is
why nothing of psycopg may be imported in the master (service/__init__.py imports nothing).

A request gunicorn refuses before the app sees it (a request line or headers too long, a
malformed header) was answered with an HTML page; here it is problem+json like every other
answer, and `Server` names the service rather than the server software and its version.
"""

from __future__ import annotations

import json
import uuid

from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.workers.ggevent import GeventWorker

SERVER = "ceasefire-log"
DETAILS = {
    414: "The request line is too long: send fewer or shorter query parameters.",
    431: "The request's headers are too large or too many.",
}


# The body is errors.problem's shape, written here by hand: gunicorn loads this module in its
# master, where importing errors.py (and so psycopg) would fix psycopg's wait function before
# the workers patch the standard library.
def write_problem(sock, status: int, reason: str, message: str) -> None:
    detail = DETAILS.get(status) or (f"The request is malformed: {message}" if message else reason)
    body = json.dumps({"type": "about:blank", "title": reason, "status": status, "detail": detail}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nServer: {SERVER}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n"
        f"X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nX-Request-Id: {uuid.uuid4().hex}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class Worker(GeventWorker):
    def init_process(self):
        # gunicorn writes its error pages with util.write_error and names itself with wsgi.SERVER
        # when it builds each response; both are read at call time.
        util.write_error = write_problem
        wsgi.SERVER = SERVER
        super().init_process()
