"""What an export or a page writes beside each slug: the catalogue's names, coordinates and sides.

The catalogue is small beside the log (the benchmark's holds about 2,000 actors, places and
sources against a million events), so an export reads it whole at its start instead of joining it
into every row; a page reads the labels of what it shows."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from service.store import Connection


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
    shape: str


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


def read(conn: Connection, only: Wanted | None = None) -> Names:
    """The catalogue's labels: four small queries (the caller reads in one snapshot). An export
    reads them all; a page reads only those it shows (`only`), so its cost does not grow with
    the catalogue."""
    slugs = only or Wanted(set(), set(), set(), set())
    wanted = {"every": only is None, **{name: list(value) for name, value in vars(slugs).items()}}
    # The first label of an actor's path is its top-level actor's slug, written with '_' for '-'
    # (0001's tree_path).
    actors = {
        row["slug"]: Actor(row["name"], row["side"].replace("_", "-"))
        for row in conn.execute(
            "SELECT slug, name, subpath(path, 0, 1)::text AS side FROM actor WHERE %(every)s OR slug = ANY(%(actors)s)",
            wanted,
        )
    }
    places = {
        row["slug"]: Place(row["name"], row["latitude"], row["longitude"], row["precision"], row["shape"])
        for row in conn.execute(
            "SELECT slug, name, latitude, longitude, precision, shape FROM location "
            "WHERE %(every)s OR slug = ANY(%(places)s)",
            wanted,
        )
    }
    sources = {
        row["slug"]: Source(row["title"], row["url"])
        for row in conn.execute(
            "SELECT slug, title, url FROM source WHERE %(every)s OR slug = ANY(%(sources)s)", wanted
        )
    }
    ceasefires = {
        row["slug"]: row["name"]
        for row in conn.execute(
            "SELECT slug, name FROM ceasefire WHERE %(every)s OR slug = ANY(%(ceasefires)s)", wanted
        )
    }
    return Names(actors, places, sources, ceasefires)


@dataclass
class Wanted:
    """The slugs a page shows, by catalogue."""

    actors: set[str]
    places: set[str]
    sources: set[str]
    ceasefires: set[str]

    @classmethod
    def of(cls, entries, actors: Set[str] = frozenset()) -> Wanted:
        """The slugs that `entries` (store Events) name, and `actors` besides."""
        wanted = cls(set(actors), set(), set(), set())
        for entry in entries:
            wanted.actors.update(slug for slug in (entry.claimant, *entry.targets) if slug)
            wanted.places.update(entry.locations)
            if entry.source:
                wanted.sources.add(entry.source)
            if entry.ceasefire:
                wanted.ceasefires.add(entry.ceasefire)
        return wanted
