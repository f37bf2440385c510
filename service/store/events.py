"""The event log's SQL: read entries back (each original at its current version, or as of a seq),
follow the log, resolve what an entry names, and insert an entry the write path (service/log.py)
has prepared."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.rows import RowMaker

from service import domain
from service.store import Connection, one
from service.store.instants import local, localise


@dataclass
class Revision:
    """A correction of an entry, as the entry's history shows it: who, when, and which fields."""

    id: UUID
    seq: int
    recorded_by: str
    recorded_at: datetime
    changed: list[str]


# Slots: orjson writes a dataclass with slots field by field in their declared order (one with a
# __dict__, in the order its attributes were set: `target` and `act` would come last).
@dataclass(slots=True)
class Event:
    id: UUID
    seq: int
    kind: str
    # A review is not a claim: it has no claimant, targets, acts, places or time.
    claimant: str | None
    targets: list[str]
    # The first target and act: what the wire called them before lists, and still shows.
    target: str | None = field(init=False)
    responds_to: UUID | None
    acts: list[str]
    act: str | None = field(init=False)
    locations: list[str]
    occurred_from: datetime | None
    occurred_to: datetime | None
    time_precision: str | None
    time_note: str | None
    stated_at: datetime | None
    ceasefire: str | None
    summary: str
    source: str | None
    quotes: list[dict]
    recorded_by: str
    recorded_at: datetime
    corrects: UUID | None = None
    verdict: str | None = None
    # How a claim was made (a channel, its name, the wire relayed), and what an accusation counts.
    channel: str | None = None
    channel_name: str | None = None
    via: str | None = None
    violations: int | None = None
    casualties: dict | None = None
    # For a mention: the statement it cites.
    cites: UUID | None = None
    # For a void: the entry it withdraws.
    voids: UUID | None = None
    # SHA-256 of the previous entry's hash and this entry's canonical form (service/chain.py),
    # in hex: computed by the database as the entry is committed (migration 0014).
    hash: str | None = None
    revisions: list[Revision] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.target = self.targets[0] if self.targets else None
        self.act = self.acts[0] if self.acts else None

    def fields(self) -> dict:
        """The entry's fields by name (shallow: its quotes and revisions as they are)."""
        return {name: getattr(self, name) for name in self.__slots__}


# Where an entry's further targets and acts are (0027): the table, its column, the catalogue it names.
MORE = {"targets": ("event_target", "actor_id", "actor"), "acts": ("event_act", "act_id", "act")}


def more(name: str, slug: str = "x.slug::text") -> str:
    """SQL selecting entry `e`'s further targets or acts (`name`), in order, each as `slug` of `x`."""
    table, column, catalogue = MORE[name]
    return (
        f"SELECT {slug} FROM {table} m JOIN {catalogue} x ON x.id = m.{column} "
        "WHERE m.event_id = e.id ORDER BY m.position"
    )


# The catalogue rows an entry `e` names once, joined by every read that writes their slugs or names.
NAMES_JOINED = """  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_id
  LEFT JOIN act ON act.id = e.act_id
  LEFT JOIN source ON source.id = e.source_id
  LEFT JOIN ceasefire ON ceasefire.id = e.ceasefire_id"""


