"""What the assistant knows of the log's catalogue: each actor, place and act by its names and
aliases, and the ceasefires with their parties; and how it finds them named in a text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.assistant import lexicon


@dataclass(frozen=True)
class Actor:
    slug: str
    name: str
    kind: str
    country: str | None
    side: str  # the slug of its top-level actor
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    slug: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Act:
    slug: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ceasefire:
    slug: str
    parties: tuple[str, ...]  # sides
    effective: str | None  # ISO date of its effect, when known


@dataclass(frozen=True)
class Mention:
    """A name found in the text: where, and what it names (a catalogue slug, or None for a name
    the catalogue lacks)."""

    start: int
    end: int
    slug: str | None
    text: str


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(name) for name in sorted(set(names), key=len, reverse=True))


@dataclass
class Catalogue:
    actors: list[Actor]
    places: list[Place]
    acts: list[Act]
    ceasefires: list[Ceasefire] = field(default_factory=list)

    @classmethod
    def of(cls, rows: dict[str, list[dict]]) -> Catalogue:
        """The catalogue from the store's rows (store/lexicon.py)."""
        return cls(
            actors=[
                Actor(a["slug"], a["name"], a["kind"], a["country"], a["side"] or a["slug"], tuple(a["aliases"]))
                for a in rows["actors"]
            ],
            places=[Place(p["slug"], p["name"], tuple(p["aliases"])) for p in rows["places"]],
            acts=[Act(a["slug"], a["label"], tuple(a["aliases"])) for a in rows["acts"]],
            ceasefires=[Ceasefire(c["slug"], tuple(c["parties"]), c["effective"]) for c in rows["ceasefires"]],
        )

    def __post_init__(self):
        self.actor = {actor.slug: actor for actor in self.actors}
        self._actor_names = self._names((a.slug, (a.name, *a.aliases)) for a in self.actors)
        self._place_names = self._names((p.slug, (p.name, *p.aliases)) for p in self.places)
        self._act_names = self._names((a.slug, (a.label, *a.aliases)) for a in self.acts)
        self._act_pattern = self._pattern(self._act_names)
        self._actor_pattern = self._pattern(self._actor_names)
        self._place_pattern = self._pattern(self._place_names)
        self._described = self._descriptions()
        states = {a.country: a.slug for a in self.actors if a.kind == "state" and a.country}
        self._adjectives = {lexicon.DEMONYMS[code]: slug for code, slug in states.items() if code in lexicon.DEMONYMS}
        self._bare = (
            re.compile(rf"\b(?P<adjective>{_alternation(list(self._adjectives))})(?:s|’s|'s)?(?![\w-])")
            if self._adjectives
            else None
        )

    @staticmethod
    def _names(named) -> dict[str, tuple[str, str]]:
        """Each name, folded, with the slug it names and the name as the catalogue writes it."""
        by_name: dict[str, tuple[str, str]] = {}
        for slug, names in named:
            for name in names:
                # A name held by two entries stays the first's.
                by_name.setdefault(name.casefold(), (slug, name))
        return by_name

    @staticmethod
    def _pattern(names: dict) -> re.Pattern | None:
        if not names:
            return None
        return re.compile(rf"(?<![\w-])(?:{_alternation(list(names))})(?![\w-])", re.IGNORECASE)

    def _descriptions(self) -> re.Pattern | None:
        """ "Pakistan's army", "Armenian forces", "Azerbaijan's defence ministry": a country, by
        its name or adjective, and a noun that says which of its actors is meant."""
        countries: dict[str, str] = {}
        for actor in self.actors:
            if actor.country and actor.kind == "state":
                countries[actor.name.casefold()] = actor.country
                for alias in actor.aliases:
                    countries.setdefault(alias.casefold(), actor.country)
        for code in {a.country for a in self.actors if a.country}:
            if code in lexicon.DEMONYMS:
                countries.setdefault(lexicon.DEMONYMS[code].casefold(), code)
        if not countries:
            return None
        self._countries = countries
        nouns = f"{lexicon.DEFENCE_MINISTRY}|{lexicon.FOREIGN_MINISTRY}|{lexicon.GOVERNMENT}|{lexicon.MILITARY_NOUNS}"
        return re.compile(
            rf"(?<![\w-])(?P<country>{_alternation(list(countries))})(?:'s|’s)?(?: own)? (?P<noun>{nouns})(?![\w-])",
            re.IGNORECASE,
        )

    def _of_country(self, code: str, noun: str) -> str | None:
        """The actor a country's noun stands for, the closest the catalogue holds."""
        noun = noun.casefold()
        of_country = [a for a in self.actors if a.country == code]

        def first(kinds: tuple[str, ...], word: str = "") -> str | None:
            for kind in kinds:
                for actor in of_country:
                    if actor.kind == kind and word in actor.name.casefold():
                        return actor.slug
            return None

        if re.fullmatch(lexicon.DEFENCE_MINISTRY, noun):
            return first(("ministry",), "defen") or first(("military", "state"))
        if re.fullmatch(lexicon.FOREIGN_MINISTRY, noun):
            return first(("ministry",), "foreign") or first(("state",))
        if re.fullmatch(lexicon.GOVERNMENT, noun):
            return first(("government", "state"))
        if noun == "side":
            return first(("state",))
        return first(("military", "state"))

    def actor_mentions(self, text: str) -> list[Mention]:
        found: list[Mention] = []
        if self._described is not None:
            for match in self._described.finditer(text):
                code = self._countries[match["country"].casefold()]
                slug = self._of_country(code, match["noun"])
                if slug:
                    found.append(Mention(match.start(), match.end(), slug, match[0]))
        if self._actor_pattern is not None:
            for match in self._actor_pattern.finditer(text):
                slug, name = self._actor_names[match[0].casefold()]
                if _as_written(match[0], name):
                    found.append(Mention(match.start(), match.end(), slug, match[0]))
        return _longest(found)

    def bare_demonyms(self, text: str) -> list[Mention]:
        """ "The Armenians said", "an Armenian town": a country's adjective alone names its state."""
        if self._bare is None:
            return []
        return [Mention(m.start(), m.end(), self._adjectives[m["adjective"]], m[0]) for m in self._bare.finditer(text)]

    def adversary(self, side: str) -> Actor | None:
        """The other party of the ceasefire a side is party to, when there is exactly one."""
        others = {p for c in self.ceasefires if side in c.parties and len(c.parties) == 2 for p in c.parties} - {side}
        return self.actor.get(others.pop()) if len(others) == 1 else None

    def place_mentions(self, text: str) -> list[Mention]:
        if self._place_pattern is None:
            return []
        found = []
        for match in self._place_pattern.finditer(text):
            slug, name = self._place_names[match[0].casefold()]
            if _as_written(match[0], name):
                found.append(Mention(match.start(), match.end(), slug, match[0]))
        return _longest(found)

    def act_mentions(self, text: str) -> list[Mention]:
        """Acts named in the text by their label or an alias ("mortar fire")."""
        if self._act_pattern is None:
            return []
        return [
            Mention(m.start(), m.end(), self._act_names[m[0].casefold()][0], m[0])
            for m in self._act_pattern.finditer(text)
        ]

    def act_for(self, family: str) -> str | None:
        # Word by word, so that "attack" finds an assault before a missile attack.
        for name, _, words in lexicon.ACT_FAMILIES:
            if name == family:
                for word in words:
                    for act in self.acts:
                        if word in " ".join((act.slug, act.label, *act.aliases)).casefold():
                            return act.slug
        return None

    def unspecified_act(self) -> str | None:
        for act in self.acts:
            named = " ".join((act.slug, act.label, *act.aliases)).casefold()
            if any(word in named for word in lexicon.UNSPECIFIED):
                return act.slug
        return None


def _as_written(found: str, name: str) -> bool:
    """A name in capitals ("RSF", "UN") is that name only in capitals, "un" is not the UN; a name
    the catalogue capitalises is that name only capitalised ("Nasir", not "nasir")."""
    if name.isupper():
        return found.isupper()
    return found[0].isupper() or not name[0].isupper()


def _longest(found: list[Mention]) -> list[Mention]:
    """Mentions that do not overlap, the longer kept where two do, in the order of the text."""
    kept: list[Mention] = []
    for mention in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if all(mention.end <= other.start or mention.start >= other.end for other in kept):
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)
