"""Edits of a database function as PostgreSQL holds it, for the revisions that change a function
an earlier revision wrote (0033, 0034, 0035, 0036): the body is read back with pg_get_functiondef, so a
revision names only the statements it changes, and its downgrade gives the body back as it was."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op


def rewrite(function: str, edits: Iterable[tuple[str, str]], result_changes: bool = False) -> None:
    """Replace, in `function`'s definition, each old text (found exactly once) by its new one. An
    edit of what the function returns (`result_changes`) cannot be made in place: the function is
    dropped first (its callers, in PL/pgSQL, find it again by name when they next run)."""
    body = op.get_bind().exec_driver_sql(f"SELECT pg_get_functiondef('{function}'::regproc)").scalar()
    for old, new in edits:
        assert body.count(old) == 1, old
        body = body.replace(old, new)
    if result_changes:
        op.execute(f"DROP FUNCTION {function}")
    op.execute(body)
