"""Actors: states, their bodies and officials, armed groups, mediators, outlets; a tree by parent."""

from __future__ import annotations

from psycopg import sql

from service.domain import Refusal
from service.store import Connection

# A coalition's members, in order (migration 0024).
MEMBERS = (
    "ARRAY(SELECT member.slug::text FROM actor_member m JOIN actor member ON member.id = m.member_id "
    "WHERE m.coalition_id = a.id ORDER BY m.position) AS members"
)
SELECT = f"""
SELECT a.slug, a.name, a.kind, a.country, a.aliases, parent.slug AS parent, {MEMBERS}, a.created_at
  FROM actor a LEFT JOIN actor parent ON parent.id = a.parent_id
"""


def create(conn: Connection, actor: dict, if_absent: bool = False) -> dict | None:
    """Insert an actor; None when `if_absent` and the slug is taken. A taken slug otherwise raises
    psycopg.errors.UniqueViolation (the API's 409)."""
    parent_id = _parent_id(conn, "actor", actor.get("parent"))
    row = conn.execute(
        """INSERT INTO actor (slug, name, kind, country, aliases, parent_id)
           VALUES (%(slug)s, %(name)s, %(kind)s, %(country)s, %(aliases)s, %(parent_id)s)
           """
        + ("ON CONFLICT (slug) DO NOTHING " if if_absent else "")
        + "RETURNING id, slug",
        {**actor, "country": actor.get("country"), "aliases": actor.get("aliases") or [], "parent_id": parent_id},
    ).fetchone()
    if row is None:
        return None
    if actor.get("members"):
        _members(conn, row["id"], actor["members"])
    return get(conn, row["slug"])


def _members(conn: Connection, coalition_id: int, members: list[str]) -> None:
    known = {
        found["slug"]: found["id"]
        for found in conn.execute("SELECT slug, id FROM actor WHERE slug = ANY(%s)", [members]).fetchall()
    }
    unknown = [slug for slug in members if slug not in known]
    if unknown:
        raise Refusal({"members": [f"unknown actor: {slug}" for slug in unknown]})
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO actor_member (coalition_id, member_id, position) VALUES (%s, %s, %s)",
            [(coalition_id, known[slug], position) for position, slug in enumerate(members)],
        )


def get(conn: Connection, slug: str) -> dict | None:
    return conn.execute(SELECT + " WHERE a.slug = %(slug)s", {"slug": slug}).fetchone()


def page(conn: Connection, after: str | None, limit: int) -> list[dict]:
    return conn.execute(
        SELECT + " WHERE a.slug > %(after)s ORDER BY a.slug LIMIT %(limit)s", {"after": after or "", "limit": limit}
    ).fetchall()


def _parent_id(conn: Connection, table: str, parent: str | None) -> int | None:
    if parent is None:
        return None
    query = {"actor": "SELECT id FROM actor WHERE slug = %s", "location": "SELECT id FROM location WHERE slug = %s"}
    row = conn.execute(query[table], [parent]).fetchone()
    if row is None:
        raise Refusal({"parent": [f"unknown {table}: {parent}"]})
    return row["id"]


TREE = """
SELECT (SELECT coalesce(json_agg(json_build_object('slug', a.slug, 'name', a.name) ORDER BY nlevel(a.path)), '[]')
          FROM {table} a WHERE a.path @> e.path AND a.id <> e.id) AS ancestors,
       (SELECT coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name) ORDER BY c.name), '[]')
          FROM {table} c WHERE c.parent_id = e.id) AS children
  FROM {table} e WHERE e.slug = %(slug)s
"""


def tree(conn: Connection, table: str, slug: str) -> dict | None:
    """An actor's (or a place's) place in its tree: its ancestors from the top, and its children."""
    if table not in ("actor", "location"):
        raise ValueError(table)
    return conn.execute(sql.SQL(TREE).format(table=sql.Identifier(table)), {"slug": slug}).fetchone()
