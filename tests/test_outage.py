"""When the database goes away, reads and writes answer 503 with Retry-After and change nothing;
when it comes back, the same workers serve again without a restart."""

from __future__ import annotations

import time

import pytest

from service.config import Settings
from service.running.app import create_app
from tests.api import counts, make_key, post_accusation

# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow


def test_an_outage_is_503_with_retry_after_and_the_service_recovers(tmp_path, dsn, outage):
    key = make_key(dsn)
    app = create_app(Settings(data_dir=tmp_path, pool_min=1, pool_max=2, pool_timeout=1.0), dsn=dsn)
    client = app.test_client()
    try:
        assert client.get("/v1/incidents?status=disputed").status_code == 200
        before = counts(dsn)
        cut, restore = outage
        cut()

        for response in (
            client.get("/v1/incidents?status=disputed"),
            client.get("/readyz"),
            post_accusation(client, key),
        ):
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


def test_a_write_whose_commit_was_cut_off_says_its_outcome_is_unknown(client, dsn, conn):
    """The connection breaks during COMMIT (here: the server ends its own session from a trigger
    deferred to commit time). The service cannot know whether the write landed, so it must not
    say "nothing was written"; a retry with the same Idempotency-Key settles it, exactly once."""
    key = make_key(dsn)
    conn.execute("""
        CREATE FUNCTION cut_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER cut_at_commit AFTER INSERT ON event DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION cut_at_commit();
    """)
    before = counts(dsn)
    headers = {**key, "Idempotency-Key": "cut-off-0001"}
    cut = post_accusation(client, headers)
    assert cut.status_code == 503 and cut.mimetype == "application/problem+json"
    problem = cut.get_json()
    assert problem["type"].endswith("/outcome-unknown") and "Nothing was written" not in problem["detail"]
    assert "may or may not have been written" in problem["detail"] and "same Idempotency-Key" in problem["detail"]
    assert int(cut.headers["Retry-After"]) > 0

    conn.execute("DROP TRIGGER cut_at_commit ON event")
    retried = post_accusation(client, headers)
    assert retried.status_code == 201
    assert counts(dsn)["event"] == before["event"] + 1
    assert post_accusation(client, headers).headers["Idempotent-Replayed"] == "true"
    assert counts(dsn)["event"] == before["event"] + 1
