"""A ceasefire's timeline: allegations by accusing side, a bar a day (or an hour, when they all
fall within a few days), as SVG drawn by the service, with the moment the ceasefire took effect
marked. Drawn from the counts (store/counts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.store.counts import Bucket
from service.store.names import Names

# The days either side of the moment a ceasefire took effect: a month around it.
AROUND = timedelta(days=15)
# Allegations that all fall within this are drawn by the hour: a day's bar would hide their order
# against the moment of effect.
SHORT = timedelta(days=3)
WIDTH, HEIGHT, MARGIN = 720, 220, 28
# Each side has a fill and a pattern, so the sides differ by more than colour.
STYLES = [("#8a1c00", "solid"), ("#0b4f8a", "hatched"), ("#35510b", "dotted"), ("#4a4a4a", "crossed")]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    side: int
    count: int
    label: str  # the bucket's start: a UTC day, or a UTC hour


@dataclass
class Chart:
    start: datetime
    end: datetime  # the end of the last bucket: exclusive
    bars: list[Bar]
    sides: list[tuple[str, str, str, str]]  # slug, name, fill, pattern
    marker_x: float | None
    most: int
    step: str  # "hour" or "day"
    first: str  # the first and the last bucket's label
    last: str
    width: int = WIDTH
    height: int = HEIGHT
    margin: int = MARGIN


def window(ceasefire: dict) -> dict | None:
    """The filters of the month around the moment the ceasefire took effect (or, if that is not
    known, was agreed); None when neither is known, and there is no moment to draw it around."""
    moment = ceasefire.get("effective_at") or ceasefire.get("agreed_at")
    if moment is None:
        return None
    return {"occurred_after": moment - AROUND, "occurred_before": moment + AROUND}


def chart(buckets: list[Bucket], ceasefire: dict, names: Names) -> Chart | None:
    """From the window's hourly buckets: bars by hour when every allegation falls within SHORT
    (over the whole days around them and the moment of effect), else by day over the window."""
    alleged = [bucket.start for bucket in buckets if any(bucket.counts.values())]
    if not alleged:
        return None
    effective = ceasefire.get("effective_at")
    moment = effective or ceasefire["agreed_at"]
    if alleged[-1] - alleged[0] < SHORT:
        first, last = _day(min(alleged[0], moment)), _day(max(alleged[-1], moment)) + timedelta(days=1)
        buckets = [bucket for bucket in buckets if first <= bucket.start < last]
        step = timedelta(hours=1)
    else:
        buckets, step = _days(buckets), timedelta(days=1)
    start, end = buckets[0].start, buckets[-1].start + step
    sides = sorted({side for bucket in buckets for side in bucket.counts})
    most = max((n for bucket in buckets for n in bucket.counts.values()), default=0) or 1
    plot = WIDTH - 2 * MARGIN
    slot = plot / len(buckets)
    bar_width = slot * 0.8 / max(len(sides), 1)
    label = "%Y-%m-%dT%H:00Z" if step < timedelta(days=1) else "%Y-%m-%d"
    bars = []
    for index, bucket in enumerate(buckets):
        for position, side in enumerate(sides):
            count = bucket.counts.get(side, 0)
            height = (HEIGHT - 2 * MARGIN) * count / most
            bars.append(
                Bar(
                    MARGIN + index * slot + slot * 0.1 + position * bar_width,
                    HEIGHT - MARGIN - height,
                    bar_width,
                    height,
                    position,
                    count,
                    bucket.start.strftime(label),
                )
            )
    marker = None if effective is None else MARGIN + plot * (effective - start) / (end - start)
    styled = [
        (side, names.actors[side].name if side in names.actors else side, *STYLES[n % len(STYLES)])
        for n, side in enumerate(sides)
    ]
    return Chart(
        start,
        end,
        bars,
        styled,
        marker,
        most,
        "hour" if step < timedelta(days=1) else "day",
        buckets[0].start.strftime(label),
        buckets[-1].start.strftime(label),
    )


def _day(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _days(hours: list[Bucket]) -> list[Bucket]:
    """Hourly buckets summed into UTC days (the first and last day may be partial windows)."""
    days: dict[datetime, dict[str, int]] = {}
    for bucket in hours:
        day = days.setdefault(_day(bucket.start), {})
        for side, n in bucket.counts.items():
            day[side] = day.get(side, 0) + n
    return [Bucket(start, counts) for start, counts in days.items()]
