"""The desk's intake: a held source's text beside the claims the assistant proposes in it, each a
form a person corrects and confirms; confirmed claims go into the log together, all or none,
through the write path of POST /v1/batches (log.append_batch), with its refusals shown beside the
fields they name. A party or place the catalogue lacks is added in place by an admin.

Server-rendered; the one script (static/desk.js) turns a selection of the text into a quote."""

from __future__ import annotations

import re
import secrets

import marshmallow as ma
import psycopg
from flask import Response, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service import assistant, domain, log
from service.pipeline import idempotency
from service.pipeline.catalogue_schemas import ActorIn, LocationIn
from service.pipeline.errors import flatten
from service.pipeline.schemas import ACTOR_KINDS, TIME_PRECISIONS, BatchIn
from service.store import actors, locations, sources
from service.web import CSP
from service.web.desk import blp, render, signed_in, slugify

BATCH = BatchIn()
# The fields of a proposal's form, as the batch names them; each is `<ref>-<field>` in the form.
TEXT_FIELDS = (
    "kind",
    "claimant",
    "target",
    "act",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "time_note",
    "stated_at",
    "ceasefire",
    "summary",
    "channel",
    "channel_name",
    "responds_to",
)
COUNTS = ("violations", "killed", "injured")
PLACE_PRECISIONS = ("exact", "near", "district", "region", "country", "unknown")


def segments(text: str, proposals: list[dict]) -> list[dict]:
    """The text cut where a proposal's sentence or quote starts or ends: each piece with its offset
    (the script reads a selection's span from it), whether it is quoted, and the proposals whose
    sentence holds it."""
    cuts = {0, len(text)}
    for proposal in proposals:
        cuts |= {proposal["sentence"]["start"], proposal["sentence"]["end"]}
        for quote in proposal["entry"]["quotes"]:
            cuts |= {quote["start"], quote["end"]}
    bounds = sorted(cut for cut in cuts if 0 <= cut <= len(text))
    pieces = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        refs = [p["entry"]["ref"] for p in proposals if p["sentence"]["start"] <= start and end <= p["sentence"]["end"]]
        quoted = any(q["start"] <= start and end <= q["end"] for p in proposals for q in p["entry"]["quotes"])
        pieces.append({"start": start, "text": text[start:end], "refs": refs, "quoted": quoted})
    return pieces


def draft(proposal: dict) -> dict:
    """A proposal as its form shows it: every field a string or a list of strings."""
    entry = proposal["entry"]
    shown = {name: "" if entry.get(name) is None else str(entry[name]) for name in TEXT_FIELDS}
    targets = entry.get("targets") or []
    casualties = entry.get("casualties") or {}
    return shown | {
        "ref": entry["ref"],
        "include": True,
        # The first accused in the picker; the others (a broker blaming both sides) beside it.
        "target": targets[0] if targets else "",
        "more_targets": targets[1:],
        "more_acts": [],
        "locations": list(entry.get("locations") or []),
        "quotes": [quote["text"] for quote in entry["quotes"]],
        "violations": str(entry.get("violations") or ""),
        "killed": str(casualties.get("killed") or ""),
        "injured": str(casualties.get("injured") or ""),
    }


def posted_drafts() -> list[dict]:
    """The proposals' forms as the person sent them."""
    drafts = []
    for ref in request.form.getlist("refs"):
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", ref):
            continue
        given = {name: request.form.get(f"{ref}-{name}", "").strip() for name in (*TEXT_FIELDS, *COUNTS)}
        drafts.append(
            given
            | {
                "ref": ref,
                "include": request.form.get(f"{ref}-include") == "yes",
                "locations": [slug for slug in request.form.getlist(f"{ref}-locations") if slug],
                **{
                    name: [slug for slug in request.form.getlist(f"{ref}-{name}") if slug]
                    for name in ("more_targets", "more_acts")
                },
                "quotes": [q for q in (q.strip() for q in request.form.getlist(f"{ref}-quotes")) if q],
            }
        )
    return drafts


