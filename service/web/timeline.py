"""A ceasefire's timeline: allegations a day by accusing side, as SVG bars drawn by the service,
with the moment the ceasefire took effect marked. Drawn from the counts (store/counts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..store.counts import Bucket
from ..store.names import Names

# The days either side of the moment a ceasefire took effect: a month around it.
AROUND = timedelta(days=15)
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
    day: str


@dataclass
class Chart:
    start: datetime
    end: datetime  # the end of the last day: exclusive
    bars: list[Bar]
    sides: list[tuple[str, str, str, str]]  # slug, name, fill, pattern
    marker_x: float | None
    most: int
    width: int = WIDTH
    height: int = HEIGHT
    margin: int = MARGIN


def window(ceasefire: dict) -> dict:
    """The filters of the month around the ceasefire's effective time (its whole life if unknown)."""
    effective = ceasefire.get("effective_at")
    if effective is None:
        return {}
    return {"occurred_after": effective - AROUND, "occurred_before": effective + AROUND}


def chart(buckets: list[Bucket], ceasefire: dict, names: Names) -> Chart | None:
    if not buckets:
        return None
    start, end = buckets[0].start, buckets[-1].start + timedelta(days=1)
    sides = sorted({side for bucket in buckets for side in bucket.counts})
    most = max((n for bucket in buckets for n in bucket.counts.values()), default=0) or 1
    plot = WIDTH - 2 * MARGIN
    day_width = plot / len(buckets)
    bar_width = day_width * 0.8 / max(len(sides), 1)
    bars = []
    for index, bucket in enumerate(buckets):
        for position, side in enumerate(sides):
            count = bucket.counts.get(side, 0)
            height = (HEIGHT - 2 * MARGIN) * count / most
            bars.append(Bar(MARGIN + index * day_width + day_width * 0.1 + position * bar_width,
                            HEIGHT - MARGIN - height, bar_width, height, position, count, bucket.start.date().isoformat()))
    effective = ceasefire.get("effective_at")
    marker = None if effective is None else MARGIN + plot * (effective - start) / (end - start)
    styled = [(side, names.actors[side].name if side in names.actors else side, *STYLES[n % len(STYLES)])
              for n, side in enumerate(sides)]
    return Chart(start, end, bars, styled, marker, most)
