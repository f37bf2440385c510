"""What every operation may answer, written into the OpenAPI document in one place.

Views declare what is theirs (401 and 403 for keys, 404, 409). The answers every operation
shares are added here, so no view can forget them: 422 for a query parameter it does not take,
400, 413 and 415 for a body, 503 when the database is away, the `Idempotency-Key` a write takes,
and, when reads need a key (CFL_READS_NEED_KEY), the key and the 401 of every read. Every error
is problem+json, the default response included (errors.py).
"""

from __future__ import annotations

import http

from apispec import BasePlugin

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Makes a retry safe: a request with a key already used answers what the first one "
    "did (with `Idempotent-Replayed: true`); the same key with another body is a 422. "
    "Kept for 24 hours.",
}
BODY_METHODS = {"post", "put", "patch"}
# Liveness says nothing of the database, so it can answer neither 503 nor 401.
WITHOUT_DATABASE = {"/healthz"}
# POSTs that take no Idempotency-Key: a write whose answer is never stored to replay
# (`@writes(..., replayable=False)`), and the assistant's proposals, which write nothing to retry.
NOT_REPLAYABLE = {"keys.make", "proposals.propose"}


def by_kind(schemas: dict[str, str]) -> dict:
    """One of the component `schemas` (by kind), chosen by the body's `kind`."""
    return {
        "oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in schemas.values()],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {kind: f"#/components/schemas/{name}" for kind, name in schemas.items()},
        },
    }


class Contract(BasePlugin):
    def __init__(self, reads_need_key: bool, reports: dict[str, str], entries: dict[str, str]):
        """`reports`, `entries`: the component schema of each kind of report, and of a batch's
        entry, by kind. One schema reads each; the document gives each kind its own body."""
        super().__init__()
        self.reads_need_key = reads_need_key
        self.bodies = {
            "events.append": by_kind(reports),
            "batches.append": {
                "type": "object",
                "description": "Entries recorded together: all of them, in order, or none.",
                "properties": {
                    "entries": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 1000,
                        "items": by_kind(entries),
                        "description": "Up to 1,000 reports, appended in this order.",
                    }
                },
                "required": ["entries"],
                "additionalProperties": False,
            },
        }

    def operation_helper(self, path=None, operations=None, rule=None, **kwargs):
        for method, operation in (operations or {}).items():
            blueprint, _, view = rule.endpoint.partition(".")
            operation.setdefault("operationId", f"{blueprint}_{view}")
            responses = operation.setdefault("responses", {})
            shared = [422] if path in WITHOUT_DATABASE else [422, 503]
            if method in BODY_METHODS:
                shared += [400, 413, 415]
                if rule.endpoint in self.bodies:
                    operation["requestBody"]["content"]["application/json"]["schema"] = self.bodies[rule.endpoint]
                if rule.endpoint not in NOT_REPLAYABLE:
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
            elif self.reads_need_key and path.startswith("/v1/"):
                shared.append(401)
                operation["security"] = [{"bearer": []}]
            else:
                operation.setdefault("security", [])  # public: no key needed, said explicitly
            for status in shared:
                if status not in responses and str(status) not in responses:
                    responses[status] = http.HTTPStatus(status).name
