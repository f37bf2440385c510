"""The event log: append claims, corrections and reviews, read entries back (each original at
its current version, or as of a seq), follow the log."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID, uuid4

import psycopg
from psycopg.rows import kwargs_row

from .. import domain
from .instants import localise, offset


@dataclass
class Revision:
    """A correction of an entry, as the entry's history shows it: who, when, and which fields."""

    id: UUID
    seq: int
    recorded_by: str
    recorded_at: datetime
    changed: list[str]


@dataclass
class Event:
    id: UUID
    seq: int
    kind: str
    # A review is not a claim: it has no claimant, target, act, places or time.
    claimant: str | None
    target: str | None
    responds_to: UUID | None
    act: str | None
    locations: list[str]
    occurred_from: datetime | None
    occurred_to: datetime | None
    time_precision: str | None
    time_note: str | None
    stated_at: datetime | None
    ceasefire: str | None
    summary: str
    source: str | None
    quotes: list[dict]
    recorded_by: str
    recorded_at: datetime
    corrects: UUID | None = None
    verdict: str | None = None
    revisions: list[Revision] = field(default_factory=list)


# Every read of events goes through this one shape, so the log, one event and an incident's
# thread always agree on the wire. Locations and quotes come as arrays in the same row: one
# round trip a page, whatever its size. A correction holds the kind of the record it corrects
# (migration 0012); on the wire it is a correction.
SELECT_EVENTS = """
SELECT e.id, e.seq, CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END AS kind,
       claimant.slug AS claimant, target.slug AS target, e.responds_to,
       act.slug AS act,
       ARRAY(SELECT l.slug::text FROM event_location el JOIN location l ON l.id = el.location_id
              WHERE el.event_id = e.id ORDER BY el.position) AS locations,
       e.occurred_from, e.occurred_to, e.time_precision, e.time_note, e.stated_at, ceasefire.slug AS ceasefire,
       e.summary, source.slug AS source,
       coalesce((SELECT json_agg(json_build_object('text', q.text, 'start', q.span_start, 'end', q.span_end)
                                 ORDER BY q.position)
                   FROM quote q WHERE q.event_id = e.id), '[]'::json) AS quotes,
       e.recorded_by, e.recorded_at, e.corrects, e.verdict,
       e.occurred_from_offset, e.occurred_to_offset, e.stated_at_offset
  FROM event e
  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_id
  LEFT JOIN act ON act.id = e.act_id
  LEFT JOIN source ON source.id = e.source_id
  LEFT JOIN ceasefire ON ceasefire.id = e.ceasefire_id
"""

INSTANTS = ("occurred_from", "occurred_to", "stated_at")


def _event(**row) -> Event:
    return Event(**localise(row, *INSTANTS))


# Every event read is built by this row factory: its instants at the offsets they were given with.
EVENT_ROWS = kwargs_row(_event)


# The seq of the log's last entry: one expression, for the statements that need it with others.
HEAD_SEQ = "(SELECT coalesce(max(seq), 0) FROM event)"
HEAD = f"SELECT {HEAD_SEQ} AS head"


def head(conn: psycopg.Connection) -> int:
    """The seq of the log's last entry (0 for an empty log)."""
    return conn.execute(HEAD).fetchone()["head"]


def check_as_of(as_of: int | None, log_head: int) -> int:
    """The seq a read reflects: the one asked for, or the head. The log cannot be read as of an
    entry it does not hold yet."""
    if as_of is None:
        return log_head
    if as_of > log_head:
        raise domain.Refusal(
            {"as_of": [f"the log's last entry is seq {log_head}; as_of cannot be past it"]},
            title="Invalid query string",
        )
    return as_of


def changes(before: Event, after: Event) -> list[str]:
    """The fields of the record that differ. An instant differs by its UTC offset too, though it
    names the same moment: the local time is part of what was said."""

    def differ(a, b) -> bool:
        if isinstance(a, datetime) and isinstance(b, datetime):
            return a != b or a.utcoffset() != b.utcoffset()
        return a != b

    return [name for name in domain.RECORD if differ(getattr(before, name), getattr(after, name))]


def fold(original: Event, corrections: list[Event]) -> Event:
    """An original entry at its current version: the record of its latest correction, with a
    revision for each correction saying which fields it changed. Its id, seq, kind and first
    recorder stay its own."""
    if not corrections:
        return original
    revisions, before = [], original
    for correction in corrections:
        changed = changes(before, correction)
        revisions.append(
            Revision(correction.id, correction.seq, correction.recorded_by, correction.recorded_at, changed)
        )
        before = correction
    return replace(original, **{name: getattr(before, name) for name in domain.RECORD}, revisions=revisions)


