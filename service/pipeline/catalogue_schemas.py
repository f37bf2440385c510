"""The wire's shapes of the catalogue: what events refer to by slug (actors, locations, acts,
sources, ceasefires), and the pages that list them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from service.pipeline.schemas import (
    ACTOR_KINDS,
    LOCATION_PRECISIONS,
    LOCATION_SHAPES,
    Country,
    Instant,
    Integer,
    Page,
    Slug,
    Strict,
    String,
    Text,
)


class CatalogueArgs(Strict):
    limit = Integer(load_default=100, validate=ma.validate.Range(min=1, max=500))
    cursor = Text(1, 500)


class ActorIn(Strict):
    slug = Slug(required=True)
    name = Text(1, 200, required=True)
    kind = String(required=True, validate=ma.validate.OneOf(ACTOR_KINDS))
    country = Country()
    aliases = fields.List(Text(1, 200), load_default=list, validate=ma.validate.Length(max=50))
    parent = Slug(load_default=None, allow_none=True)


class ActorOut(ActorIn):
    created_at = fields.DateTime()


class LocationIn(Strict):
    slug = Slug(required=True)
    name = Text(1, 200, required=True)
    country = Country()
    latitude = fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(-180, 180))
    precision = String(required=True, validate=ma.validate.OneOf(LOCATION_PRECISIONS))
    shape = String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf(LOCATION_SHAPES),
        metadata={
            "description": "point (a village, a checkpoint), area (a district, a region) or line (a line of control, a "
            "contact line, a stretch of river, a border). Left out: an area for a district, region or country "
            "precision, else a point."
        },
    )
    aliases = fields.List(Text(1, 200), load_default=list, validate=ma.validate.Length(max=50))
    parent = Slug(load_default=None, allow_none=True)

    @ma.validates_schema
    def coordinates_paired(self, location, **_):
        if (location.get("latitude") is None) != (location.get("longitude") is None):
            raise ma.ValidationError("give both latitude and longitude, or neither", "longitude")


class LocationOut(LocationIn):
    created_at = fields.DateTime()


class ActIn(Strict):
    slug = Slug(required=True)
    label = Text(1, 200, required=True)
    description = Text(0, 2000, load_default="")


class ActOut(ActIn):
    pass


class SourceIn(Strict):
    slug = Slug(required=True)
    title = Text(1, 500, required=True)
    publisher = Text(1, 200, load_default=None, allow_none=True)
    # What the database holds (source_url_format): an http(s) address without spaces.
    url = String(
        load_default=None,
        allow_none=True,
        metadata={"format": "uri", "pattern": r"^https?://\S+$"},
        validate=[
            ma.validate.Regexp(r"^https?://\S+\Z", error="must be an http:// or https:// address"),
            ma.validate.Length(max=2000),
        ],
    )
    published_at = Instant(load_default=None, allow_none=True)
    text = Text(
        1,
        900_000,
        load_default=None,
        allow_none=True,
        metadata={"description": "The full text, when held: quotes are checked against it."},
    )


class SourceOut(Strict):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    publisher = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    text_held = fields.Boolean(required=True)
    sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the held text, hex."})
    created_at = fields.DateTime()


class CeasefireIn(Strict):
    slug = Slug(required=True)
    name = Text(1, 200, required=True)
    brokered_by = Slug(load_default=None, allow_none=True)
    parties = fields.List(Slug(), load_default=list, validate=ma.validate.Length(max=50))
    agreed_at = Instant(load_default=None, allow_none=True)
    effective_at = Instant(load_default=None, allow_none=True)
    time_note = Text(
        1,
        1000,
        load_default=None,
        allow_none=True,
        metadata={"description": "Where agreed_at and effective_at come from, when the source does not state them."},
    )
    terms = fields.List(Text(1, 2000), load_default=list, validate=ma.validate.Length(max=100))
    source = Slug(load_default=None, allow_none=True)

    @ma.validates_schema
    def effective_after_agreed(self, ceasefire, **_):
        agreed, effective = ceasefire.get("agreed_at"), ceasefire.get("effective_at")
        if agreed and effective and effective < agreed:
            raise ma.ValidationError("must not be before agreed_at", "effective_at")


class CeasefireOut(CeasefireIn):
    created_at = fields.DateTime()


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (Page,), {"items": fields.List(fields.Nested(item_schema), required=True)})
