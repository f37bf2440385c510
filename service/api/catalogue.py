"""What events refer to by slug: actors, locations, acts, sources, ceasefires. One Blueprint
each, all alike: list (by slug, keyset), read one, and create (admin keys only)."""

from __future__ import annotations

from flask import url_for

from service.api import Blueprint, refusals
from service.pipeline import catalogue_schemas as schemas
from service.pipeline.catalogue_schemas import CatalogueArgs, page_of
from service.pipeline.errors import ApiError
from service.pipeline.pagination import SLUG, decode, encode, filters_digest, link_headers, next_url
from service.pipeline.reads import snapshot
from service.pipeline.writes import Write, writes
from service.store import actors, acts, ceasefires, locations, sources


def resource(name: str, singular: str, store, schema_in, schema_out, description: str) -> Blueprint:
    blp = Blueprint(name, __name__, url_prefix=f"/v1/{name}", description=description)
    page_schema = page_of(schema_out, f"{singular.title().replace('-', '')}Page")

    @blp.route("", methods=["GET"])
    @blp.doc(summary=f"The {name}, by slug", description=f"Every {singular}, in slug order; pages follow `next`.")
    @blp.arguments(CatalogueArgs, location="query")
    @blp.response(200, page_schema)
    def listing(args):
        digest = filters_digest({"list": name})  # a cursor of one list is refused by another
        after = decode(args["cursor"], digest, (str,))[0] if args.get("cursor") else None
        with snapshot() as conn:
            rows = store.page(conn, after, args["limit"] + 1)
        more = len(rows) > args["limit"]
        rows = rows[: args["limit"]]
        url = next_url(encode([rows[-1]["slug"]], digest) if more else None)
        return {"items": rows, "next": url}, link_headers(url)

    @blp.route("/<slug>", methods=["GET"])
    @blp.doc(summary=f"One {singular}", description=f"The {singular} with this slug, or 404.")
    @blp.response(200, schema_out)
    @refusals(blp, 404)
    def one(slug: str):
        # Only a slug can name an entry; anything else (a NUL, a newline) names nothing.
        row = None
        if SLUG.fullmatch(slug):
            with snapshot() as conn:
                row = store.get(conn, slug)
        if row is None:
            raise ApiError(404, "Not Found", f"No {singular} {slug}.", "not-found")
        return row

    @blp.route("", methods=["POST"])
    @blp.doc(
        summary=f"Add {'an' if singular[0] in 'aeiou' else 'a'} {singular}",
        description="Needs an admin key. A taken slug is a 409.",
    )
    @writes("admin")
    @blp.arguments(schema_in)
    @blp.response(201, schema_out)
    @refusals(blp, 401, 403, 409, secured=True)
    def create(entry, write: Write):
        row = store.create(write.conn, entry)
        return row, {"Location": url_for(f"{name}.one", slug=row["slug"], _external=True)}

    return blp


BLUEPRINTS = [
    resource(
        "actors",
        "actor",
        actors,
        schemas.ActorIn,
        schemas.ActorOut,
        "Who makes claims and who they are about: states, their bodies and officials, groups, mediators",
    ),
    resource(
        "locations",
        "location",
        locations,
        schemas.LocationIn,
        schemas.LocationOut,
        "Named places, and unnamed ones at a coarse precision, in a hierarchy",
    ),
    resource("acts", "act", acts, schemas.ActIn, schemas.ActOut, "The vocabulary of acts"),
    resource(
        "sources",
        "source",
        sources,
        schemas.SourceIn,
        schemas.SourceOut,
        "Where statements were published; the text held, and its SHA-256",
    ),
    resource(
        "ceasefires",
        "ceasefire",
        ceasefires,
        schemas.CeasefireIn,
        schemas.CeasefireOut,
        "Ceasefires: brokers, parties, times and terms",
    ),
]
