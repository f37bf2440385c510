"""Instants with the UTC offset they were given with.

PostgreSQL's timestamptz keeps the instant and drops the offset; each instant column has a
`<name>_offset` beside it (minutes east of UTC, migration 0010), and reads put the two together
again, so "12:00+04:00" comes back as it was said."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from typing import overload


def offset(instant: datetime | None) -> int:
    """Minutes east of UTC of an aware instant (0 for none)."""
    utcoffset = None if instant is None else instant.utcoffset()
    return 0 if utcoffset is None else int(utcoffset.total_seconds() // 60)


@cache
def _zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def local(instant: datetime | None, minutes: int) -> datetime | None:
    if instant is None or not minutes:
        return instant
    return instant.astimezone(_zone(minutes))


@overload
def localise(row: dict, *names: str) -> dict: ...
@overload
def localise(row: None, *names: str) -> None: ...


def localise(row: dict | None, *names: str) -> dict | None:
    """The row with each named instant at its own offset, and the offset columns gone."""
    if row is None:
        return None
    for name in names:
        row[name] = local(row[name], row.pop(f"{name}_offset"))
    return row
