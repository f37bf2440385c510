"""Scratch databases for a run, and a synthetic log built in one."""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench import synthetic
from bench.plan import Plan
from service.exchange import seed
from service.pipeline.db import connect
from service.store import migrate


@contextmanager
def scratch_databases(database_url: str | None) -> Iterator[Callable[[str], str]]:
    """Yields make(name) -> DSN of a new, empty database; all of them are gone afterwards."""
    made: list[str] = []
    folder = None
    if database_url:
        admin_dsn = database_url
    else:
        from service.running.embedded import EmbeddedPostgres

        folder = Path(tempfile.mkdtemp(prefix="cfl-bench-"))
        embedded = EmbeddedPostgres(folder, database="bench")
        admin_dsn = embedded.start()
    try:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:

            def make(name: str) -> str:
                name = f"cfl_bench_{name}_{uuid.uuid4().hex[:8]}"
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                made.append(name)
                return make_conninfo(admin_dsn, dbname=name)

            try:
                yield make
            finally:
                for name in made:
                    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        if folder is not None:
            embedded.stop()
            shutil.rmtree(folder, ignore_errors=True)


def build_log(dsn: str, cat: synthetic.Catalogue, size: int, plan: Plan, say: Callable[[str], None]) -> dict:
    """Migrate, seed, and bulk-load `size` synthetic events; returns the load's figures."""
    migrate.upgrade(dsn)
    with connect(dsn) as conn:
        seed.load(conn, seed.DEFAULT_SEED)
        synthetic.install(conn, cat)
        conn.commit()
        started = time.perf_counter()
        loaded = synthetic.load(conn, synthetic.events(cat, size, plan.seed))
        seconds = time.perf_counter() - started
    with connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # Write out what the load and the vacuum left dirty now, rather than have a checkpoint
        # do it in the middle of the timings. It needs a superuser or pg_checkpoint.
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            say("  (no CHECKPOINT: the role may not; timings may include one)")
        size_bytes = conn.execute("SELECT pg_database_size(current_database()) AS b").fetchone()["b"]
    say(
        f"  loaded {loaded:,} events in {seconds:.1f} s: {loaded / seconds:,.0f} events/s "
        f"({size_bytes / 2**20:,.0f} MiB)"
    )
    return {
        "events": loaded,
        "seconds": round(seconds, 3),
        "events_per_s": round(loaded / seconds, 1),
        "database_mib": round(size_bytes / 2**20, 1),
    }