# Every read of events goes through this one shape, so the log, one event and an incident's
# thread always agree on the wire. Locations and quotes come as arrays in the same row: one
# round trip a page, whatever its size. A correction holds the kind of the record it corrects
# (migration 0012); on the wire it is a correction.
SELECT_EVENTS = f"""
SELECT e.id, e.seq, CASE WHEN e.corrects IS NULL THEN e.kind ELSE 'correction' END AS kind,
       claimant.slug AS claimant,
       -- The first target and act, and the further ones only where there are some (0027): most
       -- rows then carry no array for the client to parse.
       target.slug AS target,
       CASE WHEN e.more_named > 0 THEN ARRAY({more("targets")}) END AS more_targets,
       e.responds_to,
       act.slug AS act,
       CASE WHEN e.more_named > 0 THEN ARRAY({more("acts")}) END AS more_acts,
       ARRAY(SELECT l.slug::text FROM event_location el JOIN location l ON l.id = el.location_id
              WHERE el.event_id = e.id ORDER BY el.position) AS locations,
       e.occurred_from, e.occurred_to, e.time_precision, e.time_note,
       CASE WHEN NOT e.stated_unknown THEN e.stated_at END AS stated_at, ceasefire.slug AS ceasefire,
       e.summary, source.slug AS source,
       coalesce((SELECT json_agg(json_build_object('text', q.text, 'start', q.span_start, 'end', q.span_end)
                                 ORDER BY q.position)
                   FROM quote q WHERE q.event_id = e.id), '[]'::json) AS quotes,
       e.recorded_by, e.recorded_at, e.corrects, e.verdict,
       e.occurred_from_offset, e.occurred_to_offset, e.stated_at_offset, e.stated_at_unit,
       encode(h.hash, 'hex') AS hash,
       e.channel, e.channel_name, e.via, e.violations, e.cites, e.voids,
       CASE WHEN num_nonnulls(e.killed, e.injured, e.civilians_killed, e.civilians_injured) > 0
            THEN json_build_object('killed', e.killed, 'injured', e.injured, 'civilians_killed', e.civilians_killed,
                                   'civilians_injured', e.civilians_injured) END AS casualties
  FROM event e
  LEFT JOIN entry_hash h ON h.seq = e.seq
{NAMES_JOINED}
"""

INSTANTS = ("occurred_from", "occurred_to", "stated_at")


# The entries of a range of the log, for a query of lines written by PostgreSQL (lines_after).
ENTRIES_IN_RANGE = " WHERE e.seq > %(seq)s AND e.seq <= %(until)s ORDER BY e.seq LIMIT %(limit)s"


# Each entry as one line of NDJSON, byte for byte as the service writes an Event (orjson, in the
# dataclass's field order; tests/test_exports.py holds the two to each other). PostgreSQL writes
# each entry's line once, as the chain hashes it (migration 0034): an export of a million entries
# reads them, it does not write them again.
EVENT_LINE = "SELECT e.seq, e.line FROM entry_line e" + ENTRIES_IN_RANGE


# The columns each read puts together, by the field they become: an instant with its offset and
# unit, a list with its first item and the further ones.
ZONED = tuple((name, f"{name}_offset", f"{name}_unit") for name in INSTANTS)
LISTED = tuple((plural, singular, f"more_{plural}") for plural, singular in domain.SINGULAR.items())


def _event(row: dict) -> Event:
    for name, zone, unit in ZONED:
        row[name] = local(row[name], row.pop(zone), row.pop(unit, None))
    for plural, singular, further in LISTED:
        first, more_named = row.pop(singular), row.pop(further)
        row[plural] = [first, *more_named] if more_named else ([] if first is None else [first])
    return Event(**row)


def event_rows(cursor: Cursor[Any]) -> RowMaker[Event]:
    """Every event read is built by this row factory: its instants at the offsets they were given
    with, its targets and acts as lists. The column names are interned: Python matches keyword
    arguments to parameters by identity before it compares text, and psycopg decodes each name
    afresh; interned, building an Event from its 35 columns takes 1.7 µs instead of 6.1, a
    quarter of a millisecond of every page of incidents."""
    names = [sys.intern(column.name) for column in cursor.description or ()]

    def make(values: Sequence) -> Event:
        return _event(dict(zip(names, values, strict=True)))

    return make


# The seq of the log's last entry: one expression, for the statements that need it with others.
HEAD_SEQ = "(SELECT coalesce(max(seq), 0) FROM event)"
HEAD = f"SELECT {HEAD_SEQ} AS head"


def head(conn: Connection) -> int:
    """The seq of the log's last entry (0 for an empty log)."""
    return conn.execute(HEAD).fetchone()["head"]


def replay(conn: Connection) -> dict:
    """How far a standby has replayed the log: whether it is one (`standby`), the `head` it holds,
    and how long ago it replayed a commit (`replayed_seconds_ago`)."""
    return one(
        conn.execute(
            f"SELECT pg_is_in_recovery() AS standby, {HEAD_SEQ} AS head, "
            "extract(epoch FROM now() - pg_last_xact_replay_timestamp()) AS replayed_seconds_ago"
        ).fetchone()
    )


