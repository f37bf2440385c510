"""`@writes(role)`: the one way a view writes to the log.

It opens one connection and one transaction for the whole request, checks that the request's API
key has the role, claims its `Idempotency-Key` (service/pipeline/idempotency.py), and hands the view a
`Write`: the transaction's connection and the key writing. The view's answer is made inside the
transaction; then the idempotency record and the COMMIT go in one round trip, because until the
commit an appending transaction holds the log's head and other writers wait. A view that raises
rolls everything back: a request that fails changes nothing.

Stack it above the view's flask-smorest decorators (arguments, response): they parse and answer,
it opens and commits around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

import psycopg
from flask import current_app, request

from service.pipeline import idempotency
from service.pipeline.auth import require_role
from service.pipeline.errors import ApiError, OutcomeUnknown
from service.store import Connection


@dataclass(frozen=True)
class Write:
    """What a writing view is given: the transaction's connection, and the key that writes
    (its id, name and role)."""

    conn: Connection
    key: dict


def writes(role: str, replayable: bool = True):
    """A write by a key of this role (or above), in its own transaction, applied once per
    Idempotency-Key. The view takes its `Write` as the keyword argument `write`. A write whose
    answer must never be stored (a new key's secret) is not `replayable`: it refuses an
    Idempotency-Key rather than keep the answer to replay."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            with current_app.extensions["pool"].connection() as conn:
                key = require_role(conn, role)
                if not replayable and request.headers.get(idempotency.HEADER):
                    raise ApiError(
                        400,
                        "Bad Request",
                        "This answer is shown once and never stored, so an Idempotency-Key cannot replay it: "
                        "send the request without one.",
                        "not-replayable",
                    )
                claimed = idempotency.claim(conn, key["id"], request.headers.get(idempotency.HEADER))
                if isinstance(claimed, idempotency.Replay):
                    return claimed.response
                response = current_app.make_response(view(*args, write=Write(conn, key), **kwargs))
                try:
                    with conn.pipeline():
                        if claimed is not None:
                            claimed.keep(conn, response)
                        conn.commit()
                except psycopg.OperationalError as error:
                    # The COMMIT may have reached the server before the connection broke: only the
                    # log can tell whether this write is in it, so the answer says exactly that.
                    raise OutcomeUnknown() from error
                return response

        return wrapper

    return decorator
