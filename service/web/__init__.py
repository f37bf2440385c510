"""Pages for people: the incidents with a filter form, and an incident's thread with each quote
shown in its source. Server-rendered, readable without JavaScript, outside /v1 and OpenAPI; they
read through store/ as the API does, so a page costs the API's queries and a few of its own.

Errors on these pages are pages too: the blueprint gives errors.problem its own page to render
(`error_page`), so the HTTP layer knows no template."""

from __future__ import annotations

from collections.abc import Set
from uuid import UUID

import marshmallow as ma
from flask import Blueprint, Response, abort, render_template, request

from service import days, domain
from service.pipeline.errors import PAGES, invalid
from service.pipeline.pagination import SLUG, after_incident, filters_digest, incident_position
from service.pipeline.reads import snapshot
from service.pipeline.schemas import STATUSES, IncidentArgs
from service.store import actors, ceasefires, counts, incidents, locations, names, sources
from service.web import quotes, timeline, worldmap

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")

# The pages load nothing from anywhere else, and run no script: a Content-Security-Policy that
# says so, so an injected tag could do nothing either.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
ARGS = IncidentArgs(exclude=("format",))
FILTERS = (
    "status",
    "party",
    "claimant",
    "target",
    "location",
    "ceasefire",
    "act",
    "occurred_after",
    "occurred_before",
    "q",
)


def error_page(status: int, title: str, detail: str, errors: dict | None) -> Response:
    """A problem (service/pipeline/errors.py) as a page for people, with its status."""
    return Response(
        render_template("error.html", title=title, detail=detail, errors=errors), status=status, mimetype="text/html"
    )


@blp.record_once
def _answer_problems_as_pages(state) -> None:
    state.app.extensions.setdefault(PAGES, {})[blp.name] = error_page


@blp.app_template_test("day")
def is_day(value) -> bool:
    """A time the source gives by the day alone: shown as that day, with no clock or offset."""
    return isinstance(value, days.Day)


@blp.after_request
def protect(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def shown(listed: list[incidents.Incident], actors: Set[str] = frozenset()) -> names.Wanted:
    """What a list of incidents names: each entry's parties, places, source and ceasefire."""
    return names.Wanted.of((entry for incident in listed for entry in incident.entries()), actors)


# What the form's refusals are called, whether a value is malformed or names nothing.
FILTER = "Invalid filter"


@blp.route("/")
def incident_list():
    """Incidents, newest statement first, with the API's filters as a form: every state of the
    form is a URL to share, and each page links the next."""
    # A form sends its empty fields: an empty field is no filter.
    given = {name: value for name, value in request.args.items() if value.strip()}
    try:
        filters = ARGS.load(given)
    except ma.ValidationError as error:
        raise invalid({name: list(messages) for name, messages in error.messages.items()}, title=FILTER) from None
    digest = filters_digest(filters)
    after, as_of = incident_position(filters, digest)
    with snapshot() as conn:
        try:
            page, last, as_of = incidents.page(conn, filters, after, filters["limit"], as_of)
        except domain.Refusal as refusal:  # a filter naming no actor, place, act or ceasefire
            raise invalid(refusal.errors, title=FILTER) from None
        catalogue = names.read(conn, shown(page))
    following = after_incident(last, as_of, digest)
    return render_template(
        "incidents.html",
        incidents=page,
        names=catalogue,
        next_url=following,
        as_of=as_of,
        form={name: given.get(name, "") for name in FILTERS},
        statuses=STATUSES,
        filtered=any(given.get(name) for name in FILTERS),
    )


# The ceasefire page is an overview: its latest incidents, and a link to the list of them all.
LATEST = 20


@blp.route("/ceasefires/<slug>")
def ceasefire_page(slug: str):
    """A ceasefire: the agreement, a timeline of the allegations by accusing side around the
    moment it took effect, and its incidents."""
    if not SLUG.fullmatch(slug):
        abort(404, f"No ceasefire {slug}.")  # only a slug names one: a NUL or a newline names nothing
    with snapshot() as conn:
        ceasefire = ceasefires.get(conn, slug)
        if ceasefire is None:
            abort(404, f"No ceasefire {slug}.")
        window = timeline.window(ceasefire)
        # A month of hours (720 buckets) in one grouped query; the chart folds them into days
        # unless the allegations fall within a few days.
        buckets, as_of = (
            ([], None)
            if window is None
            else counts.count(conn, {"ceasefire": slug, **window}, "hour", "side", "occurred", None)
        )
        listed, last, as_of = incidents.page(conn, {"ceasefire": slug, "sort": "-stated"}, None, LATEST, as_of)
        # The agreement's parties, brokers and source, and the timeline's sides, are named too.
        agreed = {*ceasefire["parties"], *ceasefire["brokers"]}
        wanted = shown(listed, agreed | {side for bucket in buckets for side in bucket.counts})
        if ceasefire["source"]:
            wanted.sources.add(ceasefire["source"])
        catalogue = names.read(conn, wanted)
        named, more_mapped = ceasefires.places(conn, slug)
    return render_template(
        "ceasefire.html",
        ceasefire=ceasefire,
        chart=timeline.chart(buckets, ceasefire, catalogue),
        map=worldmap.draw(named),
        unmapped=[p for p in named if p["latitude"] is None],
        mapped=ceasefires.MAPPED if more_mapped else None,
        incidents=listed,
        more=last is not None,
        names=catalogue,
        as_of=as_of,
    )


@blp.route("/actors/<slug>")
def actor_page(slug: str):
    """An actor with its place in the tree, and the incidents it or anything beneath it is party to."""
    return _entry_page("actor", slug, actors.get, "party")


@blp.route("/locations/<slug>")
def location_page(slug: str):
    """A place with its place in the tree, and the incidents there or anywhere beneath it."""
    return _entry_page("location", slug, locations.get, "location")


def _entry_page(table: str, slug: str, get, filter_name: str):
    if not SLUG.fullmatch(slug):
        abort(404, f"No {table} {slug}.")  # only a slug names one: a NUL or a newline names nothing
    with snapshot() as conn:
        entry = get(conn, slug)
        if entry is None:
            abort(404, f"No {table} {slug}.")
        tree = actors.tree(conn, table, slug)
        listed, last, as_of = incidents.page(conn, {filter_name: slug, "sort": "-stated"}, None, 50, None)
        catalogue = names.read(conn, shown(listed))
    return render_template(
        "entry.html",
        table=table,
        entry=entry,
        tree=tree,
        incidents=listed,
        more=last is not None,
        names=catalogue,
        as_of=as_of,
        filter_name=filter_name,
    )


@blp.route("/incidents/<incident_id>")
def incident_page(incident_id: str):
    """An incident's thread as a conversation in time order, each quote highlighted in its source."""
    try:
        parsed = UUID(incident_id)
    except ValueError:
        abort(404, f"No incident {incident_id}: no accusation has that id.")
    with snapshot() as conn:
        incident = incidents.get(conn, parsed)
        if incident is None:
            abort(404, incidents.absent(conn, parsed))
        entries = incident.entries()
        catalogue = names.read(conn, names.Wanted.of(entries))
        held = sources.held(conn, {entry.source for entry in entries if entry.source})
    return render_template(
        "incident.html", incident=incident, entries=entries, names=catalogue, sources=held, excerpt=quotes.excerpt
    )
