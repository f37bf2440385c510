"""The event log: append an accusation or a denial, read events back, follow the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import kwargs_row

from .. import domain
from .instants import localise, offset


@dataclass
class Event:
    id: UUID
    seq: int
    kind: str
    claimant: str
    target: str
    responds_to: UUID | None
    act: str
    locations: list[str]
    occurred_from: datetime
    occurred_to: datetime
    time_precision: str
    stated_at: datetime
    ceasefire: str | None
    summary: str
    source: str
    quotes: list[dict]
    recorded_by: str
    recorded_at: datetime


# Every read of events goes through this one shape, so the log, one event and an incident's
# thread always agree on the wire. Locations and quotes come as arrays in the same row: one
# round trip a page, whatever its size.
SELECT_EVENTS = """
SELECT e.id, e.seq, e.kind, claimant.slug AS claimant, target.slug AS target, e.responds_to,
       act.slug AS act,
       ARRAY(SELECT l.slug::text FROM event_location el JOIN location l ON l.id = el.location_id
              WHERE el.event_id = e.id ORDER BY el.position) AS locations,
       e.occurred_from, e.occurred_to, e.time_precision, e.stated_at, ceasefire.slug AS ceasefire,
       e.summary, source.slug AS source,
       coalesce((SELECT json_agg(json_build_object('text', q.text, 'start', q.span_start, 'end', q.span_end)
                                 ORDER BY q.position)
                   FROM quote q WHERE q.event_id = e.id), '[]'::json) AS quotes,
       e.recorded_by, e.recorded_at, e.occurred_from_offset, e.occurred_to_offset, e.stated_at_offset
  FROM event e
  JOIN actor claimant ON claimant.id = e.claimant_id
  JOIN actor target ON target.id = e.target_id
  JOIN act ON act.id = e.act_id
  JOIN source ON source.id = e.source_id
  LEFT JOIN ceasefire ON ceasefire.id = e.ceasefire_id
"""

INSTANTS = ("occurred_from", "occurred_to", "stated_at")


def _event(**row) -> Event:
    return Event(**localise(row, *INSTANTS))


# Every event read is built by this row factory: its instants at the offsets they were given with.
EVENT_ROWS = kwargs_row(_event)



def get(conn: psycopg.Connection, event_id: UUID) -> Event | None:
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        return cur.execute(SELECT_EVENTS + " WHERE e.id = %(id)s", {"id": event_id}).fetchone()


def get_many(conn: psycopg.Connection, event_ids: list[UUID]) -> list[Event]:
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        return cur.execute(SELECT_EVENTS + " WHERE e.id = ANY(%(ids)s) ORDER BY e.seq", {"ids": event_ids}).fetchall()


# Every event answering any of the accusations %(ids)s, and every retraction of their denials.
RESPONSES = SELECT_EVENTS + """
 WHERE e.id IN (SELECT r.id FROM event r WHERE r.responds_to = ANY(%(ids)s)
                UNION ALL
                SELECT r.id FROM event d JOIN event r ON r.responds_to = d.id
                 WHERE d.responds_to = ANY(%(ids)s) AND d.kind = 'denial')
 ORDER BY e.seq"""


def responses_to(conn: psycopg.Connection, accusation_ids: list[UUID]) -> list[Event]:
    """The responses of these accusations' threads, in log order: one query for a whole page."""
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        return cur.execute(RESPONSES, {"ids": accusation_ids}).fetchall()


def after(conn: psycopg.Connection, seq: int, limit: int) -> list[Event]:
    """The log from just after `seq`, in order. Events commit in seq order (see 0001's log_head),
    so a follower resuming from the last seq it saw misses nothing and sees nothing twice."""
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        return cur.execute(
            SELECT_EVENTS + " WHERE e.seq > %(seq)s ORDER BY e.seq LIMIT %(limit)s", {"seq": seq, "limit": limit}
        ).fetchall()


