"""Statements whose time the source does not give ("the ministry said"): `stated_at` null, the
source's publication bounding it. The text is written for these tests in the style of wire copy;
the parties and places are invented."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import psycopg
import pytest

from service import chain
from tests.api import counts, problem_of
from tests.test_archive import export, load
from tests.test_chain import feed
from tests.test_database_rules import EVENT_DEFAULTS, INSERT_EVENT
from tests.test_reports import line_of_contact  # noqa: F401 (a fixture)

UNDATED = (
    "KESTREL (Wire) - Southland's defence ministry accused Northland's army of shelling the Kestrel sector "
    'after the truce took hold. "Our positions came under mortar fire," the ministry said. Northland\'s '
    "army denied firing."
)

SAID_SOMETIME = {
    "kind": "accusation",
    "claimant": "southland-mod",
    "target": "northland-army",
    "act": "mortar-fire",
    "locations": ["kestrel-sector"],
    "occurred_from": "2031-04",
    "occurred_to": "2031-04",
    "time_precision": "month",
    "stated_at": None,
    "summary": "Southland's defence ministry accused Northland's army of shelling the Kestrel sector.",
    "quotes": ["Our positions came under mortar fire"],
    "source": "wire-kestrel-undated",
}


@pytest.fixture
def undated(client, admin_key, line_of_contact):
    for slug, published in (("wire-kestrel-undated", "2031-04-11"), ("wire-kestrel-no-date", None)):
        body = {"slug": slug, "publisher": "Wire", "text": UNDATED, "published_at": published}
        made = client.post("/v1/sources", json=body, headers=admin_key)
        assert made.status_code == 201, made.get_json()


def test_a_statement_of_unknown_time_reads_back_unknown_and_is_counted_on_its_publication(client, reporter, undated):
    posted = client.post("/v1/events", json=SAID_SOMETIME, headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    entry = client.get(f"/v1/events/{posted.get_json()['id']}").get_json()
    assert (entry["stated_at"], entry["occurred_from"], entry["occurred_to"]) == (None, "2031-04-01", "2031-04-30")
    before = client.get(f"/v1/events?after={entry['seq'] - 2}&limit=1").get_json()["items"][0]["hash"]
    assert entry["hash"] == chain.link(bytes.fromhex(before), entry).hex()

    buckets = client.get("/v1/incidents/counts?interval=day&by=status&time=stated&target=northland-army").get_json()[
        "buckets"
    ]
    assert [(b["start"][:10], b["counts"]) for b in buckets if any(b["counts"].values())] == [
        ("2031-04-11", {"uncontested": 1})
    ]
    rows = list(
        csv.DictReader(io.StringIO(client.get("/v1/incidents?format=csv&target=northland-army").get_data(as_text=True)))
    )
    assert [row["stated_at"] for row in rows if row["id"] == entry["id"]] == [""]
    assert "said at a time the source does not give" in client.get("/?target=northland-army").get_data(as_text=True)

    denial = client.post(
        f"/v1/incidents/{entry['id']}/denials",
        json={
            "claimant": "northland-army",
            "stated_at": None,
            "summary": "Northland's army denied firing.",
            "source": "wire-kestrel-undated",
        },
        headers=reporter,
    )
    assert denial.status_code == 201, denial.get_json()
    assert client.get(f"/v1/incidents/{entry['id']}").get_json()["status"] == "disputed"
    page = client.get(f"/incidents/{entry['id']}").get_data(as_text=True)
    assert "Said at a time the source does not give" in page


def test_an_unknown_time_needs_a_source_with_a_date_and_is_never_assumed(client, reporter, undated, dsn):
    before = counts(dsn)
    problem = problem_of(
        client.post("/v1/events", json={**SAID_SOMETIME, "source": "wire-kestrel-no-date"}, headers=reporter), 422
    )
    assert problem["errors"]["stated_at"] == [
        "unknown, and source wire-kestrel-no-date has no publication date to bound it: give the day it was said "
        "(2031-04-09 is fine), or the source's published_at"
    ]
    left_out = {name: value for name, value in SAID_SOMETIME.items() if name != "stated_at"}
    problem = problem_of(client.post("/v1/events", json=left_out, headers=reporter), 422)
    assert problem["errors"]["stated_at"] == ["Missing data for required field."]
    assert counts(dsn) == before


def test_an_unknown_time_goes_out_and_back_in_an_archive(client, reporter, undated, dsn, empty, tmp_path):
    assert client.post("/v1/events", json=SAID_SOMETIME, headers=reporter).status_code == 201
    first, again = tmp_path / "first.ndjson", tmp_path / "again.ndjson"
    export(dsn, first)
    load(empty, first)
    export(empty, again)
    assert first.read_bytes() == again.read_bytes()


def test_the_database_holds_an_unknown_time_to_its_sources_publication(conn):
    """From psql too: an entry of unknown time holds its source's publication, not a time of its own."""
    statement = INSERT_EVENT.replace("recorded_by, search)", "recorded_by, stated_unknown, search)").replace(
        "'test', to_tsvector", "'test', true, to_tsvector"
    )
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, EVENT_DEFAULTS)
    assert caught.value.diag.constraint_name == "event_stated_unknown_bounded", str(caught.value)


