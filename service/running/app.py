"""The Flask application: its pool, its blueprints, and what every answer carries."""

from __future__ import annotations

import http
from pathlib import Path

import flask_swagger_ui
from flask import Flask, Response, g, send_from_directory
from flask.globals import request_ctx
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from service.api.contract import Contract
from service.config import Settings
from service.pipeline import auth, body, caching, errors, headers
from service.pipeline.db import make_pool
from service.pipeline.reads import ReplicaFailed, end_pending_read
from service.pipeline.schemas import BATCH_KINDS, REPORT_KINDS, Problem, When

SWAGGER_UI = Path(flask_swagger_ui.__file__).with_name("dist")


class CeasefireApi(Api):
    """flask-smorest's Api, answering its errors as problem+json and documenting them so."""

    ERROR_SCHEMA = Problem

    def handle_http_exception(self, error):
        return errors.handle_http_exception(error)

    def _register_responses(self):
        # flask-smorest documents its error responses as application/json of its own Error
        # shape; every error here is problem+json (RFC 9457), so a generated client parses it.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, errors.PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other failure, as problem+json", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, errors.PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def create_app(settings: Settings | None = None, dsn: str | None = None) -> Flask:
    settings = settings or Settings.from_env()
    dsn = dsn or settings.database_url or _embedded_dsn(settings)

    # No app-wide static folder: the pages serve their own assets (service/web/static).
    app = CeasefireFlask(__name__, static_folder=None)
    app.config.update(
        API_TITLE="ceasefire-log",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        # /docs is Swagger UI from the flask-swagger-ui package, served by the service itself:
        # no CDN, so it works on a machine with no internet.
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/assets/",
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None, "tryItOutEnabled": False},
        API_SPEC_OPTIONS={
            "info": {
                "description": "An append-only log of ceasefire-violation claims: who accused whom of breaking "
                "a ceasefire, where, when and in whose words, and who denied it. Reads are "
                "public unless the service closes them; writes need an API key. Every error is "
                "application/problem+json (RFC 9457).",
                "contact": {"name": "ceasefire-log maintainers"},
                "license": {"name": "Apache License 2.0", "identifier": "Apache-2.0"},
            },
            "servers": [{"url": "/", "description": "This service"}],
        },
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["settings"] = settings
    # The pool connects in the background: a worker that starts while the database is away boots
    # all the same, answers 503 until the database is back, and never takes the service down.
    pool = make_pool(settings, dsn)
    pool.open(wait=False)
    app.extensions["pool"] = pool
    if settings.read_url:
        replicas = make_pool(settings, settings.read_url, name="ceasefire-log-replica")
        replicas.open(wait=False)
        app.extensions["read_pool"] = replicas

    reports = {kind: schema.__name__ for kind, schema in REPORT_KINDS.items()}
    entries = {kind: schema.__name__ for kind, schema in BATCH_KINDS.items()}
    api = CeasefireApi(app, spec_kwargs={"extra_plugins": [Contract(settings.reads_need_key, reports, entries)]})
    for schema in (*REPORT_KINDS.values(), *BATCH_KINDS.values()):
        api.spec.components.schema(schema.__name__, schema=schema)
    # flask-smorest's own pagination is not used (pages are keyset, with `next`); its schema
    # would stand in the document unused.
    api.spec.components.schemas.pop("PaginationMetadata", None)
    # A time is an instant or a day (anyOf, in its metadata), not always a date-time.
    api.register_field(When, "string", None)
    errors.register(app)

    api.spec.components.security_scheme(
        "bearer",
        {"type": "http", "scheme": "bearer", "description": "An API key made with `ceasefire-log keys create`."},
    )
    from service.api import (
        batches,
        catalogue,
        events,
        head,
        health,
        incidents,
        keys,
        proposals,
        refuse_undeclared_query,
    )

    for blueprint in (
        health.blp,
        head.blp,
        events.blp,
        batches.blp,
        incidents.blp,
        keys.blp,
        *catalogue.BLUEPRINTS,
        proposals.blp,
    ):
        api.register_blueprint(blueprint)
    # POST /v1/events and a batch's entries are documented by kind (REPORT_KINDS, BATCH_KINDS);
    # the schemas that read them are not shown.
    for reader in ("EventIn", "BatchEntryIn", "BatchIn"):
        api.spec.components.schemas.pop(reader, None)
    app.add_url_rule("/docs/assets/<path:name>", "docs_asset", docs_asset)
    from service.web import blp as pages
    from service.web import desk

    app.register_blueprint(pages)
    app.register_blueprint(desk.blp)
    app.before_request(headers.assign_request_id)
    app.before_request(refuse_undeclared_query)
    app.before_request(body.read_json)
    app.before_request(auth.check_read_access)
    app.before_request(caching.check)
    # after_request hooks run last registered first: the common headers have the last word.
    app.after_request(headers.common)
    app.after_request(caching.stamp)
    app.after_request(body.drain)
    app.teardown_request(end_pending_read)
    return app


class CeasefireFlask(Flask):
    def dispatch_request(self):
        """A read the replica failed part-way is read again, whole, from the primary: reads
        change nothing, so making one twice is safe."""
        try:
            return super().dispatch_request()
        except ReplicaFailed:
            g.primary_only = True
            return super().dispatch_request()

    def make_default_options_response(self) -> Response:
        """OPTIONS: 204 with the methods the path allows, and what a browser on another origin
        needs to read it (never to write)."""
        adapter = request_ctx.url_adapter
        methods = set(adapter.allowed_methods()) if adapter is not None else {"OPTIONS"}
        return Response(status=204, headers={"Allow": ", ".join(sorted(methods)), **headers.preflight(methods)})


def docs_asset(name: str) -> Response:
    return send_from_directory(SWAGGER_UI, name, max_age=86400)


def _embedded_dsn(settings: Settings) -> str:
    from service.running.embedded import EmbeddedPostgres

    dsn = EmbeddedPostgres(settings.data_dir).running_dsn()
    if dsn is None:
        raise RuntimeError(
            f"DATABASE_URL is not set and no embedded PostgreSQL is running for {settings.data_dir}; "
            "start the service with `ceasefire-log serve`, or set DATABASE_URL"
        )
    return dsn
