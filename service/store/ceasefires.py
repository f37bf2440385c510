"""Ceasefires: who brokered them, between whom, when agreed and in force, on what terms."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from service import days
from service.domain import Refusal
from service.store import Connection
from service.store.instants import localise, offset

SELECT = """
SELECT c.slug, c.name,
       ARRAY(SELECT a.slug::text FROM ceasefire_broker b JOIN actor a ON a.id = b.actor_id
              WHERE b.ceasefire_id = c.id ORDER BY b.position) AS brokers,
       ARRAY(SELECT a.slug::text FROM ceasefire_party p JOIN actor a ON a.id = p.actor_id
              WHERE p.ceasefire_id = c.id ORDER BY a.slug) AS parties,
       c.agreed_at, c.agreed_at_offset, c.agreed_at_unit, c.effective_at, c.effective_at_offset, c.effective_at_unit,
       c.time_note, c.terms,
       c.external_ids, source.slug AS source, c.created_at
  FROM ceasefire c
  LEFT JOIN source ON source.id = c.source_id
"""

REFS = """
SELECT (SELECT id FROM source WHERE slug = %(source)s) AS source_id,
       (SELECT coalesce(jsonb_object_agg(slug, id), '{}') FROM actor WHERE slug = ANY(%(actors)s)) AS actors
"""


def create(conn: Connection, ceasefire: dict, if_absent: bool = False) -> dict | None:
    parties, brokers = ceasefire.get("parties") or [], ceasefire.get("brokers") or []
    refs = conn.execute(REFS, {"source": ceasefire.get("source"), "actors": [*parties, *brokers]}).fetchone()
    errors = {}
    if ceasefire.get("source") is not None and refs["source_id"] is None:
        errors["source"] = [f"unknown source: {ceasefire['source']}"]
    for name, slugs in (("brokers", brokers), ("parties", parties)):
        unknown = [slug for slug in slugs if slug not in refs["actors"]]
        if unknown:
            errors[name] = [f"unknown actor: {slug}" for slug in unknown]
    if errors:
        raise Refusal(errors)
    row = conn.execute(
        """INSERT INTO ceasefire (slug, name, agreed_at, agreed_at_offset, agreed_at_unit, effective_at,
                                  effective_at_offset, effective_at_unit, time_note, terms, external_ids, source_id)
           VALUES (%(slug)s, %(name)s, %(agreed_at)s, %(agreed_at_offset)s, %(agreed_at_unit)s, %(effective_at)s,
                   %(effective_at_offset)s, %(effective_at_unit)s, %(time_note)s, %(terms)s, %(external_ids)s,
                   %(source_id)s)
           """
        + ("ON CONFLICT (slug) DO NOTHING " if if_absent else "")
        + "RETURNING id, slug",
        {
            "slug": ceasefire["slug"],
            "name": ceasefire["name"],
            "agreed_at": ceasefire.get("agreed_at"),
            "effective_at": ceasefire.get("effective_at"),
            "agreed_at_offset": offset(ceasefire.get("agreed_at")),
            "effective_at_offset": offset(ceasefire.get("effective_at")),
            "agreed_at_unit": days.unit(ceasefire.get("agreed_at")),
            "effective_at_unit": days.unit(ceasefire.get("effective_at")),
            "time_note": ceasefire.get("time_note"),
            "terms": ceasefire.get("terms") or [],
            "external_ids": Jsonb(ceasefire.get("external_ids") or []),
            "source_id": refs["source_id"],
        },
    ).fetchone()
    if row is None:
        return None
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO ceasefire_party (ceasefire_id, actor_id) VALUES (%s, %s)",
            [(row["id"], refs["actors"][slug]) for slug in dict.fromkeys(parties)],
        )
        cur.executemany(
            "INSERT INTO ceasefire_broker (ceasefire_id, actor_id, position) VALUES (%s, %s, %s)",
            [(row["id"], refs["actors"][slug], position) for position, slug in enumerate(brokers)],
        )
    return get(conn, row["slug"])


INSTANTS = ("agreed_at", "effective_at")


def get(conn: Connection, slug: str) -> dict | None:
    return localise(conn.execute(SELECT + " WHERE c.slug = %(slug)s", {"slug": slug}).fetchone(), *INSTANTS)


def page(conn: Connection, after: str | None, limit: int) -> list[dict]:
    rows = conn.execute(
        SELECT + " WHERE c.slug > %(after)s ORDER BY c.slug LIMIT %(limit)s", {"after": after or "", "limit": limit}
    ).fetchall()
    return [localise(row, *INSTANTS) for row in rows]


# The map reads this many of a ceasefire's latest incidents, whatever their number: at 1,000,000
# events the busiest ceasefire has tens of thousands, and counting the places of all of them took
# the page 577 ms.
MAPPED = 1000
PLACES = f"""
WITH latest AS (
    SELECT s.event_id FROM incident_state s
     WHERE s.ceasefire_id = (SELECT id FROM ceasefire WHERE slug = %(slug)s) AND s.to_seq IS NULL
     ORDER BY s.stated_at DESC, s.seq DESC
     LIMIT {MAPPED}
)
-- incident_place's key covers what is read: no visit to the log's own rows.
SELECT l.slug, l.name, l.latitude, l.longitude, l.precision, count(*) AS incidents,
       (SELECT count(*) FROM latest) AS read
  FROM latest
  JOIN incident_place p ON p.event_id = latest.event_id AND p.superseded_seq IS NULL
  JOIN location l ON l.id = p.location_id
 GROUP BY l.id
 ORDER BY incidents DESC, l.slug
 LIMIT 500
"""


def places(conn: Connection, slug: str) -> tuple[list[dict], bool]:
    """The places its latest MAPPED incidents name (each incident's record in force), with how
    many name each: the 500 most named; and whether it has more incidents than were read."""
    rows = conn.execute(PLACES, {"slug": slug}).fetchall()
    return rows, bool(rows) and rows[0]["read"] == MAPPED
