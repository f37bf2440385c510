"""The intake assistant: a source's text in, proposed entries out, in the shape POST /v1/batches
takes them, each with the words it was read from and a confidence. It knows the catalogue, writes
nothing, and reads by word lists and the shape of wire copy (lexicon.py), so that every field it
proposes points at the words that made it."""

from __future__ import annotations

from datetime import date, datetime

from service.assistant.catalogue import Act, Actor, Catalogue, Ceasefire, Place
from service.assistant.reading import Claim, Reader
from service.store import Connection, lexicon

__all__ = ["Act", "Actor", "Catalogue", "Ceasefire", "Place", "of_source", "propose"]


def of_source(conn: Connection, source: dict) -> tuple[dict, dict[str, list[dict]]]:
    """The proposals for a held source (as sources.get reads it, with its text), and the catalogue
    they were read with (the desk's pickers show its names)."""
    rows = lexicon.read(conn)
    published: datetime | None = source["published_at"]
    # The day of publication as the source gives it: its own clock, or the day alone.
    day = None if published is None else date(published.year, published.month, published.day)
    return propose(source["text"], Catalogue.of(rows), source=source["slug"], published=day), rows


def propose(text: str, catalogue: Catalogue, *, source: str, published: date | None) -> dict:
    reader = Reader(text, catalogue, published)
    claims = reader.read()
    refs = {id(claim): f"p{index}" for index, claim in enumerate(claims, 1)}
    proposals = [_proposal(claim, refs, text, catalogue, source, published) for claim in claims]
    new_actors: dict[str, dict] = {}
    for claim, proposal in zip(claims, proposals, strict=True):
        for role, party in (("claimant", claim.claimant), *(("target", t) for t in claim.targets)):
            if party.slug is None:
                actor = new_actors.setdefault(party.name.casefold(), {"name": party.name, "for": [], "read_from": []})
                actor["for"].append(f"{proposal['entry']['ref']}.{role}")
                actor["read_from"].append(_span(text, party.start, party.end))
    return {
        "source": source,
        "published_at": published.isoformat() if published else None,
        "proposals": proposals,
        "new_actors": list(new_actors.values()),
        "new_places": [
            {"name": name, "read_from": [_span(text, s, e) for s, e in spans]}
            for name, spans in reader.new_places.items()
        ],
    }


def _span(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


def _proposal(claim: Claim, refs: dict, text: str, catalogue: Catalogue, source: str, published: date | None) -> dict:
    entry: dict = {"ref": refs[id(claim)], "kind": claim.kind, "claimant": claim.claimant.slug}
    read_from = [{"field": "claimant", **_span(text, claim.claimant.start, claim.claimant.end)}]
    read_from.append({"field": "kind", **_span(text, *claim.cue)})
    to_add: dict[str, str] = {}
    if claim.claimant.slug is None:
        to_add["claimant"] = claim.claimant.name
    if claim.answers is not None:
        entry["responds_to"] = "#" + refs[id(claim.answers)]
    if claim.kind == "accusation":
        # The accused the catalogue knows; one it lacks is named in to_add for a person to add.
        entry["targets"] = [target.slug for target in claim.targets if target.slug] or None
        for target in claim.targets:
            read_from.append({"field": "targets", **_span(text, target.start, target.end)})
            if target.slug is None:
                to_add.setdefault("target", target.name)
        entry["act"] = claim.act
        if claim.act_span:
            read_from.append({"field": "act", **_span(text, *claim.act_span)})
        entry["locations"] = [place.slug for place in claim.places]
        read_from.extend({"field": "locations", **_span(text, p.start, p.end)} for p in claim.places)
        when = claim.occurred or claim.stated
        if when:
            entry |= {
                "occurred_from": when.first.isoformat() if when.first else None,
                "occurred_to": when.last.isoformat() if when.last else None,
                "time_precision": when.precision,
                "time_note": when.note if claim.occurred else f"{when.note}, the day it was said",
            }
            read_from.append({"field": "occurred_from", **_span(text, when.start, when.end)})
        else:
            entry |= {"occurred_from": None, "occurred_to": None, "time_precision": None}
        if claim.violations:
            entry["violations"] = claim.violations
        if claim.casualties:
            entry["casualties"] = claim.casualties
        ceasefire = _ceasefire(claim, catalogue, entry.get("occurred_to"))
        if ceasefire:
            entry["ceasefire"] = ceasefire
    stated = _stated(claim, published, entry.get("occurred_to"))
    entry["stated_at"] = stated[0]
    if stated[1] and "time_note" not in entry:
        entry["time_note"] = stated[1]
    start, end = claim.sentence
    entry["summary"] = " ".join(text[start:end].split())
    entry["quotes"] = [{"text": text[s:e], "start": s, "end": e} for s, e in claim.quotes]
    read_from.extend({"field": "quotes", **_span(text, s, e)} for s, e in claim.quotes)
    entry["source"] = source
    if claim.channel:
        entry["channel"] = claim.channel
        if claim.channel_name:
            entry["channel_name"] = claim.channel_name
        if claim.channel_span:
            read_from.append({"field": "channel", **_span(text, *claim.channel_span)})
    needs = [
        name for name in ("claimant", "targets", "act", "occurred_from", "stated_at") if entry.get(name, 1) is None
    ]
    return {
        "entry": entry,
        "read_from": read_from,
        "sentence": {"start": start, "end": end},
        "confidence": _confidence(claim, needs),
        "to_add": to_add,
        "needs": needs,
    }


def _stated(claim: Claim, published: date | None, occurred_to: str | None) -> tuple[str | None, str | None]:
    """When it was said: the day the sentence gives for the statement, else the publication's
    (a statement is reported no earlier than it is made), never before what it tells."""
    if claim.stated and claim.stated.last:
        day, note = claim.stated.last, None
    elif published:
        day, note = published, "stated by the day of publication at the latest: the report gives no day of its own"
    else:
        return None, None
    if occurred_to and date.fromisoformat(occurred_to) > day:
        day = date.fromisoformat(occurred_to)
    return day.isoformat(), note


def _ceasefire(claim: Claim, catalogue: Catalogue, occurred_to: str | None) -> str | None:
    """The ceasefire in force between the claimant's and the accused's sides: the latest one
    between them that took effect by the day it happened."""
    sides = {claim.claimant.side, *(t.side for t in claim.targets)}
    between = [
        c
        for c in catalogue.ceasefires
        if sides <= set(c.parties) and (occurred_to is None or c.effective is None or c.effective <= occurred_to)
    ]
    return max(between, key=lambda c: c.effective or "").slug if between else None


def _confidence(claim: Claim, needs: list[str]) -> float:
    score = 0.45
    score += 0.2 if claim.claimant.slug else 0.05
    if claim.kind == "accusation":
        score += 0.15 if claim.targets and claim.targets[0].slug else 0.0
        score += 0.05 if claim.act_span else 0.0
    else:
        score += 0.15 if claim.answers else 0.0
        score += 0.05
    score += 0.1 if claim.quotes else 0.0
    score -= 0.05 * len(needs)
    return round(max(0.05, min(score, 0.95)), 2)
