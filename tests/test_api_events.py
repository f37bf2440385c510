"""Posting reports and denials, reading them back, and every refusal, as a client sees them."""

from __future__ import annotations

import json
import re
import threading
import uuid
from pathlib import Path

import pytest

from service.exchange.seed import EVENT_NAMESPACE
from tests.api import counts, make_key, post_accusation, problem_of

SHELLING = str(uuid.uuid5(EVENT_NAMESPACE, "moscow-ceasefire-article/agdam-tartar-shelling"))
DENIAL = str(uuid.uuid5(EVENT_NAMESPACE, "moscow-ceasefire-article/armenia-mod-denies-shelling"))


def test_post_an_accusation_and_read_it_back(client, reporter):
    response = post_accusation(client, reporter, quotes=["largely holding"])
    assert response.status_code == 201
    event = response.get_json()
    assert response.headers["Location"].endswith(f"/v1/events/{event['id']}")
    assert event["quotes"] == [{"text": "largely holding", "start": 1098, "end": 1113}]
    # The instant comes back at the offset it was given with: a statement's local time is information.
    assert event["recorded_by"] == "monitor" and event["stated_at"] == "2020-10-12T11:00:00+04:00"
    assert client.get(f"/v1/events/{event['id']}").get_json() == event


def test_every_instant_keeps_its_offset(client, reporter, admin_key):
    event = post_accusation(
        client,
        reporter,
        occurred_from="2020-10-12T09:00:00-05:30",
        occurred_to="2020-10-12T15:00:00Z",
        stated_at="2020-10-13T06:00:00+14:00",
    ).get_json()
    assert (event["occurred_from"], event["occurred_to"], event["stated_at"]) == (
        "2020-10-12T09:00:00-05:30",
        "2020-10-12T15:00:00+00:00",
        "2020-10-13T06:00:00+14:00",
    )
    page = client.get("/v1/incidents?sort=-occurred&limit=1&occurred_before=2020-10-12T15:00:00Z").get_json()
    assert page["items"][0]["accusation"] == event
    denial = client.post(
        f"/v1/incidents/{event['id']}/denials",
        headers=reporter,
        json={
            "claimant": "armenia-mod",
            "stated_at": "2020-10-13T12:00:00+04:00",
            "summary": "No.",
            "source": "moscow-ceasefire-article",
        },
    ).get_json()
    assert denial["occurred_from"] == "2020-10-12T09:00:00-05:30"  # inherited as the accusation said it
    assert denial["stated_at"] == "2020-10-13T12:00:00+04:00"
    ceasefire = client.post(
        "/v1/ceasefires",
        headers=admin_key,
        json={
            "slug": "local-truce",
            "name": "A local truce",
            "agreed_at": "2020-10-17T23:00:00+04:00",
            "effective_at": "2020-10-18T00:00:00+04:00",
        },
    ).get_json()
    assert (
        client.get("/v1/ceasefires/local-truce").get_json()["effective_at"]
        == ceasefire["effective_at"]
        == "2020-10-18T00:00:00+04:00"
    )
    source = client.post(
        "/v1/sources",
        headers=admin_key,
        json={"slug": "a-bulletin", "title": "A bulletin", "published_at": "2020-10-18T09:30:00+03:00"},
    ).get_json()
    assert source["published_at"] == "2020-10-18T09:30:00+03:00"


