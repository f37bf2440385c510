"""The list endpoints write their JSON directly (service/pipeline/wire.py); it must be exactly what the
documented schemas describe, so a client cannot tell which path wrote a page."""

from __future__ import annotations

from urllib.parse import parse_qsl
from uuid import UUID

import orjson
import pytest

from service import days
from service.api import incidents as api_incidents
from service.pipeline import reads
from service.pipeline.schemas import BatchOut, EventPage, IncidentArgs, IncidentPage
from service.store import events, incidents
from tests.api import ACCUSATION, make_key, post_accusation
from tests.test_exports import busy_log, every_shape  # noqa: F401 (fixtures)


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


@pytest.fixture
def every_thread(client, reporter, admin_key, dsn, every_shape, busy_log):
    """Every shape of entry, and every shape of thread: besides the busy log's denials, its
    correction, retraction and review, a mention of an accusation, a denial corrected and then
    retracted, and a second review."""
    reviewer = make_key(dsn, "assessor", "reviewer")
    accusation = busy_log[9]  # denied (every third), neither corrected nor reviewed
    (denial,) = client.get(f"/v1/incidents/{accusation}").get_json()["denials"]
    posted = [
        client.post(
            "/v1/events",
            json={
                "kind": "mention",
                "cites": accusation,
                "claimant": "azerbaijan-military",
                "stated_at": "2020-10-25T08:00:00+04:00",
                "summary": "The ministry repeated the charge.",
                "quotes": [],
                "source": "moscow-ceasefire-article",
            },
            headers=reporter,
        ),
        client.post(
            f"/v1/events/{denial['id']}/corrections",
            json={
                **{
                    name: denial[name]
                    for name in ("claimant", "targets", "acts", "locations", "occurred_from", "occurred_to")
                    + ("time_precision", "stated_at", "source", "quotes")
                },
                "summary": "Denied, and called a provocation.",
            },
            headers=reporter,
        ),
        client.post(
            "/v1/events",
            json={
                "kind": "retraction",
                "claimant": "armenia-mod",
                "responds_to": denial["id"],
                "stated_at": "2020-10-26T08:00:00+04:00",
                "summary": "The denial is withdrawn.",
                "quotes": [],
                "source": "moscow-ceasefire-article",
            },
            headers=reporter,
        ),
    ]
    for verdict in ("plausible", "confirmed"):
        posted.append(
            client.post(
                f"/v1/events/{accusation}/reviews", json={"verdict": verdict, "note": "Seen."}, headers=reviewer
            )
        )
    for answer in posted:
        assert answer.status_code == 201, answer.get_json()


