"""Tests run on a real PostgreSQL: the embedded one (started once per run), or DATABASE_URL.

The schema is migrated and the article seeded once, into a template database; each test gets
its own copy (CREATE DATABASE ... TEMPLATE), which costs milliseconds and, unlike a rolled-back
transaction, works across pool connections, threads and processes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from service.config import Settings
from service.exchange import seed
from service.pipeline.db import connect
from service.running.app import create_app
from service.running.embedded import EmbeddedPostgres
from service.store import migrate
from tests.api import make_key

TEMPLATE = f"cfl_template_{os.getpid()}"


def with_database(dsn: str, name: str) -> str:
    return make_conninfo(**{**conninfo_to_dict(dsn), "dbname": name})


@pytest.fixture(scope="session")
def server_dsn(tmp_path_factory) -> str:
    """A DSN on the server the tests use, connected to a maintenance database."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    # In memory where the machine offers it: every test copies the template database, and on this
    # machine's disk that copy took 0.2 to 0.4 s, in /dev/shm a few hundredths.
    memory = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="cfl-tests-", dir=memory)) if os.access(memory, os.W_OK) else None
    embedded = EmbeddedPostgres(folder or tmp_path_factory.mktemp("pg"), database="postgres", durable=False)
    yield embedded.start()
    embedded.stop()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def admin(server_dsn):
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        yield conn


def create_database(admin, name: str, template: str | None = None) -> None:
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query += sql.SQL(" TEMPLATE {} STRATEGY WAL_LOG").format(sql.Identifier(template))
    admin.execute(query)


def drop_database(admin, name: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def template(admin, server_dsn) -> str:
    drop_database(admin, TEMPLATE)
    create_database(admin, TEMPLATE)
    dsn = with_database(server_dsn, TEMPLATE)
    migrate.upgrade(dsn)
    with connect(dsn) as conn:
        seed.load(conn)
    yield TEMPLATE
    drop_database(admin, TEMPLATE)


@pytest.fixture(scope="session")
def migrated_template(admin, server_dsn) -> str:
    """A template migrated to head and holding nothing, not even the seed."""
    name = f"{TEMPLATE}_empty"
    drop_database(admin, name)
    create_database(admin, name)
    migrate.upgrade(with_database(server_dsn, name))
    yield name
    drop_database(admin, name)


@pytest.fixture
def empty(admin, server_dsn, migrated_template) -> str:
    """A database of this test's own, migrated to head and holding nothing (not even the seed)."""
    name = f"cfl_test_{uuid.uuid4().hex[:12]}"
    create_database(admin, name, migrated_template)
    yield with_database(server_dsn, name)
    drop_database(admin, name)


@pytest.fixture
def fresh_database(admin, server_dsn):
    """Makes empty databases (no schema) on the test server; drops them after the test."""
    made = []

    def make() -> str:
        name = f"cfl_test_{uuid.uuid4().hex[:12]}"
        create_database(admin, name)
        made.append(name)
        return with_database(server_dsn, name)

    yield make
    for name in made:
        drop_database(admin, name)


@pytest.fixture
def dsn(admin, server_dsn, template) -> str:
    """A database of this test's own: migrated to head and seeded from the article."""
    name = f"cfl_test_{uuid.uuid4().hex[:12]}"
    create_database(admin, name, template)
    yield with_database(server_dsn, name)
    drop_database(admin, name)


@pytest.fixture
def conn(dsn):
    with connect(dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", pool_min=1, pool_max=8, pool_timeout=5.0)


@pytest.fixture
def app(settings, dsn):
    app = create_app(settings, dsn=dsn)
    yield app
    app.extensions["pool"].close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def reporter(dsn):
    """The Authorization header of a reporter's key."""
    return make_key(dsn, "monitor", "reporter")


@pytest.fixture
def admin_key(dsn):
    """The Authorization header of an admin's key."""
    return make_key(dsn, "editor", "admin")


@pytest.fixture
def outage(admin, dsn):
    """Cut the service off its database (no new connections; the open ones killed), and back."""
    name = conninfo_to_dict(dsn)["dbname"]

    def cut() -> None:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )

    def restore() -> None:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))

    yield cut, restore
    restore()


SEEDS = Path(__file__).resolve().parent.parent / "seeds"