def check_as_of(as_of: int | None, log_head: int) -> int:
    """The seq a read reflects: the one asked for, or the head. The log cannot be read as of an
    entry it does not hold yet."""
    if as_of is None:
        return log_head
    if as_of > log_head:
        raise domain.Refusal(
            {"as_of": [f"the log's last entry is seq {log_head}; as_of cannot be past it"]},
            where="query",
        )
    return as_of


def fold(original: Event, corrections: list[Event]) -> Event:
    """An original entry at its current version: the record of its latest correction, with a
    revision for each correction saying which fields it changed. Its id, seq, kind and first
    recorder stay its own."""
    if not corrections:
        return original
    revisions, before = [], original
    for correction in corrections:
        changed = domain.changes(before, correction)
        revisions.append(
            Revision(correction.id, correction.seq, correction.recorded_by, correction.recorded_at, changed)
        )
        before = correction
    return replace(original, **{name: getattr(before, name) for name in domain.RECORD}, revisions=revisions)


# An entry and every correction of it, up to a seq.
VERSIONS = SELECT_EVENTS + " WHERE (e.id = %(id)s OR e.corrects = %(id)s) AND e.seq <= %(as_of)s ORDER BY e.seq"


def get(conn: Connection, event_id: UUID, as_of: int | None = None) -> Event | None:
    """An entry of the log: an original at its version as of `as_of` (the latest without it), with
    its revisions; a correction or a review as it was written. An `as_of` past the head is refused."""
    if as_of is not None:
        check_as_of(as_of, head(conn))
    with conn.cursor(row_factory=event_rows) as cur:
        versions = cur.execute(VERSIONS, {"id": event_id, "as_of": BIGINT if as_of is None else as_of}).fetchall()
    if not versions or versions[0].id != event_id:
        return None
    return fold(versions[0], versions[1:])


BIGINT = 2**63 - 1


# The condition, after a select of entries `e`, of every entry answering any of the accusations
# %(ids)s (and their corrections), every retraction of their denials, and every correction of the
# accusations themselves, up to a seq.
IN_THREADS = """
 WHERE e.id IN (SELECT r.id FROM event r WHERE r.responds_to = ANY(%(ids)s)
                UNION ALL
                SELECT r.id FROM event d JOIN event r ON r.responds_to = d.id
                 WHERE d.responds_to = ANY(%(ids)s) AND d.kind = 'denial' AND d.corrects IS NULL
                UNION ALL
                SELECT c.id FROM event c WHERE c.corrects = ANY(%(ids)s)
                UNION ALL
                SELECT m.id FROM event m WHERE m.cites = ANY(%(ids)s))
   AND e.seq <= %(as_of)s AND NOT entry_voided(coalesce(e.corrects, e.id), %(as_of)s)
 ORDER BY e.seq"""


def after(conn: Connection, seq: int, limit: int, until: int | None = None) -> list[Event]:
    """The log from just after `seq` (up to `until`), in order. Events commit in seq order (see
    0001's log_head), so a follower resuming from the last seq it saw misses nothing and sees
    nothing twice."""
    with conn.cursor(row_factory=event_rows) as cur:
        return cur.execute(
            SELECT_EVENTS + ENTRIES_IN_RANGE,
            {"seq": seq, "limit": limit, "until": BIGINT if until is None else until},
        ).fetchall()


RESOLVE = """
SELECT (SELECT coalesce(jsonb_object_agg(slug, jsonb_build_object('id', id, 'path', path::text)), '{}')
          FROM actor WHERE slug = ANY(%(actors)s)) AS actors,
       (SELECT coalesce(jsonb_object_agg(slug, id), '{}') FROM location WHERE slug = ANY(%(locations)s)) AS locations,
       (SELECT coalesce(jsonb_object_agg(slug, id), '{}') FROM act WHERE slug = ANY(%(acts)s)) AS acts,
       (SELECT id FROM ceasefire WHERE slug = %(ceasefire)s) AS ceasefire_id,
       CASE WHEN s.id IS NOT NULL THEN jsonb_build_object('id', s.id, 'text', CASE WHEN %(quoted)s THEN s.text END)
       END AS source,
       s.published_at, s.published_at_offset, s.published_at_unit
  FROM (SELECT 1) one
  LEFT JOIN source s ON s.slug = %(source)s
"""

