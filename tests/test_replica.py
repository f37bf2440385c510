"""Reads from a real streaming replica (CFL_READ_URL): a primary and a hot standby made from the
embedded PostgreSQL's own binaries (pg_basebackup -R), the service started as the README starts
it with both. Reads go to the replica; a writer reading its own write with `min_seq` is answered
from a log that holds it; a follower reading the replica misses nothing under concurrent writers;
and a replica stopped and restarted under load fails no request."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest

from service.exchange import seed
from service.pipeline.db import connect
from service.running.embedded import EmbeddedPostgres
from service.store import migrate
from tests.api import ACCUSATION, make_key
from tests.processes import get
from tests.test_cli import serve  # noqa: F401 (a fixture)

# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow


@pytest.fixture
def replicated(tmp_path):
    """(primary, replica) embedded servers; the replica streams from the primary."""
    primary = EmbeddedPostgres(tmp_path / "primary")
    primary_dsn = primary.start()
    migrate.upgrade(primary_dsn)
    with connect(primary_dsn) as conn:
        seed.load(conn)
    # A socket folder of its own that outlives a restart, so the service can find it again.
    replica = EmbeddedPostgres(tmp_path / "replica", socket_dir=tmp_path / "replica-socket")
    try:
        replica.make_standby_of(primary)
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


@pytest.fixture
def service(serve, replicated):  # noqa: F811
    """The service on the primary, reading from the replica: (url, primary, replica, reporter)."""
    primary, replica = replicated
    _, url = serve({"DATABASE_URL": primary.dsn, "CFL_READ_URL": replica.dsn, "CFL_REPLICA_WAIT_MS": "300"})
    return url, primary, replica, make_key(primary.dsn, "replicated", "reporter")


def call(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def replay(replica: EmbeddedPostgres, paused: bool) -> None:
    with psycopg.connect(replica.dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


def wait_until(check, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_reads_go_to_the_replica_and_a_writer_reads_its_own_write_with_min_seq(service):
    url, primary, replica, reporter = service
    status, ready = get(url + "/readyz")
    assert status == 200 and ready["replica"]["state"] == "streaming" and ready["replica"]["reads_from"] == "replica"
    _, before = call(url + "/v1/incidents")
    # With replay paused, the replica keeps showing the log as it was: what the reads show.
    replay(replica, paused=True)
    status, posted = call(
        url + "/v1/events", "POST", {**ACCUSATION, "summary": "Posted while replay is paused."}, reporter
    )
    assert status == 201
    _, page = call(url + "/v1/incidents")
    assert page["as_of"] == before["as_of"] and posted["id"] not in {item["id"] for item in page["items"]}
    wait_until(lambda: get(url + "/readyz")[1]["replica"]["behind_entries"] == 1)
    # The writer asks for its own seq: after waiting for the replica, the primary answers.
    started = time.monotonic()
    _, own = call(url + f"/v1/incidents?min_seq={posted['seq']}")
    assert own["as_of"] == posted["seq"] and own["items"][0]["id"] == posted["id"]
    assert 0.3 <= time.monotonic() - started < 5
    assert call(url + f"/v1/events/{posted['id']}?min_seq={posted['seq']}")[1]["id"] == posted["id"]
    # So does a read as of that seq, which the replica does not hold yet: not a refusal.
    status, as_of = call(url + f"/v1/incidents?as_of={posted['seq']}")
    assert status == 200 and as_of["items"][0]["id"] == posted["id"]
    replay(replica, paused=False)
    wait_until(lambda: call(url + "/v1/incidents")[1]["as_of"] == posted["seq"])
    # Once the replica has it, it answers such reads itself.
    status, own = call(url + f"/v1/incidents?min_seq={posted['seq']}")
    assert status == 200 and own["as_of"] == posted["seq"]
    assert call(url + f"/v1/incidents/counts?min_seq={posted['seq']}")[0] == 200
    status, problem = call(url + "/v1/incidents?min_seq=-1")
    assert status == 422 and "min_seq" in problem["errors"]


def test_a_follower_reading_the_replica_sees_every_entry_once_in_order_under_concurrent_writers(service):
    url, primary, replica, reporter = service
    _, head = call(url + "/v1/events?after=0&limit=1000")
    start = head["items"][-1]["seq"]
    posted: list[str] = []
    writing = True

    def write(n: int) -> None:
        for i in range(40):
            status, event = call(
                url + "/v1/events", "POST", {**ACCUSATION, "summary": f"Writer {n}, report {i}."}, reporter
            )
            assert status == 201
            posted.append(event["id"])

    seen: list[tuple[int, str]] = []

    def follow() -> None:
        after = start
        while writing or len(seen) < len(posted):
            _, page = call(url + f"/v1/events?after={after}&limit=50")
            seen.extend((item["seq"], item["id"]) for item in page["items"])
            if page["items"]:
                after = page["items"][-1]["seq"]
            else:
                time.sleep(0.01)

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    writing = False
    follower.join(60)
    assert not follower.is_alive()
    assert [seq for seq, _ in seen] == sorted(seq for seq, _ in seen)
    assert sorted(event_id for _, event_id in seen) == sorted(posted) and len(seen) == 160


def test_a_replica_stopped_and_restarted_under_load_fails_no_request(service):
    url, primary, replica, reporter = service
    answers: list[int] = []
    running = True

    def read() -> None:
        while running:
            for path in ("/v1/incidents", "/v1/events?after=0&limit=20", "/v1/incidents/counts"):
                answers.append(call(url + path)[0])

    def write() -> None:
        n = 0
        while running:
            answers.append(call(url + "/v1/events", "POST", {**ACCUSATION, "summary": f"Report {n}."}, reporter)[0])
            n += 1

    threads = [threading.Thread(target=read) for _ in range(3)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    replica.stop()
    time.sleep(3)
    assert get(url + "/readyz")[1]["replica"]["state"] == "unreachable"
    replica.start()
    time.sleep(3)
    running = False
    for thread in threads:
        thread.join(30)
    assert answers and set(answers) <= {200, 201}, {status: answers.count(status) for status in set(answers)}
    # Back on the replica, caught up.
    wait_until(
        lambda: (
            get(url + "/readyz")[1]["replica"] | {"last_replay_seconds_ago": None}
            == {"state": "streaming", "behind_entries": 0, "last_replay_seconds_ago": None, "reads_from": "replica"}
        )
    )
