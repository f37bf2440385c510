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