RESPONDING = f"""
SELECT e.kind, e.corrects, e.stated_at, e.stated_at_offset, e.stated_at_unit, claimant.slug AS claimant,
       claimant.path::text AS claimant_path, target.slug AS target,
       ARRAY[target.slug::text] || ARRAY({more("targets")}) AS targets,
       ARRAY(SELECT side_of(e.claimant_id)) AS claimant_sides,
       ARRAY(SELECT side_of(e.target_id) UNION
             SELECT side_of(et.actor_id) FROM event_target et WHERE et.event_id = e.id ORDER BY 1) AS target_sides,
       ARRAY(SELECT DISTINCT r.kind FROM event r WHERE r.responds_to = e.id AND r.corrects IS NULL) AS answered_by,
       (SELECT v.seq FROM event v WHERE v.voids = coalesce(e.corrects, e.id)) AS voided_at
  FROM event e
  LEFT JOIN actor claimant ON claimant.id = e.claimant_id
  LEFT JOIN actor target ON target.id = e.target_id
 WHERE e.id = %(id)s
"""

# The parameters INSERT takes, besides `quoted` (the quotes' text, for the search column).
INSERTED = (
    "id", "kind", "claimant_id", "target_id", "responds_to", "responds_to_kind", "act_id", "occurred_from",
    "occurred_to", "time_precision", "time_note", "stated_at", "ceasefire_id", "summary", "source_id", "recorded_by",
    "occurred_from_offset", "occurred_to_offset", "stated_at_offset", "corrects", "verdict", "channel",
    "channel_name", "via", "violations", "killed", "injured", "civilians_killed", "civilians_injured", "cites", "voids",
    "stated_unknown", "stated_at_unit", "more_named",
)  # fmt: skip


def search(summary: str, quoted: str) -> str:
    """SQL of an entry's search column (0001): the words of its summary and of its quotes' text."""
    return f"to_tsvector('english', {summary}) || to_tsvector('english', {quoted})"


# What INSERT fills in where a row leaves it out, around the value given.
UNSAID = {"stated_unknown": "coalesce({}, false)", "more_named": "coalesce({}, 0)"}


def _inserted(value: str) -> str:
    """The values of INSERTED's columns, each written as `value` with its name in it."""
    return ", ".join(UNSAID.get(name, "{}").format(value.format(name)) for name in INSERTED)


INSERT = f"""
INSERT INTO event ({", ".join(INSERTED)}, search)
VALUES ({_inserted("%({})s")}, {search("%(summary)s", "%(quoted)s")})
RETURNING seq, recorded_at
"""


def resolve(
    conn: Connection,
    actors: list[str],
    locations: list[str],
    acts: list[str],
    ceasefire: str | None,
    source: str | None,
    quoted: bool,
) -> dict:
    """The ids of what an entry names by slug, in one round trip: `actors` (slug: id and path),
    `locations` and `acts` (slug: id), `ceasefire_id`, and `source` (id, and its held text when
    `quoted`: a whole article is read only to place quotes in it), and the source's `published_at`.
    What is unknown is absent or None."""
    return localise(
        one(
            conn.execute(
                RESOLVE,
                {
                    "actors": actors,
                    "locations": locations,
                    "acts": acts,
                    "ceasefire": ceasefire,
                    "source": source,
                    "quoted": quoted,
                },
            ).fetchone()
        ),
        "published_at",
    )


def ceasefires_and_sources(
    conn: Connection, ceasefires: list[str], sources: list[str], quoted: list[str]
) -> tuple[dict[str, int], dict[tuple[str, bool], dict]]:
    """The ceasefires and sources a batch names, by slug, in one round trip: each ceasefire's id,
    and each source as `resolve` gives it (`source` and `published_at`), both without its text
    and, for the slugs in `quoted`, with it. An unknown slug is absent."""
    rows = conn.execute(
        "SELECT 'ceasefire' AS kind, c.slug::text AS slug, c.id, NULL AS text, NULL::timestamptz AS published_at, "
        "NULL::integer AS published_at_offset, NULL AS published_at_unit FROM ceasefire c WHERE c.slug = ANY(%(ceasefires)s) "
        "UNION ALL SELECT 'source', s.slug::text, s.id, CASE WHEN s.slug = ANY(%(quoted)s) THEN s.text END, "
        "s.published_at, s.published_at_offset, s.published_at_unit FROM source s WHERE s.slug = ANY(%(sources)s)",
        {"ceasefires": ceasefires, "sources": sources, "quoted": quoted},
    ).fetchall()
    found_ceasefires = {row["slug"]: row["id"] for row in rows if row["kind"] == "ceasefire"}
    found_sources: dict[tuple[str, bool], dict] = {}
    for row in rows:
        if row["kind"] != "source":
            continue
        published_at = localise(row, "published_at")["published_at"]
        found_sources[(row["slug"], False)] = {"source": {"id": row["id"], "text": None}, "published_at": published_at}
        if row["slug"] in quoted:
            found_sources[(row["slug"], True)] = {
                "source": {"id": row["id"], "text": row["text"]},
                "published_at": published_at,
            }
    return found_ceasefires, found_sources


