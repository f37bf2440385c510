"""docker-compose.yml and the Dockerfile, proved without a Docker engine.

The compose services' commands run here exactly as written, with the environment the image and the
compose file give them, from the wheel the image installs (not from this checkout), against the test
PostgreSQL. Two values differ, and only because there is no compose network here: DATABASE_URL
(`db:5432` names the stack's PostgreSQL) and CFL_PORT (8000 may be taken on this machine).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml

from service.config import VARIABLES, Settings
from service.exchange.seed import EVENT_NAMESPACE
from service.store import migrate
from tests.processes import base_env, free_port, get, wait_for

# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SHELLING = str(uuid.uuid5(EVENT_NAMESPACE, "moscow-ceasefire-article/agdam-tartar-shelling"))

# $$, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, $NAME
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


EXAMPLE_ENV = dotenv(ROOT / ".env.example")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation, as far as docker-compose.yml uses it."""

    def value(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, operator, argument = match.group(1) or match.group(4), match.group(2), match.group(3)
        current = env.get(name)
        unset = current is None or (operator or "").startswith(":") and current == ""
        if operator in {":-", "-"} and unset:
            return argument
        if operator in {":?", "?"} and unset:
            raise AssertionError(f"compose would refuse: {name} {argument}")
        return current or ""

    return _VARIABLE.sub(value, str(text))


def service(name: str) -> dict:
    return COMPOSE["services"][name]


def compose_environment(name: str) -> dict[str, str]:
    return {key: interpolate(value, EXAMPLE_ENV) for key, value in service(name).get("environment", {}).items()}


def compose_command(name: str, key: str = "command") -> list[str]:
    return [interpolate(part, EXAMPLE_ENV) for part in service(name)[key]]


def image_environment() -> dict[str, str]:
    """The ENV of the Dockerfile's final stage."""
    final = DOCKERFILE.split("\nFROM ")[-1].replace("\\\n", " ")
    pairs = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            pairs.update(word.split("=", 1) for word in shlex.split(line[4:]))
    return pairs


# What the Dockerfile's build stage copies into the image to build the wheel.
COPIED = ("pyproject.toml", "README.md", "LICENSE", "service", "migrations", "seeds")


@pytest.fixture(scope="module")
def wheel_site(tmp_path_factory) -> Path:
    """The project's wheel, built as the Dockerfile builds it, installed on its own."""
    folder = tmp_path_factory.mktemp("wheel")
    # From what the Dockerfile copies, and nothing else: a checkout's own build/ folder can hold
    # modules that were moved since, and setuptools would put them in the wheel.
    source = folder / "src"
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", folder / "wheels", source], check=True)
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", folder / "site", *(folder / "wheels").glob("*.whl")], check=True
    )
    return folder / "site"