def entry_of(form: dict, source: str) -> dict:
    """The batch entry a confirmed form stands for: a field left empty is not sent (a denial then
    takes it from what it answers; a time said, null: unknown), counts are numbers when they are."""
    entry: dict = {"ref": form["ref"], "source": source, "quotes": form["quotes"]}
    entry |= {name: form[name] for name in TEXT_FIELDS if form[name]}
    # An empty "said on" says the text does not give it: the source's publication bounds it.
    entry.setdefault("stated_at", None)
    for plural, singular in domain.SINGULAR.items():
        # The picker's one and the others chosen beside it, in that order, each once.
        more = [slug for slug in form[f"more_{plural}"] if slug != form[singular]]
        if form[singular] and more:
            entry[plural] = [entry.pop(singular), *dict.fromkeys(more)]
    if form["locations"] or form["kind"] == "accusation":
        entry["locations"] = form["locations"]
    for name in COUNTS:
        if form[name]:
            number = int(form[name]) if form[name].isdigit() else form[name]
            if name == "violations":
                entry[name] = number
            else:
                entry.setdefault("casualties", {})[name] = number
    return entry


def errors_by_ref(errors: dict[str, list[str]], included: list[str]) -> dict[str, dict[str, list[str]]]:
    """A batch's refusals (`entries.2.claimant`) by the form they belong to and its field."""
    by_ref: dict[str, dict[str, list[str]]] = {}
    for name, messages in errors.items():
        parts = name.split(".")
        if len(parts) >= 2 and parts[0] == "entries" and parts[1].isdigit() and int(parts[1]) < len(included):
            field = parts[2] if len(parts) > 2 else "_schema"
            field = "killed" if field == "casualties" and "killed" in name else field
            field = {"targets": "target", "acts": "act"}.get(field, field)  # shown beside the picker
            by_ref.setdefault(included[int(parts[1])], {}).setdefault(field, []).extend(messages)
        else:
            by_ref.setdefault("_batch", {}).setdefault(name, []).extend(messages)
    return by_ref


def _no_text(slug: str) -> Response:
    return render("desk_refused.html", 404, reason=f"No source {slug} with a held text: add it on the desk first.")


def _held(conn, slug: str) -> dict | None:
    source = sources.get(conn, slug, with_text=True)
    return source if source is not None and source["text"] else None


def _review(source: dict, answer: dict, catalogue: dict, drafts: list[dict], status: int = 200, **context) -> Response:
    proposals = answer["proposals"]
    page = render(
        "desk_source.html",
        status,
        desk=g.desk,
        source=source,
        pieces=segments(source["text"], proposals),
        proposals={p["entry"]["ref"]: p for p in proposals},
        drafts=drafts,
        new_actors=answer["new_actors"],
        new_places=answer["new_places"],
        catalogue=catalogue,
        options=_options(catalogue, drafts),
        actor_kinds=ACTOR_KINDS,
        place_precisions=PLACE_PRECISIONS,
        confirm_token=secrets.token_urlsafe(16),
        errors=context.pop("errors", {}),
        **context,
    )
    # The page's one script, from this origin only (static/desk.js).
    page.headers["Content-Security-Policy"] = CSP + "; script-src 'self'"
    return page


def pickers(catalogue: dict) -> dict:
    """What each picker offers, as (value, what the person reads): names, never slugs typed."""
    return {
        "kinds": [(kind, kind) for kind in domain.REPORTED if kind != "mention"],
        "actors": [(a["slug"], a["name"]) for a in sorted(catalogue["actors"], key=lambda a: a["name"].casefold())],
        "acts": [(a["slug"], a["label"]) for a in catalogue["acts"]],
        "places": [(p["slug"], p["name"]) for p in catalogue["places"]],
        "ceasefires": [(c["slug"], c["name"]) for c in catalogue["ceasefires"]],
        "precisions": [(p, p) for p in TIME_PRECISIONS],
        "channels": [(c, c) for c in domain.CHANNELS],
    }


def _options(catalogue: dict, drafts: list[dict]) -> dict:
    refs = [d["ref"] for d in drafts]
    answers = {ref: [(f"#{other}", f"claim {other}") for other in refs if other != ref] for ref in refs}
    return pickers(catalogue) | {"answers": answers}


