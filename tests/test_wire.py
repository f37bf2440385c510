"""The list endpoints write their JSON directly (service/pipeline/wire.py); it must be exactly what the
documented schemas describe, so a client cannot tell which path wrote a page."""

from __future__ import annotations

from service.pipeline.schemas import EventPage, IncidentPage
from service.store import events, incidents
from tests.api import make_key, post_accusation


def test_incident_pages_are_what_the_schema_describes(client, conn, dsn):
    key = make_key(dsn)
    post_accusation(client, key, quotes=["largely holding"], locations=["agdam", "tartar"])
    body = client.get("/v1/incidents?limit=50").get_json()
    page, _, as_of = incidents.page(conn, {"limit": 50}, None, 50, None)
    assert body == IncidentPage().dump({"items": page, "next": None, "as_of": as_of})
    assert any(i["denials"] and i["counter_accusations"] for i in body["items"])


def test_event_pages_are_what_the_schema_describes(client, conn):
    body = client.get("/v1/events?after=0&limit=50").get_json()
    assert body["items"] == EventPage().dump({"items": events.after(conn, 0, 50), "next": None})["items"]
    assert any(item["quotes"] for item in body["items"]) and any(item["responds_to"] for item in body["items"])
