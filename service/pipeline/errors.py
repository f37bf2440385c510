"""One error path: every failure the service can produce is RFC 9457 problem+json, or, on the
pages for people (service/web), the same problem as a page.

https://www.rfc-editor.org/rfc/rfc9457
"""

from __future__ import annotations

import logging
import re

import psycopg
from flask import Flask, Response, current_app, json, request
from psycopg_pool import PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from service.domain import RULES, Forbidden, NotFound, Refusal
from service.store import first_line

log = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
# A blueprint that answers people rather than programs (service/web) renders its problems as pages
# of its own: app.extensions[PAGES][blueprint name] = render(status, title, detail, errors) -> Response.
PAGES = "problem_pages"
TYPE_BASE = "https://ceasefire-log.org/problems/"


class ApiError(Exception):
    """A refusal the service means to give: status, a title, and a detail a person can act on."""

    def __init__(
        self, status: int, title: str, detail: str, kind: str | None = None, headers: dict | None = None, **extensions
    ):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.headers = headers or {}
        self.extensions = extensions


def problem(
    status: int, title: str, detail: str, kind: str | None = None, headers: dict | None = None, **extensions
) -> Response:
    body = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        **extensions,
    }
    page = current_app.extensions.get(PAGES, {}).get(request.blueprint) if request else None
    if page is not None:
        response = page(status, title, detail, extensions.get("errors"))
    else:
        response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def invalid(errors: dict[str, list[str]], detail: str | None = None, title: str = "Invalid request") -> ApiError:
    return ApiError(422, title, detail or detail_of(errors), "invalid", errors=errors)


def detail_of(errors: dict[str, list[str]]) -> str:
    """A problem's detail for errors by field: the fields named, and what is wrong with the request
    as a whole (`_schema`, which is no field) said outright."""
    whole = [
        message[:1].upper() + message[1:] + ("" if message.endswith((".", "?", "!")) else ".")
        for message in errors.get("_schema", [])
    ]
    named = sorted(name for name in errors if name != "_schema")
    return " ".join(whole + ([f"Some fields are invalid: {', '.join(named)}."] if named else []))


# What a 422 from argument parsing is called, by where the bad value was.
TITLES = {
    "json": "Invalid body",
    "query": "Invalid query string",
    "headers": "Invalid header",
    "view_args": "Invalid path",
}


def handle_http_exception(error: HTTPException) -> Response:
    """Werkzeug's and webargs' errors (404, 405, 413, 422 from a schema, ...) as problems."""
    if isinstance(error, InternalServerError):
        return handle_internal_error(error)
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)  # a MethodNotAllowed's
    if error.code == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    if error.code == 422 and "messages" in data:
        locations = list(data["messages"])
        title = TITLES.get(locations[0], "Invalid request") if len(locations) == 1 else "Invalid request"
        errors = flatten(data["messages"])
        return problem(422, title, detail_of(errors), "invalid", headers, errors=errors)
    if error.code == 400 and "messages" in data:
        return problem(400, "Bad Request", "The body is not valid JSON.", "malformed-json", headers)
    detail = data.get("message") or error.description or error.name
    return problem(error.code or 500, error.name, detail, _slug(error.name), headers)


def handle_api_error(error: ApiError) -> Response:
    return problem(error.status, error.title, error.detail, error.kind, error.headers, **error.extensions)


class OutcomeUnknown(Exception):
    """The connection broke while a write was committing: it may or may not be in the log."""


def handle_database_unavailable(error: Exception) -> Response:
    log.warning("database unavailable: %s", first_line(error))
    return problem(
        503,
        "Service Unavailable",
        "The database is unreachable just now; retry shortly. Nothing was written.",
        "database-unavailable",
        {"Retry-After": "5"},
    )


def handle_outcome_unknown(error: OutcomeUnknown) -> Response:
    log.warning("connection lost while committing: %s", first_line(error.__cause__ or error))
    if request.headers.get("Idempotency-Key"):
        advice = (
            "Retry with the same Idempotency-Key: if it was written you will get its answer again, "
            "and if not it will be written once."
        )
    else:
        advice = (
            "Look for it in the log (GET /v1/events) before sending it again, or send it again with an "
            "Idempotency-Key, which makes retries safe."
        )
    return problem(
        503,
        "Service Unavailable",
        f"The connection to the database broke while this write was being committed, so it may or "
        f"may not have been written. {advice}",
        "outcome-unknown",
        {"Retry-After": "5"},
    )


