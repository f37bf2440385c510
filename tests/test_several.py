"""Several acts, several accused: a broker blaming "both sides" for "mortar and small-arms fire".
The claim goes in as it was said, one entry naming both, and reads back, filters, counts, exports
and round-trips so; either accused side may deny it. The text is written for these tests in the
style of wire copy; the parties and places are invented."""

from __future__ import annotations

import csv
import io

import psycopg
import pytest

from service import chain
from tests.api import counts, problem_of
from tests.test_archive import export, lines_of, load
from tests.test_coalitions import alliance  # noqa: F401 (a fixture)
from tests.test_database_rules import EVENT_DEFAULTS, INSERT_EVENT, insert_event, refused
from tests.test_reports import ACCUSATION, line_of_contact  # noqa: F401 (a fixture)

BOTH = (
    "PORT VELL, April 9 (Wire) - The Lakeland Council, which brokered the truce, blamed both Northland "
    "and Southland on Tuesday for mortar and small-arms fire across the line of contact overnight. "
    '"Both sides fired on each other\'s positions in breach of their commitments," the council said.\n'
    "Northland's army said it had not fired. Southland's defence ministry said its forces had only "
    "returned fire."
)

BLAMED = {
    "kind": "accusation",
    "claimant": "lakeland-council",
    "targets": ["northland", "southland"],
    "acts": ["mortar-fire", "small-arms-fire"],
    "locations": [],
    "occurred_from": "2031-04-08",
    "occurred_to": "2031-04-09",
    "time_precision": "day",
    "time_note": "'overnight' in a report of Tuesday 9 April",
    "stated_at": "2031-04-09",
    "summary": "The Lakeland Council blamed both sides for mortar and small-arms fire overnight.",
    "quotes": ["Both sides fired on each other's positions in breach of their commitments"],
    "source": "wire-port-vell-0409",
}


@pytest.fixture
def broker(client, admin_key, line_of_contact):
    for path, body in [
        ("/v1/actors", {"slug": "lakeland-council", "name": "Lakeland Council", "kind": "mediator"}),
        ("/v1/acts", {"slug": "small-arms-fire", "label": "Small-arms fire"}),
        (
            "/v1/sources",
            {
                "slug": "wire-port-vell-0409",
                "publisher": "Wire",
                "published_at": "2031-04-09",
                "text": BOTH,
            },
        ),
    ]:
        made = client.post(path, json=body, headers=admin_key)
        assert made.status_code == 201, made.get_json()


def listed(client, query: str) -> list[str]:
    page = client.get(f"/v1/incidents?{query}")
    assert page.status_code == 200, page.get_json()
    return [incident["id"] for incident in page.get_json()["items"]]