def test_the_readme_example_reports_are_accepted(client, reporter):
    """Every report the README posts to /v1/events, in its order: the first one, the accusation
    that counts and names no place, one against both sides, the counter-accusation of the first
    ($ID), and a mention of it."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    posted = [
        body
        for body in re.findall(r"-X POST http://127.0.0.1:8000/v1/events .*?-d '(\{.*?\})'", readme, flags=re.DOTALL)
    ]
    assert len(posted) == 5
    first = None
    for number, text in enumerate(posted):
        body = json.loads(text.replace("\"'$ID'\"", json.dumps(first or "")))
        response = client.post("/v1/events", json=body, headers={**reporter, "Idempotency-Key": f"report-{number}"})
        assert response.status_code == 201, (number, response.get_json())
        first = first or response.get_json()["id"]
    incident = client.get(f"/v1/incidents/{first}").get_json()
    assert (incident["status"], len(incident["mentions"])) == ("countered", 1)


def test_every_answer_carries_a_request_id(client, reporter):
    mine = client.get("/v1/incidents", headers={"X-Request-Id": "desk-42.7"})
    assert mine.headers["X-Request-Id"] == "desk-42.7"
    made_up = client.get("/v1/incidents", headers={"X-Request-Id": "<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", made_up.headers["X-Request-Id"])
    refused = client.post("/v1/events", json={}, headers=reporter)
    assert refused.status_code == 422 and re.fullmatch(r"[0-9a-f]{32}", refused.headers["X-Request-Id"])
    assert refused.headers["X-Request-Id"] != made_up.headers["X-Request-Id"]


def test_a_denial_inherits_target_act_places_and_time(client, reporter):
    accusation = post_accusation(client, reporter).get_json()
    response = client.post(
        f"/v1/incidents/{accusation['id']}/denials",
        headers=reporter,
        json={
            "claimant": "armenia-mod",
            "stated_at": "2020-10-12T12:00:00+04:00",
            "summary": "Denied.",
            "source": "moscow-ceasefire-article",
        },
    )
    assert response.status_code == 201, response.get_json()
    denial = response.get_json()
    assert (denial["kind"], denial["target"], denial["responds_to"]) == (
        "denial",
        "azerbaijan-military",
        accusation["id"],
    )
    assert denial["locations"] == ["agdam"] and denial["act"] == "shelling"
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert incident["status"] == "disputed" and [d["id"] for d in incident["denials"]] == [denial["id"]]


def test_a_note_on_how_the_time_was_known_goes_with_that_time(client, reporter):
    note = 'The article says "moments after the ceasefire took force"; the hour is from the public record.'
    accusation = post_accusation(client, reporter, time_note=note).get_json()
    assert accusation["time_note"] == note and client.get(f"/v1/events/{accusation['id']}").get_json() == accusation
    answer = {
        "claimant": "armenia-mod",
        "stated_at": "2020-10-12T12:00:00+04:00",
        "summary": "Denied.",
        "source": "moscow-ceasefire-article",
    }
    # A denial that takes the accusation's time takes its note; one that gives its own time does not.
    inherited = client.post(f"/v1/incidents/{accusation['id']}/denials", headers=reporter, json=answer).get_json()
    assert inherited["time_note"] == note
    own = client.post(
        f"/v1/incidents/{accusation['id']}/denials",
        headers=reporter,
        json={
            **answer,
            "occurred_from": "2020-10-12T07:00:00+04:00",
            "occurred_to": "2020-10-12T08:00:00+04:00",
            "time_precision": "hour",
        },
    ).get_json()
    assert own["time_note"] is None
    assert post_accusation(client, reporter).get_json()["time_note"] is None
    problem = problem_of(post_accusation(client, reporter, time_note=""), 422)
    assert "time_note" in problem["errors"]
    assert (
        client.get("/v1/ceasefires/moscow-humanitarian-2020")
        .get_json()["time_note"]
        .startswith("agreed_at and effective_at are from the public record")
    )


def test_a_counter_accusation_joins_the_thread(client, reporter):
    response = post_accusation(
        client,
        reporter,
        claimant="armenia",
        target="azerbaijan-military",
        responds_to=SHELLING,
        locations=["armenia-unnamed-town"],
    )
    assert response.status_code == 201
    thread = client.get(f"/v1/incidents/{SHELLING}").get_json()
    assert response.get_json()["id"] in [e["id"] for e in thread["counter_accusations"]]


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"claimant": "nobody", "locations": ["atlantis", "agdam", "lemuria"]}, "claimant", "unknown actor: nobody"),
        ({"locations": ["atlantis", "agdam", "lemuria"]}, "locations", "unknown location: lemuria"),
        ({"act": "teleportation"}, "act", "unknown act"),
        ({"source": "rumour"}, "source", "unknown source"),
        ({"stated_at": "2020-10-12T11:00:00"}, "stated_at", "no UTC offset"),
        ({"occurred_to": "2020-10-12T08:00:00+04:00"}, "occurred_to", "before occurred_from"),
        ({"stated_at": "2020-10-12T08:00:00+04:00"}, "stated_at", "predate"),
        ({"target": "azerbaijan-military"}, "target", "accuses itself"),
        ({"target": "azerbaijan"}, "target", "one hierarchy"),
        ({"quotes": ["we never said this"]}, "quotes", "not in the source"),
        ({"locations": ["agdam"] * 51}, "locations", "Length"),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"summary": "x" * 4001}, "summary", "Length"),
        ({"kind": "denial", "claimant": "armenia", "target": None}, "responds_to", "must respond"),
    ],
)
def test_invalid_reports_are_refused_by_field_and_change_nothing(client, reporter, dsn, overrides, field, words):
    before = counts(dsn)
    body = problem_of(post_accusation(client, reporter, **overrides), 422)
    assert field in body["errors"], body
    assert any(words.lower() in message.lower() for message in body["errors"][field]), body
    assert counts(dsn) == before


def test_every_unknown_slug_is_named_at_once(client, reporter):
    body = problem_of(
        post_accusation(client, reporter, claimant="nobody", act="teleportation", locations=["atlantis", "lemuria"]),
        422,
    )
    assert body["errors"]["locations"] == ["unknown location: atlantis", "unknown location: lemuria"]
    assert set(body["errors"]) == {"claimant", "act", "locations"}


@pytest.mark.parametrize("claimant", ["russia", "azerbaijan-military", "jeyhun-bayramov"])
def test_only_the_accused_side_may_deny(client, reporter, dsn, claimant):
    """The denial's target is the accuser, inherited: the answer names only the claimant, never
    a target the client did not send (the accuser denying itself used to hear both)."""
    before = counts(dsn)
    body = problem_of(
        client.post(
            f"/v1/incidents/{SHELLING}/denials",
            headers=reporter,
            json={
                "claimant": claimant,
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "No.",
                "source": "moscow-ceasefire-article",
            },
        ),
        422,
    )
    assert body["errors"] == {
        "claimant": ["only the accused side (armenia and the actors beneath it) may answer with a denial"]
    }, body
    assert counts(dsn) == before


def test_a_denial_from_outside_an_accused_body_names_the_body(client, reporter):
    accusation = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    body = problem_of(
        client.post(
            f"/v1/incidents/{accusation['id']}/denials",
            headers=reporter,
            json={
                "claimant": "russia",
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "No.",
                "source": "moscow-ceasefire-article",
            },
        ),
        422,
    )
    assert body["errors"]["claimant"] == [
        "only the accused side (azerbaijan and the actors beneath it, whose "
        "azerbaijan-military is accused) may answer with a denial"
    ]


def test_a_target_that_was_sent_is_still_checked_against_the_claimant(client, reporter, dsn):
    before = counts(dsn)
    body = problem_of(
        client.post(
            "/v1/events",
            headers=reporter,
            json={
                "kind": "denial",
                "responds_to": SHELLING,
                "claimant": "armenia-mod",
                "target": "armenia-mod",
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "No.",
                "source": "moscow-ceasefire-article",
            },
        ),
        422,
    )
    assert any("target is the claimant of what it answers" in message for message in body["errors"]["target"]), body
    assert any("itself" in message for message in body["errors"]["target"]), body
    assert counts(dsn) == before


@pytest.mark.parametrize("claimant", ["azerbaijan", "azerbaijan-mfa", "jeyhun-bayramov", "azerbaijan-military"])
def test_a_state_speaks_for_its_bodies(client, reporter, claimant):
    """Accused: Azerbaijan's military. Its state, ministry, minister or itself may deny it."""
    accusation = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    denial = client.post(
        f"/v1/incidents/{accusation['id']}/denials",
        headers=reporter,
        json={
            "claimant": claimant,
            "stated_at": "2020-10-12T12:00:00+04:00",
            "summary": "No such shelling.",
            "source": "moscow-ceasefire-article",
        },
    )
    assert denial.status_code == 201, denial.get_json()
    assert denial.get_json()["target"] == "armenia-mod"


