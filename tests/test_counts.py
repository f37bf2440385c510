"""Counts of incidents in time, checked against the same count made by hand from the JSON pages."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from service import days
from tests.api import problem_of
from tests.test_exports import busy_log, pages  # noqa: F401 (a fixture)

BOUNDS: dict[str, days.Bound] = {"occurred": "first", "stated": "last"}
SIDES = {"azerbaijan-military": "azerbaijan", "jeyhun-bayramov": "azerbaijan", "armenia": "armenia"}


def by_hand(incidents: list[dict], by: str, time: str, interval: str) -> Counter:
    counted = Counter()
    for incident in incidents:
        accusation = incident["accusation"]
        # A day alone is counted at the instant that bounds it: an act's first, a statement's last.
        instant = days.parse(accusation["occurred_from" if time == "occurred" else "stated_at"], BOUNDS[time])
        day = instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        start = {"hour": hour, "day": day, "week": day - timedelta(days=day.weekday()), "month": day.replace(day=1)}[
            interval
        ]
        label = {"status": incident["status"], "act": accusation["act"], "side": SIDES[accusation["claimant"]]}[by]
        counted[(start.isoformat(), label)] += 1
    return counted


@pytest.mark.parametrize(
    "by,time,interval,query",
    [
        ("status", "occurred", "day", ""),
        ("side", "occurred", "day", "ceasefire=moscow-humanitarian-2020"),
        ("act", "stated", "week", "party=armenia"),
        ("status", "occurred", "month", "location=tartar"),
        ("side", "stated", "day", "status=disputed&q=comma"),
        ("act", "occurred", "day", "as_of=30"),
        ("side", "stated", "hour", "occurred_after=2020-10-10T00:00:00Z&occurred_before=2020-10-20T00:00:00Z"),
    ],
)
def test_counts_agree_with_the_pages(client, busy_log, by, time, interval, query):
    incidents, as_of = pages(client, query)
    response = client.get(f"/v1/incidents/counts?by={by}&time={time}&interval={interval}&{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["by"], body["time"], body["interval"], body["as_of"]) == (by, time, interval, as_of)
    counted = Counter(
        {(bucket["start"], label): n for bucket in body["buckets"] for label, n in bucket["counts"].items() if n}
    )
    assert counted == by_hand(incidents, by, time, interval)
    starts = [datetime.fromisoformat(bucket["start"]) for bucket in body["buckets"]]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    labels = {label for _, label in counted}
    assert all(set(bucket["counts"]) == labels for bucket in body["buckets"])


def test_a_window_has_every_bucket_empty_ones_included(client, busy_log):
    body = client.get(
        "/v1/incidents/counts?by=side&occurred_after=2020-10-01T00:00:00Z&occurred_before=2020-11-01T00:00:00Z"
    ).get_json()
    assert len(body["buckets"]) == 31
    assert body["buckets"][0] == {"start": "2020-10-01T00:00:00+00:00", "counts": {"armenia": 0, "azerbaijan": 0}}
    assert sum(b["counts"]["azerbaijan"] for b in body["buckets"]) == 38
    weeks = client.get(
        "/v1/incidents/counts?interval=week&occurred_after=2020-10-01T00:00:00Z&occurred_before=2020-11-01T00:00:00Z"
    ).get_json()["buckets"]
    assert weeks[0]["start"] == "2020-09-28T00:00:00+00:00" and weeks[-1]["start"] == "2020-10-26T00:00:00+00:00"


def test_nothing_matched_is_no_buckets_and_bad_counts_are_refused(client):
    assert client.get("/v1/incidents/counts?status=retracted").get_json()["buckets"] == []
    problem = problem_of(client.get("/v1/incidents/counts?interval=year"), 422)
    assert "interval" in problem["errors"]
    problem = problem_of(
        client.get(
            "/v1/incidents/counts?interval=hour&occurred_after=2020-01-01T00:00:00Z"
            "&occurred_before=2021-01-01T00:00:00Z"
        ),
        422,
    )
    assert problem["errors"]["interval"][0].startswith("more than 5000 hours from 2020-01-01 to 2020-12-31")
    problem = problem_of(
        client.get("/v1/incidents/counts?occurred_after=1000-01-01T00:00:00Z&occurred_before=9000-01-01T00:00:00Z"), 422
    )
    assert problem["errors"]["interval"][0].startswith("more than 5000 days from 1000-01-01 to 8999-12-31")
    assert problem_of(client.get("/v1/incidents/counts?party=nobody"), 422)["errors"] == {
        "party": ["unknown actor: nobody"]
    }
    assert problem_of(client.get("/v1/incidents/counts?limit=5"), 422)["errors"] == {"limit": ["Unknown field."]}
