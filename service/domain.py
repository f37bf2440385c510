"""The rules of the log in Python words: one row per kind of entry, and the checks that need no
database (who may respond to whom, time order, incident status).

The database enforces the same rules (migrations 0001, 0008, 0011 and 0012); checking them first lets
the API and the seed loader name every broken rule at once, by field. A new kind of entry is a
new row of KINDS, not a new `if` in the write path (service/log.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# What a response takes from the accusation it answers when the report leaves it out.
SITUATION = ("acts", "locations", "occurred_from", "occurred_to", "time_precision", "ceasefire")
# What every claim must have once a response has inherited (a ceasefire is optional, and places:
# a claim may name none, "on various fronts").
REQUIRED = ("targets", "acts", "occurred_from", "occurred_to", "time_precision")
# What every claim says itself, whatever it answers: who said it, when, in what words, where published.
STATED = ("claimant", "stated_at", "summary", "source")
# The lists a claim names, and the single item a report may give instead (read as a list of one).
SINGULAR = {"targets": "target", "acts": "act"}


@dataclass(frozen=True)
class Kind:
    name: str
    # The kinds of entry it may respond to, and whether it must respond to one.
    answers: frozenset[str]
    must_answer: bool
    # Who may say it, of the actors around the statement it answers: "accused side" (the tree of
    # the accused's top-level actor, less the accuser's), "same side" (the tree of the top-level
    # actor of the statement's claimant) or "anyone" (but never its own hierarchy); or, for the
    # entries that are not claims, which keys may write it: "recorder" (the key that recorded
    # what it corrects, or an editor's) or "reviewer".
    said_by: str
    # Whom it is about when it answers a statement: the statement's "claimant" (a denial is aimed
    # at the accuser) or its "target" (a retraction is about whom the statement was about).
    aimed_at: str | None
    # What it takes from the accusation when the report leaves it out.
    inherits: tuple[str, ...]
    # Where it sits in an incident's thread (None: folded into the entry it corrects).
    in_thread: str | None
    # What it does to the incident it belongs to: "disputes" (while it stands), "counters" (while
    # it stands and nothing disputes it), "withdraws" (the statement it answers), "assesses" (the
    # latest is the incident's assessment), "revises" (the record of the entry it corrects), or nothing.
    effect: str | None = None
    # Whether a statement may be answered by at most one entry of this kind.
    once: bool = False
    # The kinds of entry whose record it may correct.
    corrects: frozenset[str] = frozenset()
    # Whose side its target must be on when it answers a statement: the statement's "claimant"'s
    # (a counter-accusation is aimed at the accuser's side).
    aimed_at_side: str | None = None
    # What it is called when it answers a statement (an accusation that answers one is a
    # counter-accusation).
    answering_name: str | None = None
    # How it is posted: to the log, or to the entry it is about (/v1/events/{id}/<posted_to>).
    posted_to: str | None = None


CLAIMS = frozenset({"accusation", "denial", "retraction"})

KINDS = {
    "accusation": Kind(
        "accusation",
        answers=frozenset({"accusation"}),
        must_answer=False,
        # Unanswering, anyone accuses anyone (not its own hierarchy); answering an accusation, it is
        # a counter-accusation: the accused side's, against the accuser's side.
        said_by="accused side",
        aimed_at=None,
        inherits=(),
        in_thread="counter_accusations",
        effect="counters",
        aimed_at_side="claimant",
        answering_name="counter-accusation",
    ),
    "denial": Kind(
        "denial",
        answers=frozenset({"accusation"}),
        must_answer=True,
        said_by="accused side",
        aimed_at="claimant",
        inherits=SITUATION,
        in_thread="denials",
        effect="disputes",
    ),
    "retraction": Kind(
        "retraction",
        answers=CLAIMS - {"retraction"},
        must_answer=True,
        said_by="same side",
        aimed_at="target",
        inherits=SITUATION,
        in_thread="retractions",
        effect="withdraws",
        once=True,
    ),
    "correction": Kind(
        "correction",
        answers=frozenset(),
        must_answer=False,
        said_by="recorder",
        aimed_at=None,
        inherits=(),
        in_thread=None,
        effect="revises",
        corrects=CLAIMS,
        posted_to="corrections",
    ),
    "review": Kind(
        "review",
        answers=frozenset({"accusation"}),
        must_answer=True,
        said_by="reviewer",
        aimed_at=None,
        inherits=(),
        in_thread="reviews",
        effect="assesses",
        posted_to="reviews",
    ),
    "mention": Kind(
        "mention",
        # It cites a statement (`cites`), answering none: another source reports it, or its side
        # says it again. It starts no incident and changes no status.
        answers=frozenset(),
        must_answer=False,
        said_by="same side",
        aimed_at=None,
        inherits=(),
        in_thread="mentions",
    ),
    "void": Kind(
        "void",
        # It withdraws an entry recorded by mistake (`voids`), saying nothing of its claimant:
        # written by the key that recorded the entry, or an editor's or admin's, like a correction.
        answers=frozenset(),
        must_answer=False,
        said_by="recorder",
        aimed_at=None,
        inherits=(),
        in_thread=None,
        effect="voids",
        posted_to="voids",
    ),
}
# The kinds a report to POST /v1/events may have; the others are posted to what they are about.
REPORTED = tuple(name for name, kind in KINDS.items() if kind.posted_to is None)
# The fields of a claim's record: what a correction replaces, and what its revisions compare.
RECORD = (
    "claimant",
    "targets",
    "acts",
    "locations",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "time_note",
    "stated_at",
    "ceasefire",
    "summary",
    "source",
    "quotes",
    "channel",
    "channel_name",
    "via",
    "violations",
    "casualties",
)
# How a statement was made (a claim's `channel`; migration 0017 holds the database to the same).
CHANNELS = ("statement", "press-conference", "social-media", "interview", "news-agency", "report", "other")
# The casualties an accusation may claim, each a count or unknown.
CASUALTIES = ("killed", "injured", "civilians_killed", "civilians_injured")
# An incident's status, derived by the database from its thread (migrations 0012 and 0019,
# incident_state): retracted once its accusation is withdrawn; disputed while an entry that
# disputes it (a denial) stands; countered while only counter-accusations answer it; uncontested
# otherwise.
STATUSES = ("disputed", "countered", "uncontested", "retracted")
# The UTC offsets clocks are set to: what an instant may be given at (migration 0016 holds the
# database to the same; PostgreSQL cannot read back an offset past ±15:59).
OFFSETS = (timedelta(hours=-12), timedelta(hours=14))
VERDICTS = ("confirmed", "plausible", "unverified", "doubtful", "refuted")


# Said of a statement that already has the one answer of a kind it may take, by the service's own
# check and by the database's (a client that raced another past it) alike.
ONCE = "what it answers has a {kind} already; a statement takes only one"
# Said of a response dated before what it answers (migration 0015 says the same).
ANSWERS_AFTER = "a response cannot be stated before the statement it answers"

# What a mention leaves out: it restates a statement, whose situation is the statement's own.
NOT_MENTIONED = (
    "target",
    "targets",
    "responds_to",
    "act",
    "acts",
    "locations",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "ceasefire",
    "violations",
    "casualties",
)
MENTION_SHAPE = "a mention cites a statement and restates it: it names no target, act, places or time of the act"

# The field of a report each rule of the database is about, and, where the database's own message
# is not the service's sentence (a unique index says only "duplicate key"), the sentence: when the
# database refuses a write (psql, the bulk path, a client that raced another past the API's own
# checks), the answer names the field and says what the service's own check says.
RULES: dict[str, tuple[str, str | None]] = {
    "event_parties_apart": ("targets", None),
    "event_claimant_not_target": ("targets", None),
    "event_targets_of_accusations": ("targets", None),
    "event_targets_distinct": ("targets", None),
    "event_acts_of_claims": ("acts", None),
    "event_acts_distinct": ("acts", None),
    "event_target_before_entry": ("targets", None),
    "event_act_before_entry": ("acts", None),
    "event_occurred_order": ("occurred_to", None),
    "event_stated_after_act": ("stated_at", None),
    "event_denial_targets_accuser": ("targets", None),
    "event_denial_by_accused": ("claimant", None),
    "event_denial_not_by_accuser": ("claimant", None),
    "event_retraction_by_same_side": ("claimant", None),
    "event_retraction_targets_target": ("targets", None),
    "event_one_retraction": ("responds_to", ONCE.format(kind="retraction")),
    "event_answers_after_statement": ("stated_at", ANSWERS_AFTER),
    "event_counter_by_accused": ("claimant", None),
    "event_counter_at_accuser": ("targets", None),
    "event_channel_known": ("channel", None),
    "event_channel_name_length": ("channel_name", None),
    "event_via_length": ("via", None),
    "event_channel_of_claims": ("channel", None),
    "event_violations_counted": ("violations", None),
    "event_casualties_counted": ("casualties", None),
    "event_numbers_of_accusations": ("violations", None),
    "event_responds_to_original": ("responds_to", None),
    "event_responds_in_order": ("responds_to", None),
    "event_correction_keeps_response": ("responds_to", None),
    "event_corrects_original": ("event_id", None),
    "event_correction_by_recorder": ("event_id", None),
    "event_review_by_reviewer": ("event_id", None),
    "quote_span_in_source": ("quotes", None),
    "event_mention_shape": ("cites", MENTION_SHAPE),
    "event_mention_cites_statement": ("cites", None),
    "event_mention_by_same_side": ("claimant", None),
    "event_voids_entry": ("event_id", None),
    "event_one_void": ("event_id", "this entry is voided already"),
    "event_void_by_recorder": ("event_id", None),
    "event_not_voided": ("event_id", None),
    "event_void_shape": ("reason", None),
}


class Refusal(ValueError):
    """A report that breaks the rules; `errors` maps each field to what is wrong with it, and
    `where` says where the client sent what was wrong: its body, its query string or its path."""

    def __init__(self, errors: dict[str, list[str]], where: str = "body"):
        self.errors = errors
        self.where = where
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))


class Forbidden(Refusal):
    """A write this key may not make (a 403), with the reasons by field."""


class NotFound(LookupError):
    """What a request names is not in the log: `what` says so in a sentence ("No event … in the log.")."""

    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def changes(before, after) -> list[str]:
    """The fields of a record (RECORD) that differ between two versions of an entry. An instant
    differs by its UTC offset too, though it names the same moment: the local time is part of
    what was said; and a day alone differs from an instant at its bound."""

    def differ(a, b) -> bool:
        if isinstance(a, datetime) and isinstance(b, datetime):
            return a != b or a.utcoffset() != b.utcoffset() or type(a) is not type(b)
        return a != b

    return [name for name in RECORD if differ(getattr(before, name), getattr(after, name))]


def missing(kind: str, report: dict) -> list[str]:
    """The fields a claim of this kind must say itself that `report` leaves out (None): what it
    states always (STATED), and what it would otherwise inherit from what it answers."""
    if kind == "mention":
        return [name for name in (*STATED, "cites") if report.get(name) is None]
    rules = KINDS[kind]
    inherited = (*rules.inherits, "targets") if rules.aimed_at else rules.inherits
    return [name for name in (*STATED, *REQUIRED) if name not in inherited and not given(report, name)]


def given(report: dict, name: str) -> bool:
    """Whether a report gives this field, a list by either of its spellings. A null `stated_at`
    is given: it says the source gives no time for the statement."""
    if name == "stated_at":
        return name in report
    return report.get(name) is not None or (name in SINGULAR and report.get(SINGULAR[name]) is not None)


def listed(report: dict) -> tuple[dict, dict[str, str]]:
    """A report with its targets and acts as lists (a single `target` or `act` read as a list of
    one), and how the report spelt each: refusals are named by the field the client sent."""
    report, spelt = dict(report), {}
    for plural, singular in SINGULAR.items():
        one = report.pop(singular, None)
        spelt[plural] = plural if report.get(plural) is not None else singular
        if report.get(plural) is None and one is not None:
            report[plural] = [one]
    return report, spelt


def within(path: str, ancestor: str) -> bool:
    """Whether the actor or location at `path` is `ancestor` itself or beneath it (ltree paths)."""
    return path == ancestor or path.startswith(ancestor + ".")


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def side(path: str) -> str:
    """The top-level actor an actor belongs to (its side): a state for its ministries and officials."""
    return path.split(".", 1)[0]


def on_side(path: str, sides: list[str]) -> bool:
    """Whether the actor at `path` speaks for one of `sides` (the top-level paths a party answers
    for: its own, or each member's of a coalition; the store reads them, migration 0024)."""
    return any(within(path, one) for one in sides)


def sides_named(sides: list[str]) -> list[str]:
    return [one.replace("_", "-") for one in sides]


def named(sides: list[str]) -> str:
    return " or ".join(sides_named(sides))


def check_times(occurred_from: datetime, occurred_to: datetime, stated_at: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if occurred_from > occurred_to:
        errors["occurred_to"] = ["must not be before occurred_from"]
    if stated_at < occurred_from:
        errors["stated_at"] = ["a statement cannot predate the act it describes (occurred_from)"]
    return errors


def check_numbers(kind: str, report: dict) -> dict[str, list[str]]:
    """Only an accusation counts what it alleges: a denial or a retraction says nothing happened,
    or takes back what was said."""
    if kind == "accusation":
        return {}
    return {
        name: [f"only an accusation counts what it alleges; a {kind} has no {name}"]
        for name in ("violations", "casualties")
        if report.get(name) is not None
    }


def check_parties(claimant: str, claimant_path: str, targets: dict[str, str]) -> dict[str, list[str]]:
    """Whether a claimant may accuse each of `targets` (slug: path): never itself, nor its own hierarchy."""
    messages = []
    for target, target_path in targets.items():
        if claimant == target:
            messages.append("a claimant never accuses itself: claimant and target are the same actor")
        elif within(target_path, claimant_path) or within(claimant_path, target_path):
            messages.append(f"{claimant} and {target} are in one hierarchy; a claimant never accuses its own side")
    return {"targets": messages} if messages else {}


def check_answers(kind: str, responding: dict | None, correcting: bool = False) -> dict[str, list[str]]:
    """Whether an entry of this kind may respond to `responding` (None: to nothing). A correction
    answers what the entry it corrects answers, so a kind said once is not said twice by it."""
    rules = KINDS[kind]
    allowed = " or ".join(f"{article(name)} {name}" for name in sorted(rules.answers))
    if responding is None:
        return {"responds_to": [f"a {kind} must respond to {allowed}: give its id"]} if rules.must_answer else {}
    if responding["corrects"] is not None:
        return {
            "responds_to": [f"this entry is a correction; respond to the event it corrects, {responding['corrects']}"]
        }
    if responding["kind"] not in rules.answers:
        return {
            "responds_to": [
                f"a {kind} can answer only {allowed}; this event is {article(responding['kind'])} {responding['kind']}"
            ]
        }
    if rules.once and not correcting and kind in responding["answered_by"]:
        return {"responds_to": [ONCE.format(kind=kind)]}
    return {}


def check_correction(entry, key: dict) -> None:
    """Whether this key may correct `entry` (a store Event: its kind, corrects, recorded_by):
    raises Forbidden for the wrong key, Refusal for an entry that is not corrected."""
    if entry.corrects is not None:
        raise Refusal(
            {
                "event_id": [
                    f"this entry is a correction; correct the event it corrects, "
                    f"{entry.corrects}, with its whole record again"
                ]
            },
            where="path",
        )
    if entry.kind not in KINDS["correction"].corrects:
        raise Refusal(
            {"event_id": [f"{article(entry.kind)} {entry.kind} is not corrected; post another {entry.kind}"]},
            where="path",
        )
    if entry.recorded_by != key["name"] and key["role"] not in CORRECTORS:
        raise Forbidden(
            {
                "event_id": [
                    f"only the key that recorded it ({entry.recorded_by}), or an editor's "
                    f"or admin's key, may correct it; {key['name']} is a {key['role']}"
                ]
            }
        )


# The roles that may correct what another key recorded (the database holds the same list:
# event_correction_by_recorder, migration 0012).
CORRECTORS = frozenset({"editor", "admin"})


def check_responder(
    kind: str, claimant: str, claimant_path: str, targets: dict[str, str], responding: dict
) -> dict[str, list[str]]:
    """Whether this claimant may answer `responding` (kind, claimant, targets and the sides of
    each) with an entry of this kind, and at these targets (slug: path)."""
    rules = KINDS[kind]
    name = rules.answering_name or kind
    errors: dict[str, list[str]] = {}
    speaker_sides = responding["claimant_sides"]
    if rules.said_by == "accused side":
        accused_sides = responding["target_sides"]
        if not on_side(claimant_path, accused_sides):
            state = named(accused_sides)
            accused = (
                ""
                if responding["targets"] == sides_named(accused_sides)
                else f", whose {' and '.join(responding['targets'])} "
                f"{'is' if len(responding['targets']) == 1 else 'are'} accused"
            )
            errors["claimant"] = [
                f"only the accused side ({state} and the actors beneath {'it' if len(accused_sides) == 1 else 'them'}"
                f"{accused}) may answer with {article(name)} {name}"
            ]
        elif on_side(claimant_path, speaker_sides):
            errors["claimant"] = [f"{claimant} is on the side of the accuser, {responding['claimant']}"]
    elif rules.said_by == "same side" and not on_side(claimant_path, speaker_sides):
        errors["claimant"] = [
            f"only the side that said it ({named(speaker_sides)} and the actors "
            f"beneath {'it' if len(speaker_sides) == 1 else 'them'}) may withdraw what {responding['claimant']} said"
        ]
    if rules.aimed_at and list(targets) != [responding[rules.aimed_at]]:
        errors["targets"] = [
            f"a {kind}'s target is the {rules.aimed_at} of what it answers, {responding[rules.aimed_at]}"
            + ("" if len(targets) == 1 else ", and it names no other")
        ]
    if rules.aimed_at_side:
        aimed = responding[f"{rules.aimed_at_side}_sides"]
        astray = [target for target, path in targets.items() if not on_side(path, aimed)]
        if astray:
            errors["targets"] = [
                f"{article(name)} {name} is aimed at the side of the {rules.aimed_at_side} of what it answers "
                f"({named(aimed)} and the actors beneath {'it' if len(aimed) == 1 else 'them'}); "
                f"{' and '.join(astray)} {'is' if len(astray) == 1 else 'are'} not on it"
            ]
    return errors


def assessment(thread: dict[str, list]):
    """The latest entry that assesses the incident (a review), or None."""
    assessing = [event for events in thread.values() for event in events if KINDS[event.kind].effect == "assesses"]
    return max(assessing, key=lambda event: event.seq, default=None)


def mismatch(text: str, quote: str) -> str:
    """Where a quote the text does not hold stops matching it: the longest start of the quote the
    text holds, and the character after it in each (the usual cause is a typographic apostrophe or
    quotation mark, or a space, that looks the same)."""
    low, high = 0, len(quote)  # the text holds quote[:low]; it does not hold quote[:high + 1]
    while low < high:
        middle = (low + high + 1) // 2
        if quote[:middle] in text:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        return f"its first character, {_character(quote[0])}, is nowhere in the source's text"
    at = text.find(quote[:low]) + low
    found = "the text ends there" if at == len(text) else f"the source's text has {_character(text[at])}"
    return (
        f"it matches the source's text for its first {low} characters (from character {at - low} of the text), "
        f"then the quote has {_character(quote[low])} where {found}"
    )


def _character(character: str) -> str:
    return f"{character!r} (U+{ord(character):04X})"


def find_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote stands in the source text, character for character (offsets in code points)."""
    start = text.find(quote)
    return None if start < 0 else (start, start + len(quote))
