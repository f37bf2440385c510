"""Reviews: a monitor's verdict on an accusation, never a change to it. The incident shows its
latest review as its assessment and can be filtered by it."""

from __future__ import annotations

import psycopg
import pytest

from tests.api import counts, make_key, post_accusation, problem_of
from tests.conftest import SEEDS
from tests.test_database_rules import event_id

SOURCE = "moscow-ceasefire-article"


@pytest.fixture
def reviewer(dsn):
    return make_key(dsn, "field-checker", "reviewer")


def review(client, key, event_id, **body):
    return client.post(
        f"/v1/events/{event_id}/reviews",
        headers=key,
        json={"verdict": "plausible", "note": "Consistent with other reports.", **body},
    )


def assessed(client, query: str) -> set[str]:
    return {incident["id"] for incident in client.get(f"/v1/incidents?{query}&limit=200").get_json()["items"]}


def test_the_latest_review_is_the_incidents_assessment(client, reporter, reviewer, dsn):
    incident = post_accusation(client, reporter).get_json()["id"]
    assert client.get(f"/v1/incidents/{incident}").get_json()["assessment"] is None

    response = review(client, reviewer, incident, verdict="unverified", note="No second source yet.")
    assert response.status_code == 201, response.get_json()
    first = response.get_json()
    assert (first["kind"], first["responds_to"], first["verdict"], first["summary"]) == (
        "review",
        incident,
        "unverified",
        "No second source yet.",
    )
    assert first["claimant"] is None and first["locations"] == [] and first["recorded_by"] == "field-checker"
    assert client.get(response.headers["Location"]).get_json() == first

    quoted = review(
        client,
        reviewer,
        incident,
        verdict="confirmed",
        note="The article reports it.",
        source=SOURCE,
        quotes=["largely holding"],
    ).get_json()
    quote = quoted["quotes"][0]
    article = (SEEDS / "moscow-ceasefire-article.txt").read_text(encoding="utf-8")
    assert article[quote["start"] : quote["end"]] == "largely holding"

    thread = client.get(f"/v1/incidents/{incident}").get_json()
    assert [r["id"] for r in thread["reviews"]] == [first["id"], quoted["id"]]
    assert thread["assessment"] == {
        "verdict": "confirmed",
        "note": "The article reports it.",
        "review": quoted["id"],
        "seq": quoted["seq"],
        "recorded_by": "field-checker",
        "recorded_at": quoted["recorded_at"],
    }
    # A review changes nothing of what was claimed, nor whether it is disputed.
    assert thread["status"] == "uncontested" and thread["accusation"]["revisions"] == []
    assert incident in assessed(client, "assessment=confirmed")
    assert incident not in assessed(client, "assessment=unverified")
    assert incident in assessed(client, f"assessment=unverified&as_of={first['seq']}")
    assert incident in assessed(client, "assessment=confirmed&party=armenia&location=agdam")
    followed = client.get(f"/v1/events?after={first['seq'] - 1}").get_json()["items"]
    assert [(e["kind"], e["verdict"]) for e in followed] == [("review", "unverified"), ("review", "confirmed")]


def test_only_reviewers_and_admins_review(client, reporter, reviewer, admin_key, dsn):
    incident = post_accusation(client, reporter).get_json()["id"]
    before = counts(dsn)
    problem = problem_of(review(client, reporter, incident), 403)
    assert "this needs reviewer" in problem["detail"]
    problem_of(review(client, make_key(dsn, "night-editor", "editor"), incident), 403)
    problem_of(client.post(f"/v1/events/{incident}/reviews", json={"verdict": "confirmed", "note": "x"}), 401)
    assert counts(dsn) == before
    assert review(client, admin_key, incident).status_code == 201


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"verdict": "true"}, "verdict", "Must be one of"),
        ({"note": ""}, "note", "Length"),
        ({"quotes": ["largely holding"]}, "quotes", "name it in `source`"),
        ({"source": SOURCE, "quotes": ["not in the article"]}, "quotes", "not in the source's text"),
        ({"source": "no-such-source"}, "source", "unknown source"),
        ({"claimant": "armenia"}, "claimant", "Unknown field"),
    ],
)
def test_a_review_the_rules_refuse_is_a_422_by_field(client, reporter, reviewer, dsn, body, field, words):
    incident = post_accusation(client, reporter).get_json()["id"]
    before = counts(dsn)
    problem = problem_of(review(client, reviewer, incident, **body), 422)
    assert any(words in message for message in problem["errors"][field]), problem
    assert counts(dsn) == before


def test_only_an_accusation_is_reviewed(client, reporter, reviewer, dsn):
    incident = post_accusation(client, reporter).get_json()["id"]
    denial = client.post(
        f"/v1/incidents/{incident}/denials",
        headers=reporter,
        json={
            "claimant": "armenia-mod",
            "stated_at": "2020-10-12T12:00:00+04:00",
            "summary": "Denied.",
            "source": SOURCE,
        },
    ).get_json()
    before = counts(dsn)
    problem = problem_of(review(client, reviewer, denial["id"]), 422)
    assert "can answer only an accusation" in problem["errors"]["event_id"][0]
    problem_of(review(client, reviewer, "0c6f7e0e-0000-4000-8000-000000000000"), 404)
    problem = problem_of(
        client.post(
            "/v1/events",
            headers=reporter,
            json={
                "kind": "review",
                "claimant": "armenia",
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "x",
                "source": SOURCE,
            },
        ),
        422,
    )
    assert "kind" in problem["errors"]
    assert counts(dsn) == before


REVIEW = """
INSERT INTO event (kind, responds_to, responds_to_kind, verdict, summary, recorded_by, search, claimant_id)
VALUES ('review', %(responds_to)s, 'accusation', %(verdict)s, 'Checked.', %(recorded_by)s, to_tsvector('x'),
        (SELECT id FROM actor WHERE slug = %(claimant)s))
"""


@pytest.mark.parametrize(
    "overrides, constraint",
    [
        ({"recorded_by": "monitor"}, "event_review_by_reviewer"),
        ({"verdict": "true"}, "event_verdict_known"),
        ({"verdict": None}, "event_review_has_verdict"),
        ({"claimant": "armenia"}, "event_review_not_a_claim"),
        ({"responds_to": "denial"}, "event_responds_to_fkey"),
    ],
)
def test_the_database_refuses_broken_reviews_by_name(conn, overrides, constraint):
    conn.execute(
        "INSERT INTO api_key (name, role, key_hash) VALUES ('checker', 'reviewer', 'x'), ('monitor', 'reporter', 'y')"
    )
    values = {
        "responds_to": event_id(conn, "agdam-tartar-shelling"),
        "verdict": "doubtful",
        "recorded_by": "checker",
        "claimant": None,
        **overrides,
    }
    if values["responds_to"] == "denial":
        values["responds_to"] = event_id(conn, "armenia-mod-denies-shelling")
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(REVIEW, values)
    assert caught.value.diag.constraint_name == constraint, str(caught.value)
    conn.execute(
        REVIEW,
        {
            **values,
            **{
                "responds_to": event_id(conn, "agdam-tartar-shelling"),
                "verdict": "doubtful",
                "recorded_by": "checker",
                "claimant": None,
            },
        },
    )
