"""ceasefire-log: an append-only log of ceasefire-violation claims."""

from __future__ import annotations

import re
import uuid

from flask import Flask, Response, g, request
from flask_smorest import Api
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import PoolTimeout

from . import auth, errors
from .config import Settings
from .db import make_pool


class CeasefireApi(Api):
    """flask-smorest's Api, answering its errors as problem+json."""

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)


def create_app(settings: Settings | None = None, dsn: str | None = None) -> Flask:
    settings = settings or Settings.from_env()
    dsn = dsn or settings.database_url or _embedded_dsn(settings)

    app = Flask("ceasefire_log")
    app.config.update(
        API_TITLE="ceasefire-log",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_REDOC_PATH="docs",
        OPENAPI_REDOC_URL="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js",
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["settings"] = settings
    pool = make_pool(settings, dsn)
    pool.open()
    try:
        # A bad DSN or a database that is down fails the start, with a reason, not the first request.
        pool.wait(timeout=settings.pool_timeout)
    except PoolTimeout:
        pool.close()
        raise RuntimeError(f"the database at {_redact(dsn)} did not answer within {settings.pool_timeout:g}s") from None
    app.extensions["pool"] = pool

    api = CeasefireApi(app)
    errors.register(app)

    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "An API key made with `ceasefire-log keys create`."})
    from .api import catalogue, events, health, incidents

    for blueprint in (health.blp, events.blp, incidents.blp, *catalogue.BLUEPRINTS):
        api.register_blueprint(blueprint)
    app.before_request(assign_request_id)
    app.after_request(send_request_id)
    app.before_request(check_json_body)
    app.before_request(auth.check_read_access)
    return app


# A caller's own X-Request-Id is kept when it is a plain token, so one id follows a report from a
# proxy or a client's log to ours; anything else is replaced, never echoed.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def assign_request_id() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def send_request_id(response: Response) -> Response:
    # A request refused before the first hook ran (413) still gets an id.
    response.headers["X-Request-Id"] = g.get("request_id") or uuid.uuid4().hex
    return response


def check_json_body() -> None:
    """A body must be JSON and say so: anything else is 415, before any parsing."""
    if request.method in {"POST", "PUT", "PATCH"} and request.content_length != 0 and (
        request.content_length or request.headers.get("Transfer-Encoding")
    ):
        if request.mimetype != "application/json":
            raise errors.ApiError(415, "Unsupported Media Type",
                                  f"Send the body as application/json, not {request.mimetype or 'no content type'}.",
                                  "unsupported-media-type")


def _embedded_dsn(settings: Settings) -> str:
    from .embedded import EmbeddedPostgres

    dsn = EmbeddedPostgres(settings.data_dir).running_dsn()
    if dsn is None:
        raise RuntimeError(
            f"DATABASE_URL is not set and no embedded PostgreSQL is running for {settings.data_dir}; "
            "start the service with `ceasefire-log serve`, or set DATABASE_URL"
        )
    return dsn


def _redact(dsn: str) -> str:
    """The DSN without its password, for messages and logs."""
    try:
        parts = conninfo_to_dict(dsn)
    except Exception:  # an unparsable DSN has nothing we can safely show
        return "the configured DATABASE_URL"
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo(**parts)
