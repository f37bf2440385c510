"""Load a seed file (seeds/*.yaml): a source, the actors, places, acts and ceasefire it speaks of,
and the accusations and denials it reports.

All or nothing: any problem (a quote the source text does not hold, an unknown slug, a denial that
breaks the rules, a malformed entry) stops the load with a message naming the entry and its line,
and nothing is written. Loading a file twice adds nothing: catalogue rows are matched by slug, and
each event's id is derived from its source and key.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import marshmallow as ma
import psycopg
import yaml

from service import domain, log
from service.pipeline import catalogue_schemas
from service.pipeline.errors import in_one_line
from service.store import Connection, actors, acts, bulk, ceasefires, first_line, locations, migrate, sources

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DEFAULT_SEED = SEEDS / "moscow-ceasefire.yaml"
RECORDED_BY = "seed"
# Event ids are uuid5(EVENT_NAMESPACE, "<source slug>/<event key>"): the same file, the same ids.
EVENT_NAMESPACE = uuid.UUID("6f1d3c1e-9a52-4c55-9a8e-2f0b8d1c7a10")

# An event of a seed file is a report as POST /v1/events takes it, named by a key of the file's own
# (which `responds_to` refers to); what a claim must say is the log's rule (domain.missing).
EVENT_FIELDS = {"key", "kind", "responds_to", *domain.RECORD, *domain.SINGULAR.values()}


class SeedError(ValueError):
    """One line: the file, the line, the entry, and what is wrong with it."""


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line, so that errors can point at it."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def load(conn: Connection, path: Path = DEFAULT_SEED) -> dict[str, int]:
    """Load the file in the caller's transaction; returns how many events were added."""
    path = Path(path)
    document = _read(path)
    where = _Where(path)
    source = _mapping(document.get("source"), where, "source", document.get("__line__", 1))
    text = _source_text(path, source, where)
    with conn.transaction():
        migrate.hold_setup_lock(conn)
        _catalogue(conn, where, "source", [{**source, "text": text}], "source")
        _catalogue(conn, where, "act", document.get("acts") or [], "acts")
        _catalogue(conn, where, "actor", document.get("actors") or [], "actors")
        _catalogue(conn, where, "location", document.get("locations") or [], "locations")
        if document.get("ceasefire"):
            _catalogue(conn, where, "ceasefire", [document["ceasefire"]], "ceasefire")
        recorded_at = document.get("recorded_at")
        if recorded_at is not None and (not isinstance(recorded_at, datetime) or recorded_at.tzinfo is None):
            raise where.error(document.get("__line__", 1), "recorded_at", "must be a timestamp with a UTC offset")
        added = _events(conn, where, source["slug"], text, document.get("events") or [], recorded_at)
    return {"events_added": added}


class _Where:
    def __init__(self, path: Path):
        self.path = path

    def error(self, line: int, entry: str, message: str) -> SeedError:
        return SeedError(f"{self.path.name} line {line}, {entry}: {message}")


