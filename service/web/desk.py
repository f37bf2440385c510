"""The intake desk: pages for the people who keep the log, behind sign-in.

A person signs in with an API key; the desk opens a session in the database (store/sessions.py)
and sets a cookie holding only its random token (HttpOnly, SameSite=Lax, Secure over HTTPS,
expiring with the session). Every form carries the session's CSRF token, checked before anything
is read from the form; the sign-in form carries a token of its own, matched against a cookie
(double submit), so no other site can sign a browser in. A request whose session expired, ended
or whose key was revoked is sent back to sign-in, and nothing is written.

Server-rendered; the one script (static/desk.js, intake.py) turns a selected passage into a quote.
The roles are the API's (a source is added by an admin's key), and so are the checks (the
catalogue's schemas).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import wraps

import marshmallow as ma
import psycopg
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for

from service.pipeline.auth import ROLES
from service.pipeline.catalogue_schemas import SourceIn
from service.pipeline.errors import PAGES
from service.store import keys, sessions, sources
from service.web import CSP, error_page

blp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates")

COOKIE = "cfl_desk"
SIGN_IN_COOKIE = "cfl_sign_in"
SOURCE = SourceIn()
# A held text is at most what a request may carry: a pasted or uploaded article.
UPLOAD_LIMIT = 900_000


@blp.record_once
def _answer_problems_as_pages(state) -> None:
    state.app.extensions.setdefault(PAGES, {})[blp.name] = error_page


@blp.after_request
def protect(response: Response) -> Response:
    # No script runs on a desk page but the one that sets quotes (intake.py sets its own policy).
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/desk", httponly=True, samesite="Lax", secure=request.is_secure
    )


def signed_in(role: str | None = None):
    """A desk view for a live session (as `g.desk`: the key's id, name and role, and the CSRF
    token); a POST must carry that token. Without a session: back to sign-in."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = request.cookies.get(COOKIE)
            with current_app.extensions["pool"].connection() as conn:
                session = sessions.find(conn, token) if token else None
            if session is None:
                return redirect(url_for("desk.sign_in"), code=303)
            if request.method == "POST" and not hmac.compare_digest(request.form.get("csrf", ""), session["csrf"]):
                return render("desk_refused.html", 403, reason="This form is out of date or was not sent from the desk: "
                             "open the page again and resend it.")  # fmt: skip
            if role is not None and role not in ROLES[session["role"]]:
                return render("desk_refused.html", 403, reason=f"The key {session['name']} is a {session['role']}; "
                             f"this needs an {role}'s key.")  # fmt: skip
            g.desk = session
            return view(*args, **kwargs)

        return wrapper

    return decorator


def render(template: str, status: int = 200, **context) -> Response:
    return Response(render_template(template, **context), status=status, mimetype="text/html")


@blp.route("/sign-in", methods=["GET"])
def sign_in():
    token = secrets.token_urlsafe(32)
    response = render("desk_sign_in.html", csrf=token)
    _cookie(response, SIGN_IN_COOKIE, token, max_age=3600)
    return response


@blp.route("/sign-in", methods=["POST"])
def start():
    given, expected = request.form.get("csrf", ""), request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(given, expected):
        return render("desk_refused.html", 403, reason="This sign-in form was not sent from the desk: open it again.")
    with current_app.extensions["pool"].connection() as conn:
        holder = keys.find(conn, request.form.get("key", "").strip())
        if holder is None:
            return render("desk_sign_in.html", 401, csrf=expected, error="No key like this is in use: check it, or ask "
                         "an admin for one.")  # fmt: skip
        token, _ = sessions.start(conn, holder["id"])
        conn.commit()
    response = redirect(url_for("desk.home"), code=303)
    _cookie(response, COOKIE, token, max_age=int(sessions.LIFETIME.total_seconds()))
    response.delete_cookie(SIGN_IN_COOKIE, path="/desk")
    return response


@blp.route("/sign-out", methods=["POST"])
@signed_in()
def end():
    with current_app.extensions["pool"].connection() as conn:
        sessions.end(conn, request.cookies[COOKIE])
        conn.commit()
    response = redirect(url_for("desk.sign_in"), code=303)
    response.delete_cookie(COOKIE, path="/desk", httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@blp.route("", methods=["GET"])
@signed_in()
def home():
    added = None
    with current_app.extensions["pool"].connection() as conn:
        if request.args.get("added"):
            added = sources.get(conn, request.args["added"])
        held = [source for source in sources.page(conn, None, 200) if source["text_held"]]
    return render("desk.html", desk=g.desk, added=added, held=held, form={}, errors={})


@blp.route("/sources", methods=["POST"])
@signed_in("admin")
def add_source():
    """A source in: a pasted text or an uploaded .txt, with what the person knows of it."""
    form = {
        name: request.form.get(name, "").strip() for name in ("title", "publisher", "url", "published_at", "language")
    }
    # A browser sends a textarea's line breaks as CRLF whatever was pasted (HTML's form encoding):
    # the text held is the article's, with its own line breaks. An upload is held byte for byte.
    text = request.form.get("text", "").replace("\r\n", "\n")
    upload = request.files.get("file")
    errors: dict[str, list[str]] = {}
    if upload is not None and upload.filename:
        try:
            text = upload.read(UPLOAD_LIMIT + 1).decode("utf-8")
        except UnicodeDecodeError:
            errors["file"] = ["the file is not UTF-8 text: save it as UTF-8 (.txt) and upload it again"]
    if not text.strip() and "file" not in errors:
        errors["text"] = ["paste the article's text, or upload it as a .txt file"]
    body = {name: value for name, value in form.items() if value} | {"text": text or None, "slug": _slug(form, text)}
    if not errors:
        try:
            source = SOURCE.load(body)
        except ma.ValidationError as error:
            errors = {name: list(messages) for name, messages in error.normalized_messages().items()}
    if errors:
        return render("desk.html", 422, desk=g.desk, added=None, held=[], form={**form, "text": text}, errors=errors)
    with current_app.extensions["pool"].connection() as conn:
        try:
            made = sources.create(conn, source)
        except psycopg.errors.UniqueViolation:
            errors = {"text": ["this text, from this publisher on this day, is held already"]}
            return render(
                "desk.html", 409, desk=g.desk, added=None, held=[], form={**form, "text": text}, errors=errors
            )
        conn.commit()
    assert made is not None
    return redirect(url_for("desk.home", added=made["slug"]), code=303)


def slugify(name: str, length: int = 40) -> str:
    """A name as a slug: lowercase letters and digits, hyphens between ("Arakan Army" → arakan-army)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:length].strip("-")


def _slug(form: dict, text: str) -> str:
    """A slug the person never types: the publisher (or title), the day, and the text's digest."""
    words = slugify(form["publisher"] or form["title"] or "source")
    day = form["published_at"][:10] if re.match(r"\d{4}-\d{2}-\d{2}", form["published_at"]) else "undated"
    return f"{words or 'source'}-{day}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


from service.web import answers, intake, keyring  # noqa: E402,F401  (their views are the desk's: registered on blp)
