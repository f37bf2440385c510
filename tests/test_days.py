"""Times as precise as the source: a report that dates what it tells by the day ("on Sunday", "on
3 March") is recorded by the day, with no midnight or UTC offset invented, reads back as that day,
is drawn and counted on it, and holds to the log's rules of order; a month or a year alone bounds
an interval. The wire copy is the invented Northland/Southland report of test_reports."""

from __future__ import annotations

import csv
import io

import psycopg
import pytest

from tests.api import counts, problem_of
from tests.test_database_rules import EVENT_DEFAULTS, INSERT_EVENT, refused
from tests.test_reports import ACCUSATION, line_of_contact  # noqa: F401 (a fixture)

BY_THE_DAY = {
    **ACCUSATION,
    "occurred_from": "2031-03-02",
    "occurred_to": "2031-03-03",
    "stated_at": "2031-03-03",
    "time_note": "'in the past 24 hours' in a report of Sunday 3 March",
}


def denial(**overrides) -> dict:
    return {
        "claimant": "southland-mod",
        "stated_at": "2031-03-03T14:00:00+05:00",
        "summary": "Southland's defence ministry said its units did not fire.",
        "quotes": ["Our units did not fire a single shot"],
        "source": "wire-kestrel-0303",
        **overrides,
    }


def test_a_claim_dated_by_the_day_reads_back_as_the_day(client, reporter, line_of_contact, conn):
    posted = client.post("/v1/events", json=BY_THE_DAY, headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    entry = client.get(f"/v1/events/{posted.get_json()['id']}").get_json()
    assert (entry["occurred_from"], entry["occurred_to"], entry["stated_at"]) == (
        "2031-03-02",
        "2031-03-03",
        "2031-03-03",
    )
    assert posted.get_json()["stated_at"] == "2031-03-03"
    # Stored at the UTC instants that bound the days, with no offset beside them.
    row = conn.execute(
        "SELECT occurred_from, occurred_to, stated_at, occurred_from_offset, occurred_to_offset, stated_at_offset "
        "FROM event WHERE id = %s",
        (entry["id"],),
    ).fetchone()
    assert row["occurred_from"].isoformat() == "2031-03-02T00:00:00+00:00"
    assert row["stated_at"].isoformat() == "2031-03-03T23:59:59.999999+00:00"
    assert (row["occurred_from_offset"], row["occurred_to_offset"], row["stated_at_offset"]) == (None, None, None)

    incident = client.get(f"/v1/incidents/{entry['id']}").get_json()
    assert incident["accusation"]["occurred_from"] == "2031-03-02"
    page = client.get(f"/incidents/{entry['id']}").get_data(as_text=True)
    assert '<time datetime="2031-03-03">2031-03-03</time>' in page and "00:00" not in page
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/events?format=csv&after=0").get_data(as_text=True))))
    ours = next(row for row in rows if row["id"] == entry["id"])
    assert (ours["occurred_from"], ours["stated_at"]) == ("2031-03-02", "2031-03-03")


def test_a_day_is_counted_on_that_day_not_the_day_before_in_utc(client, reporter, line_of_contact):
    """At +05:00 the midnight a recorder used to invent for 3 March fell on 2 March in UTC."""
    posted = client.post("/v1/events", json={**BY_THE_DAY, "occurred_from": "2031-03-03"}, headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    window = "occurred_after=2031-03-01&occurred_before=2031-03-05&interval=day&by=side"
    buckets = client.get(f"/v1/incidents/counts?{window}").get_json()["buckets"]
    assert [bucket["start"][:10] for bucket in buckets if any(bucket["counts"].values())] == ["2031-03-03"]
    # The filters take days too: the day itself, and not the day after.
    listed = client.get("/v1/incidents?occurred_after=2031-03-03&occurred_before=2031-03-04").get_json()["items"]
    assert [incident["id"] for incident in listed] == [posted.get_json()["id"]]
    assert client.get("/v1/incidents?occurred_after=2031-03-04").get_json()["items"] == []


def test_a_month_or_a_year_alone_bounds_an_interval(client, reporter, line_of_contact):
    posted = client.post(
        "/v1/events",
        json={
            **BY_THE_DAY,
            "occurred_from": "2031-02",
            "occurred_to": "2031-02",
            "time_precision": "month",
            "time_note": "'throughout February', in a report of 3 March",
        },
        headers=reporter,
    )
    assert posted.status_code == 201, posted.get_json()
    assert (posted.get_json()["occurred_from"], posted.get_json()["occurred_to"]) == ("2031-02-01", "2031-02-28")
    year = client.post(
        "/v1/events",
        json={**BY_THE_DAY, "occurred_from": "2030", "occurred_to": "2030", "time_precision": "year"},
        headers=reporter,
    )
    assert (year.get_json()["occurred_from"], year.get_json()["occurred_to"]) == ("2030-01-01", "2030-12-31")


def test_an_answer_the_same_day_stands_and_one_the_day_before_is_refused(client, reporter, line_of_contact, dsn):
    """An accusation dated 3 March may be answered at 14:00 that day; not on 2 March."""
    accusation = client.post("/v1/events", json=BY_THE_DAY, headers=reporter).get_json()
    path = f"/v1/incidents/{accusation['id']}/denials"
    before = counts(dsn)
    problem = problem_of(client.post(path, json=denial(stated_at="2031-03-02"), headers=reporter), 422)
    assert problem["errors"]["stated_at"] == [
        "a response cannot be stated before the statement it answers (stated at 2031-03-03)"
    ]
    assert counts(dsn) == before
    answered = client.post(path, json=denial(), headers=reporter)
    assert answered.status_code == 201, answered.get_json()
    # A denial inherits the days of the act it denies, as days.
    assert answered.get_json()["occurred_from"] == "2031-03-02"
    assert client.get(f"/v1/incidents/{accusation['id']}").get_json()["status"] == "disputed"


def test_a_day_and_the_midnight_instant_are_different_records(client, reporter, line_of_contact):
    """Correcting an instant to the day it falls on changes the record; sending the same day again
    changes nothing."""
    posted = client.post(
        "/v1/events", json={**BY_THE_DAY, "stated_at": "2031-03-03T00:00:00Z"}, headers=reporter
    ).get_json()
    path = f"/v1/events/{posted['id']}/corrections"
    record = {name: value for name, value in BY_THE_DAY.items() if name != "kind"}
    corrected = client.post(path, json=record, headers=reporter)
    assert corrected.status_code == 201, corrected.get_json()
    assert client.get(f"/v1/events/{posted['id']}").get_json()["revisions"][0]["changed"] == ["stated_at"]
    again = problem_of(client.post(path, json=record, headers=reporter), 422)
    assert "changes nothing" in again["detail"]


def test_sources_and_ceasefires_are_dated_by_the_day(client, admin_key):
    source = client.post(
        "/v1/sources",
        json={"slug": "wire-0304", "publisher": "Wire", "published_at": "2031-03-04", "text": "A report."},
        headers=admin_key,
    )
    assert source.status_code == 201, source.get_json()
    assert client.get("/v1/sources/wire-0304").get_json()["published_at"] == "2031-03-04"
    ceasefire = client.post(
        "/v1/ceasefires",
        json={
            "slug": "lakeland-truce",
            "name": "Lakeland truce",
            "agreed_at": "2031-01-10T18:00:00+05:00",
            "effective_at": "2031-01-10",
        },
        headers=admin_key,
    )
    assert ceasefire.status_code == 201, ceasefire.get_json()
    shown = client.get("/v1/ceasefires/lakeland-truce").get_json()
    assert (shown["agreed_at"], shown["effective_at"]) == ("2031-01-10T18:00:00+05:00", "2031-01-10")
    assert client.get("/ceasefires/lakeland-truce").status_code == 200


def test_a_truce_agreed_in_a_month_reads_back_as_that_month(client, admin_key):
    """ "A truce agreed in March, in force from 5 March": the month as given, and the day after
    it checked against the month's first day, not a day nobody said."""
    body = {"slug": "march-truce", "name": "March truce", "agreed_at": "2031-03", "effective_at": "2031-03-05"}
    made = client.post("/v1/ceasefires", json=body, headers=admin_key)
    assert made.status_code == 201, made.get_json()
    shown = client.get("/v1/ceasefires/march-truce").get_json()
    assert (shown["agreed_at"], shown["effective_at"]) == ("2031-03", "2031-03-05")
    assert client.get("/ceasefires/march-truce").status_code == 200
    early = {**body, "slug": "early-truce", "effective_at": "2031-02-28"}
    problem = problem_of(client.post("/v1/ceasefires", json=early, headers=admin_key), 422)
    assert problem["errors"]["effective_at"] == ["must not be before agreed_at"]


@pytest.mark.parametrize(
    ("when", "field", "words"),
    [
        ("2031-02-30", "stated_at", "day is out of range for month"),
        ("2031-13", "occurred_from", "2031-13 has no month 13"),
    ],
)
def test_a_calendar_time_that_is_not_one_is_refused_by_field(client, reporter, line_of_contact, when, field, words):
    problem = problem_of(client.post("/v1/events", json={**BY_THE_DAY, field: when}, headers=reporter), 422)
    assert problem["errors"][field][0].startswith(words)


def test_the_database_keeps_a_day_at_its_bound(conn):
    """A day alone (no offset) is its first or last microsecond in UTC; psql cannot store another."""
    insert = INSERT_EVENT.replace("recorded_by, search)", "recorded_by, search, stated_at_offset)").replace(
        "to_tsvector('english', 'x'))", "to_tsvector('english', 'x'), NULL)"
    )
    refused(conn, "event_stated_at_day_whole", insert, {**EVENT_DEFAULTS, "stated_at": "2020-10-12T12:00:00Z"})
    with pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(
            "INSERT INTO source (slug, title, publisher, published_at, published_at_offset) "
            "VALUES ('x', 'x', 'x', '2020-10-12T12:00:00Z', NULL)"
        )
