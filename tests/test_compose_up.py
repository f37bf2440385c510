"""The README's compose flow, run for real when a Docker engine answers (skipped otherwise).

Each command this test runs is a line of the README's "Run with docker compose" section, as
written; only the published port differs (a free one, set in .env as the README says to), and the
stack runs under a project name of its own, so that nothing of a developer's own stack is
touched. `.ci/run` starts an engine for it when the compose lab is on the machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SECTION = README.split("## Run with docker compose", 1)[1].split("\n## ", 1)[0]


def engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        info = subprocess.run(["docker", "info"], capture_output=True, timeout=20)
        compose = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return info.returncode == 0 and compose.returncode == 0


# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not engine_answers(), reason="no Docker engine with compose answers here"),
]


def as_written(command: str) -> str:
    """The command, checked to be a line of the README's compose section."""
    lines = [line.split("  #")[0].strip() for line in SECTION.splitlines()]
    assert command in lines or any(command in line for line in SECTION.splitlines()), f"not in the README: {command}"
    return command


class Stack:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.env = {**os.environ, "COMPOSE_PROJECT_NAME": f"cfl-test-{uuid.uuid4().hex[:8]}"}
        self.url = f"http://127.0.0.1:{port}"

    def sh(self, command: str, timeout: float = 900) -> str:
        done = subprocess.run(
            ["bash", "-c", command], cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def local(self, command: str) -> str:
        return command.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")

    def http(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        request = urllib.request.Request(
            self.url + path,
            method=method,
            headers=headers or {},
            data=json.dumps(body).encode() if body is not None else None,
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, dict(response.headers), json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.load(error)

    def ready(self, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.http("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(2)
        raise AssertionError(f"{self.url}/readyz did not answer 200 in {seconds}s:\n{self.sh('docker compose ps -a')}")

    def events(self) -> int:
        return len(self.http("GET", "/v1/events?limit=1000")[2]["items"])


@pytest.fixture
def stack(tmp_path):
    folder = tmp_path / "checkout"
    folder.mkdir()
    files = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (folder / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name.decode())
    made = Stack(folder, free_port())
    # As on a machine that never built it: an image left by an earlier checkout would be used as it
    # is (pull_policy: never), and this checkout would not be the one tested.
    subprocess.run(["docker", "image", "rm", "-f", "ceasefire-log:local"], capture_output=True, timeout=120)
    yield made
    subprocess.run(
        ["bash", "-c", "docker compose down --volumes --remove-orphans"],
        cwd=folder,
        env=made.env,
        capture_output=True,
        timeout=300,
    )


def test_the_readme_compose_flow(stack):
    stack.sh(as_written("cp .env.example .env"))
    # "then set POSTGRES_PASSWORD in .env" (and publish the API on a free port)
    env_file = stack.folder / ".env"
    text = re.sub(r"(?m)^POSTGRES_PASSWORD=.*$", f"POSTGRES_PASSWORD=pw-{uuid.uuid4().hex}", env_file.read_text())
    env_file.write_text(re.sub(r"(?m)^API_PORT=.*$", f"API_PORT={stack.port}", text))

    said = stack.sh(as_written("docker compose up -d") + " 2>&1")
    assert "Pulling" not in said and "pull access denied" not in said, said  # built here, never pulled
    stack.ready()
    assert json.loads(stack.sh(stack.local(as_written("curl -s http://127.0.0.1:8000/readyz"))))["status"] == "ready"

    key = stack.sh(
        as_written("docker compose run --rm -T api ceasefire-log keys create --name my-desk --role reporter")
    ).strip()
    assert key.startswith("cfl_")
    report = json.loads(re.search(r"-d '(\{.*?\})'", README, flags=re.DOTALL).group(1))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Idempotency-Key": "report-0001"}
    first = stack.http("POST", "/v1/events", report, headers)
    again = stack.http("POST", "/v1/events", report, headers)
    assert first[0] == again[0] == 201 and again[1]["Idempotent-Replayed"] == "true" and again[2] == first[2]

    disputed = json.loads(
        stack.sh(stack.local(as_written("curl -s 'http://127.0.0.1:8000/v1/incidents?status=disputed'")))
    )
    assert [incident["status"] for incident in disputed["items"]] == ["disputed"]
    logs = stack.sh("docker compose logs api")  # the README follows them with -f
    assert as_written("docker compose logs -f api")
    access = [json.loads(line.split("| ", 1)[1]) for line in logs.splitlines() if '| {"time"' in line]
    assert access and all(line["request_id"] for line in access)

    # gevent workers in the container too: slow clients do not take the API down.
    slow = [socket.create_connection(("127.0.0.1", stack.port)) for _ in range(50)]
    try:
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert stack.http("GET", "/healthz")[0] == 200 and time.monotonic() - started < 1
    finally:
        for sock in slow:
            sock.close()

    kept = stack.events()
    stack.sh("docker compose down")
    assert "`docker compose down` stops the stack and keeps the data" in SECTION
    stack.sh(as_written("docker compose up -d"))
    stack.ready()
    assert stack.events() == kept, "the data did not survive down and up"
    assert "api" in stack.sh("docker compose ps --services --filter status=running")

    # A backup out on standard output, and in again from a mounted folder: nothing added twice.
    stack.sh(as_written("mkdir -p backup && docker compose run --rm -T api ceasefire-log export - > backup/log.ndjson"))
    backup = (stack.folder / "backup" / "log.ndjson").read_text().splitlines()
    assert json.loads(backup[0])["type"] == "log" and len([line for line in backup if '"type":"event"' in line]) == kept
    restore = as_written(
        'docker compose run --rm -T -v "$PWD/backup:/backup:ro" api ceasefire-log import /backup/log.ndjson'
    )
    assert "0 entries added" in stack.sh(restore + " 2>&1")

    stack.sh("docker compose down --volumes")
    assert "`docker compose down --volumes` deletes" in SECTION
    stack.sh(as_written("docker compose up -d"))
    stack.ready()
    assert stack.events() == kept - 1, "down --volumes should have started again from the seed"
    assert "1 entries added" in stack.sh(restore + " 2>&1")  # the report posted above, back from the backup
    assert stack.events() == kept


def test_the_image_alone_runs_its_own_database(stack):
    assert "docker build -t ceasefire-log . && docker run -p 8000:8000 ceasefire-log" in SECTION
    tag, name = f"ceasefire-log-test:{uuid.uuid4().hex[:8]}", f"cfl-alone-{uuid.uuid4().hex[:8]}"
    stack.sh(f"docker build -q -t {tag} .")
    try:
        stack.sh(f"docker run -d --name {name} -p 127.0.0.1:{stack.port}:8000 {tag}")
        stack.ready()
        status, _, disputed = stack.http("GET", "/v1/incidents?status=disputed")
        assert status == 200 and len(disputed["items"]) == 1
        # The pages' templates and assets travel in the image too.
        for path, media_type in (("/", "text/html"), ("/static/style.css", "text/css")):
            with urllib.request.urlopen(stack.url + path, timeout=20) as page:
                assert page.status == 200 and page.headers.get_content_type() == media_type
        user = stack.sh(f"docker inspect --format '{{{{.Config.User}}}}' {name}").strip()
        assert user and not user.startswith(("0", "root"))
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=120)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
