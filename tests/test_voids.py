"""Voiding a recording mistake: an entry recorded by mistake (a test entry, a duplicate, a wrong
link) is withdrawn by a void, which says nothing of the claimant. The entry stays in the log and in
reads as of a seq before the void; from the void on it is gone from every read of the current
state, and nothing may answer it. The wire copy is the invented Northland/Southland report."""

from __future__ import annotations

import psycopg
import pytest

from service import chain
from tests.api import counts, make_key, problem_of
from tests.test_archive import export, load
from tests.test_mentions import mention, second_outlet  # noqa: F401 (a fixture)
from tests.test_reports import ACCUSATION, COUNTER, line_of_contact  # noqa: F401 (a fixture)

DENIAL = {
    "claimant": "southland-mod",
    "stated_at": "2031-03-03T14:00:00+05:00",
    "summary": "Southland's defence ministry said its units did not fire.",
    "quotes": ["Our units did not fire a single shot"],
    "source": "wire-kestrel-0303",
}


def void(client, key, entry_id, reason="A test entry recorded on the live log."):
    return client.post(f"/v1/events/{entry_id}/voids", json={"reason": reason}, headers=key)


def listed(client, query: str = "") -> list[str]:
    return [incident["id"] for incident in client.get(f"/v1/incidents?limit=200&{query}").get_json()["items"]]


def test_a_voided_accusation_is_no_incident_from_the_void_on(client, reporter, line_of_contact, dsn):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    incident_id = accusation["id"]
    denial = client.post(f"/v1/incidents/{incident_id}/denials", json=DENIAL, headers=reporter)
    assert denial.status_code == 201, denial.get_json()
    queries = ["", "status=disputed", "party=southland", "location=kestrel-sector", "q=mortars", "act=mortar-fire"]
    assert all(incident_id in listed(client, query) for query in queries)

    voided = void(client, reporter, incident_id)
    assert voided.status_code == 201, voided.get_json()
    entry = voided.get_json()
    assert (entry["kind"], entry["voids"], entry["summary"], entry["claimant"]) == (
        "void",
        incident_id,
        "A test entry recorded on the live log.",
        None,
    )
    assert not any(incident_id in listed(client, query) for query in queries)
    gone = problem_of(client.get(f"/v1/incidents/{incident_id}"), 404)
    assert gone["detail"] == (
        f"No incident {incident_id}: its accusation was voided by entry {entry['seq']} "
        f"(A test entry recorded on the live log.); as_of={entry['seq'] - 1} reads it as it stood before."
    )
    assert client.get(f"/incidents/{incident_id}").status_code == 404
    window = "occurred_after=2031-03-01&occurred_before=2031-03-05&interval=day&by=side"
    assert not any(
        any(b["counts"].values()) for b in client.get(f"/v1/incidents/counts?{window}").get_json()["buckets"]
    )

    # Before the void, the log reads as it stood; the entries themselves stay in the log.
    before = client.get(f"/v1/incidents/{incident_id}?as_of={entry['seq'] - 1}").get_json()
    assert (before["status"], len(before["denials"])) == ("disputed", 1)
    assert incident_id in listed(client, f"as_of={entry['seq'] - 1}")
    assert client.get(f"/v1/events/{incident_id}").status_code == 200
    log = client.get("/v1/events?after=0&limit=1000").get_json()["items"]
    assert [e["kind"] for e in log[-3:]] == ["accusation", "denial", "void"]
    matched, _, broken_at = chain.verify(log)
    assert broken_at is None and matched == len(log)

    # Nothing answers, corrects or voids it since.
    before_counts = counts(dsn)
    again = problem_of(client.post(f"/v1/incidents/{incident_id}/denials", json=DENIAL, headers=reporter), 422)
    assert again["errors"]["responds_to"][0].startswith(f"this entry was voided (entry {entry['seq']})")
    record = {name: value for name, value in ACCUSATION.items() if name != "kind"}
    corrected = problem_of(client.post(f"/v1/events/{incident_id}/corrections", json=record, headers=reporter), 422)
    assert corrected["errors"]["event_id"][0].startswith("this entry was voided")
    twice = problem_of(void(client, reporter, incident_id), 422)
    assert twice["errors"]["event_id"] == [
        f"this entry is voided already (entry {entry['seq']}: A test entry recorded on the live log.)"
    ]
    assert counts(dsn) == before_counts


def test_a_voided_denial_no_longer_disputes(client, reporter, line_of_contact):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    denial = client.post(f"/v1/incidents/{accusation['id']}/denials", json=DENIAL, headers=reporter).get_json()
    voided = void(client, reporter, denial["id"], "Linked to the wrong accusation.").get_json()
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert (incident["status"], incident["denials"]) == ("uncontested", [])
    assert accusation["id"] in listed(client, "status=uncontested")
    assert accusation["id"] not in listed(client, "status=disputed")
    assert client.get(f"/v1/incidents/{accusation['id']}?as_of={voided['seq'] - 1}").get_json()["status"] == "disputed"
    # The denial can be recorded again, on the right accusation.
    assert client.post(f"/v1/incidents/{accusation['id']}/denials", json=DENIAL, headers=reporter).status_code == 201
    assert client.get(f"/v1/incidents/{accusation['id']}").get_json()["status"] == "disputed"


