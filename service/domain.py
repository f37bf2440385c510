"""The rules of the log that need no database: who may deny whom, time order, incident status.

The database enforces the same rules (migrations/versions/0001_event_log.py); checking them here
first lets the API and the seed loader name every broken rule at once, by field.
"""

from __future__ import annotations

from datetime import datetime


class Refusal(ValueError):
    """A report that breaks the rules; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]], title: str = "Invalid body"):
        self.errors = errors
        self.title = title
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))


def within(path: str, ancestor: str) -> bool:
    """Whether the actor or location at `path` is `ancestor` itself or beneath it (ltree paths)."""
    return path == ancestor or path.startswith(ancestor + ".")


def side(path: str) -> str:
    """The top-level actor an actor belongs to (its side): a state for its ministries and officials."""
    return path.split(".", 1)[0]


def incident_status(denial_count: int) -> str:
    return "disputed" if denial_count else "uncontested"


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


def check_response(kind: str, claimant: str, claimant_path: str, target: str,
                   responding: dict | None) -> dict[str, list[str]]:
    """`responding` is the event responded to: kind, claimant, claimant_path, target and target_path.
    The accused side is the tree of the target's top-level actor, less the accuser's own side."""
    if responding is None:
        return {"responds_to": ["a denial must respond to an accusation"]} if kind == "denial" else {}
    if responding["kind"] != "accusation":
        return {"responds_to": ["only an accusation can be answered; this event is a denial"]}
    if kind != "denial":
        return {}
    errors: dict[str, list[str]] = {}
    accused_side = side(responding["target_path"])
    if not within(claimant_path, accused_side):
        errors["claimant"] = [
            f"only the accused side (the actors of {accused_side.replace('_', '-')}, whose "
            f"{responding['target']} is accused) may deny this accusation"
        ]
    elif within(claimant_path, side(responding["claimant_path"])):
        errors["claimant"] = [f"{claimant} is on the side of the accuser, {responding['claimant']}"]
    if target != responding["claimant"]:
        errors["target"] = [f"a denial's target is the accuser, {responding['claimant']}"]
    return errors


def find_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where the quote stands in the source text, character for character (offsets in code points)."""
    start = text.find(quote)
    return None if start < 0 else (start, start + len(quote))
