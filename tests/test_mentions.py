"""One claim, many sources: a second outlet carrying Northland's accusation, and Northland's
government backing its army's claim, are mentions of the accusation, not incidents of their own.
The incident counts its sources and publishers; nothing of its status changes. The texts are
written for these tests in the style of wire copy; the parties are invented."""

from __future__ import annotations

import csv
import io

import pytest

from service import chain
from tests.api import counts, problem_of
from tests.test_archive import export, load
from tests.test_database_rules import EVENT_DEFAULTS, INSERT_EVENT, refused
from tests.test_reports import ACCUSATION, line_of_contact  # noqa: F401 (a fixture)

DAILY = (
    "PORT VELL, March 4 (Daily Courier) - Northland's government on Monday repeated its army's charge "
    'that Southland broke the truce. "Southland has fired on our positions in violation of the '
    "agreement,\" the foreign ministry said on its website, citing the army's figures.\n"
    'A Northland army spokesman told the Courier that "the enemy opened fire with mortars" on Sunday.'
)


@pytest.fixture
def second_outlet(client, admin_key, line_of_contact):
    """Another publisher's report of the same claim, and Northland's foreign ministry."""
    for path, body in [
        (
            "/v1/sources",
            {"slug": "courier-0304", "publisher": "Daily Courier", "published_at": "2031-03-04", "text": DAILY},
        ),
        (
            "/v1/sources",
            {"slug": "wire-kestrel-0303-later", "publisher": "Wire", "published_at": "2031-03-03", "text": DAILY},
        ),
        ("/v1/actors", {"slug": "northland-mfa", "name": "Northland MFA", "kind": "ministry", "parent": "northland"}),
    ]:
        made = client.post(path, json=body, headers=admin_key)
        assert made.status_code == 201, made.get_json()


def mention(cites: str, **overrides) -> dict:
    return {
        "kind": "mention",
        "cites": cites,
        "claimant": "northland-army",
        "stated_at": "2031-03-04",
        "summary": "A Northland army spokesman repeated the charge to the Daily Courier.",
        "quotes": ["the enemy opened fire with mortars"],
        "source": "courier-0304",
        "channel": "interview",
        "channel_name": "the Daily Courier",
        **overrides,
    }


def test_another_source_reporting_a_claim_is_a_mention_not_a_second_incident(client, reporter, second_outlet):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    before = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert (before["sources"], before["publishers"], before["mentions"]) == (1, 1, [])
    listed = len(client.get("/v1/incidents?limit=200").get_json()["items"])

    posted = client.post("/v1/events", json=mention(accusation["id"]), headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    entry = client.get(f"/v1/events/{posted.get_json()['id']}").get_json()
    assert (entry["kind"], entry["cites"], entry["claimant"], entry["target"], entry["act"]) == (
        "mention",
        accusation["id"],
        "northland-army",
        None,
        None,
    )
    assert entry["quotes"][0]["start"] == DAILY.index("the enemy opened fire")
    # Northland's government backs its army: the same side, saying it again, on its own channel.
    backed = client.post(
        "/v1/events",
        json=mention(
            accusation["id"],
            claimant="northland-mfa",
            summary="Northland's foreign ministry repeated the army's charge.",
            quotes=["Southland has fired on our positions in violation of the agreement"],
            source="wire-kestrel-0303-later",
            channel="statement",
            channel_name="the ministry's website",
        ),
        headers=reporter,
    )
    assert backed.status_code == 201, backed.get_json()

    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert [m["id"] for m in incident["mentions"]] == [posted.get_json()["id"], backed.get_json()["id"]]
    # Three sources, two publishers (the Wire twice); the status is what it was, and no incident was added.
    assert (incident["sources"], incident["publishers"], incident["status"]) == (3, 2, before["status"])
    assert len(client.get("/v1/incidents?limit=200").get_json()["items"]) == listed
    as_it_was = client.get(f"/v1/incidents/{accusation['id']}?as_of={accusation['seq']}").get_json()
    assert (as_it_was["sources"], as_it_was["mentions"]) == (1, [])

    page = client.get(f"/incidents/{accusation['id']}").get_data(as_text=True)
    assert "reported by 3 sources from 2 publishers" in page and "Reported again by" in page
    rows = csv.DictReader(io.StringIO(client.get("/v1/incidents?format=csv").get_data(as_text=True)))
    ours = next(row for row in rows if row["id"] == accusation["id"])
    assert (ours["mentions"], ours["sources"], ours["publishers"]) == ("2", "3", "2")
    log = client.get("/v1/events?after=0&limit=1000").get_json()["items"]
    assert next(e for e in log if e["id"] == entry["id"])["cites"] == accusation["id"]
    matched, _, broken_at = chain.verify(log)
    assert broken_at is None and matched == len(log)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"claimant": "southland-mod"}, "claimant", "a mention is said by the side of the statement it cites"),
        ({"target": "southland"}, "target", "a mention cites a statement and restates it"),
        ({"act": "mortar-fire", "locations": ["kestrel-sector"]}, "act", "a mention cites a statement"),
        ({"cites": None}, "cites", "Missing data for required field."),
        ({"cites": "00000000-0000-0000-0000-000000000000"}, "cites", "no event 00000000-0000-0000-0000-000000000000"),
        ({"quotes": ["not in the courier's text"]}, "quotes", "quote 0 is not in the source's text"),
    ],
)
def test_a_mention_that_breaks_a_rule_is_refused_by_field(
    client, reporter, second_outlet, dsn, overrides, field, words
):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    before = counts(dsn)
    problem = problem_of(
        client.post("/v1/events", json={**mention(accusation["id"]), **overrides}, headers=reporter), 422
    )
    assert problem["errors"][field][0].startswith(words), problem["errors"]
    assert counts(dsn) == before