# An entry and every correction of it, up to a seq.
VERSIONS = SELECT_EVENTS + " WHERE (e.id = %(id)s OR e.corrects = %(id)s) AND e.seq <= %(as_of)s ORDER BY e.seq"


def get(conn: psycopg.Connection, event_id: UUID, as_of: int | None = None) -> Event | None:
    """An entry of the log: an original at its version as of `as_of` (the latest without it), with
    its revisions; a correction or a review as it was written. An `as_of` past the head is refused."""
    if as_of is not None:
        check_as_of(as_of, head(conn))
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        versions = cur.execute(VERSIONS, {"id": event_id, "as_of": BIGINT if as_of is None else as_of}).fetchall()
    if not versions or versions[0].id != event_id:
        return None
    return fold(versions[0], versions[1:])


BIGINT = 2**63 - 1


# Every entry answering any of the accusations %(ids)s (and their corrections), every retraction of
# their denials, and every correction of the accusations themselves, up to a seq.
RESPONSES = (
    SELECT_EVENTS
    + """
 WHERE e.id IN (SELECT r.id FROM event r WHERE r.responds_to = ANY(%(ids)s)
                UNION ALL
                SELECT r.id FROM event d JOIN event r ON r.responds_to = d.id
                 WHERE d.responds_to = ANY(%(ids)s) AND d.kind = 'denial' AND d.corrects IS NULL
                UNION ALL
                SELECT c.id FROM event c WHERE c.corrects = ANY(%(ids)s))
   AND e.seq <= %(as_of)s
 ORDER BY e.seq"""
)


def responses_to(conn: psycopg.Connection, accusation_ids: list[UUID], as_of: int) -> list[Event]:
    """The entries of these accusations' threads and their corrections, in log order, up to
    `as_of`: one query for a whole page."""
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        return cur.execute(RESPONSES, {"ids": accusation_ids, "as_of": as_of}).fetchall()


