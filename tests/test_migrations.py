"""The schema's migrations: an empty database goes to head, back to nothing, and up again."""

from service import migrate
from service.db import connect

TABLES = {"actor", "location", "act", "source", "ceasefire", "ceasefire_party", "log_head", "event",
          "event_location", "quote", "incident_actor", "incident_place", "api_key", "idempotency",
          "incident_denied", "service_secret", "incident_retracted", "incident_withdrawal"}


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
    assert tables(dsn) == TABLES - {"incident_actor", "incident_place", "api_key", "idempotency", "incident_denied",
                            "service_secret", "incident_retracted", "incident_withdrawal"}
    migrate.upgrade(dsn)
    assert tables(dsn) == TABLES


def test_denied_accusations_are_indexed_from_the_log_already_there(dsn):
    """0007 on a log that already holds denials: the seeded shelling of Agdam is disputed."""
    migrate.downgrade(dsn, "0006")
    migrate.upgrade(dsn)
    with connect(dsn) as conn:
        denied = conn.execute("SELECT e.summary FROM incident_denied d JOIN event e ON e.id = d.event_id").fetchall()
        expected = conn.execute("SELECT a.summary FROM event a WHERE EXISTS "
                                "(SELECT 1 FROM event d WHERE d.responds_to = a.id AND d.kind = 'denial')").fetchall()
    assert denied == expected and len(denied) == 1
