"""Times a report gives relative to its publication ("on Friday", "overnight", "on 14 March"),
resolved to days, with a note saying how, so that a person can check the reading."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTH = "|".join(MONTHS) + "|" + "|".join(m[:3] for m in MONTHS) + r"|Sept"

PATTERN = re.compile(
    rf"""(?<![\w-])(?:
        (?:(?:late|early)\s+)?(?:on\s+)?(?P<weekday>{"|".join(WEEKDAYS)})(?:\s+(?:night|morning|evening|afternoon))?
      | (?:on\s+)?(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH})\.?(?:\s+(?P<year>\d{{4}}))?
      | (?:on\s+)?(?P<month2>{_MONTH})\.?\s+(?P<day2>\d{{1,2}})(?:,?\s+(?P<year2>\d{{4}}))?
      | (?P<overnight>overnight|last\s+night|during\s+the\s+night|(?:in|over)\s+the\s+(?:past|last)\s+24\s+hours)
      | (?P<yesterday>yesterday)
      | (?P<today>today|this\s+morning|earlier\s+today|this\s+afternoon|tonight)
      | (?P<lastweek>last\s+week|(?:in|over)\s+the\s+(?:past|last)\s+(?:week|seven\s+days))
    )(?![\w-])""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True)
class When:
    start: int
    end: int
    first: date | None
    last: date | None
    precision: str
    note: str


def _month(name: str) -> int:
    return next(i for i, m in enumerate(MONTHS, 1) if m.lower().startswith(name.lower()[:3]))


def _said_on(published: date) -> str:
    return f"a report published on {published.strftime('%A')} {published.day} {published.strftime('%B %Y')}"


def find(text: str, published: date | None) -> list[When]:
    """Every time the text gives, resolved against the publication date where it is relative;
    without one, only dates that carry their year resolve."""
    found = []
    for match in PATTERN.finditer(text):
        said = match[0].strip()
        first = last = None
        precision = "day"
        if match["weekday"] and published:
            back = (published.weekday() - WEEKDAYS.index(match["weekday"].capitalize())) % 7
            first = last = published - timedelta(days=back)
        elif match["day"] or match["day2"]:
            day = int(match["day"] or match["day2"])
            month = _month(match["month"] or match["month2"])
            year = match["year"] or match["year2"]
            try:
                if year:
                    first = date(int(year), month, day)
                elif published:
                    first = date(published.year, month, day)
                    if first > published:
                        first = date(published.year - 1, month, day)
            except ValueError:
                continue
            last = first
        elif match["overnight"] and published:
            first, last = published - timedelta(days=1), published
        elif match["yesterday"] and published:
            first = last = published - timedelta(days=1)
        elif match["today"] and published:
            first = last = published
        elif match["lastweek"] and published:
            first, last, precision = published - timedelta(days=7), published - timedelta(days=1), "week"
        if first is None:
            continue
        if match["year"] or match["year2"] or published is None:
            note = f"'{said}' as the report gives it"
        else:
            note = f"'{said}' in {_said_on(published)}"
        found.append(When(match.start(), match.end(), first, last, precision, note))
    return found