RESOLVE = """
SELECT (SELECT coalesce(jsonb_object_agg(slug, jsonb_build_object('id', id, 'path', path::text)), '{}')
          FROM actor WHERE slug = ANY(%(actors)s)) AS actors,
       (SELECT coalesce(jsonb_object_agg(slug, id), '{}') FROM location WHERE slug = ANY(%(locations)s)) AS locations,
       (SELECT id FROM act WHERE slug = %(act)s) AS act_id,
       (SELECT id FROM ceasefire WHERE slug = %(ceasefire)s) AS ceasefire_id,
       (SELECT jsonb_build_object('id', id, 'text', CASE WHEN %(quoted)s THEN text END) FROM source
         WHERE slug = %(source)s) AS source
"""

RESPONDING = """
SELECT e.kind, claimant.slug AS claimant, claimant.path::text AS claimant_path, target.slug AS target,
       target.path::text AS target_path,
       ARRAY(SELECT DISTINCT r.kind FROM event r WHERE r.responds_to = e.id) AS answered_by
  FROM event e
  JOIN actor claimant ON claimant.id = e.claimant_id
  JOIN actor target ON target.id = e.target_id
 WHERE e.id = %(id)s
"""

INSERT = """
INSERT INTO event (id, kind, claimant_id, target_id, responds_to, responds_to_kind, act_id,
                   occurred_from, occurred_to, time_precision, stated_at, ceasefire_id, summary,
                   source_id, recorded_by, occurred_from_offset, occurred_to_offset, stated_at_offset, search)
VALUES (%(id)s, %(kind)s, %(claimant_id)s, %(target_id)s, %(responds_to)s, %(responds_to_kind)s, %(act_id)s,
        %(occurred_from)s, %(occurred_to)s, %(time_precision)s, %(stated_at)s, %(ceasefire_id)s,
        %(summary)s, %(source_id)s, %(recorded_by)s, %(occurred_from_offset)s, %(occurred_to_offset)s,
        %(stated_at_offset)s,
        to_tsvector('english', %(summary)s) || to_tsvector('english', %(quoted)s))
RETURNING seq, recorded_at
"""


def statement(conn: psycopg.Connection, event_id: UUID) -> dict | None:
    """What a response needs of the statement it answers: its kind, its parties and their paths,
    and the kinds that already answer it."""
    return conn.execute(RESPONDING, {"id": event_id}).fetchone()


