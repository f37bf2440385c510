"""Acts: the small vocabulary of what a claimant says was done."""

from __future__ import annotations

from service.store import Connection

SELECT = "SELECT slug, label, description, aliases FROM act"


def create(conn: Connection, act: dict, if_absent: bool = False) -> dict | None:
    return conn.execute(
        "INSERT INTO act (slug, label, description, aliases) VALUES (%(slug)s, %(label)s, %(description)s, %(aliases)s) "
        + ("ON CONFLICT (slug) DO NOTHING " if if_absent else "")
        + "RETURNING slug, label, description, aliases",
        {
            "slug": act["slug"],
            "label": act["label"],
            "description": act.get("description") or "",
            "aliases": act.get("aliases") or [],
        },
    ).fetchone()


def get(conn: Connection, slug: str) -> dict | None:
    return conn.execute(SELECT + " WHERE slug = %(slug)s", {"slug": slug}).fetchone()


def page(conn: Connection, after: str | None, limit: int) -> list[dict]:
    return conn.execute(
        SELECT + " WHERE slug > %(after)s ORDER BY slug LIMIT %(limit)s", {"after": after or "", "limit": limit}
    ).fetchall()
