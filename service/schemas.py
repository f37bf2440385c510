"""The wire: marshmallow schemas for every request and response body."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class Strict(ma.Schema):
    """Unknown fields are refused, by name: a typo must not be silently dropped."""

    class Meta:
        unknown = ma.RAISE


class Health(Strict):
    status = fields.String(required=True)
    schema = fields.List(fields.String())


class Problem(Strict):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "For invalid input: the messages for each field."})