def test_a_month_alone_is_the_moment_it_was_said_or_published(
    client, reporter, admin_key, undated, dsn, empty, tmp_path
):
    """ "In April, the ministry said ...", in a report published in 2031: each reads back as given,
    never as a day nobody said, and orders statements by its span."""
    made = client.post(
        "/v1/sources",
        json={"slug": "annual-review-2031", "publisher": "Wire", "text": UNDATED, "published_at": "2031"},
        headers=admin_key,
    )
    assert made.status_code == 201, made.get_json()
    assert client.get("/v1/sources/annual-review-2031").get_json()["published_at"] == "2031"
    posted = client.post("/v1/events", json={**SAID_SOMETIME, "stated_at": "2031-04"}, headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    entry = client.get(f"/v1/events/{posted.get_json()['id']}").get_json()
    assert entry["stated_at"] == "2031-04"
    # The document says an entry's stated_at may be a month (a generated client takes it).
    document = client.get("/openapi.json").get_json()["components"]["schemas"]
    shapes = document["EventOut"]["properties"]["stated_at"]["anyOf"]
    assert any("pattern" in shape and re.match(shape["pattern"], "2031-04") for shape in shapes)
    before = client.get(f"/v1/events?after={entry['seq'] - 2}&limit=1").get_json()["items"][0]["hash"]
    assert entry["hash"] == chain.link(bytes.fromhex(before), entry).hex()

    denial = {"claimant": "northland-army", "summary": "Northland denied it.", "source": "annual-review-2031"}
    early = problem_of(
        client.post(
            f"/v1/incidents/{entry['id']}/denials", json={**denial, "stated_at": "2031-03-31"}, headers=reporter
        ),
        422,
    )
    assert (
        "a response cannot be stated before the statement it answers (stated at 2031-04)"
        in early["errors"]["stated_at"]
    )
    for stated in ("2031-04-02", None):  # None: some time in 2031, the report's year
        answered = client.post(
            f"/v1/incidents/{entry['id']}/denials", json={**denial, "stated_at": stated}, headers=reporter
        )
        assert answered.status_code == 201, answered.get_json()
        assert answered.get_json()["stated_at"] == stated

    first, again = tmp_path / "first.ndjson", tmp_path / "again.ndjson"
    export(dsn, first)
    load(empty, first)
    export(empty, again)
    assert first.read_bytes() == again.read_bytes()
    # The README's few lines verify a log with times of a month and unknown times too.
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    exec(re.search(r"## Verifying the log.*?```python\n(.*?)```", readme, re.S).group(1), {"entries": feed(client)})


def test_the_database_keeps_a_month_at_its_bound(conn):
    statement = INSERT_EVENT.replace("recorded_by, search)", "recorded_by, stated_at_offset, stated_at_unit, search)")
    statement = statement.replace("'test', to_tsvector", "'test', NULL, 'month', to_tsvector")
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement, {**EVENT_DEFAULTS, "stated_at": "2020-10-30T23:59:59.999999Z"})
    assert caught.value.diag.constraint_name == "event_stated_at_unit_whole", str(caught.value)
    conn.execute(statement, {**EVENT_DEFAULTS, "stated_at": "2020-10-31T23:59:59.999999Z"})


@pytest.mark.parametrize("sort", ["-stated", "stated"])
def test_statements_of_unknown_time_page_on_by_their_publication(client, reporter, undated, sort):
    """A statement of unknown time is listed by the day its source was published, and a page may
    end on one: the next page goes on from where the listing walked it, in the API and on the
    page for people alike (both answered 500 while the cursor was read back from the time shown,
    which is none)."""
    for n in range(3):
        posted = client.post("/v1/events", json={**SAID_SOMETIME, "summary": f"Shelling {n}."}, headers=reporter)
        assert posted.status_code == 201, posted.get_json()
    seen, url = [], f"/v1/incidents?limit=1&sort={sort}"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, answer.get_json()
        seen += [incident["id"] for incident in answer.get_json()["items"]]
        url = answer.get_json()["next"]
    assert len(seen) == len(set(seen)) == len(client.get("/v1/incidents?limit=100").get_json()["items"])
    undated_ids = {
        i["id"]
        for i in client.get("/v1/incidents?limit=100").get_json()["items"]
        if i["accusation"]["stated_at"] is None
    }
    assert len(undated_ids) == 3
    page, pages = client.get(f"/?limit=1&sort={sort}"), 1
    while following := re.search(r'<a rel="next" href="([^"]+)"', page.get_data(as_text=True)):
        page = client.get(following.group(1).replace("&amp;", "&"))
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        pages += 1
    assert pages == len(seen)
