"""Bearer API keys, checked against their hashes on every request, and the roles they carry."""

from __future__ import annotations

from flask import current_app, request

from service.pipeline.errors import ApiError
from service.pipeline.headers import READ_METHODS
from service.store import keys

# What each role may do: a reporter records claims; a reviewer reviews them; an editor records
# claims and corrects what any key recorded (domain.CORRECTORS); an admin may do all of it.
ROLES = {
    "reporter": {"reporter"},
    "reviewer": {"reviewer"},
    "editor": {"reporter", "editor"},
    "admin": {"reporter", "reviewer", "editor", "admin"},
}


def current_key(conn) -> dict | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "Unauthorized",
            "Send the API key as `Authorization: Bearer <key>`.",
            "unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="ceasefire-log"'},
        )
    holder = keys.find(conn, token.strip())
    if holder is None:
        raise ApiError(
            401,
            "Unauthorized",
            "This API key is unknown or revoked.",
            "unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="ceasefire-log", error="invalid_token"'},
        )
    return holder


def require_role(conn, role: str) -> dict:
    holder = current_key(conn)
    if holder is None:
        raise ApiError(
            401,
            "Unauthorized",
            "Writing needs an API key: `Authorization: Bearer <key>`.",
            "unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="ceasefire-log"'},
        )
    if role not in ROLES[holder["role"]]:
        raise ApiError(
            403, "Forbidden", f"The key {holder['name']} is a {holder['role']}; this needs {role}.", "forbidden"
        )
    return holder


def check_read_access() -> None:
    """With CFL_READS_NEED_KEY, reads need a valid key of any role."""
    if not current_app.extensions["settings"].reads_need_key or request.method not in READ_METHODS:
        return
    if not request.path.startswith("/v1/"):
        return
    with current_app.extensions["pool"].connection() as conn:
        if current_key(conn) is None:
            raise ApiError(
                401,
                "Unauthorized",
                "Reading needs an API key: `Authorization: Bearer <key>`.",
                "unauthorized",
                headers={"WWW-Authenticate": 'Bearer realm="ceasefire-log"'},
            )