def test_a_denial_of_a_denial_is_refused(client, reporter):
    body = problem_of(post_accusation(client, reporter, kind="denial", responds_to=DENIAL, target=None), 422)
    assert "a denial can answer only an accusation" in body["errors"]["responds_to"][0]


def test_http_refusals(client, reporter, dsn):
    before = counts(dsn)
    assert problem_of(
        client.post("/v1/events", data="{oops", headers={**reporter, "Content-Type": "application/json"}), 400
    )
    assert problem_of(
        client.post(
            "/v1/events", data="kind=accusation", headers=reporter, content_type="application/x-www-form-urlencoded"
        ),
        415,
    )
    assert problem_of(
        client.post("/v1/events", data="x" * (1024 * 1024 + 1), headers=reporter, content_type="application/json"), 413
    )
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(f"/v1/events/{SHELLING}", headers=reporter)
        problem_of(response, 405)
        assert "PUT" not in response.headers["Allow"] and "GET" in response.headers["Allow"]
    problem_of(client.get("/v1/nowhere"), 404)
    problem_of(client.get("/v1/events/not-a-uuid"), 404)
    problem_of(client.get(f"/v1/events/{uuid.uuid4()}"), 404)
    problem_of(client.get(f"/v1/incidents/{DENIAL}"), 404)
    assert counts(dsn) == before


def test_keys_and_roles(client, dsn, reporter, admin_key):
    problem_of(post_accusation(client, {}), 401)
    problem_of(post_accusation(client, {"Authorization": "Bearer cfl_wrong"}), 401)
    problem_of(post_accusation(client, {"Authorization": "Basic abc"}), 401)
    actor = {"slug": "karabakh-army", "name": "Karabakh Defence Army", "kind": "armed-group"}
    problem_of(client.post("/v1/actors", json=actor, headers=reporter), 403)
    assert client.post("/v1/actors", json=actor, headers=admin_key).status_code == 201
    taken = problem_of(client.post("/v1/actors", json=actor, headers=admin_key), 409)
    assert taken["detail"] == "The slug karabakh-army is taken: the actor with it exists already; choose another slug."
    assert taken["errors"] == {"slug": ["karabakh-army is taken"]}
    from service.pipeline.db import connect
    from service.store import keys

    with connect(dsn) as conn:
        assert keys.revoke(conn, "monitor")
    problem_of(post_accusation(client, reporter), 401)


