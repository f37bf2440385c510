"""GeoJSON (RFC 7946): a FeatureCollection with a Feature per place of each record (one for a
record that names no place), a Point where the place's coordinates are known and a null geometry
where they are not, the record's row
(formats/rows.py) as its properties with the one place it stands for. Written as it streams: the
collection opens, each feature follows, the collection closes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import orjson

from service import days
from service.store.names import Names


def write(records: Iterable, row: Callable[[object], dict], names: Names, as_of: int) -> Iterator[bytes]:
    # `as_of` is a foreign member (RFC 7946 section 6.1): readers that do not know it skip it.
    yield b'{"type":"FeatureCollection","as_of":%d,"features":[' % as_of
    first = True
    for record in records:
        properties = row(record)
        # A record that names no place is one feature with no geometry: a map leaves it out, a
        # count of the collection's records does not.
        for slug in properties["locations"] or [None]:
            place = names.places[slug] if slug is not None else None
            geometry = (
                None
                if place is None or place.latitude is None
                else {"type": "Point", "coordinates": [place.longitude, place.latitude]}
            )
            feature = {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    **properties,
                    "location": slug,
                    "location_name": place and place.name,
                    "location_precision": place and place.precision,
                    "location_shape": place and place.shape,
                },
            }
            yield (b"" if first else b",") + orjson.dumps(feature, default=days.json)
            first = False
    yield b"]}\n"
