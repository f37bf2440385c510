"""The bulk path into the log: entries COPYed into staging tables, then written with a few
set-based statements a batch, through the same tables, constraints and triggers as every append.

It serves the import of a whole log (archive.py), which keeps each entry's id, seq and recording
time, and the benchmark's synthetic loader, which lets the log number its entries. Slugs are
resolved in the database; an entry naming a slug, or an entry, that the log does not hold is
refused with its line before anything of its batch is written. When the database refuses a
batch, the batch is written again entry by entry, each in a savepoint, to name the first line
it refuses; the caller's transaction then holds nothing of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import psycopg
from psycopg import sql

from service import days
from service.domain import CASUALTIES
from service.store import Connection, first_line
from service.store.events import HEAD_SEQ, search
from service.store.instants import offset

STAGE = """
CREATE TEMP TABLE IF NOT EXISTS bulk_entry (
    line bigint PRIMARY KEY, id uuid NOT NULL, seq bigint, kind text, claimant text, targets text[],
    responds_to uuid, corrects uuid, acts text[], occurred_from timestamptz, occurred_to timestamptz,
    time_precision text, time_note text, stated_at timestamptz, ceasefire text, summary text, source text, quoted text,
    verdict text, recorded_by text, recorded_at timestamptz,
    occurred_from_offset integer, occurred_to_offset integer, stated_at_offset integer, stated_at_unit text,
    channel text, channel_name text, via text, violations integer, killed integer, injured integer,
    civilians_killed integer, civilians_injured integer, cites uuid, voids uuid);
CREATE INDEX IF NOT EXISTS bulk_entry_id ON bulk_entry (id);
CREATE TEMP TABLE IF NOT EXISTS bulk_place (line bigint, event_id uuid, slug text, position smallint);
CREATE TEMP TABLE IF NOT EXISTS bulk_quote (line bigint, event_id uuid, position smallint, text text,
                                            span_start integer, span_end integer);
