"""The CLI as a user runs it: `serve` answers health checks; each failure is one line, exit 1."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import pytest

from service.running import cli
from service.store import migrate
from tests.processes import base_env, free_port, get, wait_for

# Runs the command line as a user does, a process each: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "from service.running.cli import main; main()"]


def run(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], env={**base_env(), **(env or {})}, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def serve(tmp_path):
    started = []

    def start(env: dict) -> tuple[subprocess.Popen, str]:
        port = free_port()
        # Its output goes to a file: a pipe nobody reads fills under load, and the service
        # then blocks writing its access log.
        log = open(tmp_path / f"serve-{port}.log", "w+")
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "1"],
            env={**base_env(), "CFL_DATA_DIR": str(tmp_path / "data"), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.log = log
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/healthz", process)
        return process, url

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        process.log.close()


def test_serve_answers_health_and_readiness_then_stops_on_sigterm(serve, dsn):
    process, url = serve({"DATABASE_URL": dsn})
    assert get(url + "/healthz") == (200, {"status": "ok"})
    status, body = get(url + "/readyz")
    assert status == 200 and body["status"] == "ready"
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


def test_serve_on_the_embedded_database_migrates_seeds_once_and_owns_its_folder(serve, tmp_path):
    process, url = serve({})
    assert get(url + "/readyz")[0] == 200
    second = run("serve", "--port", str(free_port()), env={"CFL_DATA_DIR": str(tmp_path / "data")})
    assert second.returncode == 1
    assert (
        second.stderr.strip().startswith("ceasefire-log: data folder") and len(second.stderr.strip().splitlines()) == 1
    )
    # While the service runs, other commands use its database.
    assert (
        run("seed", env={"CFL_DATA_DIR": str(tmp_path / "data")}).stdout.strip()
        == "moscow-ceasefire.yaml: 0 events added"
    )
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists(), "PostgreSQL was not stopped"
    # Started again: same data, nothing seeded twice.
    done = run("db", "current", env={"CFL_DATA_DIR": str(tmp_path / "data")})
    assert done.stdout.strip().endswith("(at head)")
    assert (
        run("seed", env={"CFL_DATA_DIR": str(tmp_path / "data")}).stdout.strip()
        == "moscow-ceasefire.yaml: 0 events added"
    )


def one_line_failure(done: subprocess.CompletedProcess, expected: str) -> None:
    assert done.returncode == 1, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ceasefire-log: ") and expected in lines[0], done.stderr


def test_a_port_just_released_is_free_and_a_taken_one_is_not():
    """A stopped service leaves its connections in TIME-WAIT for about a minute; a restart must not trip on them."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(cli.Failure, match="Address already in use"):
            cli._check_port("127.0.0.1", port)
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server closes first: its side of the connection waits in TIME-WAIT
        client.close()
    with open("/proc/net/tcp") as table:
        assert f":{port:04X} " in table.read(), "expected a TIME-WAIT socket on the port"
    cli._check_port("127.0.0.1", port)


def test_keys_before_the_database_is_set_up_says_what_to_run(fresh_database):
    env = {"DATABASE_URL": fresh_database()}
    for args in (("keys", "create", "--name", "desk", "--role", "reporter"), ("keys", "list")):
        one_line_failure(run(*args, env=env), "run `ceasefire-log db upgrade`")


def test_a_taken_port_is_one_line(dsn):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        one_line_failure(run("serve", "--port", str(port), env={"DATABASE_URL": dsn}), "cannot listen on")


def test_an_unreachable_database_is_one_line():
    one_line_failure(
        run("db", "current", env={"DATABASE_URL": f"postgresql://x@127.0.0.1:{free_port()}/x"}), "database unreachable"
    )


def test_a_data_folder_that_cannot_be_written_is_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    one_line_failure(run("db", "current", env={"CFL_DATA_DIR": str(tmp_path / "file" / "data")}), "not writable")


def test_an_invalid_seed_file_is_one_line(tmp_path, dsn):
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: [\n")
    one_line_failure(run("seed", str(bad), env={"DATABASE_URL": dsn}), "not valid YAML")
    one_line_failure(run("seed", str(tmp_path / "missing.yaml"), env={"DATABASE_URL": dsn}), "cannot read")


def test_a_bad_setting_names_the_variable(dsn):
    one_line_failure(run("db", "current", env={"DATABASE_URL": dsn, "CFL_POOL_MAX": "lots"}), "CFL_POOL_MAX='lots'")


def test_db_upgrade_downgrade_current(fresh_database):
    env = {"DATABASE_URL": fresh_database()}
    (head,) = migrate.script_heads()
    assert run("db", "current", env=env).stdout.strip() == f"empty (head is {head})"
    assert run("db", "upgrade", env=env).returncode == 0
    assert run("db", "current", env=env).stdout.strip() == f"{head} (at head)"
    assert run("db", "downgrade", "base", env=env).returncode == 0
    one_line_failure(run("db", "downgrade", "nonsense", env=env), "nonsense")
