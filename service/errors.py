"""One error path: every failure the service can produce is RFC 9457 problem+json.

https://www.rfc-editor.org/rfc/rfc9457
"""

from __future__ import annotations

import logging

import psycopg
from flask import Flask, Response, json
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from .domain import Refusal

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://ceasefire-log.org/problems/"


class ApiError(Exception):
    """A refusal the service means to give: status, a title, and a detail a person can act on."""

    def __init__(self, status: int, title: str, detail: str, kind: str | None = None,
                 headers: dict | None = None, **extensions):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}
        self.extensions = extensions


def problem(status: int, title: str, detail: str, kind: str | None = None,
            headers: dict | None = None, **extensions) -> Response:
    body = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extensions,
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def invalid(errors: dict[str, list[str]], detail: str | None = None) -> ApiError:
    fields = ", ".join(sorted(errors))
    return ApiError(422, "Invalid report", detail or f"Some fields are invalid: {fields}.",
                    "invalid", errors=errors)


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's and webargs' errors (404, 405, 413, 422 from a schema, ...) as problems."""
    if isinstance(error, InternalServerError):
        return handle_internal_error(error)
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 422 and "messages" in data:
        return problem(422, "Invalid request", _validation_detail(data["messages"]), "invalid",
                       headers, errors=_flatten(data["messages"]))
    if error.code == 400 and "messages" in data:
        return problem(400, "Bad Request", "The body is not valid JSON.", "malformed-json", headers)
    detail = data.get("message") or error.description or error.name
    return problem(error.code or 500, error.name, detail, _slug(error.name), headers)


def handle_api_error(error: ApiError) -> Response:
    return problem(error.status, error.title, error.detail, error.kind, error.headers, **error.extensions)


def handle_database_unavailable(error: Exception) -> Response:
    log.warning("database unavailable: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
    return problem(503, "Service Unavailable",
                   "The database is unreachable just now; retry shortly. Nothing was written.",
                   "database-unavailable", {"Retry-After": "5"})


def handle_internal_error(error: Exception) -> Response:
    original = getattr(error, "original_exception", None) or error
    log.error("unhandled error", exc_info=(type(original), original, original.__traceback__))
    return problem(500, "Internal Server Error", "The service failed to answer; the failure is logged.")


def handle_refusal(refusal: Refusal) -> Response:
    return handle_api_error(invalid(refusal.errors))


def handle_integrity_error(error: psycopg.errors.IntegrityError) -> Response:
    """What the database refused: a taken slug is a conflict, any other broken rule invalid input.
    (The API checks the rules first; this answers a client that raced another one.)"""
    constraint = error.diag.constraint_name or "a database rule"
    if isinstance(error, psycopg.errors.UniqueViolation):
        return problem(409, "Conflict", f"That already exists ({constraint}).", "conflict")
    return problem(422, "Invalid report", f"The log's rule {constraint} refused it: {error.diag.message_primary}",
                   "invalid", errors={"_schema": [error.diag.message_primary or constraint]})


def register(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(psycopg.errors.IntegrityError, handle_integrity_error)
    app.register_error_handler(psycopg.OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(InternalServerError, handle_internal_error)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-").replace("'", "")


def _flatten(messages: dict) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"field": [...]}}); clients want them by field."""
    errors: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            errors.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list):
            for inner in value:
                walk(prefix, inner)
        else:
            errors.setdefault(prefix or "_schema", []).append(str(value))

    for location, fields in messages.items():
        walk("" if location in {"json", "query", "querystring", "headers", "view_args"} else location, fields)
    return errors


def _validation_detail(messages: dict) -> str:
    fields = ", ".join(sorted(_flatten(messages)))
    return f"Some fields are invalid: {fields}."
