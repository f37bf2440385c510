"""API keys: made once, shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from service.store import Connection, one

PREFIX = "cfl_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(conn: Connection, name: str, role: str) -> str:
    """Store a new key and return it: the only time it exists in clear."""
    key = PREFIX + secrets.token_urlsafe(32)
    conn.execute("INSERT INTO api_key (name, role, key_hash) VALUES (%s, %s, %s)", [name, role, digest(key)])
    return key


def find(conn: Connection, key: str) -> dict | None:
    """The live key holder, read on every request so that a revocation holds at once in every worker."""
    return conn.execute(
        "SELECT id, name, role FROM api_key WHERE key_hash = %s AND revoked_at IS NULL", [digest(key)]
    ).fetchone()


def listing(conn: Connection) -> list[dict]:
    return conn.execute("SELECT name, role, created_at, revoked_at FROM api_key ORDER BY name").fetchall()


def get(conn: Connection, name: str) -> dict | None:
    return conn.execute("SELECT name, role, created_at, revoked_at FROM api_key WHERE name = %s", [name]).fetchone()


def revoke(conn: Connection, name: str) -> bool:
    row = conn.execute(
        "UPDATE api_key SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL RETURNING name", [name]
    ).fetchone()
    return row is not None


def cursor_secret(conn: Connection) -> bytes:
    """The key cursors are signed with (migration 0009): made once by the migration, never changed."""
    return bytes(one(conn.execute("SELECT value FROM service_secret WHERE name = 'cursor'").fetchone())["value"])
