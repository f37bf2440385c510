"""The catalogue as the intake assistant reads it: every actor, place and act by its names, and
each ceasefire with its parties' sides. Four queries, read whole: the catalogue is small beside
the log (see names.py)."""

from __future__ import annotations

from service.store import Connection


def read(conn: Connection) -> dict[str, list[dict]]:
    # An actor's side is the first label of its path, its top-level actor's slug written with '_'
    # for '-' (0001's tree_path; names.py reads it alike).
    actors = conn.execute(
        "SELECT slug, name, kind, country, aliases, replace(subpath(path, 0, 1)::text, '_', '-') AS side "
        "  FROM actor ORDER BY id"
    ).fetchall()
    places = conn.execute("SELECT slug, name, aliases FROM location ORDER BY id").fetchall()
    acts = conn.execute("SELECT slug, label, aliases FROM act ORDER BY id").fetchall()
    # A ceasefire's parties by their sides, and the UTC day it took effect, for the one in force.
    ceasefires = conn.execute(
        "SELECT c.slug, c.name, to_char(c.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS effective, "
        "       ARRAY(SELECT replace(subpath(a.path, 0, 1)::text, '_', '-') FROM ceasefire_party p "
        "               JOIN actor a ON a.id = p.actor_id WHERE p.ceasefire_id = c.id) AS parties "
        "  FROM ceasefire c ORDER BY c.id"
    ).fetchall()
    return {"actors": actors, "places": places, "acts": acts, "ceasefires": ceasefires}