def container_env(name: str, site: Path, dsn: str, port: int) -> dict[str, str]:
    image = {key: value for key, value in image_environment().items() if key in VARIABLES}
    env = {**base_env(), **image, **compose_environment(name), "DATABASE_URL": dsn, "CFL_PORT": str(port)}
    env["PATH"] = os.pathsep.join([str(site / "bin"), str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = str(site)
    return env


def count_events(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM event").fetchone()[0]


def test_migrate_then_api_as_compose_runs_them(fresh_database, wheel_site, tmp_path):
    dsn, port = fresh_database(), free_port()
    env = container_env("migrate", wheel_site, dsn, port)
    where = subprocess.run(
        [sys.executable, "-c", "import service; print(service.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(wheel_site)), "the commands must run the wheel's code"

    first = subprocess.run(compose_command("migrate"), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "moscow-ceasefire.yaml: 4 events added" in first.stdout
    second = subprocess.run(compose_command("migrate"), env=env, cwd=tmp_path, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert "moscow-ceasefire.yaml: 0 events added" in second.stdout
    assert count_events(dsn) == 4

    env = container_env("api", wheel_site, dsn, port)
    with open(tmp_path / "stdout", "w+") as stdout:
        api = subprocess.Popen(
            compose_command("api"), env=env, cwd=tmp_path, stdout=stdout, stderr=subprocess.PIPE, text=True
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_for(url + "/healthz", api)
            assert get(url + "/readyz") == (200, {"status": "ready", "schema": sorted(migrate.script_heads())})
            status, body = get(url + "/v1/incidents?status=disputed")
            assert status == 200
            assert [incident["id"] for incident in body["items"]] == [SHELLING]

            for check in (service("api")["healthcheck"]["test"], _dockerfile_healthcheck()):
                assert check[0] == "CMD"
                done = subprocess.run(check[1:], env=env, cwd=tmp_path, capture_output=True, text=True)
                assert done.returncode == 0, done.stderr
        finally:
            api.send_signal(signal.SIGTERM)
            returncode = api.wait(timeout=40)
        assert returncode == 0, api.stderr.read()
        stdout.seek(0)
        access = [json.loads(line) for line in stdout if line.startswith("{")]
    incidents = [line for line in access if line["path"] == "/v1/incidents"]
    assert incidents and incidents[0]["status"] == 200 and incidents[0]["query"] == "status=disputed"
    assert all(re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) for line in access)


def _dockerfile_healthcheck() -> list[str]:
    line = next(line for line in DOCKERFILE.splitlines() if line.startswith("HEALTHCHECK "))
    return ["CMD", *json.loads(line[line.index(" CMD ") + 5 :])]


def test_the_healthcheck_fails_in_one_line_while_nothing_answers(wheel_site, tmp_path):
    env = container_env("api", wheel_site, "postgresql://unused", free_port())
    done = subprocess.run(_dockerfile_healthcheck()[1:], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("ceasefire-log: http://127.0.0.1:") and done.stderr.count("\n") == 1


def test_compose_and_the_image_set_only_variables_the_service_reads():
    for name in ("migrate", "api", "keys"):
        assert set(compose_environment(name)) <= set(VARIABLES), name
    image = {key for key in image_environment() if key.startswith("CFL_") or key == "DATABASE_URL"}
    assert image <= set(VARIABLES)


def test_every_variable_the_service_reads_is_in_the_readme():
    read = []

    class Recording(dict):
        def get(self, name, default=None):
            read.append(name)
            return super().get(name, default)

    Settings.from_env(Recording())
    assert sorted(set(read)) == sorted(VARIABLES)
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `(\w+)` \|", readme, flags=re.MULTILINE))
    assert set(VARIABLES) <= table


def test_the_example_env_is_complete_and_holds_no_real_secret():
    used = set()
    for match in _VARIABLE.finditer((ROOT / "docker-compose.yml").read_text()):
        if match.group(2) in {":?", "?"}:
            used.add(match.group(1))
    assert used <= set(EXAMPLE_ENV)
    assert EXAMPLE_ENV["POSTGRES_PASSWORD"] == "change-me"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_compose_starts_in_order_and_keeps_data():
    assert service("db")["image"].split(":")[1].split(".")[0].isdigit(), "pin PostgreSQL's major version"
    assert service("migrate")["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert service("api")["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert service("api")["restart"] == "unless-stopped"
    assert "pgdata" in COMPOSE["volumes"]
    assert "pg_isready" in " ".join(service("db")["healthcheck"]["test"])
    for name in ("migrate", "api", "keys"):  # built from the checkout, never pulled from a registry
        assert service(name)["build"] == "." and service(name)["pull_policy"] == "never"


def test_the_compose_file_follows_the_compose_specification():
    done = subprocess.run(
        [
            Path(sys.executable).with_name("check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            ROOT / "docker-compose.yml",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_passes_hadolint():
    done = subprocess.run(
        [Path(sys.executable).with_name("hadolint"), ROOT / "Dockerfile"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_installs_what_the_tests_ran():
    """The same wheel (`pip wheel --no-deps` of this project), with the versions the tests ran on."""
    assert "RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels ." in DOCKERFILE
    assert "pip install --no-cache-dir -c /tmp/constraints.txt /tmp/wheels/*.whl" in DOCKERFILE
    assert all("-c constraints.txt" in command for command in _readme_commands()[:2])
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[_canonical(name)] = version
    installed = {_canonical(dist.metadata["Name"]): dist.version for dist in importlib.metadata.distributions()}
    for name in set(installed) - {"ceasefire-log", "pip", "setuptools", "wheel"}:
        assert pins.get(name) == installed[name], f"{name} {installed[name]} is not pinned in constraints.txt"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _readme_commands() -> list[str]:
    commands, inside = [], False
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.strip() and not line.lstrip().startswith("#"):
            commands.append(line)
    return commands


def test_the_wheel_ships_every_package_of_the_service():
    """An image installs the wheel, not the checkout: a package left out of pyproject's list
    imports in the tests and fails the container at its first request."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(root).parts)
        for top in ("service", "migrations")
        for path in (root / top).rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)
