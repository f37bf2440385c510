"""A synthetic ceasefire-violation log for the benchmark: invented conflicts, shaped like real ones.

Each conflict has two sides; each side a state with ministries, officials, a military and its
units (four levels), and a country of regions and towns (three). Claimants, targets and places
are picked with Zipf-like skew, as a few voices and a few front-line towns dominate real logs;
about a third of accusations are denied by the accused side, and some are answered with a
counter-accusation; 2% of entries withdraw a recent statement, 1% correct a recent accusation's
record (a place, a time or a summary), and 2% are a monitor's review of one. A third of
accusations say how they were made, a few count violations or casualties or name no place. Summaries and quotes are made of real English words, so full-text search has
work to do. The states and places are invented (their ISO codes are from the user-assigned QM–QZ
range), so no made-up claim can be read as one about a real country.

The same seed and size give the same log, event for event.
"""

from __future__ import annotations

import dataclasses
import itertools
import queue
import random
import threading
import uuid
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from service import days
from service.store import Connection, bulk

SPAN_START = datetime(2016, 1, 1, tzinfo=UTC)
SPAN_END = datetime(2026, 1, 1, tzinfo=UTC)
CONFLICTS = 12
CEASEFIRES_PER_CONFLICT = 4
SOURCES = 400
RECORDED_BY = "bench-loader"
# Reviews are written by a reviewer's key; install() makes one of this name (its key is never used).
REVIEWED_BY = "bench-reviewer"
VERDICTS = [("unverified", 40), ("plausible", 25), ("confirmed", 15), ("doubtful", 12), ("refuted", 8)]

ACTS = [
    ("shelling", 30),
    ("shooting", 20),
    ("sniper-fire", 8),
    ("drone-strike", 14),
    ("airstrike", 6),
    ("ground-assault", 7),
    ("ceasefire-violation", 15),
]
ACT_WORDS = {
    "shelling": ["shelled", "artillery", "mortar", "rockets", "howitzers", "shells"],
    "shooting": ["opened fire", "machine-gun", "rifles", "gunfire", "automatic weapons"],
    "sniper-fire": ["sniper", "marksman", "rifle", "shot"],
    "drone-strike": ["drone", "loitering munition", "unmanned aircraft", "quadcopter"],
    "airstrike": ["aircraft", "jets", "bombs", "air raid", "helicopters"],
    "ground-assault": ["infantry", "armoured vehicles", "advance", "assault", "tanks"],
    "ceasefire-violation": ["violated", "breach", "provocation", "truce", "positions"],
}
HARM = [
    "damaging homes",
    "wounding two civilians",
    "killing a soldier",
    "hitting a school",
    "setting fields on fire",
    "cutting power to the district",
    "damaging a hospital",
    "destroying a bridge",
    "with no casualties reported",
    "forcing families into shelters",
    "hitting a water station",
    "damaging a mosque",
    "damaging a church",
]
WHEN = [
    "overnight",
    "at dawn",
    "in the afternoon",
    "late in the evening",
    "throughout the day",
    "shortly after midnight",
]
WORDS = (
    "ceasefire humanitarian truce observers monitors frontline village villages civilians residents shelter "
    "evacuation corridor negotiations mediators agreement violation violations retaliation escalation "
    "withdrawal heavy weapons demarcation line checkpoint convoy aid bodies prisoners exchange casualties "
    "wounded killed injured damage infrastructure farmland livestock orchards road railway market district "
    "regional capital outskirts hills ridge valley river border trenches bunker battalion brigade command "
    "statement spokesman ministry officials denied rejected accused allegations disinformation provocation "
    "fabricated baseless footage evidence witnesses journalists report confirmed independent verification "
    "international community condemned urged restraint calm restored sporadic intense barrage sustained"
).split()
DENIAL_WORDS = [
    "rejected the claim as disinformation",
    "called the accusation a fabrication",
    "denied firing on",
    "said its units observed the ceasefire near",
    "dismissed the report as baseless regarding",
    "said no shots were fired from its positions near",
    "accused the other side of staging the attack on",
]
SYLLABLES = "ka ra to mi ve lo dan sar bel gor nov tir zel mar ost pol vin dru kel bar sun tam lev rud hal".split()


def zipf_weights(n: int, s: float = 1.1) -> list[float]:
    return list(itertools.accumulate(1 / (rank**s) for rank in range(1, n + 1)))


@dataclass
class Side:
    state: str
    actors: list[str]  # claimant candidates, most vocal first
    deniers: dict[str, list[str]]  # accused actor -> who may deny for it (itself and beneath it)
    country: str
    regions: list[str]
    towns: list[str]  # most shelled first


