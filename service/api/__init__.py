"""One flask-smorest Blueprint per resource, all parsing their arguments strictly."""

from __future__ import annotations

import http
from uuid import UUID

import flask_smorest
from flask import current_app, g, request
from marshmallow import missing
from webargs.flaskparser import FlaskParser

from service.formats import MEDIA_TYPES
from service.pipeline.errors import ApiError, invalid


class StrictParser(FlaskParser):
    """Unknown fields are refused in the query string too (webargs would drop them silently):
    a misspelt filter must not quietly widen a query."""

    DEFAULT_UNKNOWN_BY_LOCATION = {location: None for location in FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION}

    def _raw_load_json(self, req):
        # The body was parsed once, before the view (body.read_json).
        return g.get("body", missing)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def arguments(self, schema, *args, **kwargs):
        # Given a schema class, webargs builds an instance for every request, which cost about
        # a millisecond a report (more than the rest of the view's Python); one instance, made
        # here once, serves every request.
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


def id_in_path(text: str, not_found: ApiError) -> UUID:
    """The id a path names; anything that is not an id names nothing in the log (404)."""
    try:
        return UUID(text)
    except ValueError:
        raise not_found from None


def refusals(blp: flask_smorest.Blueprint, *statuses: int, secured: bool = False):
    """Document the refusals that are the view's own (and its bearer key); those every operation
    shares are added by contract.py. Each is the problem+json response of its status."""

    def decorator(view):
        for status in statuses:
            view = blp.alt_response(status, response=http.HTTPStatus(status).name)(view)
        return blp.doc(security=[{"bearer": []}])(view) if secured else view

    return decorator


def refuse_undeclared_query() -> None:
    """A view that declares no query arguments takes none: `/v1/actors/x?limit=5` or
    `/healthz?verbose=1` is refused by name, as a misspelt filter on a list is. No parameter
    takes several values: `as_of=1&as_of=2` is refused, not read as its first."""
    if not request.args or request.endpoint is None or request.blueprint in ("web", "desk"):
        return  # the pages read their own query (service/web)
    repeated = {
        name: [f"given {len(values)} times; give it once"] for name, values in request.args.lists() if len(values) > 1
    }
    if repeated:
        raise invalid(repeated, title="Invalid query string")
    view = current_app.view_functions[request.endpoint]
    declared = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    if not any(parameter["in"] == "query" for parameter in declared):
        raise invalid(
            {name: ["Unknown field."] for name in request.args},
            "This path takes no query parameters.",
            title="Invalid query string",
        )


def exportable(blp: flask_smorest.Blueprint, page: type):
    """Document the streams a list answers besides its JSON page (service/api/exports.py). The page
    is named again: apispec writes a response's `content` whole, from its schema or from here."""
    content = {
        MEDIA_TYPES["json"]: {"schema": page},
        **{
            MEDIA_TYPES[name]: {"schema": {"type": "string", "description": EXPORT_DESCRIPTIONS[name]}}
            for name in ("ndjson", "csv")
        },
        # A client reads GeoJSON as the JSON it is.
        MEDIA_TYPES["geojson"]: {
            "schema": {
                "type": "object",
                "description": EXPORT_DESCRIPTIONS["geojson"],
                "required": ["type", "features"],
                "properties": {
                    "type": {"const": "FeatureCollection"},
                    "as_of": {"type": "integer"},
                    "features": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
    }
    headers = {
        "Content-Disposition": {
            "description": "For an export: the file name, saying what it holds and as of which seq.",
            "schema": {"type": "string"},
        },
        "X-As-Of": {
            "description": "For an export: the seq of the last entry it reflects.",
            "schema": {"type": "integer"},
        },
    }
    return blp.doc(responses={200: {"content": content, "headers": headers}})


EXPORT_DESCRIPTIONS = {
    "ndjson": "Every match, one JSON object a line, in the shape of the page's items.",
    "csv": "Every match, one row each (RFC 4180, with a header); the README lists the columns.",
    "geojson": "A FeatureCollection: a Feature per place of every match, a Point where its coordinates are known.",
}