def handle_query_canceled(error: psycopg.errors.QueryCanceled) -> Response:
    """A statement cut off at the time a request may take (CFL_TIMEOUT, the pool's
    statement_timeout): the database is busy or the query reads more than it should."""
    log.warning("statement cut off: %s", first_line(error))
    limit = current_app.extensions["settings"].timeout
    return problem(
        503,
        "Service Unavailable",
        f"The database took longer than the {limit} s a request may take, and the request was stopped; nothing "
        "was written. Retry shortly, or narrow the filters.",
        "timeout",
        {"Retry-After": "5"},
    )


def handle_data_error(error: psycopg.DataError) -> Response:
    """A value the schemas let through but PostgreSQL cannot take (the schemas should catch each
    such value first; this keeps an oversight a 422, and logs it so it gets caught)."""
    log.warning("database refused a value: %s", first_line(error))
    return problem(
        422,
        "Invalid request",
        f"The database cannot store a value of this request: {error.diag.message_primary or first_line(error)}",
        "invalid",
        errors={"_schema": [error.diag.message_primary or first_line(error)]},
    )


def handle_internal_error(error: Exception) -> Response:
    # Flask has logged the traceback already (Flask.log_exception); logging it here again would
    # print every failure twice.
    return problem(500, "Internal Server Error", "The service failed to answer; the failure is logged.")


def handle_refusal(refusal: Refusal) -> Response:
    if isinstance(refusal, Forbidden):
        detail = " ".join(message for messages in refusal.errors.values() for message in messages)
        return problem(403, "Forbidden", detail[0].upper() + detail[1:] + ".", "forbidden", errors=refusal.errors)
    return handle_api_error(invalid(refusal.errors, title=REFUSED_IN[refusal.where]))


# What a refusal is called, by where the client sent what was wrong (domain.Refusal.where).
REFUSED_IN = {"body": "Invalid body", "query": "Invalid query string", "path": "Invalid path"}


def handle_not_found(error: NotFound) -> Response:
    return problem(404, "Not Found", error.what, "not-found")


TAKEN = re.compile(r"Key \((\w+)\)=\((.*)\) already exists\.")


def handle_integrity_error(error: psycopg.errors.IntegrityError) -> Response:
    """What the database refused: a taken slug is a conflict, any other broken rule invalid input.
    (The API checks the rules first; this answers a client that raced another one.)"""
    constraint = error.diag.constraint_name or "a database rule"
    # A taken slug or id breaks a key (`*_key`, `*_pkey`); any other unique index is a rule of the
    # log (event_one_retraction), refused as invalid like the rest.
    if isinstance(error, psycopg.errors.UniqueViolation) and constraint.endswith(("_key", "_pkey")):
        # PostgreSQL names the key and the value taken: "Key (slug)=(armenia) already exists."
        taken = TAKEN.match(error.diag.message_detail or "")
        if taken is None:
            return problem(409, "Conflict", f"That already exists ({constraint}).", "conflict")
        column, value = taken.groups()
        return problem(
            409,
            "Conflict",
            f"The {column} {value} is taken: the {error.diag.table_name} with it exists "
            f"already; choose another {column}.",
            "conflict",
            errors={column: [f"{value} is taken"]},
        )
    if constraint not in RULES:
        return problem(
            422,
            "Invalid request",
            f"The log's rule {constraint} refused it: {error.diag.message_primary}",
            "invalid",
            errors={"_schema": [error.diag.message_primary or constraint]},
        )
    # A rule of the log answers as the service's own check of it does, whichever caught it.
    field, sentence = RULES[constraint]
    where = "path" if field == "event_id" else "body"
    return handle_refusal(Refusal({field: [sentence or error.diag.message_primary or constraint]}, where=where))


def register(app: Flask) -> None:
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(NotFound, handle_not_found)
    app.register_error_handler(psycopg.errors.IntegrityError, handle_integrity_error)
    app.register_error_handler(psycopg.DataError, handle_data_error)
    app.register_error_handler(OutcomeUnknown, handle_outcome_unknown)
    app.register_error_handler(psycopg.OperationalError, handle_database_unavailable)
    app.register_error_handler(psycopg.errors.QueryCanceled, handle_query_canceled)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)
    app.register_error_handler(InternalServerError, handle_internal_error)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "-").replace("'", "")


def flatten(messages: dict) -> dict[str, list[str]]:
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


def in_one_line(messages: dict | list) -> str:
    """A schema's messages as one line, by field (a seed file's or an archive's refusal)."""
    named = messages if isinstance(messages, dict) else {"_schema": messages}
    return "; ".join(f"{name}: {' '.join(said)}" for name, said in flatten(named).items())
