"""The embedded PostgreSQL: data survives a restart, one owner per data folder, DATABASE_URL wins."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.pipeline.db import connect
from service.running import cli
from service.running.embedded import EmbeddedBusy, EmbeddedError, EmbeddedPostgres

# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow


def test_start_stop_restart_keeps_data(tmp_path):
    embedded = EmbeddedPostgres(tmp_path / "data")
    with embedded as dsn, connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (note text)")
        conn.execute("INSERT INTO kept VALUES ('still here')")
    assert not (tmp_path / "data" / "postgres.dsn").exists()
    with EmbeddedPostgres(tmp_path / "data") as dsn, connect(dsn) as conn:
        assert conn.execute("SELECT note FROM kept").fetchone()["note"] == "still here"


def test_a_second_owner_of_the_folder_is_refused_and_the_first_keeps_running(tmp_path):
    with EmbeddedPostgres(tmp_path / "data") as dsn:
        with pytest.raises(EmbeddedBusy, match="in use by another ceasefire-log process"):
            EmbeddedPostgres(tmp_path / "data").start()
        with connect(dsn) as conn:
            assert conn.execute("SELECT 1 AS one").fetchone()["one"] == 1
        # Other commands use the running server instead of starting one.
        assert EmbeddedPostgres(tmp_path / "data").running_dsn() == dsn


def test_a_data_folder_that_cannot_be_made_is_one_clear_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(EmbeddedError, match="is not writable"):
        EmbeddedPostgres(tmp_path / "file" / "data").start()


def test_database_url_wins_over_the_embedded_database(tmp_path):
    settings = Settings(database_url="postgresql://someone@db.example/x", data_dir=tmp_path / "data")
    with cli.database(settings) as dsn:
        assert dsn == "postgresql://someone@db.example/x"
    assert not (tmp_path / "data").exists()
