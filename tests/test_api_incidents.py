"""Incident queries against a known data set: exactly which incidents each filter returns."""

from __future__ import annotations

import uuid

import pytest

from service.exchange.seed import EVENT_NAMESPACE
from tests.api import make_key, post_accusation


def seeded(key: str) -> str:
    return str(uuid.uuid5(EVENT_NAMESPACE, f"moscow-ceasefire-article/{key}"))


SHELLING, BAYRAMOV, COUNTER = (
    seeded("agdam-tartar-shelling"),
    seeded("bayramov-conditions-missing"),
    seeded("armenian-town-shelling"),
)


def ids(client, query: str) -> list[str]:
    response = client.get(f"/v1/incidents?{query}")
    assert response.status_code == 200, response.get_json()
    return [incident["id"] for incident in response.get_json()["items"]]


def test_the_article_answers_which_incidents_are_disputed(client):
    body = client.get("/v1/incidents?status=disputed").get_json()
    assert [i["id"] for i in body["items"]] == [SHELLING]
    incident = body["items"][0]
    assert incident["status"] == "disputed"
    assert [d["claimant"] for d in incident["denials"]] == ["armenia-mod"]
    assert [c["id"] for c in incident["counter_accusations"]] == [COUNTER]
    assert body["next"] is None


@pytest.fixture
def data(client, dsn):
    """The article's three incidents, plus: a drone strike on Tartar a week later (denied by
    Armenia), an Armenian accusation of sniper fire with no ceasefire."""
    key = make_key(dsn, "monitor")
    drone = post_accusation(
        client,
        key,
        act="drone-strike",
        locations=["tartar"],
        summary="Drone strike on Tartar.",
        occurred_from="2020-10-17T09:00:00+04:00",
        occurred_to="2020-10-17T10:00:00+04:00",
        stated_at="2020-10-17T11:00:00+04:00",
    ).get_json()["id"]
    client.post(
        f"/v1/incidents/{drone}/denials",
        headers=key,
        json={
            "claimant": "armenia",
            "stated_at": "2020-10-17T12:00:00+04:00",
            "summary": "Armenia denied it.",
            "source": "moscow-ceasefire-article",
        },
    )
    sniper = post_accusation(
        client,
        key,
        claimant="armenia-mod",
        target="azerbaijan",
        act="sniper-fire",
        locations=["armenia-unnamed-town"],
        ceasefire=None,
        summary="Sniper fire on the town.",
        occurred_from="2020-10-20T09:00:00+04:00",
        occurred_to="2020-10-20T10:00:00+04:00",
        stated_at="2020-10-20T11:00:00+04:00",
    ).get_json()["id"]
    return {"drone": drone, "sniper": sniper}


def test_each_filter(client, data):
    drone, sniper = data["drone"], data["sniper"]
    assert set(ids(client, "status=disputed")) == {SHELLING, drone}
    assert set(ids(client, "status=uncontested")) == {BAYRAMOV, COUNTER, sniper}
    assert set(ids(client, "claimant=azerbaijan")) == {SHELLING, BAYRAMOV, drone}
    assert ids(client, "claimant=jeyhun-bayramov") == [BAYRAMOV]
    assert set(ids(client, "target=azerbaijan")) == {COUNTER, sniper}
    assert set(ids(client, "party=armenia")) == {SHELLING, BAYRAMOV, COUNTER, drone, sniper}
    assert set(ids(client, "party=azerbaijan-mfa")) == {BAYRAMOV}
    assert set(ids(client, "location=azerbaijan")) == {SHELLING, BAYRAMOV, drone}
    assert set(ids(client, "location=tartar")) == {SHELLING, BAYRAMOV, drone}
    assert set(ids(client, "location=armenia")) == {COUNTER, sniper}
    assert set(ids(client, "ceasefire=moscow-humanitarian-2020")) == {SHELLING, BAYRAMOV, COUNTER, drone}
    assert ids(client, "act=drone-strike") == [drone]
    assert set(ids(client, "occurred_after=2020-10-15T00:00:00%2B00:00")) == {drone, sniper}
    assert set(ids(client, "occurred_before=2020-10-15T00:00:00%2B00:00")) == {SHELLING, BAYRAMOV, COUNTER}
    assert ids(client, "q=sniper") == [sniper]
    assert ids(client, "q=heinous aggression") == [COUNTER]


def test_filters_combine_with_and(client, data):
    assert ids(client, "party=armenia&status=disputed&location=tartar&occurred_after=2020-10-15T00:00:00%2B00:00") == [
        data["drone"]
    ]
    assert ids(client, "claimant=azerbaijan&target=armenia&act=shelling") == [SHELLING]
    assert ids(client, "claimant=armenia&location=azerbaijan") == []
    assert ids(client, "ceasefire=moscow-humanitarian-2020&act=shelling&status=uncontested") == [COUNTER]


