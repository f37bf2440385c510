"""The rest of an accusation's life at the desk: its thread, and forms to deny it, counter-accuse,
retract, mention it again, correct its record, review it or void an entry of it, each shown to
the roles that may and written through the same write path as the API (log.append, log.correct,
log.review, log.void), its refusals beside the fields they name. The incident's public page links
here; the desk's session cookie is the desk's alone (Path=/desk)."""

from __future__ import annotations

from uuid import UUID

import marshmallow as ma
from flask import current_app, g, redirect, request, url_for

from service import domain, log
from service.pipeline.auth import ROLES
from service.pipeline.errors import flatten
from service.pipeline.schemas import EventIn, ReviewIn, VoidIn
from service.store import incidents, lexicon, sources
from service.web.desk import blp, render, signed_in
from service.web.intake import pickers

REPORT, REVIEW, VOID = EventIn(), ReviewIn(), VoidIn()
# What a response to an accusation may be, as the person reads it, and the kind it is recorded as.
RESPONSES = {"denial": "denial", "counter-accusation": "accusation", "retraction": "retraction", "mention": "mention"}
# The fields of an accusation's record its correction form holds (a claim's RECORD, less counts).
CORRECTED = (
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
    "source",
    "channel",
    "channel_name",
)


def _uuid(incident_id: str) -> UUID | None:
    try:
        return UUID(incident_id)
    except ValueError:
        return None


def _form(name: str, fields: tuple[str, ...]) -> dict:
    """The fields of one action's form (`<form>-<field>`) as sent, empty ones left out."""
    sent = {field: request.form.get(f"{name}-{field}", "").strip() for field in fields}
    return {field: value for field, value in sent.items() if value}


def _quotes(name: str) -> list[str]:
    return [quote.strip() for quote in request.form.getlist(f"{name}-quotes") if quote.strip()]


def _record(accusation) -> dict:
    """The accusation's record as its correction form shows it."""
    shown = {name: getattr(accusation, name) for name in CORRECTED}
    shown = {name: "" if value is None else value for name, value in shown.items()}
    for name in ("occurred_from", "occurred_to", "stated_at"):
        if shown[name] != "":
            shown[name] = shown[name].isoformat()
    return shown | {"locations": list(accusation.locations), "quotes": [q["text"] for q in accusation.quotes]}


def _thread_page(
    incident_id: UUID, status: int = 200, errors: dict | None = None, sent: dict | None = None, done: str | None = None
):
    with current_app.extensions["pool"].connection() as conn:
        incident = incidents.get(conn, incident_id)
        if incident is None:
            return render("desk_refused.html", 404, reason=incidents.absent(conn, incident_id))
        catalogue = lexicon.read(conn)
        held = sources.page(conn, None, 500)
    options = pickers(catalogue) | {
        "responses": [(name, name) for name in RESPONSES],
        "sources": [(s["slug"], s["title"] or s["publisher"] or s["slug"]) for s in held],
        "verdicts": [(v, v) for v in domain.VERDICTS],
        "entries": [(str(e.id), f"the {e.kind} at seq {e.seq}: {e.summary[:80]}") for e in incident.entries()],
    }
    roles = ROLES[g.desk["role"]]
    return render(
        "desk_incident.html",
        status,
        desk=g.desk,
        incident=incident,
        entries=incident.entries(),
        options=options,
        may={"report": "reporter" in roles, "review": "reviewer" in roles},
        named={actor["slug"]: actor["name"] for actor in catalogue["actors"]},
        record=(sent or {}).get("correct") or _record(incident.accusation),
        sent=sent or {},
        errors=errors or {},
        done=done,
    )


@blp.route("/incidents/<incident_id>", methods=["GET"])
@signed_in()
def thread(incident_id: str):
    parsed = _uuid(incident_id)
    if parsed is None:
        return render("desk_refused.html", 404, reason=f"No incident {incident_id}: no accusation has that id.")
    return _thread_page(parsed, done=request.args.get("done"))


