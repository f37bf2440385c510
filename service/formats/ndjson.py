"""NDJSON: the same JSON shapes as the pages (wire.py), one record a line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

from service import days


def write(records: Iterable) -> Iterator[bytes]:
    for record in records:
        yield orjson.dumps(record, default=days.json, option=orjson.OPT_APPEND_NEWLINE)
