"""`ceasefire-log`: serve, migrate, seed, manage keys. Each failure is one line and exit status 1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import psycopg
from alembic.util import CommandError

from service import chain
from service.config import Settings, SettingsError
from service.domain import Refusal
from service.exchange import archive
from service.exchange import seed as seeding
from service.pipeline.auth import ROLES
from service.pipeline.db import connect
from service.running.embedded import EmbeddedBusy, EmbeddedError, EmbeddedPostgres
from service.store import Connection, events, first_line, migrate
from service.store import keys as store_keys


class Failure(click.ClickException):
    """A reason the command cannot go on, printed as one line."""

    def show(self, file=None) -> None:
        click.echo(f"ceasefire-log: {self.message}", err=True)


@contextmanager
def database(settings: Settings, own: bool = False) -> Iterator[str]:
    """The DSN to work on: DATABASE_URL when set; otherwise the embedded PostgreSQL in the data
    folder, started for the command, or the one a running service owns (unless `own`)."""
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir)
    try:
        dsn = embedded.start()
    except EmbeddedBusy:
        running = None if own else embedded.running_dsn()
        if running is None:
            raise
        dsn = running
        yield dsn
        return
    try:
        yield dsn
    finally:
        embedded.stop()


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise Failure(str(error)) from None


@click.group()
def cli() -> None:
    """ceasefire-log: an append-only log of ceasefire-violation claims."""


@cli.command()
@click.option("--host", help="Address to listen on (CFL_HOST, default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (CFL_PORT, default 8000).")
@click.option(
    "--workers", type=click.IntRange(1, 64), help="gunicorn workers (CFL_WORKERS, default one per CPU, 2 to 9)."
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Migrate, seed (once), and serve the API under gunicorn until Ctrl-C or SIGTERM."""
    overrides = {"CFL_HOST": host, "CFL_PORT": port, "CFL_WORKERS": workers}
    env = {**os.environ, **{name: str(value) for name, value in overrides.items() if value is not None}}
    try:
        settings = Settings.from_env(env)
    except SettingsError as error:
        raise Failure(str(error)) from None
    _check_port(settings.host, settings.port)
    with database(settings, own=True) as dsn:
        migrate.upgrade(dsn)
        with connect(dsn) as conn:
            added = seeding.load(conn, seeding.DEFAULT_SEED)["events_added"]
        if added:
            click.echo(f"seeded {added} events from {seeding.DEFAULT_SEED.name}", err=True)
        click.echo(f"serving on http://{settings.host}:{settings.port}", err=True)
        status = _gunicorn({**env, "DATABASE_URL": dsn})
    if status not in (0, -signal.SIGTERM, -signal.SIGINT):
        raise Failure(f"gunicorn exited with status {status}")


@cli.command()
@click.option("--timeout", type=click.FloatRange(0.1, 60), default=3, show_default=True, help="Seconds to wait.")
def healthcheck(timeout: float) -> None:
    """Exit 0 when the service on CFL_PORT answers /readyz (the container's health check)."""
    settings = _settings()
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host
    url = f"http://{'[' + host + ']' if ':' in host else host}:{settings.port}/readyz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            click.echo(f"{url}: {response.status}")
    except urllib.error.HTTPError as error:
        raise Failure(f"{url} answered {error.code}: {_problem_detail(error)}") from None
    except (urllib.error.URLError, OSError) as error:
        raise Failure(f"{url} did not answer: {getattr(error, 'reason', error)}") from None


def _problem_detail(error: urllib.error.HTTPError) -> str:
    try:
        return json.loads(error.read())["detail"]
    except (ValueError, KeyError, TypeError):
        return error.reason


