"""CSV (RFC 4180): a header of the columns in formats/rows.py, then one row a record. Lists are
joined with '; ' (quotes, which may hold anything, one a line), absent values are empty cells,
and every line ends in CRLF, as the RFC says and spreadsheets expect.

A text cell that a spreadsheet would run as a formula (one beginning with =, +, -, @, a tab or a
carriage return: OWASP's CSV injection) is written with a leading apostrophe, which spreadsheets
show as text and do not run; numbers are written as they are."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

# Rows are written to the buffer and handed on in chunks of about this many bytes: a yield per
# row made the response a stream of tiny writes.
CHUNK = 64 * 1024


def write(records: Iterable, columns: dict, row: Callable[[object], dict]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(name, value) for name, value in row(record).items()])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(name: str, value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ("\n" if name == "quotes" else "; ").join(value)
    if isinstance(value, str) and value.startswith(FORMULA):
        return "'" + value
    return value
