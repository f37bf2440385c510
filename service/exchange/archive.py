"""A whole log as one file: a backup, a move between servers, a release of the data to cite.

NDJSON, a type on every line: first `log` (the format, and the seq the file reflects), then the
catalogue (acts, sources with the text they hold and its SHA-256, actors and places parents first,
ceasefires, the names and roles of the keys that wrote entries: never a key or its hash), then
every entry in seq order, each as `GET /v1/events` shows it. Export, import into an empty
database, export again: the same bytes.

The import goes through the bulk path (store/bulk.py), so every rule the database holds is in
force; it keeps each entry's id, seq and recording time, adds nothing for an id the log holds
already, and runs in one transaction: the first line it refuses is named and nothing is loaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

import marshmallow as ma
import orjson
import psycopg

from service import chain, days, domain
from service.pipeline import catalogue_schemas as schemas
from service.pipeline.auth import ROLES
from service.pipeline.errors import in_one_line
from service.store import Connection, actors, acts, bulk, ceasefires, events, locations, sources
from service.store.instants import localise

FORMAT = "ceasefire-log/1"
# Entries written or loaded a batch at a time: the writer's memory, and the loader's round trips.
BATCH = 10_000


class ArchiveError(ValueError):
    """One line: the file, the line, and what is wrong with it."""


@dataclass
class Summary:
    entries: int
    as_of: int
    sha256: str
    present: int = 0
    catalogue: int = 0
    unverified: bool = False


# The catalogue, table by table, in the order a log needs it: what a row names comes before it.
CATALOGUE = [
    ("act", "SELECT slug, label, description, aliases FROM act ORDER BY slug", ()),
    (
        "source",
        "SELECT slug, title, publisher, url, published_at, published_at_offset, published_at_unit, language, text, "
        "sha256 FROM source "
        "ORDER BY slug",
        ("published_at",),
    ),
    (
        "actor",
        # A coalition after every actor, so that its members come before it.
        f"SELECT a.slug, a.name, a.kind, a.country, a.aliases, p.slug AS parent, {actors.MEMBERS} FROM actor a "
        "LEFT JOIN actor p ON p.id = a.parent_id ORDER BY a.kind = 'coalition', nlevel(a.path), a.slug",
        (),
    ),
    (
        "location",
        "SELECT l.slug, l.name, l.country, l.latitude, l.longitude, l.precision, l.shape, l.aliases, p.slug AS parent "
        "FROM location l LEFT JOIN location p ON p.id = l.parent_id ORDER BY nlevel(l.path), l.slug",
        (),
    ),
    ("ceasefire", ceasefires.SELECT + " ORDER BY c.slug", ceasefires.INSTANTS),
    ("key", "SELECT name, role FROM api_key ORDER BY name", ()),
]
DROPPED = {"ceasefire": {"created_at"}}


def export(conn: Connection, out: BinaryIO, as_of: int | None = None) -> Summary:
    """Write the log (as of a seq) to `out`, in one snapshot of the database."""
    digest = hashlib.sha256()

    def put(chunk: bytes) -> None:
        digest.update(chunk)
        out.write(chunk)

    conn.read_only = True
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    with conn.transaction():
        head = events.head(conn)
        bound = events.check_as_of(as_of, head)
        # The file reflects its last entry: as of a seq no entry holds, it is the entry before.
        reflects = conn.execute(
            "SELECT coalesce(max(seq), 0) AS seq FROM event WHERE seq <= %(bound)s", {"bound": bound}
        ).fetchone()["seq"]
        put(orjson.dumps({"type": "log", "format": FORMAT, "as_of": reflects}, option=orjson.OPT_APPEND_NEWLINE))
        for kind, query, instants in CATALOGUE:
            for row in conn.execute(query):
                row = localise(row, *instants)
                for name in DROPPED.get(kind, ()):
                    row.pop(name)
                put(orjson.dumps({"type": kind, **row}, default=days.json, option=orjson.OPT_APPEND_NEWLINE))
        written, after, last_hash = 0, 0, None
        while True:
            lines, count, last = events.lines_after(conn, after, BATCH, until=reflects)
            if not count:
                break
            # An entry as the log shows it, without `revisions` (an original's list of corrections,
            # which are entries of the file themselves).
            entries = lines.splitlines()
            put(b"".join(b'{"type":"event",' + line[1 : -len(b',"revisions":[]}')] + b"}\n" for line in entries))
            written += count
            after, last_hash = last, orjson.loads(entries[-1])["hash"]
        # The file's proof of itself: what it holds, the head of its chain, and a digest of every
        # line before this one. An import refuses a file cut short or edited (import_).
        put(
            orjson.dumps(
                {"type": "end", "entries": written, "as_of": reflects, "hash": last_hash, "sha256": digest.hexdigest()},
                option=orjson.OPT_APPEND_NEWLINE,
            )
        )
    return Summary(written, reflects, digest.hexdigest())


CATALOGUE_SCHEMAS = {
    "act": schemas.ActIn(),
    "actor": schemas.ActorIn(),
    "location": schemas.LocationIn(),
    "ceasefire": schemas.CeasefireIn(),
    "source": schemas.SourceIn(),
}
CREATE = {
    "act": acts.create,
    "actor": actors.create,
    "location": locations.create,
    "ceasefire": ceasefires.create,
    "source": sources.create,
}
# An entry line: what GET /v1/events shows of an entry, the record of a claim (domain.RECORD) among it.
ENTRY_FIELDS = {
    "type",
    "id",
    "seq",
    "kind",
    "responds_to",
    *domain.RECORD,
    *domain.SINGULAR.values(),
    "recorded_by",
    "recorded_at",
    "corrects",
    "verdict",
    "cites",
    "voids",
    "hash",
}
INSTANTS = ("occurred_from", "occurred_to", "stated_at", "recorded_at")
# Fields entries gained after archives were first written (migrations 0017, 0022, 0023): an older file's
# entries lack them, and have none of them.
LATER = {"channel", "channel_name", "via", "violations", "casualties", "cites", "voids", *domain.SINGULAR}
# An imported key cannot sign in: its hash is not one any key has (the service stores SHA-256 in
# hex). It names who wrote the entries, for the rules that ask (0012: corrections and reviews).
IMPORTED_KEY = (
    "INSERT INTO api_key (name, role, key_hash) VALUES (%(name)s::text, %(role)s, 'imported:' || %(name)s::text) "
    "ON CONFLICT (name) DO NOTHING RETURNING name"
)


def import_(conn: Connection, path: Path, unverified: bool = False) -> Summary:
    """Load the file at `path` in one transaction, or nothing of it. A file must end with the line
    `export` writes last (its count, chain head and digest); `unverified` loads one without it (a
    file written before archives carried it), and says so in `summary.unverified`."""
    digest = _Digest()
    summary = Summary(0, 0, "")
    end: dict | None = None
    last_hash: str | None = None
    try:
        with conn.transaction():
            bulk.prepare(conn)
            statistics = bulk.Statistics(conn)
            batch: list[bulk.Entry] = []
            hashes: dict[int, str] = {}  # by line: the hash each entry line says it has
            last_seq = 0
            for number, line in _lines(path, digest):
                record = _record(line, number, path)
                kind = record.pop("type")
                if end is not None:
                    raise _error(path, number, "a line after the end line: the end line comes last")
                if kind == "end":
                    if batch:
                        summary = _flush(conn, batch, hashes, summary, path, statistics)
                        batch, hashes = [], {}
                    _check_end(record, number, path, summary, last_seq, last_hash, line_digest=digest.before)
                    end = record
                    continue
                if number == 1:
                    if kind != "log" or record.get("format") != FORMAT:
                        raise _error(
                            path,
                            number,
                            f"not a ceasefire-log file: its first line must be "
                            f'{{"type": "log", "format": "{FORMAT}", ...}}',
                        )
                    summary.as_of = record.get("as_of", 0)
                elif kind == "event":
                    entry, chained = _entry(record, number, path)
                    if chained is not None:
                        hashes[number] = chained
                    last_hash = chained
                    seq = entry.seq or 0  # _entry has checked it is a seq
                    if seq <= last_seq:
                        raise _error(path, number, f"seq {seq} after seq {last_seq}: entries come in seq order")
                    last_seq = seq
                    batch.append(entry)
                    if len(batch) == BATCH:
                        summary = _flush(conn, batch, hashes, summary, path, statistics)
                        batch, hashes = [], {}
                elif batch or summary.entries or summary.present:
                    raise _error(path, number, f"a {kind} line after the entries: the catalogue comes first")
                else:
                    summary.catalogue += _catalogue(conn, kind, record, number, path)
            if batch:
                summary = _flush(conn, batch, hashes, summary, path, statistics)
            if end is None and not unverified:
                raise ArchiveError(
                    f"{path.name}: no end line: the file is cut short, or was written before archives carried "
                    "their count and digest; nothing was loaded (`import --unverified` loads such a file)"
                )
            summary.unverified = end is None
            statistics.grew(0, last=True)
    except OSError as error:
        raise ArchiveError(f"{path}: cannot read: {error.strerror}") from None
    summary.sha256 = digest.whole()
    return summary


def _check_end(
    end: dict, number: int, path: Path, summary: Summary, last_seq: int, last_hash: str | None, line_digest: str
) -> None:
    """The end line against the lines before it: their count, last seq, chain head and digest."""
    said = {name: end.get(name) for name in ("entries", "as_of", "hash", "sha256")}
    found = {
        "entries": summary.entries + summary.present,
        "as_of": summary.as_of,
        "hash": last_hash,
        "sha256": line_digest,
    }
    if last_seq and last_seq != summary.as_of:
        raise _error(
            path, number, f"the file says it holds the log as of seq {summary.as_of}; its last entry is seq {last_seq}"
        )
    wrong = [
        f"{name} {said[name]!r} where the lines before it make {found[name]!r}"
        for name in said
        if said[name] != found[name]
    ]
    if wrong:
        raise _error(path, number, "the end line does not match the file: " + "; ".join(wrong))


class _Digest:
    """A running SHA-256 of the lines read: of every line before the one being read (what an end
    line's digest covers, however the end line is spelt), and of the whole file."""

    def __init__(self) -> None:
        self.digest, self.pending = hashlib.sha256(), b""

    def update(self, line: bytes) -> None:
        self.digest.update(self.pending)
        self.pending = line

    @property
    def before(self) -> str:
        return self.digest.hexdigest()

    def whole(self) -> str:
        whole = self.digest.copy()
        whole.update(self.pending)
        return whole.hexdigest()


def _lines(path: Path, digest: _Digest) -> Iterator[tuple[int, bytes]]:
    try:
        file = path.open("rb")
    except OSError as error:
        raise ArchiveError(f"{path}: cannot read: {error.strerror}") from None
    with file:
        for number, line in enumerate(file, 1):
            digest.update(line)
            yield number, line


def entries(path: Path) -> Iterator[dict]:
    """The entry lines of an archive, as GET /v1/events shows each entry, in the file's order (for
    `ceasefire-log verify FILE`). Read to its end, the file is held to its end line: a file cut
    short, or with a line added, dropped or edited anywhere, raises ArchiveError naming the line."""
    digest = _Digest()
    count, as_of, last_seq, last_hash, end = 0, 0, 0, None, None
    for number, line in _lines(path, digest):
        record = _record(line, number, path)
        if end is not None:
            raise _error(path, number, "a line after the end line: the end line comes last")
        if number == 1:
            as_of = record.get("as_of", 0)
        if record["type"] == "end":
            _check_end(record, number, path, Summary(count, as_of, ""), last_seq, last_hash, line_digest=digest.before)
            end = number
        elif record["type"] == "event":
            count, last_seq, last_hash = count + 1, record.get("seq", 0), record.get("hash")
            yield record
    if end is None:
        raise ArchiveError(
            f"{path.name}: no end line: the file is cut short, or was written before archives carried it"
        )


def _record(line: bytes, number: int, path: Path) -> dict:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise _error(path, number, f"not JSON: {error}") from None
    if not isinstance(record, dict) or not isinstance(record.get("type"), str):
        raise _error(path, number, 'each line is a JSON object with a "type"')
    return record


def _catalogue(conn: Connection, kind: str, record: dict, number: int, path: Path) -> int:
    """Add a catalogue row the log does not hold yet (by slug, or a key by name); 1 if added."""
    if kind == "key":
        if set(record) != {"name", "role"} or record["role"] not in ROLES:
            raise _error(path, number, 'a key line is {"type": "key", "name": ..., "role": ...}, with a known role')
        return _guarded(path, number, lambda: conn.execute(IMPORTED_KEY, record).fetchone() is not None)
    if kind not in CATALOGUE_SCHEMAS:
        raise _error(path, number, f"unknown type {kind!r}")
    sha256 = record.pop("sha256", None) if kind == "source" else None
    try:
        row = CATALOGUE_SCHEMAS[kind].load(record)
    except ma.ValidationError as error:
        raise _error(path, number, f"{kind} {record.get('slug', '?')}: {in_one_line(error.messages)}") from None
    if (
        sha256 is not None
        and row.get("text") is not None
        and hashlib.sha256(row["text"].encode()).hexdigest() != sha256
    ):
        raise _error(path, number, f"source {row['slug']}: its text does not have the SHA-256 the file gives")
    return _guarded(path, number, lambda: CREATE[kind](conn, row, if_absent=True) is not None)


def _guarded(path: Path, number: int, write) -> int:
    """1 if `write` added a row, 0 if the log held it already; a refusal names the line (and the
    caller's transaction, rolled back, keeps nothing)."""
    try:
        return int(bool(write()))
    except domain.Refusal as refusal:
        raise _error(path, number, str(refusal)) from None
    except psycopg.errors.DatabaseError as error:
        raise _error(path, number, str(error).strip().splitlines()[0]) from None


def _entry(record: dict, number: int, path: Path) -> tuple[bulk.Entry, str | None]:
    """An entry line as the bulk path takes it; its shape checked here, its rules by the database."""
    # Archives written before the log was chained (migration 0014) have no hash on their entries.
    missing = ENTRY_FIELDS - {"revisions", "hash"} - LATER - record.keys() - {"type"}
    unknown = record.keys() - ENTRY_FIELDS - {"revisions"}
    if missing or unknown:
        problem = "; ".join(
            filter(
                None,
                [
                    f"missing {', '.join(sorted(missing))}" if missing else None,
                    f"unknown fields {', '.join(sorted(unknown))}" if unknown else None,
                ],
            )
        )
        raise _error(path, number, problem)
    try:
        for name in ("id", "responds_to", "corrects", "cites", "voids"):
            if record.get(name) is not None:
                record[name] = UUID(record[name])
        for name in INSTANTS:
            if record[name] is not None:
                # An interval's month is its first or last day; a statement's, a Month (0029).
                spans = name in ("occurred_from", "occurred_to")
                instant = days.parse(record[name], chain.INSTANTS.get(name, "first"), spans=spans)
                if isinstance(instant, days.Day):
                    if name not in chain.INSTANTS:
                        raise ValueError(f"{name} is a day alone: it needs the instant the entry was recorded")
                    record[name] = instant
                    continue
                offset = instant.utcoffset()
                if offset is None:
                    raise ValueError(f"{name} has no UTC offset")
                if not domain.OFFSETS[0] <= offset <= domain.OFFSETS[1]:
                    raise ValueError(f"{name} is at a UTC offset no clock is set to (between -12:00 and +14:00)")
                try:
                    instant.astimezone(UTC)
                except OverflowError:
                    raise ValueError(f"{name} falls outside the years 1 to 9999 once converted to UTC") from None
                record[name] = instant
    except (TypeError, ValueError) as error:
        raise _error(path, number, f"event {record.get('id')}: {error}") from None
    if (
        type(record["seq"]) is not int
        or record["seq"] < 1
        or record["kind"] not in domain.KINDS
        or not isinstance(record["locations"], list)
        or not isinstance(record["quotes"], list)
        or not all(isinstance(q, dict) and set(q) == {"text", "start", "end"} for q in record["quotes"])
        or record.get("revisions") not in (None, [])
        or not _counts(record.get("casualties"), record.get("violations"))
    ):
        raise _error(
            path,
            number,
            f"event {record['id']}: seq, kind, locations, quotes or counts are not as GET /v1/events writes them",
        )
    record.pop("revisions", None)
    record, _ = domain.listed(record)
    for name in domain.SINGULAR:
        # An entry of a file written before lists names one of each, or (a review) none.
        record[name] = record.get(name) or []
    chained = record.pop("hash", None)
    if chained is not None and not (isinstance(chained, str) and len(chained) == 64):
        raise _error(path, number, f"event {record['id']}: its hash is not 64 hexadecimal digits")
    return bulk.Entry(line=number, **record), chained


def _counts(casualties, violations) -> bool:
    """Whether an entry's numbers are as GET /v1/events writes them: whole numbers or nulls."""
    counts = casualties if isinstance(casualties, dict) else {} if casualties is None else None
    return (
        counts is not None
        and set(counts) <= set(domain.CASUALTIES)
        and all(value is None or type(value) is int for value in [*counts.values(), violations])
    )


def _flush(
    conn: Connection,
    batch: list[bulk.Entry],
    hashes: dict[int, str],
    summary: Summary,
    path: Path,
    statistics: bulk.Statistics,
) -> Summary:
    try:
        added, present = bulk.load(conn, batch, keep_seq=True)
    except bulk.BulkError as error:
        raise _error(path, error.line, error.message) from None
    # Each entry's hash as the log chains it, against the hash its line says it has: an entry
    # edited in the file, or one dropped or slipped in before it, breaks the chain at its line.
    held = events.chained(conn, [entry.seq for entry in batch if entry.line in hashes and entry.seq])
    for entry in batch:
        said = hashes.get(entry.line)
        if said is not None and held.get(entry.seq or 0) != said:
            raise _error(
                path,
                entry.line,
                f"entry seq {entry.seq} says its hash is {said}; chained after the entries before it, it is "
                f"{held.get(entry.seq or 0)}: this entry, or one before it, is not as it was written",
            )
    statistics.grew(added)
    summary.entries += added
    summary.present += present
    return summary


def _error(path: Path, number: int, message: str) -> ArchiveError:
    return ArchiveError(f"{path.name} line {number}: {message}")