def test_a_mention_cites_a_statement_not_a_review_or_a_mention(client, reporter, admin_key, second_outlet):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    review = client.post(
        f"/v1/events/{accusation['id']}/reviews",
        json={"verdict": "unverified", "note": "One source."},
        headers=admin_key,
    ).get_json()
    first = client.post("/v1/events", json=mention(accusation["id"]), headers=reporter).get_json()
    for cited, what in ((review["id"], "a review"), (first["id"], "a mention")):
        problem = problem_of(client.post("/v1/events", json=mention(cited), headers=reporter), 422)
        assert problem["errors"]["cites"] == [
            f"a mention cites an accusation, a denial or a retraction as first recorded; this is {what}"
        ]


def test_an_accusation_and_its_mention_go_in_one_batch_and_out_and_back_in_an_archive(
    client, reporter, second_outlet, dsn, empty, tmp_path
):
    batch = client.post(
        "/v1/batches",
        json={"entries": [{**ACCUSATION, "ref": "a1"}, {**mention("#a1"), "ref": "m1"}]},
        headers=reporter,
    )
    assert batch.status_code == 201, batch.get_json()
    accusation, cited = batch.get_json()["entries"]
    assert cited["cites"] == accusation["id"]
    assert client.get(f"/v1/incidents/{accusation['id']}").get_json()["sources"] == 2
    exported, again = tmp_path / "log.ndjson", tmp_path / "again.ndjson"
    export(dsn, exported)
    load(empty, exported)
    export(empty, again)
    assert again.read_bytes() == exported.read_bytes()


def test_the_database_refuses_a_mention_that_breaks_a_rule(conn):
    """From psql too: a mention names a statement, from its side, and restates nothing else."""
    accusation = conn.execute(INSERT_EVENT, EVENT_DEFAULTS).fetchone()["id"]
    insert = """
        INSERT INTO event (kind, claimant_id, cites, stated_at, summary, source_id, recorded_by, search, act_id)
        VALUES ('mention', (SELECT id FROM actor WHERE slug = %(claimant)s), %(cites)s, now(), 'Again.',
                (SELECT id FROM source WHERE slug = 'moscow-ceasefire-article'), 'test', to_tsvector('x'),
                (SELECT id FROM act WHERE slug = %(act)s))"""
    cases = [
        ("event_mention_by_same_side", {"claimant": "armenia", "cites": accusation, "act": None}),
        ("event_mention_shape", {"claimant": "azerbaijan-military", "cites": accusation, "act": "shelling"}),
        ("event_mention_shape", {"claimant": "azerbaijan-military", "cites": None, "act": None}),
    ]
    for constraint, params in cases:
        refused(conn, constraint, insert, params)
    mentioned = conn.execute(
        insert + " RETURNING id", {"claimant": "azerbaijan-military", "cites": accusation, "act": None}
    ).fetchone()["id"]
    refused(
        conn,
        "event_mention_cites_statement",
        insert,
        {"claimant": "azerbaijan-military", "cites": mentioned, "act": None},
    )


def test_an_incident_whose_sources_name_no_publisher_says_nothing_of_publishers(client):
    # The seed's article is held without its publisher: one source, and no publisher known.
    incident = client.get("/v1/incidents").get_json()["items"][0]
    assert (incident["sources"], incident["publishers"]) == (1, 0)
    page = client.get(f"/incidents/{incident['id']}").get_data(as_text=True)
    assert "reported by 1 source" in page and "0 publishers" not in page