def _read(path: Path) -> dict:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except OSError as error:
        raise SeedError(f"{path}: cannot read the seed file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SeedError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise SeedError(f"{path.name}{line}: not valid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(document, dict):
        raise SeedError(f"{path.name} line 1: a seed file is a mapping with source, actors, locations, events")
    return document


def _mapping(value, where: _Where, entry: str, line: int) -> dict:
    if not isinstance(value, dict):
        raise where.error(line, entry, "must be a mapping")
    return value


def _clean(entry: dict) -> dict:
    return {name: _plain(value) for name, value in entry.items() if name not in {"__line__", "text_file", "sha256"}}


def _plain(value):
    """A value without the lines the loader notes on every mapping."""
    if isinstance(value, dict):
        return {name: _plain(inner) for name, inner in value.items() if name != "__line__"}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    return value


def _source_text(path: Path, source: dict, where: _Where) -> str | None:
    line = source["__line__"]
    if "slug" not in source:
        raise where.error(line, "source", "needs a slug")
    if not source.get("text_file"):
        return None
    text_path = path.parent / source["text_file"]
    try:
        raw = text_path.read_bytes()
    except OSError as error:
        raise where.error(line, f"source {source['slug']}", f"cannot read {text_path.name}: {error.strerror}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if source.get("sha256") and source["sha256"] != digest:
        raise where.error(
            line, f"source {source['slug']}", f"{text_path.name} has SHA-256 {digest}, the file says {source['sha256']}"
        )
    return raw.decode("utf-8")


# Each catalogue entry of a seed file is what the API's POST takes (checked by the same schema,
# so a misspelt field is refused, not dropped), stored by the same function.
CATALOGUE = {
    "source": (catalogue_schemas.SourceIn(), sources.create),
    "act": (catalogue_schemas.ActIn(), acts.create),
    "actor": (catalogue_schemas.ActorIn(), actors.create),
    "location": (catalogue_schemas.LocationIn(), locations.create),
    "ceasefire": (catalogue_schemas.CeasefireIn(), ceasefires.create),
}


def _catalogue(conn: Connection, where: _Where, kind: str, entries: list, section: str) -> None:
    if not isinstance(entries, list):
        raise where.error(1, section, "must be a list")
    schema, create = CATALOGUE[kind]
    for index, entry in enumerate(entries):
        line = entry.get("__line__", 1) if isinstance(entry, dict) else 1
        name = f"{section}[{index}] {entry.get('slug', '?') if isinstance(entry, dict) else '?'}"
        _mapping(entry, where, name, line)
        try:
            row = schema.load(_clean(entry))
        except ma.ValidationError as error:
            raise where.error(line, name, in_one_line(error.messages)) from None
        try:
            with conn.transaction():
                create(conn, row, if_absent=True)
        except KeyError as missing:
            raise where.error(line, name, f"missing field {missing}") from None
        except domain.Refusal as refusal:
            raise where.error(line, name, str(refusal)) from None
        except psycopg.errors.IntegrityError as error:
            raise where.error(line, name, first_line(error)) from None


def _events(
    conn: Connection,
    where: _Where,
    source_slug: str,
    text: str | None,
    entries_in: list,
    recorded_at: datetime | None,
) -> int:
    """The events, prepared as the write path prepares an append (what a response inherits from the
    entry it answers, each quote's span in the article), then written through the bulk path
    (store/bulk.py), where the database holds them to the log's rules; a refusal names the entry
    and its line."""
    ids: dict[str, uuid.UUID] = {}
    reports: dict[uuid.UUID, dict] = {}
    entries, names = [], {}
    for index, entry in enumerate(entries_in):
        line = entry.get("__line__", 1) if isinstance(entry, dict) else 1
        _mapping(entry, where, f"events[{index}]", line)
        name = names[line] = f"events[{index}] {entry.get('key', '?')}"
        unknown = entry.keys() - EVENT_FIELDS - {"__line__"}
        if unknown:
            raise where.error(line, name, f"unknown fields {', '.join(sorted(unknown))}")
        if "key" not in entry or entry.get("kind") not in domain.REPORTED:
            raise where.error(line, name, f"needs a key, and a kind: {', '.join(domain.REPORTED)}")
        key = entry["key"]
        if key in ids:
            raise where.error(line, name, f"key {key} is used twice")
        ids[key] = uuid.uuid5(EVENT_NAMESPACE, f"{source_slug}/{key}")
        responds_to = entry.get("responds_to")
        if responds_to is not None and responds_to not in ids:
            raise where.error(line, name, f"responds_to {responds_to}: no earlier event has that key")
        missing = domain.missing(entry["kind"], entry)
        if missing:
            raise where.error(line, name, f"missing {', '.join(sorted(missing))}")
        listed = domain.listed(entry)[0]
        report: dict[str, Any] = {field: listed.get(field) for field in domain.RECORD}
        report["responds_to"] = ids.get(responds_to)
        if report["responds_to"] is not None:
            log.inherit(report, reports[report["responds_to"]], domain.KINDS[entry["kind"]])
        reports[ids[key]] = report
        for field in ("occurred_from", "occurred_to", "stated_at"):
            if not isinstance(report[field], datetime) or report[field].tzinfo is None:
                raise where.error(line, name, f"{field} must be a timestamp with a UTC offset")
        quotes, refused = log.spans(report["quotes"] or [], text)
        if refused:
            raise where.error(line, name, refused["quotes"][0])
        entries.append(
            bulk.Entry(
                line=line,
                id=ids[key],
                kind=entry["kind"],
                recorded_by=RECORDED_BY,
                recorded_at=recorded_at,
                **{**report, "quotes": quotes},
            )
        )
    if not entries:
        return 0
    bulk.prepare(conn)
    try:
        added, _ = bulk.load(conn, entries, keep_seq=False)
    except bulk.BulkError as error:
        raise where.error(error.line, names[error.line], error.message) from None
    return added
