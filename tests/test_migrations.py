"""The schema's migrations: an empty database goes to head, back to nothing, and up again."""

from uuid import UUID

import pytest

from service.pipeline.db import connect
from service.store import migrate
from tests.api import ACCUSATION

TABLES = {
    "actor",
    "location",
    "act",
    "source",
    "ceasefire",
    "ceasefire_party",
    "ceasefire_broker",
    "actor_member",
    "desk_session",
    "log_head",
    "event",
    "event_location",
    "event_target",
    "event_act",
    "incident_act",
    "quote",
    "entry_hash",
    "entry_line",
    "entry_csv",
    "incident_actor",
    "incident_place",
    "api_key",
    "idempotency",
    "service_secret",
    "incident_state",
    "incident_high_water",
}


def tables(dsn: str) -> set[str]:
    with connect(dsn) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row["tablename"] for row in rows} - {"alembic_version"}


def test_empty_to_head_to_base_to_head(fresh_database):
    dsn = fresh_database()
    assert tables(dsn) == set()

    migrate.upgrade(dsn)
    assert tables(dsn) == TABLES
    with connect(dsn) as conn:
        assert migrate.current_heads(conn) == migrate.script_heads()

    migrate.downgrade(dsn, "base")
    assert tables(dsn) == set()
    with connect(dsn) as conn:
        functions = conn.execute(
            "SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')"
        ).fetchall()
        domains = conn.execute("SELECT typname FROM pg_type WHERE typname IN ('slug', 'country_code')").fetchall()
    assert functions == [] and domains == []

    migrate.upgrade(dsn)
    assert tables(dsn) == TABLES


def test_the_incident_indexes_step_down_and_up_alone(fresh_database):
    dsn = fresh_database()
    migrate.upgrade(dsn)
    migrate.downgrade(dsn, "0001")
    assert tables(dsn) == TABLES - {
        "incident_actor",
        "event_target",
        "event_act",
        "incident_act",
        "incident_place",
        "api_key",
        "idempotency",
        "service_secret",
        "incident_state",
        "incident_high_water",
        "entry_hash",
        "entry_line",
        "entry_csv",
        "ceasefire_broker",
        "actor_member",
        "desk_session",
    }
    migrate.upgrade(dsn)
    assert tables(dsn) == TABLES


def test_incident_states_are_derived_from_the_log_already_there(dsn):
    """0012 (and 0007 before it) on a log that already holds denials: the seeded shelling of Agdam
    is disputed from its denial on, and the other incidents are uncontested."""
    migrate.downgrade(dsn, "0006")
    migrate.upgrade(dsn)
    with connect(dsn) as conn:
        states = conn.execute(
            "SELECT e.summary, s.status, s.to_seq IS NULL AS holds FROM incident_state s "
            "JOIN event e ON e.id = s.event_id ORDER BY s.seq, s.from_seq"
        ).fetchall()
        denied = conn.execute(
            "SELECT a.summary FROM event a WHERE EXISTS "
            "(SELECT 1 FROM event d WHERE d.responds_to = a.id AND d.kind = 'denial')"
        ).fetchone()
    held = [(row["summary"], row["status"]) for row in states if row["holds"]]
    assert [status for summary, status in held if summary == denied["summary"]] == ["disputed"]
    assert [status for summary, status in held if summary != denied["summary"]] == ["uncontested", "uncontested"]
    # The shelling of Agdam changed three times: accused, denied, answered with a counter-accusation.
    assert len(states) == len(held) + 2


def test_the_exports_kept_rows_are_written_for_the_log_already_there(dsn, client, reporter):
    """0034, 0035 and 0036 write the lines, cells and catalogue ids of a log they find as the
    chain's trigger writes them for each entry appended after: stepping down and up again gives
    the same rows, several targets and places in their order included."""
    for summary in ("Mortar fire near Agdam, the ministry said.", 'It called the report "a lie", twice.'):
        assert client.post("/v1/events", json={**ACCUSATION, "summary": summary}, headers=reporter).status_code == 201
    several = {
        **ACCUSATION,
        "target": None,
        "targets": ["armenia", "russia"],
        "locations": ["tartar", "agdam"],
        "summary": "Shelling of Tartar and Agdam blamed on two states.",
    }
    assert client.post("/v1/events", json=several, headers=reporter).status_code == 201
    kept = (
        "SELECT l.seq, l.line, c.parts, c.claimant_id, c.target_ids, c.location_ids, c.ceasefire_id, c.source_id "
        "FROM entry_line l JOIN entry_csv c ON c.seq = l.seq ORDER BY l.seq"
    )
    with connect(dsn) as conn:
        written = conn.execute(kept).fetchall()
        actor = {row["slug"]: row["id"] for row in conn.execute("SELECT slug::text, id FROM actor")}
        place = {row["slug"]: row["id"] for row in conn.execute("SELECT slug::text, id FROM location")}
    assert written[-1]["target_ids"] == [actor["armenia"], actor["russia"]]
    assert written[-1]["location_ids"] == [place["tartar"], place["agdam"]]
    migrate.downgrade(dsn, "0035")
    with connect(dsn) as conn:
        columns = "SELECT column_name FROM information_schema.columns WHERE table_name = 'entry_csv'"
        assert [row["column_name"] for row in conn.execute(columns)] == ["seq", "parts"]
    migrate.downgrade(dsn, "0033")
    migrate.upgrade(dsn)
    with connect(dsn) as conn:
        assert conn.execute(kept).fetchall() == written
        assert len(written) == conn.execute("SELECT count(*) AS n FROM event").fetchone()["n"] == 7


def test_a_log_with_corrections_or_reviews_cannot_go_back_before_them(dsn, client, admin_key):
    incident = client.get("/v1/incidents").get_json()["items"][0]["id"]
    response = client.post(
        f"/v1/events/{incident}/reviews",
        headers=admin_key,
        json={"verdict": "unverified", "note": "No independent report yet."},
    )
    assert response.status_code == 201
    with pytest.raises(Exception, match="corrections or reviews"):
        migrate.downgrade(dsn, "0011")
    with connect(dsn) as conn:
        assert migrate.current_heads(conn) == migrate.script_heads()


def test_a_log_with_retractions_steps_down_to_0011_with_its_status_tables_filled(dsn, client, reporter):
    incident = client.get("/v1/incidents?status=disputed").get_json()["items"][0]
    response = client.post(
        "/v1/events",
        headers=reporter,
        json={
            "kind": "retraction",
            "claimant": incident["denials"][0]["claimant"],
            "responds_to": incident["denials"][0]["id"],
            "stated_at": "2020-10-13T09:00:00+04:00",
            "summary": "Withdrawn.",
            "source": "moscow-ceasefire-article",
        },
    )
    assert response.status_code == 201
    migrate.downgrade(dsn, "0011")
    with connect(dsn) as conn:
        withdrawn = conn.execute("SELECT event_id, statement_id FROM incident_withdrawal").fetchall()
        denied = conn.execute("SELECT event_id FROM incident_denied").fetchall()
    assert [(row["event_id"], row["statement_id"]) for row in withdrawn] == [
        (UUID(incident["id"]), UUID(incident["denials"][0]["id"]))
    ]
    assert [row["event_id"] for row in denied] == [UUID(incident["id"])]
    migrate.upgrade(dsn)
    # Its denial withdrawn, the seeded shelling of Agdam is still answered by Armenia's counter-accusation.
    assert client.get(f"/v1/incidents/{incident['id']}").get_json()["status"] == "countered"
