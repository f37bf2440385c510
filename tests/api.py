"""Helpers for talking to the API as a client does."""

from __future__ import annotations

from service.pipeline.db import connect
from service.store import keys

ACCUSATION = {
    "kind": "accusation",
    "claimant": "azerbaijan-military",
    "target": "armenia",
    "act": "shelling",
    "locations": ["agdam"],
    "occurred_from": "2020-10-12T09:00:00+04:00",
    "occurred_to": "2020-10-12T10:00:00+04:00",
    "time_precision": "hour",
    "stated_at": "2020-10-12T11:00:00+04:00",
    "ceasefire": "moscow-humanitarian-2020",
    "summary": "The Azerbaijani military reported shelling of Agdam.",
    "quotes": [],
    "source": "moscow-ceasefire-article",
}


def make_key(dsn: str, name: str = "monitor", role: str = "reporter") -> dict:
    with connect(dsn) as conn:
        return {"Authorization": f"Bearer {keys.create(conn, name, role)}"}


def post_accusation(client, headers, **overrides):
    return client.post("/v1/events", json={**ACCUSATION, **overrides}, headers=headers)


def counts(dsn: str) -> dict:
    with connect(dsn) as conn:
        return {
            table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]
            for table in ("event", "quote", "event_location", "actor", "location", "idempotency")
        }


def problem_of(response, status: int) -> dict:
    """The problem+json body of a refusal, checked to be one: the status, and a title and detail."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body