"""
ENTRY_COLUMNS = (
    "line",
    "id",
    "seq",
    "kind",
    "claimant",
    "targets",
    "responds_to",
    "corrects",
    "acts",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "time_note",
    "stated_at",
    "ceasefire",
    "summary",
    "source",
    "quoted",
    "verdict",
    "recorded_by",
    "recorded_at",
    "occurred_from_offset",
    "occurred_to_offset",
    "stated_at_offset",
    "stated_at_unit",
    "channel",
    "channel_name",
    "via",
    "violations",
    *CASUALTIES,
    "cites",
    "voids",
)

# The first reference of the staged lines that the log does not hold (nor an earlier line).
UNKNOWN = """
SELECT line, field, value FROM (
    SELECT s.line, 'claimant' AS field, s.claimant AS value FROM bulk_entry s
     WHERE s.claimant IS NOT NULL AND NOT EXISTS (SELECT 1 FROM actor a WHERE a.slug = s.claimant)
    UNION ALL SELECT s.line, 'targets', t.slug FROM bulk_entry s CROSS JOIN unnest(s.targets) t (slug)
     WHERE NOT EXISTS (SELECT 1 FROM actor a WHERE a.slug = t.slug)
    UNION ALL SELECT s.line, 'acts', t.slug FROM bulk_entry s CROSS JOIN unnest(s.acts) t (slug)
     WHERE NOT EXISTS (SELECT 1 FROM act a WHERE a.slug = t.slug)
    UNION ALL SELECT s.line, 'ceasefire', s.ceasefire FROM bulk_entry s
     WHERE s.ceasefire IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ceasefire c WHERE c.slug = s.ceasefire)
    UNION ALL SELECT s.line, 'source', s.source FROM bulk_entry s
     WHERE s.source IS NOT NULL AND NOT EXISTS (SELECT 1 FROM source o WHERE o.slug = s.source)
    UNION ALL SELECT p.line, 'locations', p.slug FROM bulk_place p
     WHERE NOT EXISTS (SELECT 1 FROM location l WHERE l.slug = p.slug)
    UNION ALL SELECT s.line, 'responds_to', s.responds_to::text FROM bulk_entry s
     WHERE s.responds_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event e WHERE e.id = s.responds_to)
       AND NOT EXISTS (SELECT 1 FROM bulk_entry o WHERE o.id = s.responds_to AND o.line < s.line)
    UNION ALL SELECT s.line, 'cites', s.cites::text FROM bulk_entry s
     WHERE s.cites IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event e WHERE e.id = s.cites)
       AND NOT EXISTS (SELECT 1 FROM bulk_entry o WHERE o.id = s.cites AND o.line < s.line)
    UNION ALL SELECT s.line, 'voids', s.voids::text FROM bulk_entry s
     WHERE s.voids IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event e WHERE e.id = s.voids)
       AND NOT EXISTS (SELECT 1 FROM bulk_entry o WHERE o.id = s.voids AND o.line < s.line)
    UNION ALL SELECT s.line, 'corrects', s.corrects::text FROM bulk_entry s
     WHERE s.corrects IS NOT NULL AND NOT EXISTS (SELECT 1 FROM event e WHERE e.id = s.corrects)
       AND NOT EXISTS (SELECT 1 FROM bulk_entry o WHERE o.id = s.corrects AND o.line < s.line)
) unknown ORDER BY line LIMIT 1
"""

# The kind an entry is stored with: a correction holds the kind of what it corrects (0012), and
# an answer names the kind of what it answers; either may be in the log or earlier in the batch
# (a statement does not see the rows it inserts itself).
KIND_OF = (
    "coalesce((SELECT o.kind FROM event o WHERE o.id = {id}), (SELECT o.kind FROM bulk_entry o WHERE o.id = {id}))"
)
INSERT = """
INSERT INTO event (id, {seq}kind, claimant_id, target_id, responds_to, responds_to_kind, act_id, occurred_from,
                   occurred_to, time_precision, time_note, stated_at, ceasefire_id, summary, source_id, recorded_by,
                   recorded_at, occurred_from_offset, occurred_to_offset, stated_at_offset, corrects, verdict,
                   channel, channel_name, via, violations, killed, injured, civilians_killed, civilians_injured, cites,
                   voids, stated_unknown, stated_at_unit, more_named, search)
{overriding}
SELECT s.id, {staged_seq}CASE WHEN s.corrects IS NULL THEN s.kind ELSE {corrected_kind} END,
       claimant.id, target.id, s.responds_to,
       CASE WHEN s.responds_to IS NOT NULL THEN {answered_kind} END,
       act.id, s.occurred_from, s.occurred_to, s.time_precision, s.time_note,
       CASE WHEN {unknown} THEN {bound} ELSE s.stated_at END, ceasefire.id, s.summary, source.id,
       s.recorded_by, coalesce(s.recorded_at, now()), s.occurred_from_offset, s.occurred_to_offset,
       CASE WHEN {unknown} THEN source.published_at_offset ELSE s.stated_at_offset END, s.corrects, s.verdict,
       s.channel, s.channel_name, s.via, s.violations, s.killed, s.injured, s.civilians_killed, s.civilians_injured,
       s.cites, s.voids, {unknown}, CASE WHEN {unknown} THEN source.published_at_unit ELSE s.stated_at_unit END,
       greatest(cardinality(s.targets) - 1, 0) + greatest(cardinality(s.acts) - 1, 0),
       {search}
  FROM bulk_entry s
  LEFT JOIN actor claimant ON claimant.slug = s.claimant
  LEFT JOIN actor target ON target.slug = s.targets[1]
  LEFT JOIN act ON act.slug = s.acts[1]
  LEFT JOIN ceasefire ON ceasefire.slug = s.ceasefire
  LEFT JOIN source ON source.slug = s.source
 WHERE s.line BETWEEN %(first)s AND %(last)s
 ORDER BY s.line
"""
# A statement of unknown time (stated_at null on a claim: reviews and voids have no time) is held
# at its source's publication, the latest it can have been made (migration 0028).
UNKNOWN_TIME = "(s.stated_at IS NULL AND s.kind NOT IN ('review', 'void'))"
PUBLICATION_BOUND = (
    "CASE WHEN source.published_at_offset IS NULL THEN source.published_at "
    "+ ('1 ' || coalesce(source.published_at_unit, 'day'))::interval - interval '1 microsecond' "
    "ELSE source.published_at END"
)

# An entry's further targets and acts, written before it (migration 0027).
MORE = """
INSERT INTO {table} (event_id, {column}, position)
SELECT s.id, c.id, t.position
  FROM bulk_entry s CROSS JOIN unnest(s.{listed}[2:]) WITH ORDINALITY t (slug, position)
  JOIN {catalogue} c ON c.slug = t.slug
 WHERE s.line BETWEEN %(first)s AND %(last)s
"""
MORE_TARGETS = MORE.format(table="event_target", column="actor_id", listed="targets", catalogue="actor")
MORE_ACTS = MORE.format(table="event_act", column="act_id", listed="acts", catalogue="act")
PLACES = """
INSERT INTO event_location (event_id, location_id, position)
SELECT p.event_id, l.id, p.position FROM bulk_place p JOIN location l ON l.slug = p.slug
 WHERE p.line BETWEEN %(first)s AND %(last)s
