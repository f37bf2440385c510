"""Retractions: a side withdraws what it said. The database refuses every broken rule by name; the
API says which field is wrong; an incident's status follows its thread."""

from __future__ import annotations

import threading

import psycopg
import pytest

from service.pipeline import errors
from service.pipeline.db import connect
from tests.api import counts, post_accusation, problem_of
from tests.test_database_rules import event_id, insert_event, refused_event

SOURCE = "moscow-ceasefire-article"


def say(client, key, **report):
    response = client.post("/v1/events", headers=key, json={"source": SOURCE, "summary": "As said.", **report})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def status_of(client, incident_id: str) -> str:
    incident = client.get(f"/v1/incidents/{incident_id}").get_json()
    listed = {
        status: incident_id
        in [
            i["id"]
            for i in client.get(f"/v1/incidents?status={status}&party=azerbaijan-military&limit=200").get_json()[
                "items"
            ]
        ]
        for status in ("disputed", "uncontested", "retracted")
    }
    assert [status for status, present in listed.items() if present] == [incident["status"]], (incident, listed)
    return incident["status"]


def test_accused_denied_denial_withdrawn_denied_again_accusation_withdrawn(client, reporter):
    accusation = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    incident = accusation["id"]
    assert status_of(client, incident) == "uncontested"

    denial = say(
        client,
        reporter,
        kind="denial",
        claimant="azerbaijan-mfa",
        responds_to=incident,
        stated_at="2020-10-12T12:00:00+04:00",
    )
    assert status_of(client, incident) == "disputed"

    withdrawn = say(
        client,
        reporter,
        kind="retraction",
        claimant="jeyhun-bayramov",
        responds_to=denial["id"],
        stated_at="2020-10-12T15:00:00+04:00",
    )
    # A retraction takes the situation of what it withdraws, and that statement's target.
    assert (withdrawn["target"], withdrawn["act"], withdrawn["locations"]) == ("armenia-mod", "shelling", ["agdam"])
    assert status_of(client, incident) == "uncontested"

    say(
        client,
        reporter,
        kind="denial",
        claimant="azerbaijan-military",
        responds_to=incident,
        stated_at="2020-10-12T16:00:00+04:00",
    )
    assert status_of(client, incident) == "disputed"

    say(
        client,
        reporter,
        kind="retraction",
        claimant="armenia",
        responds_to=incident,
        stated_at="2020-10-13T09:00:00+04:00",
    )
    thread = client.get(f"/v1/incidents/{incident}").get_json()
    assert status_of(client, incident) == "retracted"
    assert [event["responds_to"] for event in thread["retractions"]] == [denial["id"], incident]
    assert len(thread["denials"]) == 2

    followed = client.get("/v1/events?after=0&limit=1000").get_json()["items"]
    assert [event["kind"] for event in followed if event["seq"] > accusation["seq"]] == [
        "denial",
        "retraction",
        "denial",
        "retraction",
    ]


@pytest.mark.parametrize(
    "claimant, responds_to, field, words",
    [
        ("azerbaijan-mfa", "accusation", "claimant", "only the side that said it"),
        ("russia", "accusation", "claimant", "only the side that said it"),
        ("armenia", "retraction", "responds_to", "can answer only an accusation or a denial"),
        ("armenia-mod", "retracted", "responds_to", "has a retraction already"),
        ("armenia", None, "responds_to", "must respond to an accusation or a denial"),
    ],
)
def test_a_retraction_the_rules_refuse_is_a_422_by_field(client, reporter, dsn, claimant, responds_to, field, words):
    accusation = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    other = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    retraction = say(
        client,
        reporter,
        kind="retraction",
        claimant="armenia",
        responds_to=other["id"],
        stated_at="2020-10-13T09:00:00+04:00",
    )
    target = {"accusation": accusation["id"], "retraction": retraction["id"], "retracted": other["id"], None: None}[
        responds_to
    ]
    before = counts(dsn)
    problem = problem_of(
        client.post(
            "/v1/events",
            headers=reporter,
            json={
                "kind": "retraction",
                "claimant": claimant,
                "responds_to": target,
                "stated_at": "2020-10-14T09:00:00+04:00",
                "summary": "Withdrawn.",
                "source": SOURCE,
            },
        ),
        422,
    )
    assert any(words in message for message in problem["errors"][field]), problem
    assert counts(dsn) == before


def test_the_database_refuses_broken_retractions_by_name(conn):
    accusation = event_id(conn, "agdam-tartar-shelling")  # azerbaijan-military accuses armenia
    denial = event_id(conn, "armenia-mod-denies-shelling")
    of_accusation = {"kind": "retraction", "responds_to": accusation, "responds_to_kind": "accusation"}
    refused_event(conn, "event_retraction_by_same_side", claimant="russia", target="armenia", **of_accusation)
    refused_event(conn, "event_retraction_targets_target", claimant="azerbaijan-mfa", target="russia", **of_accusation)
    refused_event(conn, "event_retraction_responds", kind="retraction", claimant="azerbaijan", target="armenia")
    first = insert_event(conn, claimant="azerbaijan", target="armenia", **of_accusation)
    refused_event(conn, "event_one_retraction", claimant="azerbaijan-military", target="armenia", **of_accusation)
    refused_event(
        conn,
        "event_responds_to_kind_known",
        kind="retraction",
        claimant="azerbaijan",
        target="armenia",
        responds_to=first,
        responds_to_kind="retraction",
    )
    # What a denial's side said, only its side withdraws; its target is the denial's (the accuser).
    of_denial = {"kind": "retraction", "responds_to": denial, "responds_to_kind": "denial"}
    refused_event(conn, "event_retraction_by_same_side", claimant="russia", target="azerbaijan-military", **of_denial)
    insert_event(conn, claimant="armenia", target="azerbaijan-military", **of_denial)
    # The incident's state over the log, written by the database from what was appended.
    states = conn.execute(
        "SELECT status, to_seq IS NULL AS holds FROM incident_state WHERE event_id = %s ORDER BY from_seq", [accusation]
    ).fetchall()
    assert [(row["status"], row["holds"]) for row in states] == [
        ("uncontested", False),
        ("disputed", False),  # denied
        ("disputed", False),  # and countered: the denial decides
        ("retracted", False),
        ("retracted", True),
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO incident_state SELECT gen_random_uuid(), 1, NULL, 1, 1, now(), now(), NULL, act_id, 'retracted', NULL "
        "FROM incident_state LIMIT 1",
        "DELETE FROM incident_state",
        "UPDATE incident_state SET status = 'retracted'",
        "TRUNCATE incident_high_water",
    ],
)
def test_the_retraction_tables_are_written_by_their_triggers_only(conn, statement):
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation) as caught:
        conn.execute(statement)
    assert caught.value.diag.constraint_name.endswith(("_derived_only", "_append_only"))


