"""When the database goes away, reads and writes answer 503 with Retry-After and change nothing;
when it comes back, the same workers serve again without a restart."""

from __future__ import annotations

import time

import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from service.app import create_app
from service.config import Settings
from tests.api import counts, make_key, post_accusation


@pytest.fixture
def outage(admin, dsn):
    """Cut the service off its database (no new connections; the open ones killed), and back."""
    name = conninfo_to_dict(dsn)["dbname"]

    def cut() -> None:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                      [name])

    def restore() -> None:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))

    yield cut, restore
    restore()


def test_an_outage_is_503_with_retry_after_and_the_service_recovers(tmp_path, dsn, outage):
    key = make_key(dsn)
    app = create_app(Settings(data_dir=tmp_path, pool_min=1, pool_max=2, pool_timeout=1.0), dsn=dsn)
    client = app.test_client()
    try:
        assert client.get("/v1/incidents?status=disputed").status_code == 200
        before = counts(dsn)
        cut, restore = outage
        cut()

        for response in (client.get("/v1/incidents?status=disputed"), client.get("/readyz"),
                         post_accusation(client, key)):
            assert response.status_code == 503, response.get_json()
            assert response.mimetype == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0
            assert response.get_json()["detail"]
        assert client.get("/healthz").status_code == 200  # the process itself is fine

        restore()
        assert counts(dsn) == before, "a request refused in the outage must have written nothing"
        # The pool retries its connections with a growing backoff; within seconds it serves again.
        deadline = time.monotonic() + 30
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the service did not recover within 30 s of the database"
            time.sleep(0.2)
        assert post_accusation(client, key).status_code == 201
    finally:
        app.extensions["pool"].close()