@dataclass
class Conflict:
    slug: str
    sides: tuple[Side, Side]
    ceasefires: list[tuple[str, datetime]]  # (slug, effective_at), in time order


@dataclass
class Catalogue:
    conflicts: list[Conflict] = field(default_factory=list)
    actors: list[dict] = field(default_factory=list)
    locations: list[dict] = field(default_factory=list)
    ceasefires: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def catalogue(seed: int) -> Catalogue:
    rng = random.Random(seed)
    cat = Catalogue()
    codes = (f"Q{a}{b}" for a in "MNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    used: set[str] = set()

    def unique(syllables: int) -> str:
        for _ in range(1000):
            name = _name(rng, syllables)
            if name.lower() not in used:
                used.add(name.lower())
                return name
        raise RuntimeError(f"no unused name of {syllables} syllables left")

    def actor(slug, name, kind, country, parent=None):
        cat.actors.append({"slug": slug, "name": name, "kind": kind, "country": country, "parent": parent})
        cat.names[slug] = name

    def place(slug, name, country, precision, parent=None):
        cat.locations.append({"slug": slug, "name": name, "country": country, "precision": precision, "parent": parent})
        cat.names[slug] = name

    actor("contact-group-org", "Organisation for Regional Security", "international-organisation", None)
    actor("contact-group", "The Contact Group", "mediator", None, "contact-group-org")
    for _conflict in range(CONFLICTS):
        sides = []
        for _ in range(2):
            country = unique(3)
            code, key = next(codes), country.lower()
            actor(key, country, "state", code)
            actor(f"{key}-mod", f"Ministry of Defence of {country}", "ministry", code, key)
            actor(f"{key}-mfa", f"Ministry of Foreign Affairs of {country}", "ministry", code, key)
            actor(f"{key}-military", f"Armed Forces of {country}", "military", code, key)
            minister, spokesman, foreign = (
                unique(2) + " " + unique(3),
                unique(2) + " " + unique(2),
                unique(3) + " " + unique(2),
            )
            actor(f"{key}-defence-minister", minister, "official", code, f"{key}-mod")
            actor(f"{key}-mod-spokesperson", spokesman, "official", code, f"{key}-mod")
            actor(f"{key}-foreign-minister", foreign, "official", code, f"{key}-mfa")
            units = [f"{key}-brigade-{n}" for n in range(1, 4)]
            for n, unit in enumerate(units, 1):
                actor(unit, f"{n}th Brigade of {country}", "military", code, f"{key}-military")
            place(key, country, code, "country")
            regions, towns = [], []
            for _ in range(6):
                region = unique(3)
                regions.append(f"{key}-{region.lower()}")
                place(regions[-1], f"{region} Region", code, "region", key)
                for _ in range(8):
                    town = unique(3)
                    towns.append(f"{regions[-1]}-{town.lower()}")
                    place(towns[-1], town, code, "exact", regions[-1])
            rng.shuffle(towns)
            deniers = {
                key: [key, f"{key}-mod", f"{key}-mod-spokesperson", f"{key}-defence-minister", f"{key}-mfa"],
                f"{key}-military": [f"{key}-military", *units],
            }
            vocal = [
                key,
                f"{key}-mod",
                f"{key}-mod-spokesperson",
                f"{key}-military",
                f"{key}-foreign-minister",
                f"{key}-defence-minister",
                f"{key}-mfa",
                *units,
            ]
            sides.append(Side(key, vocal, deniers, key, regions, towns))
        slug = f"{sides[0].state}-{sides[1].state}"
        span = (SPAN_END - SPAN_START).total_seconds()
        starts = sorted(
            SPAN_START + timedelta(seconds=rng.uniform(0.05, 0.9) * span) for _ in range(CEASEFIRES_PER_CONFLICT)
        )
        ceasefires = []
        for n, effective in enumerate(starts, 1):
            ceasefire = f"{slug}-truce-{n}"
            ceasefires.append((ceasefire, effective))
            cat.ceasefires.append(
                {
                    "slug": ceasefire,
                    "name": f"Truce {n} between {cat.names[sides[0].state]} and {cat.names[sides[1].state]}",
                    "effective_at": effective,
                    "agreed_at": effective - timedelta(hours=rng.randint(2, 72)),
                    "parties": [sides[0].state, sides[1].state],
                }
            )
        cat.conflicts.append(Conflict(slug, (sides[0], sides[1]), ceasefires))
    outlets = [unique(2) + " " + rng.choice(["Times", "Post", "Herald", "Monitor", "Wire", "Daily"]) for _ in range(20)]
    for n in range(SOURCES):
        cat.sources.append(
            {
                "slug": f"bench-report-{n:04d}",
                "title": f"Report {n} on the ceasefires",
                "publisher": outlets[n % len(outlets)],
            }
        )
    return cat


def install(conn: Connection, cat: Catalogue) -> None:
    """Write the catalogue (parents before children)."""
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO actor (slug, name, kind, country, parent_id) VALUES (%(slug)s, %(name)s, %(kind)s, "
            "%(country)s, (SELECT id FROM actor WHERE slug = %(parent)s))",
            cat.actors,
        )
        cur.executemany(
            "INSERT INTO location (slug, name, country, precision, parent_id) VALUES (%(slug)s, %(name)s, "
            "%(country)s, %(precision)s, (SELECT id FROM location WHERE slug = %(parent)s))",
            cat.locations,
        )
        cur.executemany(
            "INSERT INTO source (slug, title, publisher) VALUES (%(slug)s, %(title)s, %(publisher)s)", cat.sources
        )
        for act, _ in ACTS:
            cur.execute(
                "INSERT INTO act (slug, label) VALUES (%s, %s) ON CONFLICT (slug) DO NOTHING",
                (act, act.replace("-", " ").capitalize()),
            )
        for cf in cat.ceasefires:
            cur.execute(
                "INSERT INTO ceasefire (slug, name, agreed_at, effective_at) "
                "VALUES (%(slug)s, %(name)s, %(agreed_at)s, %(effective_at)s)",
                cf,
            )
            cur.execute(
                "INSERT INTO ceasefire_broker (ceasefire_id, actor_id, position) SELECT c.id, a.id, 0 "
                "FROM ceasefire c, actor a WHERE c.slug = %s AND a.slug = 'contact-group'",
                (cf["slug"],),
            )
            cur.execute(
                "INSERT INTO ceasefire_party (ceasefire_id, actor_id) SELECT c.id, a.id FROM ceasefire c, actor a "
                "WHERE c.slug = %s AND a.slug = ANY(%s)",
                (cf["slug"], cf["parties"]),
            )
        cur.execute(
            "INSERT INTO api_key (name, role, key_hash) VALUES (%s, 'reviewer', %s)", (REVIEWED_BY, uuid.uuid4().hex)
        )


@dataclass
class Event:
    id: uuid.UUID
    kind: str
    claimant: str | None
    target: str | None
    responds_to: uuid.UUID | None
    act: str | None
    locations: list[str]
    occurred_from: datetime | None
    occurred_to: datetime | None
    time_precision: str | None
    stated_at: datetime | None
    ceasefire: str | None
    summary: str
    quotes: list[str]
    source: str | None
    # A correction: the entry whose record this is, as it should have been recorded.
    corrects: uuid.UUID | None = None
    verdict: str | None = None
    recorded_by: str = RECORDED_BY
    channel: str | None = None
    channel_name: str | None = None
    violations: int | None = None
    casualties: dict | None = None
    # Acts and targets after the first ("shelling and drone strikes"; "the state and its army").
    more_acts: list[str] = field(default_factory=list)
    more_targets: list[str] = field(default_factory=list)


CHANNELS = [("statement", "the ministry's website"), ("press-conference", None), ("social-media", "a post on X")]


def said(rng: random.Random, event: Event) -> Event:
    """What a report of another conflict says beside the claim, drawn from an RNG of its own (the
    log's entries stay what the seed made them): how it was made (a third of accusations), how many
    violations or casualties it counts (3% each), for 3%, no place named at all, for 4% a second
    act, for 2% the accused state's army accused beside the state, and for a tenth, an act dated
    by the day alone."""
    if rng.random() < 0.33:
        event.channel, event.channel_name = rng.choice(CHANNELS)
    if rng.random() < 0.03:
        event.violations = rng.randint(2, 80)
    if rng.random() < 0.03:
        event.casualties = {"killed": rng.randint(0, 4), "injured": rng.randint(0, 9)}
    if rng.random() < 0.03:
        event.locations = []
    if rng.random() < 0.04 and event.act is not None:
        event.more_acts = [rng.choice([act for act, _ in ACTS if act != event.act])]
    if rng.random() < 0.02 and event.target is not None and not event.target.endswith("-military"):
        event.more_targets = [f"{event.target}-military"]
    if rng.random() < 0.1 and event.occurred_from is not None and event.occurred_to is not None:
        event.occurred_from = days.day(event.occurred_from.astimezone(UTC).date(), "first")
        event.occurred_to = days.day(event.occurred_to.astimezone(UTC).date(), "last")
        event.time_precision = "day"
    return event


def events(cat: Catalogue, count: int, seed: int) -> Iterator[Event]:
    """`count` events in the order they were stated, spread evenly over the span."""
    rng = random.Random(seed + 1)
    besides = random.Random(seed + 2)
    conflict_weights = zipf_weights(len(cat.conflicts))
    actor_weights = zipf_weights(len(cat.conflicts[0].sides[0].actors), 1.2)
    town_weights = zipf_weights(len(cat.conflicts[0].sides[0].towns))
    act_weights = list(itertools.accumulate(weight for _, weight in ACTS))
    step = (SPAN_END - SPAN_START).total_seconds() / max(count, 1)
    open_accusations: list[Event] = []  # recent accusations not yet denied
    withdrawable: list[Event] = []  # recent accusations and denials not yet retracted
    recent: list[Event] = []  # recent accusations at their latest version, to correct or review
    verdict_weights = list(itertools.accumulate(weight for _, weight in VERDICTS))

    def pick(items, cumulative):
        return items[bisect(cumulative, rng.random() * cumulative[-1])]

    def new_id() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    def words(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n))

    def remember(event: Event) -> Event:
        withdrawable.append(event)
        if len(withdrawable) > 3000:
            withdrawable.pop(0)
        return event

    for n in range(count):
        stated = SPAN_START + timedelta(seconds=step * n + rng.uniform(0, step))
        chance = rng.random()
        if recent and chance < 0.01:
            # A recorder's erratum: the place, the time or the summary was copied wrong.
            position = rng.randrange(len(recent))
            record = recent[position]
            fix = rng.choice(("place", "time", "summary"))
            # A record that names no place is corrected by its summary instead.
            located = record.locations or [cat.conflicts[0].sides[0].towns[0]]
            side = next(s for c in cat.conflicts for s in c.sides if located[0] in s.towns)
            # A claim's times are always given; only reviews lack them.
            assert record.occurred_from is not None and record.occurred_to is not None
            fixes: dict[str, dict[str, Any]] = {
                "place": {"locations": [rng.choice([t for t in side.towns if t not in located])]},
                "time": {
                    "occurred_from": record.occurred_from - timedelta(hours=2),
                    "occurred_to": record.occurred_to - timedelta(hours=2),
                },
                "summary": {"summary": f"{record.summary} (corrected: {words(3)})"},
            }
            changes = fixes[fix]
            corrected = dataclasses.replace(record, id=new_id(), corrects=record.id, **changes)
            recent[position] = dataclasses.replace(corrected, id=record.id, corrects=None)
            yield corrected
            continue
        if recent and chance < 0.03:
            reviewed = rng.choice(recent)
            yield Event(
                new_id(),
                "review",
                None,
                None,
                reviewed.id,
                None,
                [],
                None,
                None,
                None,
                None,
                None,
                f"Monitors: {words(8)}.",
                [],
                pick_source(rng, cat),
                verdict=pick(VERDICTS, verdict_weights)[0],
                recorded_by=REVIEWED_BY,
            )
            continue
        if withdrawable and rng.random() < 0.02:
            # About 2% of entries withdraw a recent statement of the same side, once each.
            statement = withdrawable.pop(rng.randrange(len(withdrawable)))
            summary = f"{cat.names[statement.claimant]} withdrew its {statement.kind}; {words(6)}."
            yield Event(
                new_id(),
                "retraction",
                statement.claimant,
                statement.target,
                statement.id,
                statement.act,
                statement.locations,
                statement.occurred_from,
                statement.occurred_to,
                statement.time_precision,
                max(stated, statement.stated_at or stated),
                statement.ceasefire,
                summary,
                [],
                pick_source(rng, cat),
            )
            continue
        if open_accusations and rng.random() < 0.25:
            accusation = open_accusations.pop(rng.randrange(len(open_accusations)))
            conflict = next(
                c
                for c in cat.conflicts
                if accusation.target in c.sides[0].deniers or accusation.target in c.sides[1].deniers
            )
            side = conflict.sides[0] if accusation.target in conflict.sides[0].deniers else conflict.sides[1]
            denier = rng.choice(side.deniers[accusation.target])
            town = cat.names[accusation.locations[0]] if accusation.locations else "the front"
            summary = f"{cat.names[denier]} {rng.choice(DENIAL_WORDS)} {town}; {words(6)}."
            yield remember(
                Event(
                    new_id(),
                    "denial",
                    denier,
                    accusation.claimant,
                    accusation.id,
                    accusation.act,
                    accusation.locations,
                    accusation.occurred_from,
                    accusation.occurred_to,
                    accusation.time_precision,
                    max(stated, accusation.stated_at or stated),
                    accusation.ceasefire,
                    summary,
                    [f"{words(rng.randint(5, 12))}"] if rng.random() < 0.6 else [],
                    pick_source(rng, cat),
                )
            )
            continue
        conflict = pick(cat.conflicts, conflict_weights)
        victim, accused = conflict.sides if rng.random() < 0.5 else conflict.sides[::-1]
        responds_to = None
        counter = [a for a in open_accusations[-50:] if a.target in victim.deniers and a.claimant in accused.actors]
        if counter and rng.random() < 0.1:
            responds_to = rng.choice(counter).id
        claimant = pick(victim.actors, actor_weights)
        target = accused.state if rng.random() < 0.7 else f"{accused.state}-military"
        act = pick(ACTS, act_weights)[0]
        places = [pick(victim.towns, town_weights)]
        if rng.random() < 0.15:
            places.append(rng.choice(victim.regions))
        if rng.random() < 0.15:
            other = pick(victim.towns, town_weights)
            if other not in places:
                places.append(other)
        occurred_to = stated - timedelta(minutes=rng.randint(0, 36 * 60))
        occurred_from = occurred_to - timedelta(minutes=rng.choice([0, 15, 30, 60, 120, 240]))
        ceasefire = None
        for slug, effective in conflict.ceasefires:
            if effective <= occurred_from:
                ceasefire = slug
        summary = (
            f"{cat.names[claimant]} said forces of {cat.names[accused.state]} "
            f"{rng.choice(ACT_WORDS[act])} {', '.join(cat.names[p] for p in places)} {rng.choice(WHEN)}, "
            f"{rng.choice(HARM)}; {words(rng.randint(4, 14))}."
        )
        quotes = [words(rng.randint(6, 16)) for _ in range(rng.choice([0, 1, 1, 2]))]
        event = Event(
            new_id(),
            "accusation",
            claimant,
            target,
            responds_to,
            act,
            places,
            occurred_from,
            occurred_to,
            rng.choice(["exact", "hour", "hour", "day", "day", "unknown"]),
            stated,
            ceasefire,
            summary,
            quotes,
            pick_source(rng, cat),
        )
        said(besides, event)
        remember(event)
        open_accusations.append(event)
        if len(open_accusations) > 3000:
            open_accusations.pop(0)
        recent.append(event)
        if len(recent) > 3000:
            recent.pop(0)
        yield event


