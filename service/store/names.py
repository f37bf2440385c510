"""What an export writes beside each slug: the catalogue's names, coordinates and sides, read once.

The catalogue is small beside the log (the benchmark's holds 300 actors and places against a
million events), so an export reads it whole at its start instead of joining it into every row."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class Actor:
    name: str
    side: str  # the slug of its top-level actor: the side it speaks for


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float | None
    longitude: float | None
    precision: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str | None


@dataclass(frozen=True)
class Names:
    actors: dict[str, Actor]
    places: dict[str, Place]
    sources: dict[str, Source]
    ceasefires: dict[str, str]


def read(conn: psycopg.Connection) -> Names:
    """The whole catalogue's labels: four small queries (the caller reads in one snapshot)."""
    # The first label of an actor's path is its top-level actor's slug, written with '_' for '-'
    # (0001's tree_path).
    actors = {row["slug"]: Actor(row["name"], row["side"].replace("_", "-")) for row in conn.execute(
        "SELECT slug, name, subpath(path, 0, 1)::text AS side FROM actor")}
    places = {row["slug"]: Place(row["name"], row["latitude"], row["longitude"], row["precision"])
              for row in conn.execute("SELECT slug, name, latitude, longitude, precision FROM location")}
    sources = {row["slug"]: Source(row["title"], row["url"]) for row in conn.execute("SELECT slug, title, url FROM source")}
    ceasefires = {row["slug"]: row["name"] for row in conn.execute("SELECT slug, name FROM ceasefire")}
    return Names(actors, places, sources, ceasefires)
