"""An incident or an event as one flat row, the shape of a CSV line and of a GeoJSON feature's
properties: slugs with the names beside them, the sides they speak for, places with their
coordinates, and of an incident, how it was answered. Each column is described once, here; the
README's table of columns is held to it (tests/test_exports.py).

Values are typed (text, numbers, lists, None); each writer renders them its own way."""

from __future__ import annotations

from service.domain import CASUALTIES
from service.store.events import Event
from service.store.incidents import Incident
from service.store.names import Names

# name: description. Shared by the incident and event rows where they mean the same.
EVENT_COLUMNS = {
    "id": "the entry's id (for an incident, its accusation's)",
    "seq": "its position in the log",
    "kind": "accusation, denial, retraction, correction, review, mention or void",
    "claimant": "slug of who made the claim",
    "claimant_name": "the claimant's name",
    "claimant_side": "slug of the claimant's top-level actor: the side it speaks for",
    "target": "slugs of whom the claim is against, separated by '; ' (most claims name one)",
    "target_name": "their names, in the same order",
    "target_side": "slug of each target's top-level actor, in the same order",
    "responds_to": "id of the entry it answers",
    "corrects": "for a correction, id of the entry it corrects",
    "cites": "for a mention, id of the statement it reports again",
    "voids": "for a void, id of the entry it withdraws",
    "act": "slugs of the acts claimed, separated by '; ' (most claims name one)",
    "locations": "slugs of the places, separated by '; '",
    "location_names": "their names, in the same order",
    "location_coordinates": "'latitude longitude' of each place in the same order, empty where not known",
    "occurred_from": "when the act began (RFC 3339, with the offset it was reported with, or the day alone: 2020-10-12)",
    "occurred_to": "when it ended",
    "time_precision": "how precise that window is: exact, hour, day, week, month, year or unknown",
    "time_note": "how the times were arrived at, when the source does not state them outright",
    "stated_at": "when the claim was made",
    "ceasefire": "slug of the ceasefire it is said to break",
    "ceasefire_name": "the ceasefire's name",
    "summary": "the recorder's summary (for a review, its note)",
    "quotes": "the claimant's words, verbatim, one quote a line",
    "source": "slug of where it was published",
    "source_title": "the source's title",
    "source_url": "the source's address",
    "channel": "how the claim was made: statement, press-conference, social-media, interview, news-agency, report or other",
    "channel_name": "where it was made, as the source names it",
    "via": "the wire the source relays",
    "violations": "how many violations an accusation alleges over its interval (empty: it gives no number)",
    "killed": "how many killed it claims",
    "injured": "how many injured it claims",
    "civilians_killed": "of those killed, the civilians it claims",
    "civilians_injured": "of those injured, the civilians it claims",
    "verdict": "for a review, its verdict",
    "recorded_by": "name of the key that recorded it",
    "recorded_at": "when it was recorded",
}
INCIDENT_COLUMNS = {
    **{
        name: text
        for name, text in EVENT_COLUMNS.items()
        if name not in {"kind", "corrects", "cites", "voids", "verdict"}
    },
    "status": "disputed, countered, uncontested or retracted",
    "assessment": "the latest review's verdict",
    "revisions": "how many corrections its record has had",
    "denials": "how many denials answer it",
    "first_denial_at": "when the first denial was made",
    "denied_by": "slugs of the deniers, separated by '; '",
    "counter_accusations": "how many counter-accusations answer it",
    "first_counter_accusation_at": "when the first counter-accusation was made",
    "retractions": "how many retractions withdraw it or its denials",
    "reviews": "how many reviews assess it",
    "mentions": "how many mentions report it again",
    "sources": "how many sources report it: its own and its mentions'",
    "publishers": "how many publishers those sources have",
}
# The row starts with what identifies an incident, then as an event, then how it was answered.
INCIDENT_COLUMNS = {
    name: INCIDENT_COLUMNS[name]
    for name in (
        "id",
        "seq",
        "status",
        "assessment",
        *[n for n in INCIDENT_COLUMNS if n not in {"id", "seq", "status", "assessment"}],
    )
}


def event_row(event: Event, names: Names) -> dict:
    claimant = names.actors.get(event.claimant or "")
    targets = [names.actors[slug] for slug in event.targets]
    places = [names.places[slug] for slug in event.locations]
    source = names.sources.get(event.source or "")
    return {
        "id": str(event.id),
        "seq": event.seq,
        "kind": event.kind,
        "claimant": event.claimant,
        "claimant_name": claimant and claimant.name,
        "claimant_side": claimant and claimant.side,
        "target": event.targets,
        "target_name": [target.name for target in targets],
        "target_side": [target.side for target in targets],
        "responds_to": event.responds_to and str(event.responds_to),
        "corrects": event.corrects and str(event.corrects),
        "cites": event.cites and str(event.cites),
        "voids": event.voids and str(event.voids),
        "act": event.acts,
        "locations": event.locations,
        "location_names": [place.name for place in places],
        "location_coordinates": [
            "" if place.latitude is None else f"{place.latitude} {place.longitude}" for place in places
        ],
        "occurred_from": _instant(event.occurred_from),
        "occurred_to": _instant(event.occurred_to),
        "time_precision": event.time_precision,
        "time_note": event.time_note,
        "stated_at": _instant(event.stated_at),
        "ceasefire": event.ceasefire,
        "ceasefire_name": names.ceasefires.get(event.ceasefire or ""),
        "summary": event.summary,
        "quotes": [quote["text"] for quote in event.quotes],
        "source": event.source,
        "source_title": source and source.title,
        "source_url": source and source.url,
        "channel": event.channel,
        "channel_name": event.channel_name,
        "via": event.via,
        "violations": event.violations,
        **{name: (event.casualties or {}).get(name) for name in CASUALTIES},
        "verdict": event.verdict,
        "recorded_by": event.recorded_by,
        "recorded_at": _instant(event.recorded_at),
    }


def incident_row(incident: Incident, names: Names) -> dict:
    row = event_row(incident.accusation, names)
    row |= {
        "status": incident.status,
        "assessment": incident.assessment and incident.assessment.verdict,
        "revisions": len(incident.accusation.revisions),
        "denials": len(incident.denials),
        "first_denial_at": _first(incident.denials),
        "denied_by": list(dict.fromkeys(denial.claimant for denial in incident.denials)),
        "counter_accusations": len(incident.counter_accusations),
        "first_counter_accusation_at": _first(incident.counter_accusations),
        "retractions": len(incident.retractions),
        "reviews": len(incident.reviews),
        "mentions": len(incident.mentions),
        "sources": incident.sources,
        "publishers": incident.publishers,
    }
    return {name: row[name] for name in INCIDENT_COLUMNS}


def _instant(instant) -> str | None:
    return None if instant is None else instant.isoformat()


def _first(statements: list[Event]) -> str | None:
    return _instant(min((s.stated_at for s in statements if s.stated_at is not None), default=None))
