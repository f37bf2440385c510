"""Times as precise as the source gives them: an instant with its UTC offset, or a day alone.

A report that says "on 12 October" gives a calendar day, not a midnight somewhere. Such a day is
stored as the instant that bounds it in UTC — its first microsecond where it opens an interval or
stands for a moment, its last where it closes an interval or dates a statement — with no UTC
offset beside it (migration 0021). It is read back as a `Day`: a datetime at that bound, so it
compares, sorts and counts as a moment of that day, and is written as the date alone. A month or
a year alone bounds an interval: "in July 2008" is occurred_from 2008-07-01, occurred_to
2008-07-31. Where a time is a moment (a statement's, a source's publication), a month or a year
alone is that: a `Month` or a `Year`, held at the bound of its span and written as "2008-07" or
"2008" (migration 0029 keeps its unit beside it)."""

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

    unit = "day"

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return self.date().isoformat()[: WIDTHS[self.unit]]

    def __str__(self) -> str:
        return self.isoformat()

    def instant(self) -> datetime:
        """The bound as a plain instant: moved by any amount it is no longer a day."""
        return datetime.combine(self.date(), self.timetz())

    def first(self) -> datetime:
        """The first microsecond of its span."""
        return datetime.combine(_first_day(self.date(), self.unit), time.min, UTC)

    def last(self) -> datetime:
        """The last microsecond of its span."""
        return datetime.combine(_last_day(self.date(), self.unit), time.max, UTC)

    def __add__(self, other):
        return self.instant() + other

    __radd__ = __add__

    def __sub__(self, other):
        return self.instant() - other

    def astimezone(self, tz=None) -> datetime:  # type: ignore[override]
        return self.instant().astimezone(tz)

    def replace(self, *args, **kwargs) -> datetime:  # type: ignore[override]
        return self.instant().replace(*args, **kwargs)


class Month(Day):
    """A month the source gives alone, as the moment of a statement or a publication."""

    unit = "month"


class Year(Day):
    """A year the source gives alone."""

    unit = "year"


UNITS: dict[str, type[Day]] = {"day": Day, "month": Month, "year": Year}
WIDTHS = {"day": 10, "month": 7, "year": 4}


def _first_day(on: date, unit: str) -> date:
    return on.replace(day=1) if unit == "month" else on.replace(month=1, day=1) if unit == "year" else on


def _last_day(on: date, unit: str) -> date:
    if unit == "year":
        return on.replace(month=12, day=31)
    if unit == "month":
        return on.replace(day=calendar.monthrange(on.year, on.month)[1])
    return on


def day(on: date, bound: Bound, unit: str = "day") -> Day:
    """The day (or the month or year) `on` falls in, held at its `bound`."""
    if bound == "first":
        return UNITS[unit].combine(_first_day(on, unit), time.min, UTC)
    return UNITS[unit].combine(_last_day(on, unit), time.max, UTC)


def of(instant: datetime, unit: str = "day") -> Day:
    """The day (month, year) whose bound `instant` is, as the store gives it back (at any offset)."""
    utc = datetime.astimezone(instant, UTC)
    return UNITS[unit].combine(utc.date(), utc.time(), UTC)


def unit(moment: datetime | None) -> str | None:
    """The span a time alone stands for, when it is longer than a day (as the store keeps it)."""
    return moment.unit if isinstance(moment, Day) and moment.unit != "day" else None


def earliest(moment: datetime) -> datetime:
    """The first moment a time may stand for: a span's first microsecond, an instant itself."""
    return moment.first() if isinstance(moment, Day) else moment


def latest(moment: datetime) -> datetime:
    """The last moment a time may stand for: a span's last microsecond, an instant itself."""
    return moment.last() if isinstance(moment, Day) else moment


def bounded(moment: datetime, bound: Bound) -> datetime:
    """The same time at its other bound, where it is a span (a day, month or year alone)."""
    return day(moment.date(), bound, moment.unit) if isinstance(moment, Day) else moment


def parse(text: str, bound: Bound, spans: bool = False) -> datetime:
    """An instant (RFC 3339, with its offset kept), a day, a month or a year from its text. Where
    the time bounds an interval (`spans`), a month or a year is the day that opens or closes it;
    where it is a moment, a Month or a Year. Raises ValueError saying what was wrong."""
    if found := DATE.match(text):
        return day(date(*map(int, found.groups())), bound)
    if (found := MONTH.match(text)) or (found := YEAR.match(text)):
        year, month = int(found.group(1)), int(found.group(2)) if len(text) == 7 else None
        if month is not None and not 1 <= month <= 12:
            raise ValueError(f"{text} has no month {month}")
        moment = day(date(year, month or 1, 1), bound, "month" if month else "year")
        return of(moment) if spans else moment
    return datetime.fromisoformat(text)


def json(value):
    """orjson's fallback: a Day (a datetime subclass, which orjson does not write) as its date."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
