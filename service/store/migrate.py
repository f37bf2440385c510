"""Alembic, driven from Python: upgrade, downgrade, and whether the schema is at head.

There are no ORM models; SQLAlchemy is here only because Alembic runs on it. The engine is built
around psycopg's own connect so that any DSN psycopg accepts (a socket folder, a service file)
works here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from service.store import Connection

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

# Held while the schema changes or the seed loads, so that several processes starting at once
# (compose's migrate and api, or more api replicas) take turns instead of racing.
SETUP_LOCK = 0x63_66_6C_00


def hold_setup_lock(conn: Connection) -> None:
    """Wait for the setup lock; it is released when the caller's transaction ends."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SETUP_LOCK,))


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@contextmanager
def _connection(dsn: str) -> Iterator[sqlalchemy.Connection]:
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(dsn), poolclass=sqlalchemy.NullPool
    )
    try:
        with engine.begin() as connection:
            # SQLAlchemy types the driver connection as maybe None; under an open engine it is psycopg's.
            hold_setup_lock(connection.connection.driver_connection)  # type: ignore[arg-type]
            yield connection
    finally:
        engine.dispose()


def upgrade(dsn: str, revision: str = "head") -> None:
    config = _config()
    with _connection(dsn) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(dsn: str, revision: str) -> None:
    config = _config()
    with _connection(dsn) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def script_heads() -> set[str]:
    return set(ScriptDirectory.from_config(_config()).get_heads())


def current_heads(conn: Connection) -> set[str]:
    """The revisions the database is at, read with the caller's psycopg connection."""
    exists = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL AS present").fetchone()
    present = exists["present"] if isinstance(exists, dict) else exists[0]
    if not present:
        return set()
    rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return {row["version_num"] if isinstance(row, dict) else row[0] for row in rows}