@blp.route("/sources/<slug>", methods=["GET"])
@signed_in("reporter")
def review(slug: str):
    """A held source with the claims proposed in it, ready to correct and confirm."""
    with current_app.extensions["pool"].connection() as conn:
        source = _held(conn, slug)
        if source is None:
            return _no_text(slug)
        answer, catalogue = assistant.of_source(conn, source)
    return _review(source, answer, catalogue, [draft(p) for p in answer["proposals"]])


@blp.route("/sources/<slug>/confirm", methods=["POST"])
@signed_in("reporter")
def confirm(slug: str):
    """The confirmed claims into the log, all or none, once per form sent (its token is the
    write's Idempotency-Key: a form sent twice records once)."""
    drafts = posted_drafts()
    included = [d for d in drafts if d["include"]]
    with current_app.extensions["pool"].connection() as conn:
        source = _held(conn, slug)
        if source is None:
            return _no_text(slug)
        errors: dict[str, list[str]] = {}
        if not included:
            errors = {"_batch": ["tick at least one claim to confirm"]}
        else:
            try:
                batch = BATCH.load({"entries": [entry_of(d, slug) for d in included]})
            except ma.ValidationError as error:
                errors = flatten(error.normalized_messages())
        if not errors:
            token = request.form.get("confirm_token", "")[:255] or None
            claimed = idempotency.claim(conn, g.desk["id"], token)
            if isinstance(claimed, idempotency.Replay):
                conn.rollback()
                return redirect(claimed.response.headers["Location"], code=303)
            try:
                appended, _ = log.append_batch(conn, batch["entries"], recorded_by=g.desk["name"])
            except domain.Refusal as refusal:
                conn.rollback()
                errors = refusal.errors
            else:
                # Each entry's incident: an accusation's own, an answer's the one it answers.
                incidents = dict.fromkeys(str(e.responds_to or e.id) for e in appended)
                done = redirect(
                    url_for("desk.recorded", slug=slug, count=len(appended), incidents=",".join(incidents)), 303
                )
                if claimed is not None:
                    claimed.keep(conn, done)
                conn.commit()
                return done
        answer, catalogue = assistant.of_source(conn, source)
    by_ref = errors_by_ref(errors, [d["ref"] for d in included])
    return _review(source, answer, catalogue, drafts, 422, errors=by_ref)


@blp.route("/sources/<slug>/recorded", methods=["GET"])
@signed_in("reporter")
def recorded(slug: str):
    """What a confirmation put in the log, with a link to each entry's incident."""
    incidents = [i for i in request.args.get("incidents", "").split(",") if re.fullmatch(r"[0-9a-f-]{36}", i)]
    count = int(request.args["count"]) if request.args.get("count", "").isdigit() else len(incidents)
    return render("desk_recorded.html", desk=g.desk, slug=slug, count=count, incidents=incidents)


@blp.route("/sources/<slug>/actors", methods=["POST"])
@signed_in("admin")
def add_actor(slug: str):
    """A party the text names and the catalogue lacks, added in place; the proposals read again."""
    return _add(slug, ActorIn(), actors, {"kind": request.form.get("kind", ""), "parent": None})


@blp.route("/sources/<slug>/places", methods=["POST"])
@signed_in("admin")
def add_place(slug: str):
    return _add(slug, LocationIn(), locations, {"precision": request.form.get("precision", "")})


def _add(slug: str, schema: ma.Schema, store, fields: dict) -> BaseResponse:
    name = request.form.get("name", "").strip()
    parent = request.form.get("parent", "").strip() or None
    body = {"slug": slugify(name), "name": name, **fields, "parent": parent}
    with current_app.extensions["pool"].connection() as conn:
        source = _held(conn, slug)
        if source is None:
            return _no_text(slug)
        try:
            store.create(conn, schema.load(body))
        except (ma.ValidationError, domain.Refusal, psycopg.errors.UniqueViolation) as error:
            conn.rollback()
            answer, catalogue = assistant.of_source(conn, source)
            said = (
                flatten(error.normalized_messages())
                if isinstance(error, ma.ValidationError)
                else getattr(error, "errors", {"slug": [f"{name} is in the catalogue already"]})
            )
            return _review(
                source, answer, catalogue, [draft(p) for p in answer["proposals"]], 422, added_errors=said, added=name
            )
        conn.commit()
    return redirect(url_for("desk.review", slug=slug) + "#proposals", code=303)
