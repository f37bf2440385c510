"""Times as precise as the source gives them: an instant with its UTC offset, or a day alone.

A report that says "on 12 October" gives a calendar day, not a midnight somewhere. Such a day is
stored as the instant that bounds it in UTC — its first microsecond where it opens an interval or
stands for a moment, its last where it closes an interval or dates a statement — with no UTC
offset beside it (migration 0021). It is read back as a `Day`: a datetime at that bound, so it
compares, sorts and counts as a moment of that day, and is written as the date alone. A month or
a year alone bounds an interval: "in July 2008" is occurred_from 2008-07-01, occurred_to
2008-07-31."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time
from typing import Literal

Bound = Literal["first", "last"]

DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
YEAR = re.compile(r"(\d{4})\Z")


class Day(datetime):
    """A calendar day the source gives without a clock, held at the UTC instant that bounds it."""

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return self.date().isoformat()

    def __str__(self) -> str:
        return self.isoformat()

    def instant(self) -> datetime:
        """The bound as a plain instant: moved by any amount it is no longer a day."""
        return datetime.combine(self.date(), self.timetz())

    def first(self) -> datetime:
        return datetime.combine(self.date(), time.min, UTC)

    def __add__(self, other):
        return self.instant() + other

    __radd__ = __add__

    def __sub__(self, other):
        return self.instant() - other

    def astimezone(self, tz=None) -> datetime:  # type: ignore[override]
        return self.instant().astimezone(tz)

    def replace(self, *args, **kwargs) -> datetime:  # type: ignore[override]
        return self.instant().replace(*args, **kwargs)


def day(on: date, bound: Bound) -> Day:
    moment = time.min if bound == "first" else time.max
    return Day.combine(on, moment, UTC)


def of(instant: datetime) -> Day:
    """The day whose bound `instant` is, as the store gives it back (at any offset)."""
    utc = datetime.astimezone(instant, UTC)
    return Day.combine(utc.date(), utc.time(), UTC)


def earliest(moment: datetime) -> datetime:
    """The first moment a time may stand for: a day's first microsecond, an instant itself."""
    return moment.first() if isinstance(moment, Day) else moment


def latest(moment: datetime) -> datetime:
    """The last moment a time may stand for: a day's last microsecond, an instant itself."""
    return datetime.combine(moment.date(), time.max, UTC) if isinstance(moment, Day) else moment


def parse(text: str, bound: Bound, spans: bool = False) -> datetime:
    """An instant (RFC 3339, with its offset kept) or a day from its text; a month or a year alone
    where the time bounds an interval (`spans`). Raises ValueError saying what was wrong."""
    if found := DATE.match(text):
        return day(date(*map(int, found.groups())), bound)
    if (found := MONTH.match(text)) or (found := YEAR.match(text)):
        if not spans:
            raise ValueError(
                f"{text} is a {'month' if len(text) == 7 else 'year'}, not a moment: give the day (or the instant), "
                "and say in time_note what the source gives"
            )
        year, month = int(found.group(1)), int(found.group(2)) if len(text) == 7 else None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"{text} has no month {month}")
        if bound == "first":
            return day(date(year, month or 1, 1), bound)
        last_month = month or 12
        return day(date(year, last_month, calendar.monthrange(year, last_month)[1]), bound)
    return datetime.fromisoformat(text)


def json(value):
    """orjson's fallback: a Day (a datetime subclass, which orjson does not write) as its date."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
