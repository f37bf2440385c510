"""The write path: every entry of the log, of any kind, is prepared here — what it inherits from the
statement it answers, what its slugs name, whether its parties, times and quotes keep the rules of
its kind (domain.KINDS) — and only then handed to the store to insert (store/events.py).

The API's appends, corrections, reviews and denials come through `append`, `correct` and
`review`; the seed file prepares its entries with `inherit` and `spans` before the bulk path. The
database holds the same rules (migrations 0001, 0008, 0011, 0012) for every writer, psql included;
checking them here first names every broken rule at once, by field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import psycopg

from service import days, domain
from service.store import Connection, events
from service.store.instants import offset


@dataclass(frozen=True)
class Via:
    """How an entry being checked has its names looked up (events.resolve's arguments and answer)
    and, once checked, is written (events.insert's): one entry at once (AT_ONCE), or through a
    batch, which looks its names up once and writes its entries together (_Batch)."""

    resolve: Callable[..., dict]
    insert: Callable[..., dict]


AT_ONCE = Via(events.resolve, events.insert)


def append(
    conn: Connection,
    report: dict,
    recorded_by: str,
    corrects: events.Event | None = None,
    via: Via = AT_ONCE,
) -> events.Event:
    """Check a claim (an accusation, a denial, a retraction) against the log and append it, in the
    caller's transaction. Raises domain.Refusal naming every field that is wrong, as the report
    spelt it (`target` or `targets`). `corrects`: the entry, at its current version, whose whole
    record this one corrects (it then has that entry's kind and answers what that entry answers).
    `via`: how its names are looked up and how it is written."""
    if report["kind"] == "mention":
        return mention(conn, dict(report), recorded_by, via)
    report, spelt = domain.listed(report)
    try:
        return _append(conn, report, recorded_by, corrects, via)
    except domain.Refusal as refusal:
        if type(refusal) is domain.Refusal:
            refusal.errors = {spelt.get(name, name): messages for name, messages in refusal.errors.items()}
        raise


def _append(conn: Connection, report: dict, recorded_by: str, corrects: events.Event | None, via: Via) -> events.Event:
    kind = domain.KINDS[report["kind"]]
    answering = None
    if report.get("responds_to") is not None:
        if kind.once and corrects is None:
            # Two answers of a kind said once, sent together, are decided one after the other.
            events.hold(conn, report["responds_to"])
        answering = events.statement(conn, report["responds_to"])
        if answering is None:
            raise domain.Refusal({"responds_to": [f"no event {report['responds_to']} in the log"]})
        if answering["voided_at"] is not None:
            raise domain.Refusal({"responds_to": [voided(answering["voided_at"])]})
    errors = domain.check_answers(kind.name, answering, correcting=corrects is not None)
    errors |= domain.check_numbers(kind.name, report)
    if errors:
        raise domain.Refusal(errors)
    inherited_target = answering is not None and report.get("targets") is None
    inherited: list[str] = []
    if answering is not None:
        answered = answering
        if any(report.get(name) is None for name in kind.inherits):
            # Its situation at its current version; its parties as the statement names them.
            statement = events.get(conn, report["responds_to"])
            assert statement is not None  # read above, in this transaction
            answered = {**statement.fields(), **answering}
        inherited = inherit(report, answered, kind)

    missing = [name for name in (*domain.STATED, *domain.REQUIRED) if not domain.given(report, name)]
    if missing:
        raise domain.Refusal({name: ["Missing data for required field."] for name in missing})
    # A claim that names no place (and answers none that names one) is about no place in particular.
    report["locations"] = report.get("locations") or []

    refs = via.resolve(
        conn,
        actors=[report["claimant"], *report["targets"]],
        locations=report["locations"],
        acts=report["acts"],
        ceasefire=report.get("ceasefire"),
        source=report["source"],
        quoted=bool(report.get("quotes")),
    )
    errors = _unknown(report, refs)
    if errors:
        raise domain.Refusal(errors)

    claimant = refs["actors"][report["claimant"]]
    targets = {slug: refs["actors"][slug]["path"] for slug in report["targets"]}
    said_at = stated(report, refs)
    errors = domain.check_times(report["occurred_from"], report["occurred_to"], said_at)
    if answering is not None:
        # A time the client never sent is named with where it came from, and how to send another.
        for name, messages in errors.items():
            about = ("occurred_from",) if name == "stated_at" else ("occurred_from", "occurred_to")
            taken = [field for field in about if field in inherited]
            if taken:
                messages[:] = [
                    f"{message}; {' and '.join(taken)} {'were' if len(taken) > 1 else 'was'} taken from the "
                    f"{answering['kind']} it answers ({', '.join(f'{field} {report[field].isoformat()}' for field in taken)}): "
                    f"send occurred_from and occurred_to of its own when it speaks of another time"
                    for message in messages
                ]
    if answering is not None and answering["stated_at"] is not None and said_at < days.earliest(answering["stated_at"]):
        said = answering["stated_at"].isoformat()
        errors.setdefault("stated_at", []).append(f"{domain.ANSWERS_AFTER} (stated at {said})")
    parties = domain.check_parties(report["claimant"], claimant["path"], targets)
    if answering is not None:
        answerer = domain.check_responder(kind.name, report["claimant"], claimant["path"], targets, answering)
        if inherited_target and parties:
            # The client never named this target (it is the accuser, or the statement's target):
            # what is wrong is who answers, which the claimant's own refusal says when it has one.
            parties = {} if "claimant" in answerer else {"claimant": parties["targets"]}
        errors |= answerer
    for name, messages in parties.items():
        errors.setdefault(name, []).extend(messages)
    quotes, quote_errors = spans(report.get("quotes") or [], refs["source"]["text"])
    errors |= quote_errors
    if errors:
        raise domain.Refusal(errors)

    row = {
        "id": uuid4(),
        "kind": report["kind"],
        "claimant_id": claimant["id"],
        "target_id": refs["actors"][report["targets"][0]]["id"],
        "responds_to": report.get("responds_to"),
        "responds_to_kind": answering["kind"] if answering is not None else None,
        "act_id": refs["acts"][report["acts"][0]],
        "occurred_from": report["occurred_from"],
        "occurred_to": report["occurred_to"],
        "time_precision": report["time_precision"],
        "time_note": report.get("time_note"),
        "stated_at": said_at,
        "stated_unknown": report["stated_at"] is None,
        "stated_at_unit": days.unit(said_at),
        "more_named": len(report["targets"]) - 1 + len(report["acts"]) - 1,
        "ceasefire_id": refs["ceasefire_id"],
        "summary": report["summary"],
        "source_id": refs["source"]["id"],
        "recorded_by": recorded_by,
        "quoted": "\n".join(quote["text"] for quote in quotes),
        "corrects": corrects.id if corrects else None,
        "verdict": None,
        "cites": None,
        "voids": None,
        **{f"{name}_offset": offset(report[name]) for name in ("occurred_from", "occurred_to")},
        "stated_at_offset": offset(said_at),
        **{name: report.get(name) for name in ("channel", "channel_name", "via", "violations")},
        **{name: (report.get("casualties") or {}).get(name) for name in domain.CASUALTIES},
    }
    more = {
        "targets": [refs["actors"][slug]["id"] for slug in report["targets"][1:]],
        "acts": [refs["acts"][slug] for slug in report["acts"][1:]],
    }
    inserted = via.insert(conn, row, [refs["locations"][slug] for slug in report["locations"]], quotes, more)
    # The answer is built from what was just written instead of read back.
    return events.Event(
        id=row["id"],
        seq=inserted["seq"],
        kind="correction" if corrects else report["kind"],
        claimant=report["claimant"],
        targets=list(report["targets"]),
        responds_to=report.get("responds_to"),
        acts=list(report["acts"]),
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
        recorded_at=inserted["recorded_at"],
        corrects=row["corrects"],
        hash=inserted["hash"],
        channel=report.get("channel"),
        channel_name=report.get("channel_name"),
        via=report.get("via"),
        violations=report.get("violations"),
        casualties=casualties(report.get("casualties")),
    )


def append_batch(conn: Connection, reports: list[dict], recorded_by: str) -> tuple[list[events.Event], dict[str, UUID]]:
    """Append reports in order, in the caller's transaction, each checked as `append` checks it:
    an entry may answer an earlier one by its `ref` ("#a1"). Every refusal is named by the entry's
    index (entries.3.claimant); one refusal refuses the batch, and the caller's rollback keeps
    nothing. Returns the entries and the id of each ref.

    What the entries name is looked up once for the batch (_Names). The checked entries are
    written together, one statement a table (events.insert_many), so the log's rules and derived
    tables are kept once for them, as for an import: at the end, and before an entry answering
    one of them is checked, which needs what it answers in the log."""
    batch = _Batch(conn, recorded_by, reports)
    appended: list[events.Event] = []
    errors: dict[str, list[str]] = {}
    for index, given in enumerate(reports):
        report = dict(given)
        ref = report.pop("ref", None)
        if any(batch.holds(report.get(link)) for link in ("responds_to", "cites")):
            errors |= batch.write()
        unnamed = False
        for link in ("responds_to", "cites"):
            named = _linked(report.get(link), batch.ids, batch.refused)
            if isinstance(named, str):
                errors[f"entries.{index}.{link}"] = [named]
                unnamed = True
            elif named is not None:
                report[link] = named
        if unnamed:
            batch.refused.add(ref or "")
            continue
        try:
            appended.append(batch.append(index, report, ref))
        except domain.Refusal as refusal:
            errors |= _of_entry(index, refusal)
            batch.refused.add(ref or "")
    if not errors:
        errors = batch.write()
    if errors:
        raise domain.Refusal(errors)
    return appended, batch.ids


class _Names:
    """What a batch's entries name, looked up for the whole batch when the first entry is checked
    (events.resolve, and events.ceasefires_and_sources for every ceasefire and source the batch
    names, which were otherwise asked for one by one: 366 round trips a batch of 1,000 citing many
    sources), and again only for a name not asked for yet: an entry's answer is then composed
    from what the batch was told."""

    CATALOGUES = ("actors", "locations", "acts")

    def __init__(self, reports: list[dict]):
        self.wanted: dict[str, set[str]] = {catalogue: set() for catalogue in self.CATALOGUES}
        self.wanted_ceasefires: set[str] = set()
        self.wanted_sources: dict[str, bool] = {}  # each source, and whether an entry quotes it
        for report in reports:
            named = {
                "actors": [report.get("claimant"), report.get("target"), *(report.get("targets") or [])],
                "locations": report.get("locations") or [],
                "acts": [report.get("act"), *(report.get("acts") or [])],
            }
            for catalogue, slugs in named.items():
                self.wanted[catalogue] |= {slug for slug in slugs if isinstance(slug, str)}
            if isinstance(report.get("ceasefire"), str):
                self.wanted_ceasefires.add(report["ceasefire"])
            if isinstance(report.get("source"), str):
                quoted = bool(report.get("quotes"))
                self.wanted_sources[report["source"]] = self.wanted_sources.get(report["source"], False) or quoted
        self.known: dict[str, dict] = {catalogue: {} for catalogue in self.CATALOGUES}
        self.asked: dict[str, set[str]] = {catalogue: set() for catalogue in self.CATALOGUES}
        self.ceasefires: dict[str | None, int | None] = {}
        self.sources: dict[tuple[str | None, bool], dict] = {}

    def _ceasefires_and_sources(self, conn: Connection) -> None:
        """Every ceasefire and source the batch names, once; an unknown one is told as
        events.resolve tells it (None), and refused by the entry's checks."""
        if not (self.wanted_ceasefires or self.wanted_sources):
            return
        ceasefires, sources = events.ceasefires_and_sources(
            conn,
            sorted(self.wanted_ceasefires),
            sorted(self.wanted_sources),
            sorted(slug for slug, quoted in self.wanted_sources.items() if quoted),
        )
        for slug in self.wanted_ceasefires:
            self.ceasefires[slug] = ceasefires.get(slug)
        for slug, quoted in self.wanted_sources.items():
            for form in {False, quoted}:
                self.sources[(slug, form)] = sources.get((slug, form), {"source": None, "published_at": None})
        self.wanted_ceasefires, self.wanted_sources = set(), {}

    def resolve(
        self,
        conn: Connection,
        actors: list[str],
        locations: list[str],
        acts: list[str],
        ceasefire: str | None,
        source: str | None,
        quoted: bool,
    ) -> dict:
        self._ceasefires_and_sources(conn)
        given = {"actors": actors, "locations": locations, "acts": acts}
        missing = {catalogue: set(slugs) - self.asked[catalogue] for catalogue, slugs in given.items()}
        if any(missing.values()) or ceasefire not in self.ceasefires or (source, quoted) not in self.sources:
            ask = {catalogue: sorted(missing[catalogue] | self.wanted[catalogue]) for catalogue in given}
            self.wanted = {catalogue: set() for catalogue in self.CATALOGUES}
            told = events.resolve(conn, ask["actors"], ask["locations"], ask["acts"], ceasefire, source, quoted)
            for catalogue in given:
                self.known[catalogue] |= told[catalogue]
                self.asked[catalogue] |= set(ask[catalogue])
            self.ceasefires[ceasefire] = told["ceasefire_id"]
            self.sources[(source, quoted)] = {"source": told["source"], "published_at": told["published_at"]}
        return {
            **{
                catalogue: {slug: self.known[catalogue][slug] for slug in slugs if slug in self.known[catalogue]}
                for catalogue, slugs in given.items()
            },
            "ceasefire_id": self.ceasefires[ceasefire],
            **self.sources[(source, quoted)],
        }


class _Batch:
    """A batch's entries that are checked and not yet written, the id of each ref, and the refs
    of the entries refused."""

    def __init__(self, conn: Connection, recorded_by: str, reports: list[dict]):
        self.conn, self.recorded_by = conn, recorded_by
        self.names = _Names(reports)
        self.ids: dict[str, UUID] = {}
        self.refused: set[str] = set()
        # Each checked entry: its index, report and ref, what insert was given, and the entry.
        self.pending: list[tuple[int, dict, str | None, tuple, events.Event]] = []
        self.pending_refs: set[str] = set()

    def holds(self, link: str | None) -> bool:
        """Whether `link` ("#ref") names an entry checked and not yet written."""
        return link is not None and link.startswith("#") and link[1:] in self.pending_refs

    def append(self, index: int, report: dict, ref: str | None) -> events.Event:
        written: list[tuple] = []

        def collect(conn: Connection, row: dict, location_ids: list, quotes: list, more: dict | None = None) -> dict:
            written.append((row, location_ids, quotes, more or {}))
            return {"seq": 0, "recorded_at": None, "hash": None}  # filled in when written

        event = append(self.conn, dict(report), self.recorded_by, via=Via(self.names.resolve, collect))
        self.pending.append((index, report, ref, written[0], event))
        if ref:
            self.ids[ref] = event.id
            self.pending_refs.add(ref)
        return event

    def write(self) -> dict[str, list[str]]:
        """Write the checked entries together; returns the refusals, by field, when the database
        refuses what only the entries together break (two retractions of one accusation): they are
        then appended again one at a time, each checked against the ones before it, which names
        the entry and the field as `append` does. The entries are updated in place."""
        pending, self.pending, self.pending_refs = self.pending, [], set()
        if not pending:
            return {}
        try:
            with self.conn.transaction():
                written = events.insert_many(self.conn, [arguments for _, _, _, arguments, _ in pending])
        except psycopg.errors.IntegrityError:
            return self._one_at_a_time(pending)
        for (*_, event), inserted in zip(pending, written, strict=True):
            event.seq, event.recorded_at, event.hash = inserted["seq"], inserted["recorded_at"], inserted["hash"]
        return {}

    def _one_at_a_time(self, pending: list) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        for index, report, ref, _, event in pending:
            try:
                again = append(self.conn, dict(report), self.recorded_by)
            except domain.Refusal as refusal:
                errors |= _of_entry(index, refusal)
                self.refused.add(ref or "")
                continue
            for name in again.__slots__:
                setattr(event, name, getattr(again, name))
            if ref:
                self.ids[ref] = again.id
        return errors


def _of_entry(index: int, refusal: domain.Refusal) -> dict[str, list[str]]:
    """A refusal of a batch's entry, each field named by the entry's index (entries.3.claimant)."""
    return {f"entries.{index}.{name}": messages for name, messages in refusal.errors.items()}


def _linked(given: str | None, ids: dict[str, UUID], refused: set[str]) -> UUID | str | None:
    """The id an entry of a batch names: a UUID, or "#ref" of an earlier entry of the batch; a
    str says why it names none."""
    if given is None or not given.startswith("#"):
        return None if given is None else UUID(given)
    if given[1:] in refused:
        return f"the entry it answers, {given}, is refused"
    if given[1:] not in ids:
        return f"no entry before this one in the batch has ref {given[1:]}"
    return ids[given[1:]]


def correct(
    conn: Connection,
    event_id: UUID,
    record: dict,
    key: dict,
    as_read: Callable[[events.Event], None] | None = None,
) -> events.Event:
    """Append a correction of the entry `event_id`: its whole record as it should have been
    recorded. The entry keeps its kind and what it answers; the rules of its kind hold for the
    corrected record as they held for the first. Corrections of one entry are decided one at a
    time (events.hold), so of identical corrections sent together one is stored and the others
    are told it changes nothing. `as_read` is given the entry as it stands under the hold (the
    API checks there what the client says it read)."""
    events.hold(conn, event_id)
    # Read after the hold: under READ COMMITTED this statement sees every correction committed before it.
    corrected = events.get(conn, event_id)
    if corrected is None:
        raise domain.NotFound(f"No event {event_id} in the log.")
    withdrawn = events.void_of(conn, event_id)
    if withdrawn is not None:
        raise domain.Refusal({"event_id": [voided(withdrawn["seq"])]}, where="path")
    if as_read is not None:
        as_read(corrected)
    domain.check_correction(corrected, key)
    report = {**record, "kind": corrected.kind, "responds_to": corrected.responds_to}
    correction = append(conn, report, recorded_by=key["name"], corrects=corrected)
    if not domain.changes(corrected, correction):
        # A retry without an Idempotency-Key, or a record sent unchanged: the log would only grow
        # by an entry that says nothing. The append is rolled back with the refusal.
        revision = f" (as corrected at seq {corrected.revisions[-1].seq})" if corrected.revisions else ""
        raise domain.Refusal({"_schema": [f"this correction changes nothing: the entry already reads so{revision}"]})
    return correction


def mention(conn: Connection, report: dict, recorded_by: str, via: Via = AT_ONCE) -> events.Event:
    """Append that another source reports a statement already in the log, or that the statement's
    side said it again (`cites`): its own claimant, time, source, quotes and channel; the
    statement's situation, which it only restates, stays the statement's."""
    errors = {name: [domain.MENTION_SHAPE] for name in domain.NOT_MENTIONED if report.get(name) not in (None, [])}
    missing = [name for name in (*domain.STATED, "cites") if not domain.given(report, name)]
    errors |= {name: ["Missing data for required field."] for name in missing}
    if errors:
        raise domain.Refusal(errors)
    cited = events.statement(conn, report["cites"])
    if cited is None:
        raise domain.Refusal({"cites": [f"no event {report['cites']} in the log"]})
    if cited["voided_at"] is not None:
        raise domain.Refusal({"cites": [voided(cited["voided_at"])]})
    if cited["kind"] not in domain.CLAIMS or cited["corrects"] is not None:
        what = "a correction" if cited["corrects"] is not None else f"{domain.article(cited['kind'])} {cited['kind']}"
        raise domain.Refusal(
            {"cites": [f"a mention cites an accusation, a denial or a retraction as first recorded; this is {what}"]}
        )
    refs = via.resolve(
        conn, [report["claimant"]], [], [], None, source=report["source"], quoted=bool(report.get("quotes"))
    )
    said_at = stated(report, refs) if refs["source"] is not None else None
    if report["claimant"] not in refs["actors"]:
        errors["claimant"] = [f"unknown actor: {report['claimant']}"]
    if refs["source"] is None:
        errors["source"] = [f"unknown source: {report['source']}"]
    if errors:
        raise domain.Refusal(errors)
    claimant = refs["actors"][report["claimant"]]
    if not domain.on_side(claimant["path"], cited["claimant_sides"]):
        errors["claimant"] = [
            f"a mention is said by the side of the statement it cites ({domain.named(cited['claimant_sides'])} and "
            f"the actors beneath it; {cited['claimant']} made it): another source reporting it names the same claimant"
        ]
    quotes, quote_errors = spans(report.get("quotes") or [], refs["source"]["text"])
    errors |= quote_errors
    if errors:
        raise domain.Refusal(errors)
    row = {
        **{name: None for name in ("target_id", "act_id", "ceasefire_id", "corrects", "verdict", "responds_to")},
        **{name: None for name in ("occurred_from", "occurred_to", "time_precision", "responds_to_kind")},
        **{name: None for name in ("violations", *domain.CASUALTIES)},
        **{name: report.get(name) for name in ("channel", "channel_name", "via", "time_note")},
        "occurred_from_offset": 0,
        "occurred_to_offset": 0,
        "stated_at_offset": offset(said_at),
        "id": uuid4(),
        "kind": "mention",
        "claimant_id": claimant["id"],
        "stated_at": said_at,
        "stated_unknown": report["stated_at"] is None,
        "stated_at_unit": days.unit(said_at),
        "more_named": 0,
        "summary": report["summary"],
        "source_id": refs["source"]["id"],
        "recorded_by": recorded_by,
        "quoted": "\n".join(quote["text"] for quote in quotes),
        "cites": report["cites"],
        "voids": None,
    }
    inserted = via.insert(conn, row, [], quotes)
    return events.Event(
        id=row["id"],
        seq=inserted["seq"],
        kind="mention",
        claimant=report["claimant"],
        targets=[],
        responds_to=None,
        acts=[],
        locations=[],
        occurred_from=None,
        occurred_to=None,
        time_precision=None,
        time_note=report.get("time_note"),
        stated_at=report["stated_at"],
        ceasefire=None,
        summary=report["summary"],
        source=report["source"],
        quotes=quotes,
        recorded_by=recorded_by,
        recorded_at=inserted["recorded_at"],
        channel=report.get("channel"),
        channel_name=report.get("channel_name"),
        via=report.get("via"),
        cites=report["cites"],
        hash=inserted["hash"],
    )


def review(conn: Connection, accusation_id: UUID, assessment: dict, recorded_by: str) -> events.Event:
    """Append a reviewer's verdict on the accusation `accusation_id`, with its note and, when it
    cites a source, quotes found in that source's held text."""
    reviewed = events.statement(conn, accusation_id)
    if reviewed is None:
        raise domain.NotFound(f"No event {accusation_id} in the log.")
    if reviewed["voided_at"] is not None:
        raise domain.Refusal({"event_id": [voided(reviewed["voided_at"])]}, where="path")
    # The entry reviewed is named by the path: its refusals are the path's.
    errors = {"event_id": messages for messages in domain.check_answers("review", reviewed).values()}  # noqa: B035
    if errors:
        raise domain.Refusal(errors, where="path")
    source = None
    if assessment.get("source") is not None:
        refs = events.resolve(
            conn, [], [], [], None, source=assessment["source"], quoted=bool(assessment.get("quotes"))
        )
        source = refs["source"]
        if source is None:
            errors["source"] = [f"unknown source: {assessment['source']}"]
    elif assessment.get("quotes"):
        errors["quotes"] = ["quotes are checked against a source: name it in `source`"]
    if errors:
        raise domain.Refusal(errors)
    quotes, errors = spans(assessment.get("quotes") or [], source["text"] if source else None)
    if errors:
        raise domain.Refusal(errors)
    row = {
        **{name: None for name in ("claimant_id", "target_id", "act_id", "ceasefire_id", "corrects")},
        **{name: None for name in ("occurred_from", "occurred_to", "time_precision", "time_note", "stated_at")},
        "stated_unknown": None,
        "stated_at_unit": None,
        "more_named": None,
        **{name: None for name in ("channel", "channel_name", "via", "violations", *domain.CASUALTIES)},
        **{f"{name}_offset": 0 for name in events.INSTANTS},
        "id": uuid4(),
        "kind": "review",
        "responds_to": accusation_id,
        "responds_to_kind": "accusation",
        "summary": assessment["note"],
        "source_id": source["id"] if source else None,
        "recorded_by": recorded_by,
        "quoted": "\n".join(quote["text"] for quote in quotes),
        "verdict": assessment["verdict"],
        "cites": None,
        "voids": None,
    }
    inserted = events.insert(conn, row, [], quotes)
    return events.Event(
        id=row["id"],
        seq=inserted["seq"],
        kind="review",
        claimant=None,
        targets=[],
        responds_to=accusation_id,
        acts=[],
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
        recorded_at=inserted["recorded_at"],
        verdict=assessment["verdict"],
        hash=inserted["hash"],
    )


def voided(seq: int) -> str:
    return f"this entry was voided (entry {seq}): nothing answers, cites, corrects or voids it since"


def void(conn: Connection, event_id: UUID, reason: str, key: dict) -> events.Event:
    """Withdraw the entry `event_id`, recorded by mistake: it stays in the log, and leaves every
    read of the current state from this entry on. Only the key that recorded it, or an editor's
    or admin's, may; an entry is voided once, and a correction or a void is not voided (correct
    the entry again instead)."""
    events.hold(conn, event_id)
    entry = events.get(conn, event_id)
    if entry is None:
        raise domain.NotFound(f"No event {event_id} in the log.")
    withdrawn = events.void_of(conn, event_id)
    if withdrawn is not None:
        raise domain.Refusal(
            {"event_id": [f"this entry is voided already (entry {withdrawn['seq']}: {withdrawn['reason']})"]},
            where="path",
        )
    if entry.kind in ("correction", "void"):
        what = "correct the entry again" if entry.kind == "correction" else "a void is never voided"
        raise domain.Refusal({"event_id": [f"a {entry.kind} is not voided: {what}"]}, where="path")
    if entry.recorded_by != key["name"] and key["role"] not in domain.CORRECTORS:
        raise domain.Forbidden(
            {
                "event_id": [
                    f"only the key that recorded it ({entry.recorded_by}), or an editor's or admin's key, may void "
                    f"it; {key['name']} is a {key['role']}"
                ]
            }
        )
    row = {
        **{name: None for name in events.INSERTED if name not in ("id", "kind", "summary", "recorded_by", "voids")},
        **{f"{name}_offset": 0 for name in events.INSTANTS},
        "id": uuid4(),
        "kind": "void",
        "summary": reason,
        "recorded_by": key["name"],
        "quoted": "",
        "voids": event_id,
    }
    inserted = events.insert(conn, row, [], [])
    return events.Event(
        id=row["id"],
        seq=inserted["seq"],
        kind="void",
        claimant=None,
        targets=[],
        responds_to=None,
        acts=[],
        locations=[],
        occurred_from=None,
        occurred_to=None,
        time_precision=None,
        time_note=None,
        stated_at=None,
        ceasefire=None,
        summary=reason,
        source=None,
        quotes=[],
        recorded_by=key["name"],
        recorded_at=inserted["recorded_at"],
        voids=event_id,
        hash=inserted["hash"],
    )


def casualties(claimed: Mapping | None) -> dict | None:
    """Casualties as the log shows them: every count named, unknown ones null; None when the
    claim gives none."""
    if not claimed or all(claimed.get(name) is None for name in domain.CASUALTIES):
        return None
    return {name: claimed.get(name) for name in domain.CASUALTIES}


def stated(report: dict, refs: dict) -> datetime:
    """When a statement was made, as the log orders it: the time the report gives, or, when the
    source gives none (`stated_at` null), the source's publication, the latest it can have been
    made (migration 0028). Refused when the source has no publication date either."""
    if report["stated_at"] is not None:
        return report["stated_at"]
    published = refs["published_at"]
    if published is None:
        raise domain.Refusal(
            {
                "stated_at": [
                    f"unknown, and source {report['source']} has no publication date to bound it: give the day "
                    "it was said (2031-04-09 is fine), or the source's published_at"
                ]
            }
        )
    return days.bounded(published, "last")


def inherit(report: dict, answered: Mapping, kind: domain.Kind) -> list[str]:
    """A response answers what it responds to (`answered`: the statement's record, by field name):
    unless told otherwise, its target is the one its kind is aimed at (a denial's the accuser, a
    retraction's the statement's target) and its act, places and time are those of what it answers.
    Returns the names of the situation's fields it took."""
    if kind.aimed_at and report.get("targets") is None:
        report["targets"] = [answered["claimant"] if kind.aimed_at == "claimant" else answered["targets"][0]]
    situation = [name for name in kind.inherits if report.get(name) is None]
    for name in situation:
        report[name] = answered.get(name)
    # A note on how the time was arrived at goes with the time it is about, and only with it.
    if "occurred_from" in situation and report.get("time_note") is None:
        report["time_note"] = answered.get("time_note")
    return situation


def spans(quotes: list, source_text: str | None) -> tuple[list[dict], dict[str, list[str]]]:
    """Each quote with its span in the held source text (no span where no text is held); a quote
    the text does not hold is refused, by its position."""
    spanned, problems = [], []
    for position, quote in enumerate(quotes):
        text = quote["text"] if isinstance(quote, dict) else quote
        if source_text is None:
            spanned.append({"text": text, "start": None, "end": None})
            continue
        span = domain.find_span(source_text, text)
        if span is None:
            problems.append(
                f"quote {position} is not in the source's text, character for character: "
                f"{domain.mismatch(source_text, text)}; copy the quote from the text as it is held"
            )
        else:
            spanned.append({"text": text, "start": span[0], "end": span[1]})
    return spanned, ({"quotes": problems} if problems else {})


def _unknown(report: dict, refs: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if report["claimant"] not in refs["actors"]:
        errors["claimant"] = [f"unknown actor: {report['claimant']}"]
    unknown_targets = [slug for slug in report["targets"] if slug not in refs["actors"]]
    if unknown_targets:
        errors["targets"] = [f"unknown actor: {slug}" for slug in unknown_targets]
    unknown_places = [slug for slug in report["locations"] if slug not in refs["locations"]]
    if unknown_places:
        errors["locations"] = [f"unknown location: {slug}" for slug in unknown_places]
    unknown_acts = [slug for slug in report["acts"] if slug not in refs["acts"]]
    if unknown_acts:
        errors["acts"] = [f"unknown act: {slug}" for slug in unknown_acts]
    if report.get("ceasefire") is not None and refs["ceasefire_id"] is None:
        errors["ceasefire"] = [f"unknown ceasefire: {report['ceasefire']}"]
    if refs["source"] is None:
        errors["source"] = [f"unknown source: {report['source']}"]
    return errors
