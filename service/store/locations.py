"""Locations: named places, and unnamed ones at a coarse precision; a tree by parent."""

from __future__ import annotations

from service.store import Connection
from service.store.actors import _parent_id

SELECT = """
SELECT l.slug, l.name, l.country, l.latitude, l.longitude, l.precision, l.shape, l.aliases,
       parent.slug AS parent, l.created_at
  FROM location l LEFT JOIN location parent ON parent.id = l.parent_id
"""


def create(conn: Connection, location: dict, if_absent: bool = False) -> dict | None:
    parent_id = _parent_id(conn, "location", location.get("parent"))
    row = conn.execute(
        """INSERT INTO location (slug, name, country, latitude, longitude, precision, shape, aliases, parent_id)
           VALUES (%(slug)s, %(name)s, %(country)s, %(latitude)s, %(longitude)s, %(precision)s, %(shape)s,
                   %(aliases)s, %(parent_id)s)
           """
        + ("ON CONFLICT (slug) DO NOTHING " if if_absent else "")
        + "RETURNING slug",
        {
            "slug": location["slug"],
            "name": location["name"],
            "country": location.get("country"),
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
            "precision": location["precision"],
            # None: the shape its precision implies (migration 0018, location_shape).
            "shape": location.get("shape"),
            "aliases": location.get("aliases") or [],
            "parent_id": parent_id,
        },
    ).fetchone()
    return None if row is None else get(conn, row["slug"])


def get(conn: Connection, slug: str) -> dict | None:
    return conn.execute(SELECT + " WHERE l.slug = %(slug)s", {"slug": slug}).fetchone()


def page(conn: Connection, after: str | None, limit: int) -> list[dict]:
    return conn.execute(
        SELECT + " WHERE l.slug > %(after)s ORDER BY l.slug LIMIT %(limit)s", {"after": after or "", "limit": limit}
    ).fetchall()