"""
QUOTES = """
INSERT INTO quote (event_id, position, text, span_start, span_end)
SELECT q.event_id, q.position, q.text, q.span_start, q.span_end FROM bulk_quote q
 WHERE q.line BETWEEN %(first)s AND %(last)s
"""


@dataclass
class Entry:
    """An entry as the bulk path takes it: slugs, not ids; `seq` and `recorded_at` None to let
    the log assign them. `kind` is the kind on the wire; a correction's stored kind is found."""

    line: int
    id: UUID
    kind: str
    summary: str
    recorded_by: str
    claimant: str | None = None
    targets: list[str] = field(default_factory=list)
    responds_to: UUID | None = None
    corrects: UUID | None = None
    acts: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    time_precision: str | None = None
    time_note: str | None = None
    stated_at: datetime | None = None
    ceasefire: str | None = None
    source: str | None = None
    quotes: list[dict] = field(default_factory=list)  # {"text", "start", "end"}; spans may be None
    verdict: str | None = None
    seq: int | None = None
    recorded_at: datetime | None = None
    channel: str | None = None
    channel_name: str | None = None
    via: str | None = None
    violations: int | None = None
    casualties: dict | None = None
    cites: UUID | None = None
    voids: UUID | None = None


class BulkError(Exception):
    """The first line of a batch the log refuses, and why."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message


def prepare(conn: Connection) -> None:
    """The session's staging tables (temporary: each session has its own)."""
    conn.execute(STAGE)


def load(conn: Connection, entries: list[Entry], keep_seq: bool) -> tuple[int, int]:
    """Write a batch of entries in the caller's transaction, in line order; entries whose id the
    log holds already are left as they are. With `keep_seq`, each entry keeps its seq, which
    must be past the log's last. Returns (entries added, entries already there)."""
    with conn.cursor() as cur:
        cur.execute("TRUNCATE bulk_entry, bulk_place, bulk_quote")
        with cur.copy(
            sql.SQL("COPY bulk_entry ({}) FROM STDIN").format(sql.SQL(", ").join(map(sql.Identifier, ENTRY_COLUMNS)))
        ) as copy:
            for e in entries:
                copy.write_row(
                    (
                        e.line,
                        e.id,
                        e.seq,
                        e.kind,
                        e.claimant,
                        e.targets,
                        e.responds_to,
                        e.corrects,
                        e.acts,
                        e.occurred_from,
                        e.occurred_to,
                        e.time_precision,
                        e.time_note,
                        e.stated_at,
                        e.ceasefire,
                        e.summary,
                        e.source,
                        "\n".join(q["text"] for q in e.quotes),
                        e.verdict,
                        e.recorded_by,
                        e.recorded_at,
                        offset(e.occurred_from),
                        offset(e.occurred_to),
                        offset(e.stated_at),
                        days.unit(e.stated_at),
                        e.channel,
                        e.channel_name,
                        e.via,
                        e.violations,
                        *((e.casualties or {}).get(name) for name in CASUALTIES),
                        e.cites,
                        e.voids,
                    )
                )
        with cur.copy("COPY bulk_place (line, event_id, slug, position) FROM STDIN") as copy:
            for e in entries:
                for position, slug in enumerate(e.locations):
                    copy.write_row((e.line, e.id, slug, position))
        with cur.copy("COPY bulk_quote (line, event_id, position, text, span_start, span_end) FROM STDIN") as copy:
            for e in entries:
                for position, quote in enumerate(e.quotes):
                    copy.write_row((e.line, e.id, position, quote["text"], quote.get("start"), quote.get("end")))
        # Idempotent by id: what the log holds already stays as it is.
        present = cur.execute("DELETE FROM bulk_entry s USING event e WHERE e.id = s.id RETURNING s.line").fetchall()
        if present:
            lines = [row[0] if isinstance(row, tuple) else row["line"] for row in present]
            cur.execute("DELETE FROM bulk_place WHERE line = ANY(%(lines)s)", {"lines": lines})
            cur.execute("DELETE FROM bulk_quote WHERE line = ANY(%(lines)s)", {"lines": lines})
        unknown = cur.execute(UNKNOWN).fetchone()
        if unknown is not None:
            line, name, value = _values(unknown, "line", "field", "value")
            if name in {"responds_to", "corrects"}:
                raise BulkError(line, f"{name}: no entry {value} in the log or earlier in the file")
            kind = {"claimant": "actor", "targets": "actor", "acts": "act", "locations": "location"}.get(name, name)
            raise BulkError(line, f"{name}: unknown {kind}: {value}")
        if keep_seq:
            early = cur.execute(
                f"SELECT s.line, s.seq, {HEAD_SEQ} AS head "
                f"FROM bulk_entry s WHERE s.seq <= {HEAD_SEQ} "
                "ORDER BY s.line LIMIT 1"
            ).fetchone()
            if early is not None:
                line, seq, head = _values(early, "line", "seq", "head")
                raise BulkError(
                    line,
                    f"seq {seq} is not past this log's last entry (seq {head}): the file does not continue this log",
                )
    added = len(entries) - len(present)
    if added:
        _write(conn, entries, keep_seq)
    return added, len(present)


