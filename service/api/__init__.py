"""One flask-smorest Blueprint per resource, all parsing their arguments strictly."""

from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser


class StrictParser(FlaskParser):
    """Unknown fields are refused in the query string too (webargs would drop them silently):
    a misspelt filter must not quietly widen a query."""

    DEFAULT_UNKNOWN_BY_LOCATION = {location: None for location in FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION}


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()


PROBLEM = "application/problem+json"


def refusals(blp: flask_smorest.Blueprint, *statuses: int, secured: bool = False):
    """Document the problem+json answers a view may give (and its bearer key), keeping OpenAPI true."""
    def decorator(view):
        for status in statuses:
            view = blp.alt_response(status, schema="Problem", content_type=PROBLEM)(view)
        return blp.doc(security=[{"bearer": []}])(view) if secured else view
    return decorator
