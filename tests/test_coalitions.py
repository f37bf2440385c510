"""Alliances as parties: "the Eastern Alliance" accused by Northland's army is Eastland and
Westland together; either side may deny, and what the alliance says, either may be answered for.
The parties are invented."""

from __future__ import annotations

import pytest

from tests.api import counts, problem_of
from tests.test_archive import export, load
from tests.test_database_rules import refused
from tests.test_reports import ACCUSATION, line_of_contact  # noqa: F401 (a fixture)

DENIAL = {
    "stated_at": "2031-03-03T14:00:00+05:00",
    "summary": "The ministry said its forces did not fire.",
    "source": "wire-kestrel-0303",
}


@pytest.fixture
def alliance(client, admin_key, line_of_contact):
    for body in [
        {"slug": "eastland", "name": "Eastland", "kind": "state"},
        {"slug": "eastland-army", "name": "Eastland Army", "kind": "military", "parent": "eastland"},
        {"slug": "westland", "name": "Westland", "kind": "state"},
        {"slug": "westland-mod", "name": "Westland Ministry of Defence", "kind": "ministry", "parent": "westland"},
        {
            "slug": "eastern-alliance",
            "name": "Eastern Alliance",
            "kind": "coalition",
            "members": ["eastland", "westland"],
        },
    ]:
        made = client.post("/v1/actors", json=body, headers=admin_key)
        assert made.status_code == 201, made.get_json()


def test_a_coalition_names_its_members(client, admin_key, alliance, dsn):
    shown = client.get("/v1/actors/eastern-alliance").get_json()
    assert (shown["kind"], shown["members"]) == ("coalition", ["eastland", "westland"])
    assert client.get("/v1/actors/eastland").get_json()["members"] == []
    page = client.get("/actors/eastern-alliance").get_data(as_text=True)
    assert '<a href="/actors/westland">westland</a>' in page
    before = counts(dsn)
    for body, words in [
        ({"kind": "coalition", "members": ["eastland"]}, "a coalition names its members, two or more"),
        ({"kind": "state", "members": ["eastland", "westland"]}, "only an actor of kind coalition has members"),
        ({"kind": "coalition", "members": ["eastland", "nowhere-land"]}, "unknown actor: nowhere-land"),
        ({"kind": "coalition", "members": ["eastland", "eastland"]}, "each member once"),
    ]:
        problem = problem_of(client.post("/v1/actors", json={"slug": "x", "name": "X", **body}, headers=admin_key), 422)
        assert problem["errors"]["members"][0].startswith(words), problem["errors"]
    assert counts(dsn) == before


def test_accusing_a_coalition_accuses_each_members_side(client, reporter, alliance):
    accusation = client.post("/v1/events", json={**ACCUSATION, "target": "eastern-alliance"}, headers=reporter)
    assert accusation.status_code == 201, accusation.get_json()
    path = f"/v1/incidents/{accusation.get_json()['id']}/denials"
    refused_denial = problem_of(client.post(path, json={**DENIAL, "claimant": "southland-mod"}, headers=reporter), 422)
    assert refused_denial["errors"]["claimant"] == [
        "only the accused side (eastern-alliance or eastland or westland and the actors beneath them, whose "
        "eastern-alliance is accused) may answer with a denial"
    ]
    denied = client.post(path, json={**DENIAL, "claimant": "westland-mod"}, headers=reporter)
    assert denied.status_code == 201, denied.get_json()
    assert denied.get_json()["target"] == "northland-army"
    counter = client.post(
        "/v1/events",
        json={
            **ACCUSATION,
            "claimant": "eastland-army",
            "target": "northland-army",
            "responds_to": accusation.get_json()["id"],
            "violations": None,
            "casualties": None,
        },
        headers=reporter,
    )
    assert counter.status_code == 201, counter.get_json()
    assert client.get(f"/v1/incidents/{accusation.get_json()['id']}").get_json()["status"] == "disputed"


def test_what_a_coalition_says_its_members_may_not_deny(client, reporter, alliance):
    accusation = client.post(
        "/v1/events",
        json={**ACCUSATION, "claimant": "eastern-alliance", "target": "northland", "violations": None},
        headers=reporter,
    )
    assert accusation.status_code == 201, accusation.get_json()
    path = f"/v1/incidents/{accusation.get_json()['id']}/denials"
    assert client.post(path, json={**DENIAL, "claimant": "northland-army"}, headers=reporter).status_code == 201
    # Retracted by a member's ministry: the side that said it.
    retraction = client.post(
        "/v1/events",
        json={**DENIAL, "kind": "retraction", "claimant": "westland-mod", "responds_to": accusation.get_json()["id"]},
        headers=reporter,
    )
    assert retraction.status_code == 201, retraction.get_json()


def test_a_coalition_goes_out_and_back_in_an_archive(client, reporter, alliance, dsn, empty, tmp_path):
    assert (
        client.post("/v1/events", json={**ACCUSATION, "target": "eastern-alliance"}, headers=reporter).status_code
        == 201
    )
    exported, again = tmp_path / "log.ndjson", tmp_path / "again.ndjson"
    export(dsn, exported)
    load(empty, exported)
    export(empty, again)
    assert again.read_bytes() == exported.read_bytes()
    assert '"members":["eastland","westland"]' in exported.read_text()


def test_the_database_keeps_coalitions_apart(conn):
    """A member is not a coalition; only a coalition has members; members are not changed."""
    conn.execute(
        "INSERT INTO actor (slug, name, kind) VALUES ('pact', 'Pact', 'coalition'), ('other-pact', 'Other', 'coalition')"
    )
    member = "INSERT INTO actor_member (coalition_id, member_id, position) SELECT c.id, m.id, 0 FROM actor c, actor m WHERE c.slug = %s AND m.slug = %s"
    refused(conn, "actor_member_not_coalition", member, ["pact", "other-pact"])
    refused(conn, "actor_member_of_coalition", member, ["armenia", "azerbaijan"])
    conn.execute(member, ["pact", "armenia"])
    with pytest.raises(Exception, match="append"):
        conn.execute("DELETE FROM actor_member")
