"""The service under gunicorn, as `ceasefire-log serve` runs it, against what the outside does to
it: slow clients, a database that goes away while workers die, requests gunicorn itself refuses."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.processes import base_env, free_port, wait_for

# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "from service.running.cli import main; main()"]


class Served:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process, self.port, self.log = process, port, log
        self.url = f"http://127.0.0.1:{port}"

    def timed(self, path: str, timeout: float = 5) -> tuple[int, float]:
        """Status and seconds of one GET on a new connection."""
        started = time.monotonic()
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return status, time.monotonic() - started

    def workers(self) -> list[int]:
        master = children(self.process.pid)
        assert len(master) == 1, master
        return children(master[0])


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.fixture
def served(dsn, tmp_path):
    started = []

    def start(**env) -> Served:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "2"],
            env={
                **base_env(),
                "DATABASE_URL": dsn,
                "CFL_DATA_DIR": str(tmp_path / "data"),
                "CFL_POOL_TIMEOUT": "5",
                **env,
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        wait_for(f"http://127.0.0.1:{port}/healthz", process)
        return Served(process, port, log)

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(40)


def test_two_hundred_slow_clients_do_not_take_the_service_down(served):
    service = served()
    stop = threading.Event()
    slow = []
    for _ in range(200):
        sock = socket.create_connection(("127.0.0.1", service.port))
        sock.sendall(b"GET /v1/incidents HTTP/1.1\r\nHost: x\r\n")
        slow.append(sock)

    def drip():
        # Slowloris: a byte of a header a second, never the end of the headers.
        while not stop.wait(1):
            for sock in slow:
                try:
                    sock.sendall(b"X")
                except OSError:
                    pass

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    try:
        time.sleep(2)
        timings = []
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for path in ("/healthz", "/v1/incidents?status=disputed"):
                status, seconds = service.timed(path, timeout=5)
                assert status == 200
                timings.append(seconds)
            time.sleep(0.2)
        assert max(timings) < 1.0, f"slowest answer {max(timings):.2f}s with 200 slow clients open"
    finally:
        stop.set()
        for sock in slow:
            sock.close()
    assert service.process.poll() is None


def test_a_worker_that_starts_while_the_database_is_away_boots_and_the_service_comes_back(served, outage):
    service = served()
    assert service.timed("/readyz")[0] == 200
    cut, restore = outage
    cut()

    # Requests waiting for the database do not hold up liveness or readiness.
    def wait_in_line():
        try:
            service.timed("/v1/incidents")
        except OSError:
            pass  # its worker is the one killed below

    waiting = [threading.Thread(target=wait_in_line, daemon=True) for _ in range(20)]
    for thread in waiting:
        thread.start()
    time.sleep(0.5)
    status, seconds = service.timed("/healthz")
    assert status == 200 and seconds < 1.0, f"/healthz took {seconds:.2f}s during the outage"
    status, seconds = service.timed("/readyz")
    assert status == 503 and seconds < 1.5, f"/readyz took {seconds:.2f}s during the outage"

    killed = service.workers()[0]
    os.kill(killed, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while killed in service.workers() or len(service.workers()) < 2:
        assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
        time.sleep(0.2)
    time.sleep(2)  # the replacement's app is up, with its pool still failing to connect
    assert service.process.poll() is None, service.log.read_text()[-2000:]
    assert service.timed("/healthz")[0] == 200

    restore()
    deadline = time.monotonic() + 60
    while service.timed("/readyz")[0] != 200:
        assert time.monotonic() < deadline, "the service did not come back with its database"
        time.sleep(0.5)
    for _ in range(6):  # both workers, the replacement among them, serve again
        assert service.timed("/v1/incidents?status=disputed")[0] == 200
    assert service.process.poll() is None


def raw(service: Served, request: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_what_gunicorn_refuses_itself_is_problem_json_too(served):
    service = served(CFL_LOG_FORMAT="json")
    cases = {
        414: b"GET /v1/incidents?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        431: b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
        400: b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n",
    }
    for status, request in cases.items():
        answered, headers, body = raw(service, request)
        assert answered == status, (status, body)
        assert headers["Content-Type"] == "application/problem+json" and headers["Server"] == "ceasefire-log"
        problem = json.loads(body)
        assert problem["status"] == status and problem["title"] and problem["detail"]


def test_the_longest_query_the_schemas_allow_fits_in_the_request_line(served):
    service = served()
    longest = "&".join(
        [
            "q=" + "%E2%82%AC" * 200,
            "party=" + "a" * 64,
            "claimant=" + "b" * 64,
            "target=" + "c" * 64,
            "location=" + "d" * 64,
            "ceasefire=" + "e" * 64,
            "act=" + "f" * 64,
            "status=uncontested",
            "occurred_after=2020-10-10T00:00:00.000000%2B04:00",
            "occurred_before=2020-10-10T00:00:00.000000%2B04:00",
            "sort=-occurred",
            "limit=200",
            "cursor=" + "A" * 500,
        ]
    )
    status, headers, body = raw(
        service, f"GET /v1/incidents?{longest} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert status == 422 and "cursor" in json.loads(body)["errors"]  # read and judged by the service, not cut off


def test_a_chunked_body_over_a_mebibyte_is_413_and_a_key_in_the_url_is_not_logged(served):
    service = served(CFL_LOG_FORMAT="json")
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    body = b'{"summary": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    connection.request(
        "POST",
        "/v1/events",
        body=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
        headers={"Content-Type": "application/json", "Authorization": "Bearer nobody"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    assert response.status == 413 and response.getheader("Content-Type") == "application/problem+json"
    connection.close()

    assert service.timed("/v1/incidents?api_key=cfl_secret123&limit=5")[0] == 422
    time.sleep(0.5)
    log = service.log.read_text()
    assert "cfl_secret123" not in log
    assert '"query": "api_key=%5Bredacted%5D&limit=5"' in log


def test_a_body_over_the_limit_gets_its_413_not_a_reset_connection(served, reporter):
    """The service refuses a body over a mebibyte without parsing it, but reads what the client
    is still sending first: closing on unread bytes makes the kernel reset the connection, and the
    client sees the reset instead of the answer."""
    service = served()
    body = b'{"summary": "' + b"a" * (1024 * 1024 + 100 * 1024) + b'"}'
    for _ in range(15):
        request = urllib.request.Request(
            service.url + "/v1/events",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", **reporter},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 413
        assert json.loads(refused.value.read())["title"] == "Request Entity Too Large"