def pick_source(rng: random.Random, cat: Catalogue) -> str:
    return cat.sources[min(int(rng.paretovariate(1.2)) - 1, len(cat.sources) - 1)]["slug"]


def load(conn: Connection, stream: Iterator[Event], batch: int = 20000) -> int:
    """Write the events in batches, each its own transaction, through the bulk path an import
    takes (store/bulk.py): the log's rules and incident indexes are kept by the same triggers
    that guard every insert. The next batch is generated on another thread while the database
    works on this one."""
    chunks: queue.Queue = queue.Queue(maxsize=2)

    def produce() -> None:
        try:
            while chunk := list(itertools.islice(stream, batch)):
                chunks.put(chunk)
        finally:
            chunks.put(None)

    producer = threading.Thread(target=produce, name="synthetic-events", daemon=True)
    producer.start()
    total = 0
    bulk.prepare(conn)
    conn.commit()
    while (chunk := chunks.get()) is not None:
        entries = [
            bulk.Entry(
                line=line,
                id=e.id,
                kind=e.kind,
                summary=e.summary,
                recorded_by=e.recorded_by,
                claimant=e.claimant,
                targets=[e.target, *e.more_targets] if e.target else [],
                responds_to=e.responds_to,
                corrects=e.corrects,
                acts=[e.act, *e.more_acts] if e.act else [],
                locations=e.locations,
                occurred_from=e.occurred_from,
                occurred_to=e.occurred_to,
                time_precision=e.time_precision,
                stated_at=e.stated_at,
                ceasefire=e.ceasefire,
                source=e.source,
                quotes=[{"text": text, "start": None, "end": None} for text in e.quotes],
                verdict=e.verdict,
                channel=e.channel,
                channel_name=e.channel_name,
                violations=e.violations,
                casualties=e.casualties,
            )
            for line, e in enumerate(chunk, total + 1)
        ]
        with conn.transaction():
            bulk.load(conn, entries, keep_seq=False)
        total += len(chunk)
    producer.join()
    return total
