"""Reading a report sentence by sentence: who says what of whom (a speech verb, its subject and
what follows it), which quotes they are, and how the claims answer each other."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.assistant import lexicon, times
from service.assistant.catalogue import Catalogue, Mention

# A quotation: curly double quotes, or straight ones taken in pairs.
QUOTED = re.compile(r"“([^”]{1,2000})”|\"([^\"\n]{1,2000})\"")
ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Maj|Capt|Sgt|St|No|Jan|Feb|Aug|Sept|Oct|Nov|Dec)|\b[A-Z])\.$"
)
CUES = re.compile(
    rf"\b(?:(?P<accuse>{lexicon.ACCUSE})|(?P<deny>{lexicon.DENY})|(?P<call>{lexicon.CALL})|(?P<say>{lexicon.SAY}))\b"
)
ANAPHOR = re.compile(rf"\b(?:[Tt]he|[Ii]ts) (?P<noun>{'|'.join(lexicon.ANAPHORS)})\b")
# A name the catalogue does not hold: capitalised words, "of" and "al-" between them.
NEW_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+|al-)?[A-Z][\w’'-]*)*")
NOT_NAMES = frozenset(
    "The A An It He She They We In On At But And Its His Her Their This That Forces Government Army "
    "Military Ministry Hours Earlier Later Meanwhile Both".split()
    + list(times.WEEKDAYS)
    + list(times.MONTHS)
    + list(lexicon.PLATFORMS)
)
NEW_PLACE = re.compile(
    rf"\b(?:the\s+)?(?:{lexicon.PLACE_BEFORE})\s+of\s+(?P<before>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)"
    rf"|(?P<after>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s+(?:{lexicon.PLACE_AFTER})\b"
)
THE_PLACE = re.compile(r"\bthe (?:town|city|village|area|region|district|settlement)\b")
COUNT = r"\b(\d[\d,]*|" + "|".join(lexicon.NUMBERS) + r")\b"
VIOLATIONS = re.compile(rf"{COUNT}\s+(?:ceasefire\s+)?(?:violations|breaches|times)\b", re.IGNORECASE)
KILLED = re.compile(
    rf"(?:killing|killed)\s+{COUNT}\b|{COUNT}\s+(?:\w+\s+){{0,2}}(?:were\s+|was\s+)?(?:killed|dead)\b", re.IGNORECASE
)
INJURED = re.compile(
    rf"(?:wounding|injuring)\s+{COUNT}\b|{COUNT}\s+(?:\w+\s+){{0,2}}(?:were\s+|was\s+)?(?:wounded|injured)\b",
    re.IGNORECASE,
)


@dataclass
class Party:
    """Who a claim names: an actor of the catalogue, or a name it lacks."""

    slug: str | None
    name: str
    side: str  # the slug of its side, or its folded name
    start: int
    end: int


@dataclass
class Claim:
    kind: str
    claimant: Party
    sentence: tuple[int, int]
    cue: tuple[int, int]
    targets: list[Party] = field(default_factory=list)
    act: str | None = None
    act_span: tuple[int, int] | None = None
    places: list[Mention] = field(default_factory=list)
    occurred: times.When | None = None
    stated: times.When | None = None
    quotes: list[tuple[int, int]] = field(default_factory=list)
    channel: str | None = None
    channel_name: str | None = None
    channel_span: tuple[int, int] | None = None
    answers: Claim | None = None
    violations: int | None = None
    casualties: dict[str, int] = field(default_factory=dict)
    backs: Claim | None = None  # the claim of its side it repeats, which answers go to


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of a text as spans: split after . ! ? (and a closing quote) before a capital
    or an opening quote, and at blank lines; never inside a quotation."""
    spans, start, quoted = [], 0, False
    for index, char in enumerate(text):
        if char in "“":
            quoted = True
        elif char in "”":
            quoted = False
        elif char == '"':
            quoted = not quoted
        if char == "\n" and text[index + 1 : index + 2] == "\n":
            spans.append((start, index))
            start, quoted = index + 1, False
            continue
        if char not in ".!?" or quoted and text[index + 1 : index + 2] not in ('"', "”"):
            continue
        after = index + 1
        while after < len(text) and text[after] in '"”’)':
            after += 1
        rest = text[after : after + 3]
        if (
            rest[:1].isspace()
            and (rest.strip()[:1].isupper() or rest.strip()[:1] in '"“')
            and not ABBREVIATIONS.search(text[start : index + 1])
        ):
            spans.append((start, after))
            start, quoted = after, False
    spans.append((start, len(text)))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans if text[s:e].strip()]


