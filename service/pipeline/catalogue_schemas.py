"""The wire's shapes of the catalogue: what events refer to by slug (actors, locations, acts,
sources, ceasefires), and the pages that list them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from service import days
from service.pipeline.schemas import (
    ACTOR_KINDS,
    EXTERNAL_SCHEMES,
    LOCATION_PRECISIONS,
    LOCATION_SHAPES,
    Country,
    Integer,
    Page,
    Slug,
    Strict,
    String,
    Text,
    When,
    distinct,
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
    members = fields.List(
        Slug(),
        load_default=list,
        validate=[ma.validate.Length(max=50), distinct("member")],
        metadata={
            "uniqueItems": True,
            "description": "A coalition's members, in the order the source names them (none for any other kind): "
            "accusing a coalition accuses each member's side, and any of them may answer.",
        },
    )

    @ma.validates_schema
    def members_of_a_coalition(self, actor, **_):
        if actor.get("kind") == "coalition" and len(actor.get("members", [])) < 2:
            raise ma.ValidationError("a coalition names its members, two or more", "members")
        if actor.get("kind") != "coalition" and actor.get("members"):
            raise ma.ValidationError("only an actor of kind coalition has members", "members")


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
    aliases = fields.List(
        Text(1, 200),
        load_default=list,
        validate=ma.validate.Length(max=50),
        metadata={"description": 'Other names reports give it ("mortar fire", "artillery"): the assistant reads them.'},
    )


class ActOut(ActIn):
    pass


def Url() -> String:
    """An http(s) address without spaces: what the database holds (source_url_format)."""
    return String(
        load_default=None,
        allow_none=True,
        metadata={"format": "uri", "pattern": r"^https?://\S+$"},
        validate=[
            ma.validate.Regexp(r"^https?://\S+\Z", error="must be an http:// or https:// address"),
            ma.validate.Length(max=2000),
        ],
    )


class SourceIn(Strict):
    slug = Slug(required=True)
    title = Text(1, 500, load_default=None, allow_none=True, metadata={"description": "Its title, when it has one."})
    language = String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Regexp(
            r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*\Z", error="must be a BCP 47 language tag, like en, ar or uk-UA"
        ),
        metadata={
            "description": "The language of the held text (BCP 47: en, ar, uk-UA).",
            "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$",
        },
    )
    publisher = Text(1, 200, load_default=None, allow_none=True)
    url = Url()
    published_at = When(months=True, load_default=None, allow_none=True)
    text = Text(
        1,
        900_000,
        load_default=None,
        allow_none=True,
        metadata={"description": "The full text, when held: quotes are checked against it."},
    )


class SourceOut(Strict):
    slug = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    language = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    published_at = When(months=True, allow_none=True)
    text_held = fields.Boolean(required=True)
    sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the held text, hex."})
    created_at = fields.DateTime()


class ExternalId(Strict):
    """What another dataset calls a ceasefire."""

    scheme = String(
        required=True,
        validate=ma.validate.OneOf(EXTERNAL_SCHEMES),
        metadata={
            "description": "pa-x: PA-X Peace Agreements Database; eth-prio-cf: ETH/PRIO Civil Conflict Ceasefire "
            "Dataset; ucdp: Uppsala Conflict Data Program; other."
        },
    )
    id = Text(1, 200, required=True)
    url = Url()


class CeasefireIn(Strict):
    slug = Slug(required=True)
    name = Text(1, 200, required=True)
    brokers = fields.List(
        Slug(),
        load_default=list,
        validate=[ma.validate.Length(max=20), distinct("broker")],
        metadata={"description": "Who brokered it, in the order the source names them.", "uniqueItems": True},
    )
    brokered_by = Slug(
        load_default=None,
        allow_none=True,
        load_only=True,
        metadata={
            "description": "One broker: read as brokers [brokered_by] (for clients and archives written before brokers)."
        },
    )
    external_ids = fields.List(fields.Nested(ExternalId), load_default=list, validate=ma.validate.Length(max=20))
    parties = fields.List(Slug(), load_default=list, validate=ma.validate.Length(max=50))
    agreed_at = When(months=True, load_default=None, allow_none=True)
    effective_at = When(months=True, load_default=None, allow_none=True)
    time_note = Text(
        1,
        1000,
        load_default=None,
        allow_none=True,
        metadata={"description": "Where agreed_at and effective_at come from, when the source does not state them."},
    )
    terms = fields.List(Text(1, 2000), load_default=list, validate=ma.validate.Length(max=100))
    source = Slug(load_default=None, allow_none=True)

    @ma.post_load
    def one_list_of_brokers(self, ceasefire, **_):
        broker = ceasefire.pop("brokered_by", None)
        if broker is not None:
            if ceasefire["brokers"]:
                raise ma.ValidationError("give brokers, or one broker in brokered_by, not both", "brokered_by")
            ceasefire["brokers"] = [broker]
        return ceasefire

    @ma.validates_schema
    def effective_after_agreed(self, ceasefire, **_):
        agreed, effective = ceasefire.get("agreed_at"), ceasefire.get("effective_at")
        # Dated by the day, either may be any moment of it.
        if agreed and effective and days.latest(effective) < days.earliest(agreed):
            raise ma.ValidationError("must not be before agreed_at", "effective_at")


class CeasefireOut(CeasefireIn):
    created_at = fields.DateTime()


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (Page,), {"items": fields.List(fields.Nested(item_schema), required=True)})