@pytest.mark.parametrize(
    "other",
    [
        "ceasefire=moscow-humanitarian-2020",
        "act=drone-strike",
        "q=shelling",
        "location=tartar",
        "claimant=azerbaijan",
        "occurred_after=2020-10-15T00:00:00%2B00:00",
        "occurred_before=2020-10-15T00:00:00%2B00:00",
        "sort=occurred",
        "sort=-occurred",
        "sort=stated",
        "occurred_after=2020-10-01T00:00:00%2B00:00&occurred_before=2020-10-18T00:00:00%2B00:00",
        "location=azerbaijan&occurred_after=2020-10-01T00:00:00%2B00:00&occurred_before=2020-10-31T00:00:00%2B00:00",
    ],
)
def test_disputed_with_any_other_filter_is_the_intersection(client, data, other):
    """A disputed page walks its own index (incident_denied); each other filter still applies."""
    both = ids(client, f"status=disputed&{other}")
    assert set(both) == set(ids(client, "status=disputed")) & set(ids(client, other))
    assert both == [incident for incident in ids(client, other) if incident in both]


@pytest.mark.parametrize(
    "query",
    [
        "occurred_after=2020-10-01T00:00:00%2B00:00&occurred_before=2020-11-01T00:00:00%2B00:00",
        "occurred_after=2020-10-01T00:00:00%2B00:00&occurred_before=2020-11-01T00:00:00%2B00:00&sort=stated",
        "location=azerbaijan&occurred_after=2020-10-01T00:00:00%2B00:00&occurred_before=2020-11-01T00:00:00%2B00:00",
        "party=armenia&occurred_after=2020-10-01T00:00:00%2B00:00&occurred_before=2020-11-01T00:00:00%2B00:00",
    ],
)
def test_a_window_pages_through_every_incident_once_in_order(client, data, query):
    whole = ids(client, query)
    assert len(whole) >= 3
    paged, url = [], f"/v1/incidents?{query}&limit=2"
    while url:
        body = client.get(url).get_json()
        paged += [incident["id"] for incident in body["items"]]
        url = body["next"]
    assert paged == whole


@pytest.mark.parametrize("query", ["q=shelling", "q=shelling&party=azerbaijan", "q=shelling&sort=occurred"])
def test_a_search_pages_through_every_match_once_in_order(client, data, query):
    """A search's walk is planned for its words and its entries read apart (store/incidents.py):
    a page at a time, it finds what one page finds, in the same order, and says when it ends."""
    whole = ids(client, query)
    assert len(whole) >= 2
    paged, url = [], f"/v1/incidents?{query}&limit=1"
    while url:
        body = client.get(url).get_json()
        assert len(body["items"]) == 1
        paged += [incident["id"] for incident in body["items"]]
        url = body["next"]
    assert paged == whole


def test_disputed_pages_follow_their_cursor(client, data):
    first = client.get("/v1/incidents?status=disputed&limit=1").get_json()
    second = client.get(first["next"]).get_json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [data["drone"], SHELLING]
    assert second["next"] is None


def test_sorts(client, data):
    assert ids(client, "sort=stated")[-2:] == [data["drone"], data["sniper"]]
    assert ids(client, "sort=-stated")[:2] == [data["sniper"], data["drone"]]
    assert ids(client, "sort=-occurred")[0] == data["sniper"]
    assert ids(client, "sort=occurred")[-1] == data["sniper"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("party=nobody&location=atlantis", "party"),
        ("act=teleport", "act"),
        ("status=maybe", "status"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=garbage", "cursor"),
        ("sort=random", "sort"),
        ("occurred_after=2020-10-10T00:00:00", "occurred_after"),
        ("colour=red", "colour"),
    ],
)
def test_bad_queries_are_422_by_field(client, query, field):
    response = client.get(f"/v1/incidents?{query}")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_pages_follow_with_no_duplicates_and_no_gaps_while_events_are_appended(client, dsn, data):
    key = make_key(dsn, "second")
    first = client.get("/v1/incidents?party=armenia&limit=200").get_json()
    expected = {incident["id"] for incident in first["items"]}
    seen, url, appended, reflected = [], "/v1/incidents?party=armenia&limit=2&sort=stated", [], set()
    while url:
        response = client.get(url)
        body = response.get_json()
        seen += [incident["id"] for incident in body["items"]]
        reflected.add(body["as_of"])
        # Newer reports arrive while a client pages: the listing reads the log as its first page did.
        if len(appended) < 3:
            appended.append(
                post_accusation(client, key, stated_at=f"2021-0{len(appended) + 1}-01T00:00:00+00:00").get_json()["id"]
            )
        url = body["next"]
        assert (response.headers.get("Link") is not None) == (url is not None)
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert reflected == {first["as_of"]}
    # A listing begun afterwards reads the log's new head, and holds them.
    again = client.get("/v1/incidents?party=armenia&limit=200").get_json()
    assert {incident["id"] for incident in again["items"]} == expected | set(appended)
    assert again["as_of"] == first["as_of"] + 3


def test_a_cursor_only_works_with_its_own_filters(client, data):
    nxt = client.get("/v1/incidents?party=armenia&limit=1").get_json()["next"]
    cursor = nxt.split("cursor=")[1]
    assert client.get(f"/v1/incidents?party=armenia&limit=1&cursor={cursor}").status_code == 200
    response = client.get(f"/v1/incidents?party=azerbaijan&limit=1&cursor={cursor}")
    assert response.status_code == 422 and "cursor" in response.get_json()["errors"]
