"""SQL, one module per aggregate: a connection in, rows or dataclasses out."""

from datetime import datetime

import psycopg
from psycopg import Connection as _Connection
from psycopg.rows import DictRow
from psycopg.types.datetime import DatetimeDumper

from service import days

# Every connection the service opens reads rows as dicts (pipeline/db.py CONNECT_KWARGS).
Connection = _Connection[DictRow]


class _DayDumper(DatetimeDumper):
    """A day alone goes to PostgreSQL as the instant that bounds it (service/days.py): its own
    text is the date, which PostgreSQL would read as a midnight (COPY writes text)."""

    def dump(self, obj: datetime) -> bytes:
        return datetime.isoformat(obj).encode()


psycopg.adapters.register_dumper(days.Day, _DayDumper)


def one(row: DictRow | None) -> DictRow:
    """The row of a statement that always answers one (an aggregate, a RETURNING)."""
    if row is None:
        raise LookupError("a statement that answers one row answered none")
    return row


def first_line(error: BaseException) -> str:
    """An error's first line, for a log line or a one-line answer (a database's message runs on)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