def test_catalogue_create_and_read(client, admin_key):
    response = client.post(
        "/v1/locations",
        headers=admin_key,
        json={
            "slug": "stepanakert",
            "name": "Stepanakert",
            "country": "AZE",
            "latitude": 39.8153,
            "longitude": 46.7519,
            "precision": "exact",
            "parent": "azerbaijan",
            "aliases": ["Khankendi"],
        },
    )
    assert response.status_code == 201 and response.get_json()["parent"] == "azerbaijan"
    problem_of(
        client.post(
            "/v1/locations",
            headers=admin_key,
            json={"slug": "x", "name": "X", "precision": "exact", "parent": "atlantis"},
        ),
        422,
    )
    source = client.post("/v1/sources", headers=admin_key, json={"slug": "note", "title": "A note", "text": "abc"})
    assert source.get_json()["sha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert client.get("/v1/acts/shelling").get_json()["label"] == "Shelling"
    ceasefire = client.get("/v1/ceasefires/moscow-humanitarian-2020").get_json()
    assert ceasefire["parties"] == ["armenia", "azerbaijan"]
    problem_of(client.get("/v1/actors/nobody"), 404)


def test_catalogue_pages_cover_everything_once(client):
    seen, url = [], "/v1/actors?limit=3"
    while url:
        body = client.get(url).get_json()
        seen += [actor["slug"] for actor in body["items"]]
        url = body["next"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 14


def test_idempotent_retry_replays_and_writes_once(client, reporter, dsn):
    headers = {**reporter, "Idempotency-Key": "report-1"}
    first = post_accusation(client, headers)
    before = counts(dsn)
    again = post_accusation(client, headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.headers["Location"] == first.headers["Location"]
    assert counts(dsn) == before
    problem_of(post_accusation(client, headers, summary="Something else."), 422)
    assert counts(dsn) == before


def test_a_key_is_kept_a_day_then_used_anew_and_expired_keys_are_cleared(client, reporter, dsn, conn):
    headers = {**reporter, "Idempotency-Key": "report-1"}
    first = post_accusation(client, headers).get_json()
    other = make_key(dsn, "another-desk")
    post_accusation(client, {**other, "Idempotency-Key": "theirs"})
    conn.execute("UPDATE idempotency SET created_at = now() - interval '25 hours'")

    again = post_accusation(client, headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first["id"]
    keys = [row["key"] for row in conn.execute("SELECT key FROM idempotency ORDER BY key").fetchall()]
    assert keys == ["report-1"], "the other desk's expired key is cleared by this write"


def test_concurrent_posts_with_one_key_store_one_event(app, reporter, dsn):
    before = counts(dsn)["event"]
    statuses = []

    def send():
        with app.test_client() as client:
            statuses.append(post_accusation(client, {**reporter, "Idempotency-Key": "same"}).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 6
    assert counts(dsn)["event"] == before + 1


def test_follow_the_log(client, reporter):
    seqs = [post_accusation(client, reporter).get_json()["seq"] for _ in range(5)]
    page = client.get("/v1/events?after=0&limit=4")
    body = page.get_json()
    assert [e["seq"] for e in body["items"]] == [1, 2, 3, 4]
    assert page.headers["Link"] == f'<{body["next"]}>; rel="next"'
    rest = client.get(body["next"]).get_json()
    assert [e["seq"] for e in rest["items"]] == seqs[:4]
    problem_of(client.get("/v1/events?limit=0"), 422)
    problem_of(client.get("/v1/events?after=-1"), 422)


def test_reads_can_be_closed(dsn, tmp_path):
    from service.config import Settings
    from service.running.app import create_app

    app = create_app(Settings(data_dir=tmp_path, reads_need_key=True), dsn=dsn)
    try:
        client = app.test_client()
        problem_of(client.get("/v1/incidents"), 401)
        assert client.get("/v1/incidents", headers=make_key(dsn)).status_code == 200
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["pool"].close()


@pytest.mark.parametrize("incident", [str(uuid.uuid4()), DENIAL, "not-an-id"])
def test_denying_what_is_not_an_incident_is_404_and_writes_nothing(client, reporter, dsn, incident):
    before = counts(dsn)
    problem = problem_of(
        client.post(
            f"/v1/incidents/{incident}/denials",
            headers=reporter,
            json={
                "claimant": "armenia-mod",
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "No.",
                "source": "moscow-ceasefire-article",
            },
        ),
        404,
    )
    assert "no accusation has that id" in problem["detail"]
    assert counts(dsn) == before
