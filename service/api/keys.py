"""API keys, made and revoked by an admin over HTTP: the secret is shown once, at its making, and
the service keeps only its SHA-256. A revoked key is refused by every worker at its next request."""

from __future__ import annotations

from flask import current_app

from service.api import Blueprint, refusals
from service.pipeline.auth import require_role
from service.pipeline.errors import ApiError
from service.pipeline.schemas import KeyIn, KeyList, KeyMade
from service.pipeline.writes import Write, writes
from service.store import keys, one

blp = Blueprint("keys", __name__, url_prefix="/v1/keys", description="API keys: made, listed and revoked by an admin")


@blp.route("", methods=["POST"])
@writes("admin", replayable=False)
@blp.arguments(KeyIn)
@blp.response(201, KeyMade)
@refusals(blp, 401, 403, 409, secured=True)
def make(key: dict, write: Write):
    """Make a key.

    The answer holds the secret, this once: give it to its holder, who sends it as
    `Authorization: Bearer <key>`. A name is a key's for good (409 when taken, revoked or not).
    """
    secret = keys.create(write.conn, key["name"], key["role"])
    return {**one(keys.get(write.conn, key["name"])), "key": secret}


@blp.route("", methods=["GET"])
@blp.response(200, KeyList)
@refusals(blp, 401, 403, secured=True)
def listing():
    """List the keys.

    Each key's name, role, and when it was made and revoked; never a secret or its hash.
    """
    with current_app.extensions["pool"].connection() as conn:
        require_role(conn, "admin")
        return {"items": keys.listing(conn)}


@blp.route("/<name>", methods=["DELETE"])
@writes("admin")
@blp.response(204)
@refusals(blp, 401, 403, 404, secured=True)
def revoke(name: str, write: Write):
    """Revoke a key.

    Every request with it is refused from now on, by every worker. What it recorded stays in the
    log under its name.
    """
    if not keys.revoke(write.conn, name):
        held = keys.get(write.conn, name)
        raise ApiError(
            404,
            "Not Found",
            f"No live key named {name}." + (" It was revoked already." if held else ""),
            "not-found",
        )
    return None