@pytest.mark.parametrize(
    "query",
    ["", "status=disputed", "sort=occurred", "sort=stated", "q=shelling", "party=armenia", "assessment=confirmed"],
)
def test_a_page_shows_each_entry_as_the_log_wrote_it_and_each_corrected_one_at_its_version(
    client, conn, every_thread, query
):
    """A page of the API shows each entry nothing has corrected as the line the log wrote for it
    (incidents.page_as_written), and the others as read whole: the same bytes, page after page and
    as of any seq, as the incidents built from Events, which every other read of them uses."""
    head, walked = events.head(conn), []
    for as_of in (None, head // 3, head // 2, head - 6, head - 1):
        query_as_of = f"{query}&as_of={as_of}" if as_of else query
        filters = IncidentArgs().load({"limit": "7", **dict(parse_qsl(query_as_of))})
        url: str | None = f"/v1/incidents?limit=7&{query_as_of}"
        after, reflects, pages = None, filters.get("as_of"), 0
        while url:
            written = client.get(url)
            assert written.status_code == 200, written.get_json()
            page, position, reflects = incidents.page(conn, filters, after, 7, reflects)
            url = written.get_json()["next"]
            assert written.get_data() == orjson.dumps(
                {"items": page, "next": url, "as_of": reflects}, default=days.json
            )
            assert (url is not None) == (position is not None)
            after = position
            pages += 1
        walked.append(pages)
    assert max(walked) > 1 or query.startswith("assessment")


def test_a_page_reads_whole_an_entry_the_chain_wrote_no_line_for(client, conn, dsn):
    """An entry appended with the chain's trigger off has no line of its own (0034): a page of
    incidents reads it whole rather than leave it out."""
    reporter = make_key(dsn)
    conn.execute("ALTER TABLE event DISABLE TRIGGER event_chain")
    posted = post_accusation(client, reporter, summary="Shelling reported with the chain switched off.")
    conn.execute("ALTER TABLE event ENABLE TRIGGER event_chain")
    assert posted.status_code == 201, posted.get_json()
    written = client.get("/v1/incidents?limit=50")
    page, _, as_of = incidents.page(conn, IncidentArgs().load({"limit": "50"}), None, 50, None)
    assert written.get_data() == orjson.dumps({"items": page, "next": None, "as_of": as_of}, default=days.json)
    assert written.get_json()["items"][0]["accusation"]["id"] == posted.get_json()["id"]


def test_the_log_s_pages_are_the_lines_it_wrote_and_the_entries_read_whole_alike(client, conn, reporter, every_shape):
    """A page of the log shows each entry as the line the log wrote for it (0034): the bytes of
    the page built from the entries' columns, page after page, as of any seq; an entry appended
    with the chain's trigger off, which has no line, is read whole rather than left out."""
    head = events.head(conn)
    for as_of in (None, head // 2, head - 3):
        url: str | None = "/v1/events?after=0&limit=7" + (f"&as_of={as_of}" if as_of else "")
        after, pages = 0, 0
        while url:
            written = client.get(url)
            page = events.after(conn, after, 7, until=as_of or head)
            url = written.get_json()["next"]
            assert written.get_data() == orjson.dumps(
                {"items": page, "next": url, "as_of": as_of or head}, default=days.json
            )
            after, pages = page[-1].seq, pages + 1
        assert pages == -(-(as_of or head) // 7)
    conn.execute("ALTER TABLE event DISABLE TRIGGER event_chain")
    posted = post_accusation(client, reporter, summary="Shelling reported with the chain switched off.")
    conn.execute("ALTER TABLE event ENABLE TRIGGER event_chain")
    written = client.get(f"/v1/events?after={head - 2}&limit=7")
    assert [item["seq"] for item in written.get_json()["items"]] == [head - 1, head, head + 1]
    assert written.get_json()["items"][-1]["id"] == posted.get_json()["id"]
    assert written.get_data() == orjson.dumps(
        {"items": events.after(conn, head - 2, 7), "next": None, "as_of": head + 1}, default=days.json
    )


@pytest.mark.parametrize("query", ["", "status=disputed&sort=occurred", "as_of=40", "q=shelling"])
def test_an_ndjson_export_of_incidents_is_its_incidents_read_whole_byte_for_byte(
    client, conn, every_thread, monkeypatch, query
):
    """The incidents' NDJSON export writes each incident as a page of the API does, its entries
    as the log wrote them, in batches of 4 read ahead (their ends found 2 at a look): the bytes of
    the incidents built from Events, one a line; the CSV and GeoJSON, read so, are those of the
    same export read in one batch."""
    whole = {format: client.get(f"/v1/incidents?format={format}&{query}").get_data() for format in ("csv", "geojson")}
    monkeypatch.setattr(api_incidents, "EXPORT_BATCH", 4)
    monkeypatch.setattr(reads, "ENDS_AT_A_LOOK", 2)
    filters = IncidentArgs().load(dict(parse_qsl(query)))
    every, _, _ = incidents.page(conn, filters, None, 10_000, filters.get("as_of"))
    exported = client.get(f"/v1/incidents?format=ndjson&{query}").get_data()
    assert len(every) > 8
    assert exported == b"".join(
        orjson.dumps(incident, default=days.json, option=orjson.OPT_APPEND_NEWLINE) for incident in every
    )
    for format, body in whole.items():
        assert client.get(f"/v1/incidents?format={format}&{query}").get_data() == body, format


def test_a_batch_s_answer_is_what_the_schema_describes(client, conn, reporter):
    """POST /v1/batches writes its answer itself (wire.batch): what BatchOut describes, its entries
    as the log holds them, with the id each ref was given."""
    batch = {
        "entries": [
            {**ACCUSATION, "ref": "dawn", "quotes": ["largely holding"], "summary": "Shelling of Agdam at dawn."},
            {
                **ACCUSATION,
                "kind": "denial",
                "responds_to": "#dawn",
                "claimant": "armenia-mod",
                "target": "azerbaijan-military",
                "locations": [],
                "summary": "The ministry denied it.",
            },
        ]
    }
    answer = client.post("/v1/batches", json=batch, headers=reporter)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    held = [events.get(conn, UUID(entry["id"]), None) for entry in body["entries"]]
    assert body == BatchOut().dump({"entries": held, "refs": {"dawn": held[0].id}})
    assert held[1].responds_to == held[0].id
