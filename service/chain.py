"""The log's hash chain, recomputed: each entry's hash is SHA-256 of the previous entry's hash (32
zero bytes before the first) and the entry's canonical form. The database computes it as entries
are committed (migration 0014, entry_canonical); this is the same computation in Python, for
`ceasefire-log verify`, and the few lines the README gives anyone to check a log with.

The canonical form is a JSON object of what GET /v1/events shows of an entry, with every null or
empty field left out, keys ordered shortest first (then alphabetically), as PostgreSQL's jsonb
writes it. Instants are microseconds since 1970-01-01T00:00:00Z with their UTC offsets in minutes;
a day alone ("2020-10-12") is the microsecond that bounds it in UTC (occurred_from: its first,
occurred_to and stated_at: its last) with no offset, and a statement's month or year alone the
last microsecond of its span with `stated_at_unit`; quotes are [text, start, end]; casualties an object of the counts given;
`targets` and `acts` (whole lists) only where an entry names more than one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from service import days

GENESIS = bytes(32)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
# Where each time's day alone is held: service/days.py.
INSTANTS: dict[str, days.Bound] = {"occurred_from": "first", "occurred_to": "last", "stated_at": "last"}


def canonical(entry: Mapping) -> bytes:
    """An entry (as GET /v1/events shows it: a JSON object, or a store Event's fields) in its
    canonical form."""
    fields = {
        name: entry.get(name)
        for name in (
            "seq",
            "kind",
            "claimant",
            "target",
            "act",
            "time_precision",
            "time_note",
            "ceasefire",
            "summary",
            "source",
            "recorded_by",
            "verdict",
            "channel",
            "channel_name",
            "via",
            "violations",
        )
    }
    fields |= {name: _text(entry.get(name)) for name in ("id", "responds_to", "corrects", "cites", "voids")}
    for name in ("targets", "acts"):
        # A list appears only where an entry names more than one: hashes of entries written
        # before lists stay as they were.
        listed = list(entry.get(name) or [])
        fields[name] = listed if len(listed) > 1 else None
    fields["locations"] = list(entry.get("locations") or []) or None
    fields["quotes"] = [[quote["text"], quote["start"], quote["end"]] for quote in entry.get("quotes") or []] or None
    for name, bound in INSTANTS.items():
        instant = _instant(entry.get(name), bound, spans=name != "stated_at")
        fields[name] = _micros(instant)
        offset = None if instant is None or isinstance(instant, days.Day) else instant.utcoffset()
        fields[f"{name}_offset"] = None if offset is None else offset // timedelta(minutes=1)
    fields["stated_at_unit"] = days.unit(_instant(entry.get("stated_at"), "last", spans=False))
    fields["recorded_at"] = _micros(_instant(entry.get("recorded_at"), "first"))
    fields["casualties"] = _ordered(entry.get("casualties") or {}) or None
    return json.dumps(_ordered(fields), ensure_ascii=False).encode()


def _ordered(fields: Mapping) -> dict:
    """The fields that are not null, in jsonb's order: shortest name first, then alphabetically."""
    return {name: fields[name] for name in _jsonb_order(tuple(fields)) if fields[name] is not None}


# Bounded: an archive being verified may hold casualties under any names.
@lru_cache(maxsize=64)
def _jsonb_order(names: tuple[str, ...]) -> tuple[str, ...]:
    # Every entry's form has the same names in the same order: sorted once, not once an entry
    # (sorting them was a sixth of `verify`'s time).
    return tuple(sorted(names, key=lambda name: (len(name), name)))


def link(previous: bytes | None, entry: Mapping) -> bytes:
    """The hash of `entry`, chained after the entry whose hash is `previous` (None: the first)."""
    return hashlib.sha256((previous or GENESIS) + canonical(entry)).digest()


@dataclass(frozen=True)
class Break:
    """The first entry whose hash is not what the chain up to it makes it."""

    seq: int
    id: str
    held: str | None
    recomputed: str

    def __str__(self) -> str:
        held = self.held or "no hash"
        return f"seq {self.seq} (entry {self.id}): it holds {held}, the chain makes it {self.recomputed}"


def verify(entries: Iterable[Mapping]) -> tuple[int, str | None, Break | None]:
    """Walk `entries` in seq order: how many matched, the last hash, and the first break (None)."""
    previous, matched = None, 0
    for entry in entries:
        recomputed = link(previous, entry)
        if entry.get("hash") != recomputed.hex():
            return (
                matched,
                previous.hex() if previous else None,
                Break(entry["seq"], str(entry["id"]), entry.get("hash"), recomputed.hex()),
            )
        previous, matched = recomputed, matched + 1
    return matched, previous.hex() if previous else None, None


def _text(value) -> str | None:
    return None if value is None else str(value)


def _instant(value, bound: days.Bound, spans: bool = True) -> datetime | None:
    return days.parse(value, bound, spans) if isinstance(value, str) else value


def _micros(instant: datetime | None) -> int | None:
    return None if instant is None else (instant - EPOCH) // MICROSECOND
