"""Keys at the desk, for an admin: who holds one and with which role, a new key made (its secret
shown this once, as POST /v1/keys shows it), a key revoked (its sessions end at their next
request, as every request with it is refused)."""

from __future__ import annotations

import marshmallow as ma
import psycopg
from flask import current_app, g, redirect, request, url_for

from service.pipeline.schemas import KEY_ROLES, KeyIn
from service.store import keys
from service.web.desk import blp, render, signed_in

KEY = KeyIn()


def _keys_page(status: int = 200, **context):
    with current_app.extensions["pool"].connection() as conn:
        held = keys.listing(conn)
    return render(
        "desk_keys.html", status, desk=g.desk, held=held, roles=KEY_ROLES, form=context.pop("form", {}), **context
    )


@blp.route("/keys", methods=["GET"])
@signed_in("admin")
def key_list():
    return _keys_page(revoked=request.args.get("revoked"))


@blp.route("/keys", methods=["POST"])
@signed_in("admin")
def make_key():
    form = {"name": request.form.get("name", "").strip(), "role": request.form.get("role", "")}
    try:
        key = KEY.load(form)
    except ma.ValidationError as error:
        return _keys_page(422, form=form, errors=error.normalized_messages())
    with current_app.extensions["pool"].connection() as conn:
        try:
            secret = keys.create(conn, key["name"], key["role"])
        except psycopg.errors.UniqueViolation:
            conn.rollback()
            return _keys_page(409, form=form, errors={"name": ["this name is a key's already, revoked or not"]})
        conn.commit()
    # The secret is in this answer only (the desk's pages are never cached): it is not kept.
    return _keys_page(201, made={"name": key["name"], "role": key["role"], "secret": secret})


@blp.route("/keys/<name>/revoke", methods=["POST"])
@signed_in("admin")
def revoke_key(name: str):
    with current_app.extensions["pool"].connection() as conn:
        revoked = keys.revoke(conn, name)
        conn.commit()
    if not revoked:
        return render("desk_refused.html", 404, reason=f"No key {name} in use: it was revoked already, or never made.")
    return redirect(url_for("desk.key_list", revoked=name), code=303)