def _count(word: str) -> int | None:
    word = word.casefold().replace(",", "")
    return int(word) if word.isdigit() else lexicon.NUMBERS.get(word)


class Reader:
    def __init__(self, text: str, catalogue: Catalogue, published):
        self.text, self.catalogue, self.published = text, catalogue, published
        self.claims: list[Claim] = []
        self.history: list[Party] = []  # every party named so far, in order
        self.places_seen: list[Mention] = []
        self.new_places: dict[str, list[tuple[int, int]]] = {}
        self.quoted = [(m.start(), m.end()) for m in QUOTED.finditer(text)]
        # The text with its quotations blanked: a cue or a name inside a quote is the speaker's
        # words, not the report's.
        masked = list(text)
        for start, end in self.quoted:
            masked[start:end] = " " * (end - start)
        self.masked = "".join(masked)

    def party(self, mention: Mention) -> Party:
        actor = self.catalogue.actor.get(mention.slug or "")
        if actor:
            return Party(actor.slug, actor.name, actor.side, mention.start, mention.end)
        name = mention.text
        return Party(None, name, name.casefold(), mention.start, mention.end)

    def parties(self, start: int, end: int, *, new: bool = True) -> list[Party]:
        """Who is named between start and end, outside quotes: catalogue names first, then "the
        army" for the last army named, then names the catalogue lacks."""
        part = self.masked[start:end]
        found = [self.party(m) for m in self.catalogue.actor_mentions(part)]
        taken = [(p.start, p.end) for p in found]
        for match in ANAPHOR.finditer(part):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            earlier = self._antecedent(match["noun"], start + match.start())
            if earlier:
                found.append(Party(earlier.slug, earlier.name, earlier.side, match.start(), match.end()))
                taken.append((match.start(), match.end()))
        for mention in self.catalogue.bare_demonyms(part):
            if not any(s < mention.end and mention.start < e for s, e in taken):
                found.append(self.party(mention))
                taken.append((mention.start, mention.end))
        if new and not found:
            for match in NEW_NAME.finditer(part):
                name = re.sub(r"^(?:The|An?)\s+", "", match[0]).removesuffix("'s").removesuffix("’s")
                if name in NOT_NAMES or name.split()[0] in NOT_NAMES or self.catalogue.place_mentions(name):
                    continue
                offset = match.start() + match[0].index(name)
                found.append(Party(None, name, name.casefold(), offset, offset + len(name)))
        return sorted(
            (Party(p.slug, p.name, p.side, p.start + start, p.end + start) for p in found), key=lambda p: p.start
        )

    def _antecedent(self, noun: str, before: int) -> Party | None:
        kinds = lexicon.ANAPHORS[noun]
        for party in reversed(self.history):
            if party.start >= before:
                continue
            actor = self.catalogue.actor.get(party.slug or "")
            if actor is None:
                if noun in party.name.casefold():
                    return party
            elif actor.kind in kinds or noun in actor.name.casefold():
                return party
        return None

    def read(self) -> list[Claim]:
        for start, end in sentences(self.text):
            self.sentence(start, end)
        self.link()
        return self.claims

    def sentence(self, start: int, end: int) -> None:
        cues = [m for m in CUES.finditer(self.masked, start, end) if self._is_cue(m, end)]
        made: list[Claim] = []
        subject: Party | None = None
        boundary = start
        spoken: list[tuple[int, Party]] = []
        for index, cue in enumerate(cues):
            named = self.parties(boundary, cue.start())
            if not (subject and self._goes_on(cue)):
                subject = named[-1] if named else subject
            if by := re.match(r"\s+by\s+", self.masked[cue.end() : cue.end() + 6]):
                # "That was denied by Armenia's defence ministry": the subject follows.
                agents = self.parties(cue.end(), cue.end() + by.end() + 80)
                subject = agents[0] if agents else subject
            following = cues[index + 1].start() if index + 1 < len(cues) else end
            if subject is None:
                boundary = cue.end()
                continue
            spoken.append((cue.start(), subject))
            # What happened reads on through "..., saying ..." by the same subject, up to the next
            # verb of someone else or of another kind.
            told = next((c.start() for c in cues[index + 1 :] if not self._goes_on(c)), end)
            claims = self.claims_of(cue, subject, (cue.end(), following), (start, end), told)
            for claim in claims:
                made.append(self.add(claim))
            boundary = cue.end()
            self.history.extend(named)
        self.history.extend(p for p in self.parties(boundary, end, new=False))
        self.sentence_extras(start, end, made, spoken)

    def _goes_on(self, cue: re.Match) -> bool:
        """ "..., saying ...", "..., adding that ...", "... and said ...": the same subject speaks on."""
        before = self.masked[max(0, cue.start() - 6) : cue.start()]
        return bool(cue["say"]) and (cue[0] in ("saying", "adding") or bool(re.search(r"(?:,|\band)\s*$", before)))

    def _is_cue(self, cue: re.Match, end: int) -> bool:
        if re.match(lexicon.MUTUAL, self.masked[cue.start() : cue.start() + 40]):
            return False
        if cue["call"]:
            # "called the report 'disinformation'": a denial only when its words are.
            return bool(lexicon.DENIAL_WORDS.search(self.text[cue.end() : min(end, cue.end() + 60)]))
        if cue["accuse"] and cue[0] == "charged":
            return bool(re.match(r"\s+(?:that|\w+\s+with)", self.text[cue.end() : cue.end() + 40]))
        return True

    def claims_of(
        self, cue: re.Match, subject: Party, region: tuple[int, int], sentence: tuple[int, int], told: int
    ) -> list[Claim]:
        start, end = region
        if cue["deny"] or cue["call"]:
            return [Claim("denial", subject, sentence, cue.span())]
        after = self.masked[start:end]
        violation = lexicon.VIOLATION.search(after)
        if cue["accuse"]:
            # The accused stand between the verb and "of"/"for", or the act.
            stop = re.search(r"\s(?:of|for|over)\s", after)
            limit = min(stop.start() if stop else len(after), violation.start() if violation else len(after))
            targets = self.others(subject, start, start + limit) or self.others(subject, start, end)[:1]
            if " both " not in after[:limit]:
                targets = targets[:1]
        elif violation:
            targets = self.others(subject, start, start + violation.start())[:1]
        else:
            return self.backing(subject, cue, sentence)
        if not targets and (adversary := re.search(lexicon.ADVERSARY, after)):
            other = self.catalogue.adversary(subject.side)
            if other:
                at = start + adversary.start()
                targets = [Party(other.slug, other.name, other.side, at, start + adversary.end())]
        if not targets and not cue["accuse"]:
            return self.backing(subject, cue, sentence)
        # "blamed both X and Y": one accusation of both, as the log records several accused.
        claim = Claim("accusation", subject, sentence, cue.span(), targets=targets)
        self.situation(claim, start, told)
        return [claim]

    def backing(self, subject: Party, cue: re.Match, sentence: tuple[int, int]) -> list[Claim]:
        """ "..., with its foreign minister saying that ...": another voice of the accuser's side,
        in the accuser's sentence, accuses as it does."""
        made = [c for c in self.claims if c.sentence == sentence and c.kind == "accusation"]
        if not made or made[-1].claimant.side != subject.side or made[-1].claimant.slug == subject.slug:
            return []
        if not re.match(r"\s*with\b", self.masked[max(sentence[0], cue.start() - 120) : cue.start()].split(",")[-1]):
            return []
        lead = made[-1]
        return [
            Claim(
                "accusation",
                subject,
                sentence,
                cue.span(),
                targets=lead.targets,
                act=lead.act,
                places=lead.places,
                occurred=lead.occurred,
                backs=lead,
            )
        ]

    def others(self, subject: Party, start: int, end: int) -> list[Party]:
        return [p for p in self.parties(start, end) if p.side != subject.side]

    def situation(self, claim: Claim, start: int, end: int) -> None:
        """What a claim says happened, read from the words after its verb: act, places, time,
        numbers."""
        part = self.text[start:end]
        # An act the catalogue names ("mortar fire") before the family its words belong to.
        named = self.catalogue.act_mentions(part)
        first = (named[0].slug, named[0].start, named[0].end) if named else None
        for family, words, _ in lexicon.ACT_FAMILIES:
            for match in re.finditer(rf"\b(?:{words})\b", part, re.IGNORECASE):
                slug = self.catalogue.act_for(family)
                if slug and (first is None or match.start() < first[1]):
                    first = (slug, match.start(), match.end())
                break
        if first:
            claim.act, claim.act_span = first[0], (start + first[1], start + first[2])
        else:
            claim.act = self.catalogue.unspecified_act()
        places = [Mention(m.start + start, m.end + start, m.slug, m.text) for m in self.catalogue.place_mentions(part)]
        if not places and THE_PLACE.search(part) and self.places_seen:
            places = [self.places_seen[-1]]
        for match in NEW_PLACE.finditer(part):
            name = match["before"] or match["after"]
            offset = start + match.start() + match[0].index(name)
            # "the Tartar district", where the catalogue holds "Tartar District", names that place.
            known = any(p.start < offset + len(name) and offset < p.end for p in places)
            if not known and not self.catalogue.place_mentions(name) and not self.catalogue.actor_mentions(name):
                self.new_places.setdefault(name, []).append((offset, offset + len(name)))
        claim.places = list({p.slug: p for p in places}.values())
        self.places_seen.extend(places)
        # A time right after the verb ("said on Sunday that ...") is when it was said.
        when = [w for w in times.find(part, self.published) if part[: w.start].strip()]
        if when:
            w = when[0]
            claim.occurred = times.When(w.start + start, w.end + start, w.first, w.last, w.precision, w.note)
        if counted := VIOLATIONS.search(part):
            claim.violations = _count(counted[1])
        for name, pattern in (("killed", KILLED), ("injured", INJURED)):
            if counted := pattern.search(part):
                count = _count(next(g for g in counted.groups() if g))
                if count is not None:
                    claim.casualties[name] = count

    def add(self, claim: Claim) -> Claim:
        """A claim, or the earlier one it repeats: the same kind, by the same claimant, of the same
        accused, in this sentence or the one before."""
        for earlier in reversed(self.claims[-4:]):
            if (
                earlier.kind == claim.kind
                and earlier.claimant.side == claim.claimant.side
                and [t.side for t in earlier.targets] == [t.side for t in claim.targets]
                and (earlier.claimant.slug == claim.claimant.slug or claim.kind == "denial")
            ):
                earlier.places = earlier.places or claim.places
                earlier.act = earlier.act or claim.act
                earlier.occurred = earlier.occurred or claim.occurred
                return earlier
        self.claims.append(claim)
        return claim

    def sentence_extras(self, start: int, end: int, made: list[Claim], spoken: list[tuple[int, Party]]) -> None:
        """The sentence's quotes, channel and times of statement, given to the claims they belong to."""
        masked = self.masked[start:end]
        channel = None
        for pattern, name in lexicon.CHANNELS:
            if match := re.search(pattern, masked):
                channel = (name, match, self._channel_name(name, match[0], masked))
                break
        said_at = [
            w
            for w in times.find(self.masked[start:end], self.published)
            if any(abs(w.start + start - cue) < 40 for cue, _ in spoken)
            and not any(c.occurred and c.occurred.start == w.start + start for c in made)
        ]
        for claim in made:
            if said_at and claim.stated is None:
                w = said_at[0]
                claim.stated = times.When(w.start + start, w.end + start, w.first, w.last, w.precision, w.note)
            if channel and claim.channel is None:
                claim.channel, claim.channel_name = channel[0], channel[2]
                claim.channel_span = (start + channel[1].start(), start + channel[1].end())
        for quote_start, quote_end in self.quoted:
            if not start <= quote_start < end:
                continue
            inner = (quote_start + 1, quote_end - 1)
            words = self.text[inner[0] : inner[1]].rstrip(",")
            inner = (inner[0], inner[0] + len(words))
            speaker = self._speaker(quote_start, spoken)
            owner = self._owner(words, speaker, made)
            if owner is not None:
                owner.quotes.append(inner)
                if channel and owner.channel is None:
                    owner.channel, owner.channel_name = channel[0], channel[2]

    def _speaker(self, at: int, spoken: list[tuple[int, Party]]) -> Party | None:
        """Who says a quote: the subject of the speech verb nearest it in its sentence."""
        if not spoken:
            return None
        return min(spoken, key=lambda said: abs(said[0] - at))[1]

    def _owner(self, words: str, speaker: Party | None, made: list[Claim]) -> Claim | None:
        denial = bool(lexicon.DENIAL_WORDS.search(words))
        if (
            speaker is not None
            and speaker.slug is None
            and not any(c.claimant.side == speaker.side for c in self.claims)
        ):
            speaker = None  # "a spokesman for the Tripoli forces": a name the claims do not hold
        candidates = [c for c in reversed(self.claims) if speaker is None or c.claimant.side == speaker.side]
        if denial:
            for claim in candidates:
                if claim.kind == "denial":
                    return claim
        for claim in sorted(made, key=lambda c: speaker is None or c.claimant.slug != speaker.slug):
            if speaker is None or claim.claimant.side == speaker.side:
                return claim
        return candidates[0] if candidates else None

    @staticmethod
    def _channel_name(channel: str, said: str, sentence: str) -> str | None:
        if channel == "social-media":
            for platform in lexicon.PLATFORMS:
                if re.search(rf"\bon {platform}\b", sentence):
                    return platform
        if channel == "interview":
            return said.split(" ", 1)[1]
        return None

    def link(self) -> None:
        """Each denial answers the nearest accusation before it aimed at the denier's side (or one
        of its sentence that names no accused, which then accuses the denier); an accusation of the
        side that accused its claimant's side is a counter-accusation of that accusation."""
        for index, claim in enumerate(self.claims):
            earlier = [
                c
                for c in reversed(self.claims[:index])
                if c.kind == "accusation" and c.answers is None and c.backs is None
            ]
            if claim.kind == "denial":
                for accusation in earlier:
                    if any(t.side == claim.claimant.side for t in accusation.targets):
                        claim.answers = accusation
                        break
                    if not accusation.targets and accusation.sentence == claim.sentence:
                        accusation.targets = [claim.claimant]
                        claim.answers = accusation
                        break
            elif claim.kind == "accusation":
                for accusation in earlier:
                    if any(t.side == claim.claimant.side for t in accusation.targets) and any(
                        t.side == accusation.claimant.side for t in claim.targets
                    ):
                        claim.answers = accusation
                        break
