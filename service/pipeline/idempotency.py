"""`Idempotency-Key`: a retried write is applied once.

A POST carrying an Idempotency-Key is applied once. Its first request claims the key (a row in
`idempotency`) in the same transaction as the write and stores the response there before
committing; a retry with the same key and body gets that response again, marked with
`Idempotent-Replayed: true`; the same key with another body is refused (422). A concurrent
duplicate waits on the claimed row, then replays: exactly one write, across all workers.
Keys are kept for 24 hours; each write clears a few that have expired.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import Response, g, request
from werkzeug.wrappers import Response as BaseResponse

from service.pipeline.errors import invalid

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEPT_FOR = "24 hours"
# The key is this request's if nobody holds it, or if it expired (it is then used anew). A request
# that holds it already, committed or not, is waited for, then replayed. The same statement clears
# a few expired keys of anyone's, so the table holds about a day of writes without a job to sweep
# it: rows another writer is clearing are skipped, never waited for, and the key being claimed is
# left to the claim (one statement must not change a row twice).
CLAIM = f"""
WITH swept AS (
    DELETE FROM idempotency WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM idempotency
         WHERE created_at < now() - interval '{KEPT_FOR}' AND (api_key_id, key) <> (%(holder)s, %(key)s)
         ORDER BY created_at LIMIT 20 FOR UPDATE SKIP LOCKED)))
INSERT INTO idempotency (api_key_id, key, request_hash) VALUES (%(holder)s, %(key)s, %(hash)s)
ON CONFLICT (api_key_id, key) DO UPDATE
   SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, location = NULL, created_at = now()
 WHERE idempotency.created_at < now() - interval '{KEPT_FOR}'
RETURNING key
"""


@dataclass(frozen=True)
class Replay:
    """The answer stored under a key already used for this same request."""

    response: Response


@dataclass(frozen=True)
class Claim:
    """A key this request holds: its answer is kept under it, in the write's transaction."""

    holder: int
    key: str

    def keep(self, conn, response: BaseResponse) -> None:
        conn.execute(
            "UPDATE idempotency SET status = %s, body = %s, location = %s WHERE api_key_id = %s AND key = %s",
            [response.status_code, response.get_data(), response.headers.get("Location"), self.holder, self.key],
        )


def claim(conn, holder: int, key: str | None) -> Claim | Replay | None:
    """Claim `key` for this request in the write's transaction (`Claim`), or the answer stored
    under it (`Replay`); None when the request carries no key."""
    if key is None:
        return None
    if not 1 <= len(key) <= 255:
        raise invalid({HEADER: ["must be 1 to 255 characters"]})
    fingerprint = _fingerprint()
    if conn.execute(CLAIM, {"holder": holder, "key": key, "hash": fingerprint}).fetchone():
        return Claim(holder, key)
    stored = conn.execute(
        "SELECT request_hash, status, body, location FROM idempotency WHERE api_key_id = %s AND key = %s",
        [holder, key],
    ).fetchone()
    if stored["request_hash"] != fingerprint:
        raise invalid(
            {HEADER: ["this key was used for another request; use a new key for a new request"]},
            "The Idempotency-Key was already used with a different body or path.",
        )
    replay = Response(bytes(stored["body"]), status=stored["status"], mimetype="application/json")
    if stored["location"]:
        replay.headers["Location"] = stored["location"]
    replay.headers[REPLAYED] = "true"
    return Replay(replay)


def _fingerprint() -> str:
    """The request as parsed: the same JSON with its keys in another order or other spacing is
    the same request; a body that is not JSON is compared byte for byte."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if "body" in g:
        digest.update(json.dumps(g.body, sort_keys=True, separators=(",", ":")).encode())
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()
