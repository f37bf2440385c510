"""Times with the UTC offset they were given with, or none: a day alone.

PostgreSQL's timestamptz keeps the instant and drops the offset; each time column has a
`<name>_offset` beside it (minutes east of UTC, migration 0010), and reads put the two together
again, so "12:00+04:00" comes back as it was said. A NULL offset marks a day alone, stored at the
UTC instant that bounds it (migration 0021, service/days.py); where a moment may be a month or a
year alone, a `<name>_unit` column says so (migration 0029)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from typing import overload

from service import days


def offset(instant: datetime | None) -> int | None:
    """Minutes east of UTC of an aware instant; None for a day alone, 0 for no time at all."""
    if isinstance(instant, days.Day):
        return None
    utcoffset = None if instant is None else instant.utcoffset()
    return 0 if utcoffset is None else int(utcoffset.total_seconds() // 60)


@cache
def _zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def local(instant: datetime | None, minutes: int | None, unit: str | None = None) -> datetime | None:
    if instant is None:
        return None
    if minutes is None:
        return days.of(instant, unit or "day")
    return instant.astimezone(_zone(minutes)) if minutes else instant


@overload
def localise(row: dict, *names: str) -> dict: ...
@overload
def localise(row: None, *names: str) -> None: ...


def localise(row: dict | None, *names: str) -> dict | None:
    """The row with each named time at its own offset (or as its day, month or year), and the
    offset and unit columns gone."""
    if row is None:
        return None
    for name in names:
        row[name] = local(row[name], row.pop(f"{name}_offset"), row.pop(f"{name}_unit", None))
    return row