def _check_port(host: str, port: int) -> None:
    """Refuse at once, in one line, a port another process listens on. SO_REUSEADDR, as gunicorn
    itself binds: without it the connections of a service just stopped (TIME-WAIT, about a
    minute) would make a restart fail."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise Failure(f"cannot listen on {host}:{port}: {error.strerror}") from None


def gunicorn_command(app: str = "service.running.wsgi:app") -> list[str]:
    """The service (or, for the benchmark, another app) under gunicorn, configured by
    service/running/gunicorn_conf.py from the environment."""
    return [sys.executable, "-m", "gunicorn", "-c", str(Path(__file__).with_name("gunicorn_conf.py")), app]


def _gunicorn(env: dict) -> int:
    """Run gunicorn in the foreground. Ctrl-C and SIGTERM go to it; once it has stopped, the
    caller stops the database: requests finish before PostgreSQL goes away."""
    child = subprocess.Popen(gunicorn_command(), env=env)

    def forward(signum, _frame):
        child.send_signal(signal.SIGTERM if signum == signal.SIGINT else signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return child.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@cli.group()
def db() -> None:
    """Migrate the database schema."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    with database(_settings()) as dsn:
        migrate.upgrade(dsn, revision)
        click.echo(f"schema at {revision}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Downgrade the schema to REVISION (`base` removes everything)."""
    with database(_settings()) as dsn:
        migrate.downgrade(dsn, revision)
        click.echo(f"schema at {revision}")


@db.command()
def current() -> None:
    """Print the schema's revision, and whether it is at head."""
    with database(_settings()) as dsn, connect(dsn) as conn:
        heads = migrate.current_heads(conn)
    expected = migrate.script_heads()
    state = "at head" if heads == expected else f"head is {', '.join(sorted(expected))}"
    click.echo(f"{', '.join(sorted(heads)) or 'empty'} ({state})")


@cli.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
def seed(file: Path | None) -> None:
    """Load a seed file (default: the Moscow ceasefire article). Loading twice adds nothing."""
    path = file or seeding.DEFAULT_SEED
    with database(_settings()) as dsn, connect(dsn) as conn:
        added = seeding.load(conn, path)["events_added"]
    click.echo(f"{path.name}: {added} events added")


def main() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="ceasefire-log")
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as error:
        if isinstance(error, click.UsageError) and error.ctx is not None:
            click.echo(error.ctx.get_usage(), err=True)
        Failure(error.format_message()).show()
        sys.exit(error.exit_code)
    except (EmbeddedError, seeding.SeedError, archive.ArchiveError, SettingsError, CommandError) as error:
        Failure(str(error)).show()
        sys.exit(1)
    except psycopg.OperationalError as error:
        Failure(f"database unreachable: {first_line(error)}").show()
        sys.exit(1)
    except psycopg.Error as error:
        Failure(f"database refused: {first_line(error)}").show()
        sys.exit(1)


@cli.group()
def keys() -> None:
    """API keys: create (printed once), list, revoke."""


@contextmanager
def key_store() -> Iterator[Connection]:
    """A connection to a database whose schema holds the keys: a newcomer who runs `keys` before
    the first `serve` is told what to run, not that a relation is missing."""
    with database(_settings()) as dsn, connect(dsn) as conn:
        _require_schema(conn, "then make keys")
        yield conn


@keys.command("create")
@click.option("--name", required=True, help="Who holds the key (a slug); shown as recorded_by.")
@click.option(
    "--role",
    type=click.Choice(list(ROLES)),
    required=True,
    help="reporter: post accusations, denials, retractions and corrections of its own; reviewer: review "
    "accusations; editor: a reporter who may correct any entry; admin: all of it, and actors, "
    "locations, ceasefires, sources and acts.",
)
def keys_create(name: str, role: str) -> None:
    """Make a key and print it. It is stored only as a hash: keep it now."""
    with key_store() as conn:
        try:
            key = store_keys.create(conn, name, role)
        except psycopg.errors.UniqueViolation:
            raise Failure(f"a key named {name} exists already") from None
        except psycopg.errors.CheckViolation:
            raise Failure(f"{name!r} is not a valid key name: lowercase letters, digits and hyphens") from None
    click.echo(key)


