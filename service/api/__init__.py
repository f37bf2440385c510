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

    def arguments(self, schema, *args, **kwargs):
        # Given a schema class, webargs builds an instance for every request, which cost about
        # a millisecond a report (more than the rest of the view's Python); one instance, made
        # here once, serves every request.
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)


PROBLEM = "application/problem+json"


def refusals(blp: flask_smorest.Blueprint, *statuses: int, secured: bool = False):
    """Document the problem+json answers a view may give (and its bearer key), keeping OpenAPI true."""
    def decorator(view):
        for status in statuses:
            view = blp.alt_response(status, schema="Problem", content_type=PROBLEM)(view)
        return blp.doc(security=[{"bearer": []}])(view) if secured else view
    return decorator
