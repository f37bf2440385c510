"""The rules of the log in Python words: one row per kind of entry, and the checks that need no
database (who may respond to whom, time order, incident status).

The database enforces the same rules (migrations 0001 and 0008); checking them here first lets
the API and the seed loader name every broken rule at once, by field. A new kind of entry is a
new row of KINDS, not a new `if` in store/events.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# What a response takes from the accusation it answers when the report leaves it out.
SITUATION = ("act", "locations", "occurred_from", "occurred_to", "time_precision", "ceasefire")
# What every event must have once a response has inherited (a ceasefire is optional).
REQUIRED = ("target", "act", "locations", "occurred_from", "occurred_to", "time_precision")


@dataclass(frozen=True)
class Kind:
    name: str
    # The kinds of entry it may respond to, and whether it must respond to one.
    answers: frozenset[str]
    must_answer: bool
    # Who may say it, of the actors around the statement it answers: "accused side" (the tree of
    # the accused's top-level actor, less the accuser's), "same side" (the tree of the top-level
    # actor of the statement's claimant) or "anyone" (but never its own hierarchy).
    said_by: str
    # Whom it is about when it answers a statement: the statement's "claimant" (a denial is aimed
    # at the accuser) or its "target" (a retraction is about whom the statement was about).
    aimed_at: str | None
    # What it takes from the accusation when the report leaves it out.
    inherits: tuple[str, ...]
    # Where it sits in an incident's thread.
    in_thread: str
    # Whether a statement may be answered by at most one entry of this kind.
    once: bool = False


KINDS = {
    "accusation": Kind("accusation", answers=frozenset({"accusation"}), must_answer=False, said_by="anyone",
                       aimed_at=None, inherits=(), in_thread="counter_accusations"),
    "denial": Kind("denial", answers=frozenset({"accusation"}), must_answer=True, said_by="accused side",
                   aimed_at="claimant", inherits=SITUATION, in_thread="denials"),
    "retraction": Kind("retraction", answers=frozenset({"accusation", "denial"}), must_answer=True,
                       said_by="same side", aimed_at="target", inherits=SITUATION, in_thread="retractions",
                       once=True),
}


class Refusal(ValueError):
    """A report that breaks the rules; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]], title: str = "Invalid body"):
        self.errors = errors
        self.title = title
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))


def within(path: str, ancestor: str) -> bool:
    """Whether the actor or location at `path` is `ancestor` itself or beneath it (ltree paths)."""
    return path == ancestor or path.startswith(ancestor + ".")


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def side(path: str) -> str:
    """The top-level actor an actor belongs to (its side): a state for its ministries and officials."""
    return path.split(".", 1)[0]


def check_times(occurred_from: datetime, occurred_to: datetime, stated_at: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if occurred_from > occurred_to:
        errors["occurred_to"] = ["must not be before occurred_from"]
    if stated_at < occurred_from:
        errors["stated_at"] = ["a statement cannot predate the act it describes (occurred_from)"]
    return errors


def check_parties(claimant: str, claimant_path: str, target: str, target_path: str) -> dict[str, list[str]]:
    if claimant == target:
        return {"target": ["a claimant never accuses itself: claimant and target are the same actor"]}
    if within(target_path, claimant_path) or within(claimant_path, target_path):
        return {"target": [f"{claimant} and {target} are in one hierarchy; a claimant never accuses its own side"]}
    return {}


def check_answers(kind: str, responding: dict | None) -> dict[str, list[str]]:
    """Whether an entry of this kind may respond to `responding` (None: to nothing)."""
    rules = KINDS[kind]
    allowed = " or ".join(f"{article(name)} {name}" for name in sorted(rules.answers))
    if responding is None:
        return {"responds_to": [f"a {kind} must respond to {allowed}: give its id"]} if rules.must_answer else {}
    if responding["kind"] not in rules.answers:
        return {"responds_to": [f"a {kind} can answer only {allowed}; this event is {article(responding['kind'])} "
                                f"{responding['kind']}"]}
    if rules.once and kind in responding["answered_by"]:
        return {"responds_to": [f"this {responding['kind']} has a {kind} already; a statement takes only one"]}
    return {}


def check_responder(kind: str, claimant: str, claimant_path: str, target: str, responding: dict) -> dict[str, list[str]]:
    """Whether this claimant may answer `responding` (kind, claimant, claimant_path, target,
    target_path) with an entry of this kind, and at this target."""
    rules = KINDS[kind]
    errors: dict[str, list[str]] = {}
    speaker_side = side(responding["claimant_path"])
    if rules.said_by == "accused side":
        accused_side = side(responding["target_path"])
        if not within(claimant_path, accused_side):
            errors["claimant"] = [
                f"only the accused side (the actors of {accused_side.replace('_', '-')}, whose "
                f"{responding['target']} is accused) may answer with a {kind}"
            ]
        elif within(claimant_path, speaker_side):
            errors["claimant"] = [f"{claimant} is on the side of the accuser, {responding['claimant']}"]
    elif rules.said_by == "same side" and not within(claimant_path, speaker_side):
        errors["claimant"] = [f"only the side that said it (the actors of {speaker_side.replace('_', '-')}) "
                              f"may withdraw what {responding['claimant']} said"]
    if rules.aimed_at and target != responding[rules.aimed_at]:
        errors["target"] = [f"a {kind}'s target is the {rules.aimed_at} of what it answers, "
                            f"{responding[rules.aimed_at]}"]
    return errors


def incident_status(accusation_id, denials: list, retracted: set) -> str:
    """Derived from the thread, never stored: retracted when its accusation has been withdrawn;
    disputed while a denial that has not been withdrawn answers it; uncontested otherwise.
    `retracted` holds the ids of the thread's statements that were withdrawn."""
    if accusation_id in retracted:
        return "retracted"
    if any(denial.id not in retracted for denial in denials):
        return "disputed"
    return "uncontested"


def find_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote stands in the source text, character for character (offsets in code points)."""
    start = text.find(quote)
    return None if start < 0 else (start, start + len(quote))
