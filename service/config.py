"""Settings: the one place that reads the environment.

Every variable is documented in README.md's configuration table; a bad value stops the service
with a message naming the variable and the value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """A variable of the environment holds a value the service cannot use."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r} must be between {low} and {high}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} must be true or false")


# Every variable the service reads. README.md's configuration table documents each, and the compose
# file may set no other (tests/test_compose.py holds both to this list).
VARIABLES = (
    "DATABASE_URL",
    "CFL_READ_URL",
    "CFL_REPLICA_WAIT_MS",
    "CFL_DATA_DIR",
    "CFL_HOST",
    "CFL_PORT",
    "CFL_WORKERS",
    "CFL_TIMEOUT",
    "CFL_POOL_MIN",
    "CFL_POOL_MAX",
    "CFL_POOL_TIMEOUT",
    "CFL_READS_NEED_KEY",
    "CFL_LOG_LEVEL",
    "CFL_LOG_FORMAT",
)


def _default_workers() -> int:
    """One gevent worker per CPU this process may use (at least 2, at most 9): each serves many
    connections at once, and more processes than cores only compete for them (at 5 workers on 2
    cores a page took 3.7 ms on a new connection, at 2 workers 2.7 ms)."""
    return min(max(len(os.sched_getaffinity(0)), 2), 9)


@dataclass(frozen=True)
class Settings:
    # A PostgreSQL URL; when empty the service runs its own embedded PostgreSQL in data_dir.
    database_url: str | None = None
    # A streaming replica of it, for reads (DESIGN.md, "Growing past one machine").
    read_url: str | None = None
    # Seconds a read that must see a seq (min_seq, as_of, a cursor's) waits for the replica to
    # replay it before it is answered from the primary.
    replica_wait: float = 1.0
    data_dir: Path = field(default_factory=lambda: Path("data"))
    pool_min: int = 1
    pool_max: int = 10
    # Seconds a request waits for a pooled connection before the service answers 503.
    pool_timeout: float = 5.0
    reads_need_key: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = field(default_factory=_default_workers)
    timeout: int = 30
    log_level: str = "info"
    # "json" writes one JSON object a line (for containers and log shippers); "text" is for people.
    log_format: str = "text"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        log_format = env.get("CFL_LOG_FORMAT", "text") or "text"
        if log_format not in {"text", "json"}:
            raise SettingsError(f"CFL_LOG_FORMAT={log_format!r} must be text or json")
        log_level = (env.get("CFL_LOG_LEVEL", "info") or "info").lower()
        if log_level not in {"debug", "info", "warning", "error", "critical"}:
            raise SettingsError(f"CFL_LOG_LEVEL={log_level!r} must be debug, info, warning, error or critical")
        pool_max = _int(env, "CFL_POOL_MAX", 10, 1, 1000)
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            read_url=env.get("CFL_READ_URL") or None,
            replica_wait=_int(env, "CFL_REPLICA_WAIT_MS", 1000, 0, 30000) / 1000,
            data_dir=Path(env.get("CFL_DATA_DIR") or "data"),
            pool_min=min(_int(env, "CFL_POOL_MIN", 1, 0, 1000), pool_max),
            pool_max=pool_max,
            pool_timeout=float(_int(env, "CFL_POOL_TIMEOUT", 5, 1, 600)),
            reads_need_key=_bool(env, "CFL_READS_NEED_KEY", False),
            host=env.get("CFL_HOST") or "127.0.0.1",
            port=_int(env, "CFL_PORT", 8000, 1, 65535),
            workers=_int(env, "CFL_WORKERS", _default_workers(), 1, 64),
            timeout=_int(env, "CFL_TIMEOUT", 30, 1, 3600),
            log_level=log_level,
            log_format=log_format,
        )