def _write(conn: Connection, entries: list[Entry], keep_seq: bool) -> None:
    insert = sql.SQL(INSERT).format(
        seq=sql.SQL("seq, " if keep_seq else ""),
        staged_seq=sql.SQL("s.seq, " if keep_seq else ""),
        overriding=sql.SQL("OVERRIDING SYSTEM VALUE" if keep_seq else ""),
        corrected_kind=sql.SQL(KIND_OF.format(id="s.corrects")),
        answered_kind=sql.SQL(KIND_OF.format(id="s.responds_to")),
        unknown=sql.SQL(UNKNOWN_TIME),
        bound=sql.SQL(PUBLICATION_BOUND),
        search=sql.SQL(search("s.summary", "s.quoted")),
    )
    span = {"first": entries[0].line, "last": entries[-1].line}
    try:
        with conn.transaction():
            _statements(conn, insert, span)
    except psycopg.errors.DatabaseError as refused:
        # Name the line: again entry by entry, to the first the database refuses.
        for entry in entries:
            try:
                with conn.transaction():
                    _statements(conn, insert, {"first": entry.line, "last": entry.line})
            except psycopg.errors.DatabaseError as error:
                raise BulkError(entry.line, first_line(error)) from None
        raise BulkError(entries[0].line, first_line(refused)) from None
    if keep_seq:
        # The log numbers what is appended next after the last seq it holds.
        conn.execute("SELECT setval(pg_get_serial_sequence('event', 'seq'), (SELECT max(seq) FROM event))")


def _statements(conn: Connection, insert: sql.Composed, span: dict) -> None:
    conn.execute(MORE_TARGETS, span)
    conn.execute(MORE_ACTS, span)
    conn.execute(insert, span)
    conn.execute(PLACES, span)
    conn.execute(QUOTES, span)


def _values(row, *names):
    return tuple(row[name] for name in names) if isinstance(row, dict) else tuple(row)


# The tables a bulk load fills and the incident queries plan from.
LOADED = (
    "event", "event_location", "event_target", "event_act", "quote", "entry_hash", "entry_line", "entry_csv",
    "incident_state", "incident_actor", "incident_place", "incident_act",
)  # fmt: skip


def analyse(conn: Connection) -> None:
    """Give the planner the statistics of what is loaded, in the caller's transaction: ANALYZE
    counts the rows its own transaction wrote. Until autovacuum got round to it (a minute, or never
    after a crash restart reset its counters), a full-text page planned on an empty log's
    statistics took 19 to 80 s after an import; analysed, 11 ms."""
    conn.execute("ANALYZE " + ", ".join(LOADED))


class Statistics:
    """The planner's statistics kept in step with a load that grows the log in one transaction.
    Autovacuum sees none of a transaction's rows before it commits, so an import into an empty log
    was planned to its end on an empty log's statistics, and the statements of its triggers slowed
    as the log grew: 300,000 entries in batches of 10,000 went from 3,090 to 1,850 entries/s a
    batch. Analysed each time the log has doubled (at 10,000, 20,000, 40,000 ... entries: a few
    seconds in all), the same batches kept 2,200 to 3,400/s. An import that fails is rolled back
    with its statistics; only the table sizes ANALYZE writes in place stay until autovacuum."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        # The log's size, and the size its statistics describe (-1 for a table never analysed).
        row = conn.execute(
            f"SELECT {HEAD_SEQ} AS size, greatest(reltuples, 0)::bigint AS described FROM pg_class "
            "WHERE oid = 'event'::regclass"
        ).fetchone()
        self.size, self.described = _values(row, "size", "described")

    def grew(self, entries: int, last: bool = False) -> None:
        """The log has `entries` more; `last` once the load is done, to describe all of it."""
        self.size += entries
        if self.size > self.described and (last or self.size >= 2 * self.described):
            analyse(self.conn)
            self.described = self.size