def after(conn: psycopg.Connection, seq: int, limit: int, until: int | None = None) -> list[Event]:
    """The log from just after `seq` (up to `until`), in order. Events commit in seq order (see
    0001's log_head), so a follower resuming from the last seq it saw misses nothing and sees
    nothing twice."""
    with conn.cursor(row_factory=EVENT_ROWS) as cur:
        return cur.execute(
            SELECT_EVENTS + " WHERE e.seq > %(seq)s AND e.seq <= %(until)s ORDER BY e.seq LIMIT %(limit)s",
            {"seq": seq, "limit": limit, "until": BIGINT if until is None else until},
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
SELECT e.kind, e.corrects, claimant.slug AS claimant, claimant.path::text AS claimant_path, target.slug AS target,
       target.path::text AS target_path,
       ARRAY(SELECT DISTINCT r.kind FROM event r WHERE r.responds_to = e.id AND r.corrects IS NULL) AS answered_by
  FROM event e
  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_id
 WHERE e.id = %(id)s
"""

INSERT = """
INSERT INTO event (id, kind, claimant_id, target_id, responds_to, responds_to_kind, act_id,
                   occurred_from, occurred_to, time_precision, time_note, stated_at, ceasefire_id, summary,
                   source_id, recorded_by, occurred_from_offset, occurred_to_offset, stated_at_offset,
                   corrects, verdict, search)
VALUES (%(id)s, %(kind)s, %(claimant_id)s, %(target_id)s, %(responds_to)s, %(responds_to_kind)s, %(act_id)s,
        %(occurred_from)s, %(occurred_to)s, %(time_precision)s, %(time_note)s, %(stated_at)s, %(ceasefire_id)s,
        %(summary)s, %(source_id)s, %(recorded_by)s, %(occurred_from_offset)s, %(occurred_to_offset)s,
        %(stated_at_offset)s, %(corrects)s, %(verdict)s,
        to_tsvector('english', %(summary)s) || to_tsvector('english', %(quoted)s))
RETURNING seq, recorded_at
"""


def statement(conn: psycopg.Connection, event_id: UUID) -> dict | None:
    """What a response needs of the statement it answers: its kind, its parties and their paths,
    and the kinds that already answer it."""
    return conn.execute(RESPONDING, {"id": event_id}).fetchone()


def append(
    conn: psycopg.Connection,
    report: dict,
    recorded_by: str,
    responding: dict | None = None,
    corrects: UUID | None = None,
) -> Event:
    """Check a claim against the log and append it: the event, its places and its quotes, in the
    caller's transaction. Raises domain.Refusal naming every field that is wrong. `responding` is
    the statement it answers, when the caller has read it already (`statement`); `corrects`, the
    entry whose whole record this one corrects (it then has that entry's kind and answers what
    that entry answers)."""
    report = dict(report)
    kind = domain.KINDS[report["kind"]]
    if responding is None and report.get("responds_to") is not None:
        responding = statement(conn, report["responds_to"])
        if responding is None:
            raise domain.Refusal({"responds_to": [f"no event {report['responds_to']} in the log"]})
    errors = domain.check_answers(kind.name, responding, correcting=corrects is not None)
    if errors:
        raise domain.Refusal(errors)
    inherited_target = responding is not None and report.get("target") is None
    if responding is not None:
        _inherit(conn, report, responding, kind)

    missing = [name for name in domain.REQUIRED if report.get(name) is None]
    if missing:
        raise domain.Refusal({name: ["Missing data for required field."] for name in missing})

    refs = conn.execute(
        RESOLVE,
        {
            "actors": [report["claimant"], report["target"]],
            "locations": report["locations"],
            "act": report["act"],
            "ceasefire": report.get("ceasefire"),
            "source": report["source"],
            # A source's text (a whole article) is read only to place quotes in it.
            "quoted": bool(report.get("quotes")),
        },
    ).fetchone()
    errors = _unknown(report, refs)
    if errors:
        raise domain.Refusal(errors)

    claimant, target = refs["actors"][report["claimant"]], refs["actors"][report["target"]]
    errors = domain.check_times(report["occurred_from"], report["occurred_to"], report["stated_at"])
    parties = domain.check_parties(report["claimant"], claimant["path"], report["target"], target["path"])
    if responding is not None:
        answering = domain.check_responder(
            kind.name, report["claimant"], claimant["path"], report["target"], responding
        )
        if inherited_target and parties:
            # The client never named this target (it is the accuser, or the statement's target):
            # what is wrong is who answers, which the claimant's own refusal says when it has one.
            parties = {} if "claimant" in answering else {"claimant": parties["target"]}
        errors |= answering
    for name, messages in parties.items():
        errors.setdefault(name, []).extend(messages)
    quotes, quote_errors = _spans(report.get("quotes") or [], refs["source"]["text"])
    errors |= quote_errors
    if errors:
        raise domain.Refusal(errors)

    # From this insert to the commit, the transaction holds the log's head (0001's log_head), so
    # every other writer waits: the event, its places and its quotes go in one round trip, and
    # the answer is built from what was just written instead of read back.
    event_id = uuid4()
    with conn.pipeline():
        inserted = conn.execute(
            INSERT,
            {
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
                "time_note": report.get("time_note"),
                "stated_at": report["stated_at"],
                "ceasefire_id": refs["ceasefire_id"],
                "summary": report["summary"],
                "source_id": refs["source"]["id"],
                "recorded_by": recorded_by,
                "quoted": "\n".join(quote["text"] for quote in quotes),
                "corrects": corrects,
                "verdict": None,
                **{f"{name}_offset": offset(report[name]) for name in INSTANTS},
            },
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO event_location (event_id, location_id, position) VALUES (%s, %s, %s)",
                [(event_id, refs["locations"][slug], position) for position, slug in enumerate(report["locations"])],
            )
        _insert_quotes(conn, event_id, quotes)
    row = inserted.fetchone()
    return Event(
        id=event_id,
        seq=row["seq"],
        kind="correction" if corrects else report["kind"],
        claimant=report["claimant"],
        target=report["target"],
        responds_to=report.get("responds_to"),
        act=report["act"],
        locations=list(report["locations"]),
        occurred_from=report["occurred_from"],
        occurred_to=report["occurred_to"],
        time_precision=report["time_precision"],
        time_note=report.get("time_note"),
        stated_at=report["stated_at"],
        ceasefire=report.get("ceasefire"),
        summary=report["summary"],
        source=report["source"],
        quotes=quotes,
        recorded_by=recorded_by,
        recorded_at=row["recorded_at"],
        corrects=corrects,
    )


def correct(conn: psycopg.Connection, record: dict, key: dict, corrected: Event) -> Event:
    """Append a correction: the whole record of the entry `corrected` (read with `get`, at its
    current version), as it should have been recorded. The entry keeps its kind and what it
    answers; the rules of its kind hold for the corrected record as they held for the first."""
    domain.check_correction(corrected, key)
    report = {**record, "kind": corrected.kind, "responds_to": corrected.responds_to}
    correction = append(conn, report, recorded_by=key["name"], corrects=corrected.id)
    if not changes(corrected, correction):
        # A retry without an Idempotency-Key, or a record sent unchanged: the log would only grow
        # by an entry that says nothing. The append is rolled back with the refusal.
        revision = f" (as corrected at seq {corrected.revisions[-1].seq})" if corrected.revisions else ""
        raise domain.Refusal({"_schema": [f"this correction changes nothing: the entry already reads so{revision}"]})
    return correction


def review(conn: psycopg.Connection, accusation_id: UUID, assessment: dict, recorded_by: str, reviewed: dict) -> Event:
    """Append a reviewer's verdict on an accusation (`reviewed`, read with `statement`), with its
    note and, when it cites a source, quotes found in that source's held text."""
    # The entry reviewed is named by the path: its refusals are the path's.
    errors = {"event_id": messages for messages in domain.check_answers("review", reviewed).values()}  # noqa: B035
    if errors:
        raise domain.Refusal(errors, title="Invalid path")
    source = None
    if assessment.get("source") is not None:
        # The one way a source is found (its text read only to place quotes), with nothing else to name.
        source = conn.execute(
            RESOLVE,
            {
                "actors": [],
                "locations": [],
                "act": None,
                "ceasefire": None,
                "source": assessment["source"],
                "quoted": bool(assessment.get("quotes")),
            },
        ).fetchone()["source"]
        if source is None:
            errors["source"] = [f"unknown source: {assessment['source']}"]
    elif assessment.get("quotes"):
        errors["quotes"] = ["quotes are checked against a source: name it in `source`"]
    if errors:
        raise domain.Refusal(errors)
    quotes, errors = _spans(assessment.get("quotes") or [], source["text"] if source else None)
    if errors:
        raise domain.Refusal(errors)
    event_id = uuid4()
    with conn.pipeline():
        inserted = conn.execute(
            INSERT,
            {
                "id": event_id,
                "kind": "review",
                "claimant_id": None,
                "target_id": None,
                "responds_to": accusation_id,
                "responds_to_kind": "accusation",
                "act_id": None,
                "occurred_from": None,
                "occurred_to": None,
                "time_precision": None,
                "time_note": None,
                "stated_at": None,
                "ceasefire_id": None,
                "summary": assessment["note"],
                "source_id": source["id"] if source else None,
                "recorded_by": recorded_by,
                "quoted": "\n".join(quote["text"] for quote in quotes),
                "corrects": None,
                "verdict": assessment["verdict"],
                "occurred_from_offset": 0,
                "occurred_to_offset": 0,
                "stated_at_offset": 0,
            },
        )
        _insert_quotes(conn, event_id, quotes)
    row = inserted.fetchone()
    return Event(
        id=event_id,
        seq=row["seq"],
        kind="review",
        claimant=None,
        target=None,
        responds_to=accusation_id,
        act=None,
        locations=[],
        occurred_from=None,
        occurred_to=None,
        time_precision=None,
        time_note=None,
        stated_at=None,
        ceasefire=None,
        summary=assessment["note"],
        source=assessment.get("source"),
        quotes=quotes,
        recorded_by=recorded_by,
        recorded_at=row["recorded_at"],
        verdict=assessment["verdict"],
    )


def _insert_quotes(conn: psycopg.Connection, event_id: UUID, quotes: list[dict]) -> None:
    if quotes:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO quote (event_id, position, text, span_start, span_end) VALUES (%s, %s, %s, %s, %s)",
                [
                    (event_id, position, quote["text"], quote["start"], quote["end"])
                    for position, quote in enumerate(quotes)
                ],
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
        # A note on how the time was arrived at goes with the time it is about, and only with it.
        if "occurred_from" in situation and report.get("time_note") is None:
            report["time_note"] = statement.time_note


def _unknown(report: dict, refs: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for party in ("claimant", "target"):
        if report[party] not in refs["actors"]:
            errors[party] = [f"unknown actor: {report[party]}"]
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