def statement(conn: Connection, event_id: UUID) -> dict | None:
    """What a response needs of the statement it answers: its kind, its parties and their paths,
    and the kinds that already answer it."""
    return localise(conn.execute(RESPONDING, {"id": event_id}).fetchone(), "stated_at")


VOID_OF = "SELECT id, seq, summary AS reason, recorded_by FROM event WHERE voids = %(id)s AND seq <= %(as_of)s"


def void_of(conn: Connection, event_id: UUID, as_of: int | None = None) -> dict | None:
    """The void that withdrew the entry `event_id` (by `as_of`, when given): its id, seq, reason
    and recorder; None when the entry stands."""
    return conn.execute(VOID_OF, {"id": event_id, "as_of": BIGINT if as_of is None else as_of}).fetchone()


def hold(conn: Connection, event_id: UUID) -> None:
    """Hold an entry against other writers about it until this transaction ends: what they decide
    from its current state (a correction that changes nothing, a second retraction) is then decided
    one at a time. Entries are never updated, so the hold is an advisory lock on the id, not a row lock."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%(id)s::text, 0))", {"id": event_id})


def insert(
    conn: Connection, row: dict, location_ids: list[int], quotes: list[dict], more: dict[str, list[int]] | None = None
) -> dict:
    """Insert a prepared entry (`row`: INSERT's parameters), its places in order, its quotes with
    their spans, and its further targets and acts (`more`: ids by "targets" and "acts", those after
    the row's first), in one round trip; returns its `seq`, `recorded_at` and `hash`. The further
    targets and acts go in first, for the rules that fire with the entry to see (0027). From this
    insert to the commit the transaction holds the log's head (0001's log_head): every other
    writer waits. The hash, which the database computes at the commit once the entry's places and
    quotes are in (migration 0014), is computed here instead, for the answer to carry it."""
    listed = _listed_rows([(row, location_ids, quotes, more or {})])
    with conn.pipeline():
        with conn.cursor() as cur:
            _insert_listed(cur, listed, BEFORE_ENTRY, one_by_one=True)
        inserted = conn.execute(INSERT, row)
        with conn.cursor() as cur:
            _insert_listed(cur, listed, AFTER_ENTRY, one_by_one=True)
        chain_now(conn)
        chained = conn.execute("SELECT encode(hash, 'hex') AS hash FROM entry_hash ORDER BY seq DESC LIMIT 1")
    return {**one(inserted.fetchone()), **one(chained.fetchone())}


# A batch's entries, staged with the columns INSERT takes (their types read from the event table
# itself) and `line`, their order in the batch.
STAGE = f"""
CREATE TEMP TABLE IF NOT EXISTS batch_event AS
SELECT 0::bigint AS line, ''::text AS quoted, {", ".join(f"e.{name}" for name in INSERTED)} FROM event e WITH NO DATA
"""
INSERT_STAGED = f"""
INSERT INTO event ({", ".join(INSERTED)}, search)
SELECT {_inserted("b.{}")}, {search("b.summary", "b.quoted")}
  FROM batch_event b ORDER BY b.line
RETURNING id, seq, recorded_at
"""
# The tables of an entry's lists, each with its columns and their types.
LIST_TABLES = {
    "event_target": {"event_id": "uuid", "actor_id": "bigint", "position": "smallint"},
    "event_act": {"event_id": "uuid", "act_id": "bigint", "position": "smallint"},
    "event_location": {"event_id": "uuid", "location_id": "bigint", "position": "smallint"},
    "quote": {
        "event_id": "uuid",
        "position": "smallint",
        "text": "text",
        "span_start": "integer",
        "span_end": "integer",
    },
}
# A row at a time, for one entry's few (an unnest of arrays costs a single append a tenth more),
# and a table's rows for many entries from arrays of its columns, in one statement.
LISTED_ROW = {
    table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    for table, columns in LIST_TABLES.items()
}
LISTED_ROWS = {
    table: f"INSERT INTO {table} ({', '.join(columns)}) "
    f"SELECT * FROM unnest({', '.join(f'%s::{kind}[]' for kind in columns.values())})"
    for table, columns in LIST_TABLES.items()
}


# The further targets and acts go in before their entries, for the rules that fire with the
# entries to see (0027); places and quotes after.
BEFORE_ENTRY, AFTER_ENTRY = ("event_target", "event_act"), ("event_location", "quote")
# A prepared entry as insert takes it: its row, place ids, quotes, and further target and act ids.
Prepared = tuple[dict, list[int], list[dict], dict[str, list[int]]]


def _listed_rows(entries: list[Prepared]) -> dict[str, list[list]]:
    """The rows of each list table for these entries, by table, in LIST_TABLES's column order."""
    rows: dict[str, list[list]] = {table: [] for table in LIST_TABLES}
    for row, location_ids, quotes, more in entries:
        for table, ids in (("event_target", more.get("targets") or []), ("event_act", more.get("acts") or [])):
            rows[table] += [[row["id"], id_, position] for position, id_ in enumerate(ids, 1)]
        rows["event_location"] += [[row["id"], id_, position] for position, id_ in enumerate(location_ids)]
        rows["quote"] += [
            [row["id"], position, quote["text"], quote["start"], quote["end"]] for position, quote in enumerate(quotes)
        ]
    return rows


def _insert_listed(cur, listed: dict[str, list[list]], tables: tuple[str, ...], one_by_one: bool = False) -> None:
    for table in tables:
        if not listed[table]:
            continue
        if one_by_one:
            cur.executemany(LISTED_ROW[table], listed[table])
        else:
            cur.execute(LISTED_ROWS[table], [list(column) for column in zip(*listed[table], strict=True)])


# Fewer entries than this are written one at a time (insert_many).
FEW = 8


def insert_many(conn: Connection, entries: list[Prepared]) -> list[dict]:
    """Insert prepared entries (each as `insert` takes it: its row, places, quotes and further
    targets and acts) in their order, one statement a table: the rules' statement triggers run
    once for them all, not once an entry. Returns each one's `seq`, `recorded_at` and `hash`.
    A few go in one at a time, as `insert` writes them: the rules' triggers keep their plans for
    one entry and plan several afresh, which costs a few entries more than it saves. A batch of
    500 accusations each followed by its denial is written two at a time; staged, it went in at
    190 entries a second, one at a time at 270 to 310, as before batches were written together
    (282)."""
    if len(entries) < FEW:
        return [insert(conn, *entry) for entry in entries]
    listed = _listed_rows(entries)
    with conn.cursor() as cur:
        cur.execute(STAGE)
        cur.execute("DELETE FROM batch_event")  # TRUNCATE would give the table a new file each time
        with cur.copy(f"COPY batch_event (line, quoted, {', '.join(INSERTED)}) FROM STDIN") as copy:
            for line, (row, *_) in enumerate(entries):
                copy.write_row([line, row["quoted"], *(row[name] for name in INSERTED)])
        _insert_listed(cur, listed, BEFORE_ENTRY)
        written = {row["id"]: row for row in cur.execute(INSERT_STAGED).fetchall()}
        _insert_listed(cur, listed, AFTER_ENTRY)
    inserted = [written[row["id"]] for row, *_ in entries]
    hashes = chained(conn, [row["seq"] for row in inserted])
    return [{"seq": row["seq"], "recorded_at": row["recorded_at"], "hash": hashes[row["seq"]]} for row in inserted]


def chain_now(conn: Connection) -> None:
    """Hash the entries this transaction has appended now, not at its commit (migration 0014's
    trigger is deferred until their places and quotes are in): setting the trigger immediate fires
    what is pending, and setting it back leaves later entries to the commit."""
    conn.execute("SET CONSTRAINTS event_chain IMMEDIATE")
    conn.execute("SET CONSTRAINTS event_chain DEFERRED")


def chained(conn: Connection, seqs: list[int]) -> dict[int, str]:
    """The hashes of these entries (hex, by seq), those appended in this transaction included:
    their hashes are computed now rather than at the commit."""
    chain_now(conn)
    rows = conn.execute(
        "SELECT seq, encode(hash, 'hex') AS hash FROM entry_hash WHERE seq = ANY(%(seqs)s)", {"seqs": seqs}
    )
    return {row["seq"]: row["hash"] for row in rows.fetchall()}


def chain_head(conn: Connection) -> dict:
    """The log's last entry and its hash: `seq` (0 for an empty log), `hash` and `recorded_at`."""
    row = conn.execute(
        "SELECT e.seq, encode(h.hash, 'hex') AS hash, e.recorded_at FROM event e "
        "LEFT JOIN entry_hash h ON h.seq = e.seq ORDER BY e.seq DESC LIMIT 1"
    ).fetchone()
    return row or {"seq": 0, "hash": None, "recorded_at": None}


class Unwritten(RuntimeError):
    """Entries of the log that have no line of the exports: written with the chain's trigger off."""


def lines_after(
    conn: Connection, seq: int, limit: int, until: int | None = None, lines: str = EVENT_LINE, end: str = "\n"
) -> tuple[bytes, int, int]:
    """The log from just after `seq` (up to `until`) written by PostgreSQL, one entry a line:
    `lines` is a query of (seq, line) over the same range (EVENT_LINE's NDJSON, as `after` would
    give the entries written by the service), and `end` ends each line. Returns the lines, how
    many, and the last seq."""
    # As UTF-8 bytes, sent binary: the batch reaches the client as it will be written, never
    # decoded into a Python string (a worker's memory grew by 170 MiB streaming a log that way).
    # The lines are kept apart from the entries (0034, 0035), written by the chain's trigger: an
    # entry appended with it off (session_replication_role = replica) has none, and is counted
    # here so that an export stops rather than leave it out (0.2 ms a batch of 2,000).
    with conn.cursor(binary=True) as cur:
        row = cur.execute(
            "SELECT convert_to(coalesce(string_agg(x.line || %(end)s, '' ORDER BY x.seq), ''), 'UTF8') AS lines, "
            "count(*) AS count, max(x.seq) AS last, "
            "(SELECT count(*) FROM event e WHERE e.seq > %(seq)s "
            "   AND e.seq <= CASE WHEN count(x.seq) < %(limit)s THEN %(until)s ELSE max(x.seq) END) AS entries "
            f"FROM ({lines}) x",
            {"seq": seq, "limit": limit, "until": BIGINT if until is None else until, "end": end},
        ).fetchone()
    if row["entries"] != row["count"]:
        raise Unwritten(
            f"the log holds {row['entries']} entries after seq {seq} in this batch, but only "
            f"{row['count']} have their line of the export: the others were appended with the chain's trigger off "
            f"(`ceasefire-log verify` names the first); the export stops after seq {seq}"
        )
    return bytes(row["lines"]), row["count"], row["last"] or seq


def batch_ends(conn: Connection, seq: int, until: int, size: int, count: int) -> list[int]:
    """The seqs that end the next `count` batches of `size` entries after `seq` (through `until`),
    read from the seq index alone: where an export's batches begin is known before any of them
    is read, so several can be read at once (reads.batched). Fewer than `count` means the
    entries after the last one fill less than a batch."""
    rows = conn.execute(
        "SELECT seq FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM event "
        "WHERE seq > %(seq)s AND seq <= %(until)s ORDER BY seq LIMIT %(most)s) s WHERE mod(n, %(size)s) = 0",
        {"seq": seq, "until": until, "size": size, "most": size * count},
    ).fetchall()
    return [row["seq"] for row in rows]


def every(conn: Connection, batch: int = 10_000) -> Iterator[Event]:
    """The whole log in seq order, `batch` entries a statement (in the caller's snapshot)."""
    last = 0
    while True:
        page = after(conn, last, batch)
        yield from page
        if len(page) < batch:
            return
        last = page[-1].seq
