"""Sources: where statements were published; the text we hold, and its SHA-256 (computed by the database)."""

from __future__ import annotations

from service import days
from service.store import Connection
from service.store.instants import localise, offset

SELECT = """
SELECT slug, title, publisher, url, published_at, published_at_offset, published_at_unit, language,
       text IS NOT NULL AS text_held, sha256, created_at
  FROM source
"""


def create(conn: Connection, source: dict, if_absent: bool = False) -> dict | None:
    row = conn.execute(
        """INSERT INTO source (slug, title, publisher, url, published_at, published_at_offset, published_at_unit,
                               language, text)
           VALUES (%(slug)s, %(title)s, %(publisher)s, %(url)s, %(published_at)s, %(published_at_offset)s,
                   %(published_at_unit)s, %(language)s, %(text)s)
           """
        + ("ON CONFLICT (slug) DO NOTHING " if if_absent else "")
        + "RETURNING slug",
        {
            "slug": source["slug"],
            "title": source.get("title"),
            "language": source.get("language"),
            "publisher": source.get("publisher"),
            "url": source.get("url"),
            "published_at": source.get("published_at"),
            "published_at_offset": offset(source.get("published_at")),
            "published_at_unit": days.unit(source.get("published_at")),
            "text": source.get("text"),
        },
    ).fetchone()
    return None if row is None else get(conn, row["slug"])


def get(conn: Connection, slug: str, with_text: bool = False) -> dict | None:
    """The source of this slug; `with_text`, its held text as well (`text`)."""
    select = SELECT.replace("FROM source", ", text FROM source") if with_text else SELECT
    return localise(conn.execute(select + " WHERE slug = %(slug)s", {"slug": slug}).fetchone(), "published_at")


def page(conn: Connection, after: str | None, limit: int) -> list[dict]:
    rows = conn.execute(
        SELECT + " WHERE slug > %(after)s ORDER BY slug LIMIT %(limit)s", {"after": after or "", "limit": limit}
    ).fetchall()
    return [localise(row, "published_at") for row in rows]


def held(conn: Connection, slugs: set[str]) -> dict[str, dict]:
    """The sources of these slugs with the text held of each, its publisher and its SHA-256 (one
    query for a whole thread; their titles and addresses are among a page's names)."""
    rows = conn.execute(
        "SELECT slug, publisher, sha256, text FROM source WHERE slug = ANY(%(slugs)s)", {"slugs": list(slugs)}
    ).fetchall()
    return {row["slug"]: row for row in rows}