def test_a_voided_counter_accusation_leaves_both_incidents(client, reporter, line_of_contact):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    counter = client.post("/v1/events", json={**COUNTER, "responds_to": accusation["id"]}, headers=reporter)
    assert counter.status_code == 201, counter.get_json()
    assert client.get(f"/v1/incidents/{accusation['id']}").get_json()["status"] == "countered"
    void(client, reporter, counter.get_json()["id"], "A duplicate of another counter-accusation.")
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert (incident["status"], incident["counter_accusations"]) == ("uncontested", [])
    assert counter.get_json()["id"] not in listed(client)


def test_a_voided_review_and_a_voided_mention_count_no_more(client, reporter, admin_key, second_outlet):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    review = client.post(
        f"/v1/events/{accusation['id']}/reviews",
        json={"verdict": "refuted", "note": "Wrong incident."},
        headers=admin_key,
    ).get_json()
    cited = client.post("/v1/events", json=mention(accusation["id"]), headers=reporter).get_json()
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert (incident["assessment"]["verdict"], incident["sources"]) == ("refuted", 2)
    assert void(client, admin_key, review["id"], "Recorded on the wrong incident.").status_code == 201
    assert void(client, reporter, cited["id"], "The Courier story is a duplicate.").status_code == 201
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert (incident["assessment"], incident["reviews"], incident["sources"], incident["mentions"]) == (None, [], 1, [])
    assert accusation["id"] not in listed(client, "assessment=refuted")


def test_who_may_void_and_what(client, reporter, line_of_contact, dsn):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    other = make_key(dsn, "another-desk", "reporter")
    record = {name: value for name, value in ACCUSATION.items() if name != "kind"}
    correction = client.post(
        f"/v1/events/{accusation['id']}/corrections", json={**record, "via": "Reuters"}, headers=reporter
    ).get_json()
    before = counts(dsn)
    refused = problem_of(void(client, other, accusation["id"]), 403)
    assert refused["errors"]["event_id"][0].startswith("only the key that recorded it (monitor)")
    assert problem_of(void(client, reporter, correction["id"]), 422)["errors"]["event_id"] == [
        "a correction is not voided: correct the entry again"
    ]
    assert problem_of(client.post(f"/v1/events/{accusation['id']}/voids", json={}, headers=reporter), 422)[
        "errors"
    ] == {"reason": ["Missing data for required field."]}
    problem_of(void(client, other, "00000000-0000-0000-0000-000000000000"), 404)
    assert counts(dsn) == before
    editor = make_key(dsn, "desk-editor", "editor")
    made = void(client, editor, accusation["id"], "A test entry.")
    assert made.status_code == 201, made.get_json()
    assert problem_of(void(client, editor, made.get_json()["id"]), 422)["errors"]["event_id"] == [
        "a void is not voided: a void is never voided"
    ]


def test_voids_go_out_and_back_in_an_archive(client, reporter, line_of_contact, dsn, empty, tmp_path, app):
    """Loaded in one statement with what they withdraw, the derived state is the log's own."""
    kept = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    mistaken = client.post("/v1/events", json={**ACCUSATION, "summary": "A test."}, headers=reporter).get_json()
    void(client, reporter, mistaken["id"])
    exported, again = tmp_path / "log.ndjson", tmp_path / "again.ndjson"
    export(dsn, exported)
    load(empty, exported)
    export(empty, again)
    assert again.read_bytes() == exported.read_bytes()
    with psycopg.connect(empty) as conn:
        in_force = conn.execute(
            "SELECT (SELECT count(*) FROM incident_state WHERE event_id = %(v)s AND to_seq IS NULL),"
            " (SELECT count(*) FROM incident_place WHERE event_id = %(v)s AND superseded_seq IS NULL),"
            " (SELECT count(*) FROM incident_place WHERE event_id = %(k)s AND superseded_seq IS NULL)",
            {"v": mistaken["id"], "k": kept["id"]},
        ).fetchone()
    assert in_force[:2] == (0, 0) and in_force[2] > 0


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        # A second key's void of what another recorded.
        ("INSERT INTO event (kind, voids, summary, recorded_by, search) VALUES ('void', %(id)s, 'x', 'someone', "
         "to_tsvector('x'))", "event_void_by_recorder"),
        # A void that says something of a claimant.
        ("INSERT INTO event (kind, voids, summary, recorded_by, search, claimant_id) VALUES ('void', %(id)s, 'x', "
         "'test', to_tsvector('x'), (SELECT id FROM actor WHERE slug = 'armenia'))", "event_void_shape"),
    ],
)  # fmt: skip
def test_the_database_refuses_a_void_that_breaks_a_rule(conn, sql, constraint):
    from tests.test_database_rules import insert_event, refused

    refused(conn, constraint, sql, {"id": insert_event(conn)})


def test_the_database_voids_once_and_answers_nothing_voided(conn):
    from tests.test_database_rules import EVENT_DEFAULTS, INSERT_EVENT, insert_event, refused

    accusation = insert_event(conn)
    statement = "INSERT INTO event (kind, voids, summary, recorded_by, search) VALUES ('void', %(id)s, 'x', 'test', to_tsvector('x'))"
    conn.execute(statement, {"id": accusation})
    refused(conn, "event_one_void", statement, {"id": accusation})
    denial = {**EVENT_DEFAULTS, "kind": "denial", "claimant": "armenia", "target": "azerbaijan-military"}
    refused(
        conn, "event_not_voided", INSERT_EVENT, {**denial, "responds_to": accusation, "responds_to_kind": "accusation"}
    )