def test_two_sides_racing_to_withdraw_one_statement_write_it_once(app, reporter, dsn):
    """Both pass the API's check before either has written; the database keeps the second out,
    and its refusal still names the field."""
    client = app.test_client()
    accusation = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    barrier, answers = threading.Barrier(4), []

    def withdraw(claimant: str) -> None:
        own = app.test_client()
        barrier.wait()
        answers.append(
            own.post(
                "/v1/events",
                headers=reporter,
                json={
                    "kind": "retraction",
                    "claimant": claimant,
                    "responds_to": accusation["id"],
                    "stated_at": "2020-10-13T09:00:00+04:00",
                    "summary": "Withdrawn.",
                    "source": SOURCE,
                },
            )
        )

    threads = [
        threading.Thread(target=withdraw, args=(claimant,))
        for claimant in ("armenia", "armenia-mod", "armenia", "armenia-mod")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [201, 422, 422, 422]
    for answer in answers:
        if answer.status_code == 422:
            assert list(problem_of(answer, 422)["errors"]) == ["responds_to"]
    with connect(dsn) as conn:
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM event WHERE kind = 'retraction' AND responds_to = %s", [accusation["id"]]
            ).fetchone()["n"]
            == 1
        )


def test_a_second_retraction_reads_the_same_whichever_layer_refuses_it(app, client, reporter, conn):
    """The service's own check and the database's unique index (a writer that raced past the
    check, or psql) answer a second retraction with one sentence, by field."""
    accusation = event_id(conn, "agdam-tartar-shelling")  # azerbaijan-military accuses armenia
    retraction = {
        "kind": "retraction",
        "claimant": "azerbaijan",
        "responds_to": str(accusation),
        "stated_at": "2020-10-13T09:00:00+04:00",
        "summary": "Withdrawn.",
        "source": SOURCE,
    }
    assert client.post("/v1/events", headers=reporter, json=retraction).status_code == 201
    by_the_service = problem_of(client.post("/v1/events", headers=reporter, json=retraction), 422)

    with pytest.raises(psycopg.errors.UniqueViolation) as caught:
        insert_event(
            conn,
            kind="retraction",
            claimant="azerbaijan-military",
            target="armenia",
            responds_to=accusation,
            responds_to_kind="accusation",
        )
    with app.test_request_context("/v1/events", method="POST"):
        answer = errors.handle_integrity_error(caught.value)
    by_the_database = answer.get_json()
    assert answer.status_code == 422
    for name in ("title", "detail", "errors"):
        assert by_the_database[name] == by_the_service[name]
    assert by_the_service["errors"] == {
        "responds_to": ["what it answers has a retraction already; a statement takes only one"]
    }


def test_a_response_stated_before_what_it_answers_is_refused_by_either_layer(client, reporter, dsn, conn, app):
    """A denial dated before the accusation it denies: the service names stated_at; the database
    (migration 0015) refuses the same row from psql, and the API words its refusal the same."""
    accusation = post_accusation(client, reporter, stated_at="2020-10-12T11:00:00+04:00").get_json()
    before = counts(dsn)
    early = client.post(
        f"/v1/incidents/{accusation['id']}/denials",
        headers=reporter,
        json={
            "claimant": "armenia-mod",
            "stated_at": "2020-10-12T10:59:00+04:00",
            "summary": "Denied.",
            "source": SOURCE,
        },
    )
    problem = problem_of(early, 422)
    assert list(problem["errors"]) == ["stated_at"]
    assert problem["errors"]["stated_at"][0].startswith("a response cannot be stated before the statement it answers")
    assert counts(dsn) == before
    with pytest.raises(psycopg.errors.CheckViolation) as caught:
        insert_event(
            conn,
            kind="denial",
            claimant="armenia-mod",
            target="azerbaijan-military",
            responds_to=accusation["id"],
            responds_to_kind="accusation",
            stated_at="2020-10-12T10:00:00+04:00",
        )
    assert caught.value.diag.constraint_name == "event_answers_after_statement"
    with app.test_request_context("/v1/events", method="POST"):
        answer = errors.handle_integrity_error(caught.value)
    assert answer.get_json()["errors"] == {"stated_at": ["a response cannot be stated before the statement it answers"]}
    on_time = client.post(
        f"/v1/incidents/{accusation['id']}/denials",
        headers=reporter,
        json={
            "claimant": "armenia-mod",
            "stated_at": "2020-10-12T11:00:00+04:00",
            "summary": "Denied.",
            "source": SOURCE,
        },
    )
    assert on_time.status_code == 201, on_time.get_json()