def append(conn: psycopg.Connection, report: dict, recorded_by: str, event_id: UUID | None = None,
           responding: dict | None = None) -> Event:
    """Check a report against the log and append it: the event, its places and its quotes, in the
    caller's transaction. Raises domain.Refusal naming every field that is wrong. `responding` is
    the statement it answers, when the caller has read it already (`statement`)."""
    report = dict(report)
    kind = domain.KINDS[report["kind"]]
    if responding is None and report.get("responds_to") is not None:
        responding = statement(conn, report["responds_to"])
        if responding is None:
            raise domain.Refusal({"responds_to": [f"no event {report['responds_to']} in the log"]})
    errors = domain.check_answers(kind.name, responding)
    if errors:
        raise domain.Refusal(errors)
    if responding is not None:
        _inherit(conn, report, responding, kind)

    missing = [name for name in domain.REQUIRED if report.get(name) is None]
    if missing:
        raise domain.Refusal({name: ["Missing data for required field."] for name in missing})

    refs = conn.execute(RESOLVE, {
        "actors": [report["claimant"], report["target"]],
        "locations": report["locations"],
        "act": report["act"],
        "ceasefire": report.get("ceasefire"),
        "source": report["source"],
        # A source's text (a whole article) is read only to place quotes in it.
        "quoted": bool(report.get("quotes")),
    }).fetchone()
    errors = _unknown(report, refs)
    if errors:
        raise domain.Refusal(errors)

    claimant, target = refs["actors"][report["claimant"]], refs["actors"][report["target"]]
    errors = domain.check_times(report["occurred_from"], report["occurred_to"], report["stated_at"])
    errors |= domain.check_parties(report["claimant"], claimant["path"], report["target"], target["path"])
    if responding is not None:
        errors |= domain.check_responder(kind.name, report["claimant"], claimant["path"], report["target"], responding)
    quotes, quote_errors = _spans(report.get("quotes") or [], refs["source"]["text"])
    errors |= quote_errors
    if errors:
        raise domain.Refusal(errors)

    # From this insert to the commit, the transaction holds the log's head (0001's log_head), so
    # every other writer waits: the event, its places and its quotes go in one round trip, and
    # the answer is built from what was just written instead of read back.
    event_id = event_id or uuid4()
    with conn.pipeline():
        inserted = conn.execute(INSERT, {
            "id": event_id,
            "kind": report["kind"],
            "claimant_id": claimant["id"],
            "target_id": target["id"],
            "responds_to": report.get("responds_to"),
            "responds_to_kind": responding["kind"] if responding is not None else None,
            "act_id": refs["act_id"],
            "occurred_from": report["occurred_from"],
            "occurred_to": report["occurred_to"],
            "time_precision": report["time_precision"],
            "stated_at": report["stated_at"],
            "ceasefire_id": refs["ceasefire_id"],
            "summary": report["summary"],
            "source_id": refs["source"]["id"],
            "recorded_by": recorded_by,
            "quoted": "\n".join(quote["text"] for quote in quotes),
            **{f"{name}_offset": offset(report[name]) for name in INSTANTS},
        })
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO event_location (event_id, location_id, position) VALUES (%s, %s, %s)",
                [(event_id, refs["locations"][slug], position) for position, slug in enumerate(report["locations"])],
            )
            if quotes:
                cur.executemany(
                    "INSERT INTO quote (event_id, position, text, span_start, span_end) VALUES (%s, %s, %s, %s, %s)",
                    [(event_id, position, quote["text"], quote["start"], quote["end"])
                     for position, quote in enumerate(quotes)],
                )
    row = inserted.fetchone()
    return Event(
        id=event_id, seq=row["seq"], kind=report["kind"], claimant=report["claimant"], target=report["target"],
        responds_to=report.get("responds_to"), act=report["act"], locations=list(report["locations"]),
        occurred_from=report["occurred_from"], occurred_to=report["occurred_to"],
        time_precision=report["time_precision"], stated_at=report["stated_at"], ceasefire=report.get("ceasefire"),
        summary=report["summary"], source=report["source"], quotes=quotes, recorded_by=recorded_by,
        recorded_at=row["recorded_at"],
    )


def _inherit(conn: psycopg.Connection, report: dict, responding: dict, kind: domain.Kind) -> None:
    """A response answers what it responds to: unless told otherwise, its target is the one its
    kind is aimed at (a denial's the accuser, a retraction's the statement's target) and its act,
    places and time are those of what it answers."""
    if kind.aimed_at and report.get("target") is None:
        report["target"] = responding[kind.aimed_at]
    situation = [name for name in kind.inherits if report.get(name) is None]
    if situation:
        statement = get(conn, report["responds_to"])
        for name in situation:
            report[name] = getattr(statement, name)


def _unknown(report: dict, refs: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field in ("claimant", "target"):
        if report[field] not in refs["actors"]:
            errors[field] = [f"unknown actor: {report[field]}"]
    unknown_places = [slug for slug in report["locations"] if slug not in refs["locations"]]
    if unknown_places:
        errors["locations"] = [f"unknown location: {slug}" for slug in unknown_places]
    if refs["act_id"] is None:
        errors["act"] = [f"unknown act: {report['act']}"]
    if report.get("ceasefire") is not None and refs["ceasefire_id"] is None:
        errors["ceasefire"] = [f"unknown ceasefire: {report['ceasefire']}"]
    if refs["source"] is None:
        errors["source"] = [f"unknown source: {report['source']}"]
    return errors


def _spans(quotes: list, source_text: str | None) -> tuple[list[dict], dict[str, list[str]]]:
    """Each quote with its span in the held source text; a quote the text does not hold is refused."""
    spanned, problems = [], []
    for position, quote in enumerate(quotes):
        text = quote["text"] if isinstance(quote, dict) else quote
        if source_text is None:
            spanned.append({"text": text, "start": None, "end": None})
            continue
        span = domain.find_span(source_text, text)
        if span is None:
            problems.append(f"quote {position} is not in the source's text, character for character: {text!r}")
        else:
            spanned.append({"text": text, "start": span[0], "end": span[1]})
    return spanned, ({"quotes": problems} if problems else {})