@keys.command("list")
def keys_list() -> None:
    """Names, roles and states of the keys (never the keys)."""
    with key_store() as conn:
        for row in store_keys.listing(conn):
            state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
            click.echo(f"{row['name']}\t{row['role']}\t{state}")


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke a key; every worker refuses it from the next request on."""
    with key_store() as conn:
        if not store_keys.revoke(conn, name):
            raise Failure(f"no active key named {name}")
    click.echo(f"revoked {name}")


@cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--as-of", type=click.IntRange(0), help="The log as it stood when this seq was its last entry.")
def export_log(file: Path, as_of: int | None) -> None:
    """Write the whole log (catalogue, then every entry in seq order) to FILE as NDJSON; `-` is
    standard output. Prints what it wrote and the file's SHA-256."""
    with database(_settings()) as dsn, connect(dsn) as conn:
        _require_schema(conn, "first")
        partial = None if str(file) == "-" else file.with_name(f".{file.name}.partial")
        try:
            if partial is None:
                summary = archive.export(conn, sys.stdout.buffer, as_of)
            else:
                with partial.open("wb") as out:
                    summary = archive.export(conn, out, as_of)
                partial.replace(file)  # a file of that name is always a whole export
        except OSError as error:
            raise Failure(f"{file}: cannot write: {error.strerror}") from None
        except Refusal as refusal:  # an --as-of past the log's last entry
            raise Failure(f"--as-of {as_of}: {' '.join(refusal.errors['as_of'])}") from None
        except events.Unwritten as error:
            raise Failure(f"{file}: {error}") from None
        finally:
            if partial is not None:
                partial.unlink(missing_ok=True)  # a failed export leaves nothing behind
    click.echo(f"{file}: {summary.entries} entries as of seq {summary.as_of}, sha256 {summary.sha256}", err=True)


@cli.command("verify")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def verify(file: Path | None) -> None:
    """Recompute the log's hash chain, over its database or over an archive FILE written by
    `export`, and name the first entry whose hash does not match; exit 0 only when all match."""
    if file is not None:
        try:
            matched, head, broken = chain.verify(archive.entries(file))
        except archive.ArchiveError as error:
            raise Failure(str(error)) from None
        where = str(file)
    else:
        with database(_settings()) as dsn, connect(dsn) as conn:
            _require_schema(conn, "first")
            conn.read_only, conn.isolation_level = True, psycopg.IsolationLevel.REPEATABLE_READ
            with conn.transaction():
                matched, head, broken = chain.verify(entry.fields() for entry in events.every(conn))
        where = "the log"
    if broken is not None:
        raise Failure(f"{where}: {matched} entries match, then {broken}")
    click.echo(f"{where}: all {matched} entries match the hash chain; head hash {head or 'none (no entries)'}")


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--unverified",
    is_flag=True,
    help="Load a file that has no end line (one written before archives carried their count and digest).",
)
def import_log(file: Path, unverified: bool) -> None:
    """Load a file written by `export` into this log, every rule enforced: all of it or, at the
    first line it refuses, nothing. Entries the log holds already (by id) are left as they are."""
    with database(_settings()) as dsn, connect(dsn) as conn:
        _require_schema(conn, "first")
        summary = archive.import_(conn, file, unverified=unverified)
    if summary.unverified:
        click.echo(
            f"{file}: UNVERIFIED: the file has no end line, so nothing says it was not cut short; "
            "its entries' hashes were checked where it has them",
            err=True,
        )
    click.echo(
        f"{file}: {summary.entries} entries added, {summary.present} already in the log, "
        f"{summary.catalogue} catalogue rows added; as of seq {summary.as_of}, sha256 {summary.sha256}",
        err=True,
    )


def _require_schema(conn: Connection, then: str) -> None:
    """A newcomer who runs a command before the first `serve` is told what to run, not that a
    relation is missing."""
    heads = migrate.current_heads(conn)
    conn.rollback()  # the check leaves no transaction open: the command chooses its own
    if heads != migrate.script_heads():
        raise Failure(
            f"the database is not set up yet: run `ceasefire-log db upgrade` "
            f"(or start `ceasefire-log serve` once), {then}"
        )
