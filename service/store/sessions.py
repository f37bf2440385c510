"""Desk sessions (migration 0025): opened with an API key, kept as the SHA-256 of a cookie's token."""

from __future__ import annotations

import secrets
from datetime import timedelta

from service.store import Connection
from service.store.keys import digest

# How long a session lasts from sign-in: a working day.
LIFETIME = timedelta(hours=8)


def start(conn: Connection, key_id: int) -> tuple[str, str]:
    """Open a session for the key; returns the cookie's token and the session's CSRF token."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO desk_session (token_hash, key_id, csrf, expires_at) VALUES (%s, %s, %s, now() + %s)",
        [digest(token), key_id, csrf, LIFETIME],
    )
    return token, csrf


def find(conn: Connection, token: str) -> dict | None:
    """The live session of this token, with its key's name and role: None once it expired, was
    ended, or its key was revoked."""
    return conn.execute(
        """SELECT k.id, k.name, k.role, s.csrf, s.expires_at
             FROM desk_session s JOIN api_key k ON k.id = s.key_id
            WHERE s.token_hash = %s AND s.ended_at IS NULL AND s.expires_at > now() AND k.revoked_at IS NULL""",
        [digest(token)],
    ).fetchone()


def end(conn: Connection, token: str) -> None:
    conn.execute("UPDATE desk_session SET ended_at = now() WHERE token_hash = %s AND ended_at IS NULL", [digest(token)])