def _write(incident_id: str, form: str, write) -> object:
    """Run one action's write in a transaction: on a refusal nothing is kept and the thread is
    shown again with the messages beside the action's fields and what was typed kept."""
    parsed = _uuid(incident_id)
    if parsed is None:
        return render("desk_refused.html", 404, reason=f"No incident {incident_id}: no accusation has that id.")
    with current_app.extensions["pool"].connection() as conn:
        try:
            write(conn, parsed)
        except ma.ValidationError as error:
            conn.rollback()
            messages = flatten(error.normalized_messages())
        except (domain.Refusal, domain.NotFound) as refusal:
            conn.rollback()
            messages = refusal.errors if isinstance(refusal, domain.Refusal) else {"_schema": [refusal.what]}
        else:
            conn.commit()
            return redirect(url_for("desk.thread", incident_id=parsed, done=form) + f"#{form}", code=303)
    sent = {form: {name[len(form) + 1 :]: value for name, value in request.form.items() if name.startswith(form)}}
    return _thread_page(parsed, 422, errors={form: messages}, sent=sent)


@blp.route("/incidents/<incident_id>/responses", methods=["POST"])
@signed_in("reporter")
def respond(incident_id: str):
    """A denial, a counter-accusation or a retraction of the accusation, or a mention of it."""

    def write(conn, accusation_id: UUID) -> None:
        given = request.form.get("respond-kind", "")
        report = _form("respond", ("claimant", "stated_at", "summary", "source", "channel", "channel_name"))
        report.setdefault("stated_at", None)  # left empty: the text does not say
        report |= {"kind": RESPONSES.get(given, given), "quotes": _quotes("respond")}
        if given == "counter-accusation":
            report |= _form("respond", ("act", "occurred_from", "occurred_to", "time_precision", "time_note"))
            report["locations"] = request.form.getlist("respond-locations")
            report["responds_to"] = str(accusation_id)
            current = incidents.get(conn, accusation_id)
            if current is not None:  # aimed at the accuser's side (the rule checks it)
                report["target"] = current.accusation.claimant
        elif given == "mention":
            report["cites"] = str(accusation_id)
        else:
            report["responds_to"] = str(accusation_id)
        loaded = REPORT.load(report)
        (log.mention if loaded["kind"] == "mention" else log.append)(conn, loaded, g.desk["name"])

    return _write(incident_id, "respond", write)


@blp.route("/incidents/<incident_id>/corrections", methods=["POST"])
@signed_in("reporter")
def correct(incident_id: str):
    """The accusation's record, corrected: the form holds it as it stands."""

    def write(conn, accusation_id: UUID) -> None:
        current = incidents.get(conn, accusation_id)
        # What the form does not hold stays as recorded: the wire relayed, the counts claimed.
        kept = {} if current is None else {name: getattr(current.accusation, name) for name in ("via", "violations")}
        if current is not None and current.accusation.casualties:
            kept["casualties"] = current.accusation.casualties
        record = _form("correct", CORRECTED) | {k: v for k, v in kept.items() if v is not None}
        record.setdefault("stated_at", None)  # left empty: the text does not say
        record |= {
            "kind": "accusation",
            "locations": request.form.getlist("correct-locations"),
            "quotes": _quotes("correct"),
        }
        for plural, singular in domain.SINGULAR.items():
            # The form picks the first target and act; the further ones stay as recorded.
            recorded = getattr(current.accusation, plural) if current is not None else []
            if record.get(singular):
                one = record.pop(singular)
                record[plural] = [one, *(slug for slug in recorded[1:] if slug != one)]
        loaded = REPORT.load(record)
        loaded.pop("kind")
        loaded.pop("responds_to", None)
        log.correct(conn, accusation_id, loaded, g.desk)

    return _write(incident_id, "correct", write)


@blp.route("/incidents/<incident_id>/reviews", methods=["POST"])
@signed_in("reviewer")
def assess(incident_id: str):
    def write(conn, accusation_id: UUID) -> None:
        assessment = REVIEW.load(_form("review", ("verdict", "note", "source")) | {"quotes": _quotes("review")})
        log.review(conn, accusation_id, assessment, g.desk["name"])

    return _write(incident_id, "review", write)


@blp.route("/incidents/<incident_id>/voids", methods=["POST"])
@signed_in("reporter")
def void(incident_id: str):
    """An entry of the thread withdrawn as recorded by mistake (the recorder's, an editor's or an admin's)."""

    def write(conn, _: UUID) -> None:
        chosen = _uuid(request.form.get("void-entry", ""))
        if chosen is None:
            raise domain.Refusal({"entry": ["choose the entry recorded by mistake"]})
        log.void(conn, chosen, VOID.load(_form("void", ("reason",)))["reason"], g.desk)

    return _write(incident_id, "void", write)
