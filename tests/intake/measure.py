"""The assistant measured on the labelled reports of reports.yaml: claim recall and precision, and
how often each field of a found claim is right. `python -m tests.intake.measure` prints them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from service import assistant

HERE = Path(__file__).parent


def catalogue(labelled: dict) -> assistant.Catalogue:
    given = labelled["catalogue"]
    parents = {a["slug"]: a.get("parent") for a in given["actors"]}

    def side(slug: str) -> str:
        while parents.get(slug):
            slug = parents[slug]
        return slug

    return assistant.Catalogue(
        actors=[
            assistant.Actor(
                a["slug"], a["name"], a["kind"], a.get("country"), side(a["slug"]), tuple(a.get("aliases", ()))
            )
            for a in given["actors"]
        ],
        places=[assistant.Place(p["slug"], p["name"], tuple(p.get("aliases", ()))) for p in given["places"]],
        acts=[assistant.Act(a["slug"], a["label"], tuple(a.get("aliases", ()))) for a in given["acts"]],
    )


def load(name: str = "reports.yaml") -> dict:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def _party(proposed: dict, role: str, label) -> bool:
    entry = proposed["entry"]
    if isinstance(label, dict):
        named = proposed["to_add"].get(role, "").casefold()
        wanted = label["new"].casefold()
        return bool(named) and (wanted in named or named in wanted)
    if role == "target":
        return label in (entry.get("targets") or [])
    return entry.get(role) == label


@dataclass
class Figures:
    labelled: int = 0
    proposed: int = 0
    found: int = 0
    right: dict[str, list[bool]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    slowest_ms: float = 0.0

    def mark(self, name: str, ok: bool) -> None:
        self.right.setdefault(name, []).append(ok)

    @property
    def recall(self) -> float:
        return self.found / self.labelled

    @property
    def precision(self) -> float:
        return self.found / self.proposed if self.proposed else 0.0

    def rate(self, name: str) -> float:
        marks = self.right.get(name, [])
        return sum(marks) / len(marks) if marks else 1.0

    def lines(self) -> list[str]:
        out = [
            f"claims labelled {self.labelled}, proposed {self.proposed}, found {self.found}",
            f"recall {self.recall:.2f}  precision {self.precision:.2f}",
        ]
        out += [f"{name:<10} right {self.rate(name):.2f} of {len(marks)}" for name, marks in sorted(self.right.items())]
        out += [f"missed: {miss}" for miss in self.misses] + [f"extra: {extra}" for extra in self.extras]
        out.append(f"slowest report {self.slowest_ms:.1f} ms")
        return out


def measure(name: str = "reports.yaml") -> Figures:
    """The figures on one file of labelled reports, read with reports.yaml's catalogue."""
    known = catalogue(load())
    figures = Figures()
    for report in load(name)["reports"]:
        text = report["text"]
        started = time.perf_counter()
        answer = assistant.propose(text, known, source=report["name"], published=report["published"])
        figures.slowest_ms = max(figures.slowest_ms, (time.perf_counter() - started) * 1000)
        proposals = answer["proposals"]
        figures.labelled += len(report["claims"])
        figures.proposed += len(proposals)
        matched: dict[int, dict] = {}
        used: set[int] = set()
        for index, claim in enumerate(report["claims"]):
            at = text.index(claim["said_in"])
            for number, proposed in enumerate(proposals):
                sentence = proposed["sentence"]
                if (
                    number not in used
                    and proposed["entry"]["kind"] == claim["kind"]
                    and sentence["start"] <= at < sentence["end"]
                    and _party(proposed, "claimant", claim["claimant"])
                ):
                    matched[index] = proposed
                    used.add(number)
                    break
            else:
                figures.misses.append(f"{report['name']}: {claim['kind']} {claim['said_in']!r}")
        figures.found += len(matched)
        figures.extras += [
            f"{report['name']}: {p['entry']['kind']} by {p['entry']['claimant'] or p['to_add'].get('claimant')}"
            f" in {p['entry']['summary'][:60]!r}"
            for n, p in enumerate(proposals)
            if n not in used
        ]
        refs = {id(p): p["entry"]["ref"] for p in matched.values()}
        for index, proposed in matched.items():
            claim, entry = report["claims"][index], proposed["entry"]
            if "targets" in claim:
                # Every accused the report names, and no other.
                named = entry.get("targets") or []
                figures.mark(
                    "target",
                    all(_party(proposed, "target", label) for label in claim["targets"])
                    and len(named) <= len(claim["targets"]),
                )
            if "act" in claim:
                figures.mark("act", entry.get("act") == claim["act"])
            if "places" in claim:
                figures.mark("places", entry.get("locations") == claim["places"])
            if "day" in claim:
                first, last = (d.isoformat() if isinstance(d, date) else d for d in claim["day"])
                figures.mark("time", (entry.get("occurred_from"), entry.get("occurred_to")) == (first, last))
            figures.mark("quotes", sorted(q["text"] for q in entry["quotes"]) == sorted(claim.get("quotes", [])))
            answered = matched.get(claim["answers"]) if "answers" in claim else None
            wanted = "#" + refs[id(answered)] if answered is not None else None
            figures.mark("link", entry.get("responds_to") == wanted)
    return figures


if __name__ == "__main__":
    for name in ("reports.yaml", "held_out.yaml"):
        print(f"-- {name}")
        print("\n".join(measure(name).lines()))
