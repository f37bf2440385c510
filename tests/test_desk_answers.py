"""The rest of an accusation's life at the desk: a monitor denies it, counter-accuses, corrects
its record and voids a mistake; a reviewer reviews it. Each through the API's write path and
rules, refusals beside their fields with nothing written, each form to the roles that may."""

from __future__ import annotations

import html

import pytest

from tests.api import counts, make_key
from tests.test_desk import sign_in


@pytest.fixture
def bayramov(client):
    """The seed's uncontested accusation: Azerbaijan's foreign minister accusing Armenia."""
    (incident,) = client.get("/v1/incidents?claimant=jeyhun-bayramov").get_json()["items"]
    assert incident["status"] == "uncontested"
    return incident["id"]


def test_a_monitor_denies_from_the_desk_and_the_incident_is_disputed(client, dsn, bayramov):
    csrf = sign_in(client, make_key(dsn, "monitor", "reporter"))
    page = client.get(f"/desk/incidents/{bayramov}").get_data(as_text=True)
    assert "Record a response" in page and "Review the accusation" not in page  # a reporter does not review
    denied = client.post(
        f"/desk/incidents/{bayramov}/responses",
        data={
            "csrf": csrf,
            "respond-kind": "denial",
            "respond-claimant": "armenia-mod",
            "respond-source": "moscow-ceasefire-article",
            "respond-stated_at": "2020-10-10T15:00:00+04:00",
            "respond-summary": "Armenia's defence ministry denied it.",
            "respond-quotes": ["largely holding", ""],
        },
    )
    assert denied.status_code == 303 and denied.headers["Location"].endswith("done=respond#respond")
    shown = client.get(f"/v1/incidents/{bayramov}").get_json()
    assert shown["status"] == "disputed"
    (denial,) = shown["denials"]
    assert denial["recorded_by"] == "monitor" and [q["text"] for q in denial["quotes"]] == ["largely holding"]
    assert "Recorded: the response is in the log." in client.get(denied.headers["Location"]).get_data(as_text=True)

    # Recorded by mistake: the monitor voids it, and the incident is as it was.
    voided = client.post(
        f"/desk/incidents/{bayramov}/voids",
        data={"csrf": csrf, "void-entry": denial["id"], "void-reason": "linked to the wrong accusation"},
    )
    assert voided.status_code == 303
    assert client.get(f"/v1/incidents/{bayramov}").get_json()["status"] == "uncontested"


def test_a_broken_rule_stands_beside_its_field_and_nothing_is_written(client, dsn, bayramov):
    csrf = sign_in(client, make_key(dsn, "monitor", "reporter"))
    before = counts(dsn)
    refused = client.post(
        f"/desk/incidents/{bayramov}/responses",
        data={
            "csrf": csrf,
            "respond-kind": "denial",
            "respond-claimant": "azerbaijan-military",  # the accuser's own side
            "respond-source": "moscow-ceasefire-article",
            "respond-stated_at": "2020-10-10",
            "respond-summary": "A denial from the wrong side.",
        },
    )
    assert refused.status_code == 422 and counts(dsn) == before
    page = refused.get_data(as_text=True)
    assert 'id="respond-claimant-error"' in page and "Nothing was recorded" in page
    assert "A denial from the wrong side." in page  # what was typed stays


def test_a_counter_accusation_and_a_correction_from_the_desk(client, dsn, bayramov):
    csrf = sign_in(client, make_key(dsn, "monitor", "editor"))
    countered = client.post(
        f"/desk/incidents/{bayramov}/responses",
        data={
            "csrf": csrf,
            "respond-kind": "counter-accusation",
            "respond-claimant": "armenia",
            "respond-source": "moscow-ceasefire-article",
            "respond-stated_at": "2020-10-10",
            "respond-summary": "Armenia said Azerbaijan shelled first.",
            "respond-act": "shelling",
            "respond-occurred_from": "2020-10-10",
            "respond-occurred_to": "2020-10-10",
            "respond-time_precision": "day",
        },
    )
    assert countered.status_code == 303, countered.get_data(as_text=True)[:3000]
    shown = client.get(f"/v1/incidents/{bayramov}").get_json()
    assert shown["status"] == "countered" and shown["counter_accusations"][0]["target"] == "jeyhun-bayramov"

    page = html.unescape(client.get(f"/desk/incidents/{bayramov}").get_data(as_text=True))
    assert 'name="correct-summary"' in page and shown["accusation"]["summary"] in page  # the record as it stands
    corrected = client.post(
        f"/desk/incidents/{bayramov}/corrections",
        data={
            "csrf": csrf,
            **{f"correct-{name}": value for name, value in _record(shown["accusation"]).items()},
            "correct-summary": "Jeyhun Bayramov said the conditions for the truce were missing.",
        },
    )
    assert corrected.status_code == 303, corrected.get_data(as_text=True)[:3000]
    after = client.get(f"/v1/incidents/{bayramov}").get_json()["accusation"]
    assert after["summary"] == "Jeyhun Bayramov said the conditions for the truce were missing."
    assert after["quotes"] == shown["accusation"]["quotes"] and len(after["revisions"]) == 1


def _record(accusation: dict) -> dict:
    fields = ("claimant", "target", "act", "occurred_from", "occurred_to", "time_precision", "time_note")
    record = {name: accusation[name] or "" for name in (*fields, "stated_at", "ceasefire", "summary", "source")}
    return record | {"locations": accusation["locations"], "quotes": [q["text"] for q in accusation["quotes"]]}


def test_a_reviewer_reviews_and_does_not_respond(client, dsn, bayramov):
    csrf = sign_in(client, make_key(dsn, "checker", "reviewer"))
    page = client.get(f"/desk/incidents/{bayramov}").get_data(as_text=True)
    assert "Review the accusation" in page and "Record a response" not in page
    reviewed = client.post(
        f"/desk/incidents/{bayramov}/reviews",
        data={"csrf": csrf, "review-verdict": "unverified", "review-note": "No independent report yet."},
    )
    assert reviewed.status_code == 303
    assert client.get(f"/v1/incidents/{bayramov}").get_json()["assessment"]["verdict"] == "unverified"
    refused = client.post(f"/desk/incidents/{bayramov}/responses", data={"csrf": csrf, "respond-kind": "denial"})
    assert refused.status_code == 403
    assert client.get("/desk/incidents/not-an-id").status_code == 404


def test_a_mention_of_the_accusation_from_the_desk(client, dsn, bayramov):
    """Azerbaijan's military says again what its foreign minister said: a mention, not a new incident."""
    csrf = sign_in(client, make_key(dsn, "monitor", "reporter"))
    mentioned = client.post(
        f"/desk/incidents/{bayramov}/responses",
        data={
            "csrf": csrf,
            "respond-kind": "mention",
            "respond-claimant": "azerbaijan-military",
            "respond-source": "moscow-ceasefire-article",
            "respond-stated_at": "2020-10-10",
            "respond-summary": "The military repeated the minister's charge.",
        },
    )
    assert mentioned.status_code == 303, mentioned.get_data(as_text=True)[:3000]
    shown = client.get(f"/v1/incidents/{bayramov}").get_json()
    assert shown["status"] == "uncontested" and shown["mentions"][0]["claimant"] == "azerbaijan-military"