def test_one_claim_against_both_sides_of_two_acts_reads_back_as_said(client, reporter, broker):
    posted = client.post("/v1/events", json=BLAMED, headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    entry = client.get(f"/v1/events/{posted.get_json()['id']}").get_json()
    assert (entry["targets"], entry["acts"]) == (["northland", "southland"], ["mortar-fire", "small-arms-fire"])
    # What clients written before lists read: the first of each.
    assert (entry["target"], entry["act"]) == ("northland", "mortar-fire")
    assert entry["hash"] == chain.link(bytes.fromhex(previous_hash(client, entry["seq"])), entry).hex()

    ours = entry["id"]
    for query in ("target=southland", "target=northland", "party=southland", "act=small-arms-fire", "act=mortar-fire"):
        assert ours in listed(client, query), query
    assert ours in listed(client, "act=small-arms-fire&target=southland")
    assert ours not in listed(client, "act=shelling") and ours not in listed(client, "claimant=southland")

    buckets = client.get("/v1/incidents/counts?interval=day&by=act&occurred_after=2031-04-01").get_json()["buckets"]
    assert [b["counts"] for b in buckets if any(b["counts"].values())] == [{"mortar-fire": 1, "small-arms-fire": 1}]

    rows = list(
        csv.DictReader(io.StringIO(client.get("/v1/incidents?format=csv&act=mortar-fire").get_data(as_text=True)))
    )
    ours_row = next(row for row in rows if row["id"] == ours)
    assert (ours_row["target"], ours_row["target_side"], ours_row["act"]) == (
        "northland; southland",
        "northland; southland",
        "mortar-fire; small-arms-fire",
    )
    page = client.get(f"/incidents/{ours}").get_data(as_text=True)
    assert "of mortar fire and small arms fire" in page and ">Southland</a>" in page


def previous_hash(client, seq: int) -> str:
    return client.get(f"/v1/events?after={seq - 2}&limit=1").get_json()["items"][0]["hash"]


def test_either_accused_side_may_deny_and_no_one_else(client, reporter, broker, dsn):
    incident = client.post("/v1/events", json=BLAMED, headers=reporter).get_json()["id"]
    denial = {
        "stated_at": "2031-04-09",
        "summary": "Southland's defence ministry said its forces only returned fire.",
        "source": "wire-port-vell-0409",
    }
    before = counts(dsn)
    problem = problem_of(
        client.post(
            f"/v1/incidents/{incident}/denials", json={**denial, "claimant": "lakeland-council"}, headers=reporter
        ),
        422,
    )
    assert problem["errors"]["claimant"] == [
        "only the accused side (northland or southland and the actors beneath them) may answer with a denial"
    ]
    assert counts(dsn) == before
    for claimant in ("southland-mod", "northland-army"):
        answered = client.post(
            f"/v1/incidents/{incident}/denials", json={**denial, "claimant": claimant}, headers=reporter
        )
        assert answered.status_code == 201, answered.get_json()
        # A denial answers the accuser alone, and takes both acts from what it denies.
        assert (answered.get_json()["targets"], answered.get_json()["acts"]) == (
            ["lakeland-council"],
            ["mortar-fire", "small-arms-fire"],
        )
    assert client.get(f"/v1/incidents/{incident}").get_json()["status"] == "disputed"


def test_a_counter_accusation_aims_every_target_at_the_accusers_side(client, reporter, broker, dsn):
    incident = client.post(
        "/v1/events", json={**ACCUSATION, "target": None, "targets": ["southland"]}, headers=reporter
    )
    assert incident.status_code == 201, incident.get_json()
    before = counts(dsn)
    counter = {
        "kind": "accusation",
        "claimant": "southland-mod",
        "responds_to": incident.get_json()["id"],
        "targets": ["northland-army", "lakeland-council"],
        "acts": ["mortar-fire"],
        "occurred_from": "2031-03-02",
        "occurred_to": "2031-03-03",
        "time_precision": "day",
        "stated_at": "2031-03-03",
        "summary": "Southland said Northland's army fired first.",
        "source": "wire-kestrel-0303",
    }
    problem = problem_of(client.post("/v1/events", json=counter, headers=reporter), 422)
    assert problem["errors"]["targets"] == [
        "a counter-accusation is aimed at the side of the claimant of what it answers (northland and the actors "
        "beneath it); lakeland-council is not on it"
    ]
    assert counts(dsn) == before
    answered = client.post("/v1/events", json={**counter, "targets": ["northland-army"]}, headers=reporter)
    assert answered.status_code == 201, answered.get_json()


def test_what_is_wrong_with_a_list_is_named_as_the_client_spelt_it(client, reporter, broker, dsn):
    before = counts(dsn)
    cases = [
        ({"targets": ["northland", "northland"]}, "targets", "each target once: northland is given more than once"),
        ({"targets": []}, "targets", "Length must be between 1 and 20."),
        ({"targets": ["northland", "nowhere-land"]}, "targets", "unknown actor: nowhere-land"),
        ({"targets": None, "target": "nowhere-land"}, "target", "unknown actor: nowhere-land"),
        ({"acts": ["mortar-fire", "sniping"]}, "acts", "unknown act: sniping"),
        (
            {"targets": ["lakeland-council", "southland"]},
            "targets",
            "a claimant never accuses itself: claimant and target are the same actor",
        ),
        (
            {"target": "southland"},
            "target",
            "target is the first of targets: southland is not northland; send targets alone, or target equal to "
            "its first",
        ),
    ]
    for overrides, field, message in cases:
        problem = problem_of(client.post("/v1/events", json={**BLAMED, **overrides}, headers=reporter), 422)
        assert message in problem["errors"][field], (overrides, problem["errors"])
    assert counts(dsn) == before


def test_several_targets_and_acts_go_out_and_back_in_an_archive(client, reporter, broker, dsn, empty, tmp_path):
    assert client.post("/v1/events", json=BLAMED, headers=reporter).status_code == 201
    first, again = tmp_path / "first.ndjson", tmp_path / "again.ndjson"
    export(dsn, first)
    load(empty, first)
    export(empty, again)
    assert first.read_bytes() == again.read_bytes()
    assert any('"targets":["northland","southland"]' in line for line in lines_of(first))


def test_the_party_filter_finds_what_a_coalition_member_was_accused_of(client, reporter, alliance):
    accused = client.post("/v1/events", json={**ACCUSATION, "target": "eastern-alliance"}, headers=reporter)
    assert accused.status_code == 201, accused.get_json()
    ours = accused.get_json()["id"]
    assert ours in listed(client, "party=westland") and ours in listed(client, "target=eastland")
    assert ours not in listed(client, "claimant=westland")


def test_the_database_keeps_the_lists_rules(conn):
    """From psql too: further targets and acts go in with their entry, before it, each once, on
    the kinds that take them."""
    accusation = insert_event(conn)
    refused(
        conn,
        "event_target_before_entry",
        "INSERT INTO event_target (event_id, actor_id, position) "
        "VALUES (%(id)s, (SELECT id FROM actor WHERE slug = 'armenia-mod'), 1)",
        {"id": accusation},
    )
    new_id = "00000000-0000-0000-0000-000000000001"
    statement = INSERT_EVENT.replace("(kind,", "(id, more_named, kind,").replace(
        "VALUES (%(kind)s", "VALUES (%(id)s, %(more_named)s, %(kind)s"
    )
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, {**EVENT_DEFAULTS, "id": new_id, "more_named": 1})  # says it names one more; none
    assert caught.value.diag.constraint_name == "event_more_named_counted", str(caught.value)
    for slug, constraint in (("armenia", "event_targets_distinct"), ("azerbaijan", "event_parties_apart")):
        with pytest.raises(psycopg.Error) as caught, conn.transaction():
            conn.execute(
                "INSERT INTO event_target (event_id, actor_id, position) "
                "VALUES (%(id)s, (SELECT id FROM actor WHERE slug = %(slug)s), 1)",
                {"id": new_id, "slug": slug},
            )
            conn.execute(statement, {**EVENT_DEFAULTS, "id": new_id, "more_named": 1})
        assert caught.value.diag.constraint_name == constraint, str(caught.value)
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(
            "INSERT INTO event_act (event_id, act_id, position) VALUES (%(id)s, (SELECT id FROM act LIMIT 1), 1)",
            {"id": new_id},
        )
    assert caught.value.diag.constraint_name == "event_act_event_fkey", str(caught.value)
