"""Reports from other conflicts than the seed's, recorded through the HTTP API alone as a monitor
would: what the wire copy says goes in as it was said — how a claim was made, how many violations
and casualties it alleges — and reads back, counts and exports the same. The texts are written for
these tests in the style of wire copy; the parties and places are invented."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from service.exchange import archive
from tests.api import counts, problem_of
from tests.test_archive import export, lines_of, load, write
from tests.test_database_rules import EVENT_DEFAULTS, INSERT_EVENT, insert_event, refused

WIRE = (
    "KESTREL, March 3 (Wire) - Northland's army accused Southland forces on Sunday of violating the "
    "truce along the line of contact 60 times in the past 24 hours, killing two soldiers and wounding "
    'five. "The enemy opened fire with mortars and small arms on our forward posts," the army said in '
    "a statement carried by the state news agency NTA.\n"
    'Southland\'s defence ministry rejected the claim. "Our units did not fire a single shot," ministry '
    "spokesman Aren Dol told reporters in Port Vell.\n"
    "The truce, brokered by the Lakeland Council in January, has been repeatedly tested, AFP reported."
)


@pytest.fixture
def line_of_contact(client, admin_key):
    """A second conflict's catalogue, made through the API as an admin would."""
    for path, body in [
        ("/v1/actors", {"slug": "northland", "name": "Northland", "kind": "state"}),
        ("/v1/actors", {"slug": "northland-army", "name": "Northland Army", "kind": "military", "parent": "northland"}),
        ("/v1/actors", {"slug": "southland", "name": "Southland", "kind": "state"}),
        (
            "/v1/actors",
            {
                "slug": "southland-mod",
                "name": "Southland Ministry of Defence",
                "kind": "ministry",
                "parent": "southland",
            },
        ),
        ("/v1/locations", {"slug": "kestrel-sector", "name": "Kestrel sector", "precision": "region"}),
        ("/v1/acts", {"slug": "mortar-fire", "label": "Mortar fire"}),
        (
            "/v1/sources",
            {
                "slug": "wire-kestrel-0303",
                "title": "Northland accuses Southland of truce violations",
                "publisher": "Wire",
                "published_at": "2031-03-03T14:20:00+05:00",
                "text": WIRE,
            },
        ),
    ]:
        made = client.post(path, json=body, headers=admin_key)
        assert made.status_code == 201, made.get_json()


ACCUSATION = {
    "kind": "accusation",
    "claimant": "northland-army",
    "target": "southland",
    "act": "mortar-fire",
    "locations": ["kestrel-sector"],
    "occurred_from": "2031-03-02T13:00:00+05:00",
    "occurred_to": "2031-03-03T13:00:00+05:00",
    "time_precision": "day",
    "time_note": "'in the past 24 hours' in a report of Sunday 3 March",
    "stated_at": "2031-03-03T13:00:00+05:00",
    "summary": "Northland's army said Southland forces broke the truce 60 times in 24 hours, killing two soldiers.",
    "quotes": ["The enemy opened fire with mortars and small arms on our forward posts"],
    "source": "wire-kestrel-0303",
    "channel": "statement",
    "channel_name": "the state news agency NTA",
    "via": "AFP",
    "violations": 60,
    "casualties": {"killed": 2, "injured": 5},
}


def test_how_a_claim_was_made_and_what_it_counts_read_back_as_said(client, reporter, line_of_contact):
    posted = client.post("/v1/events", json=ACCUSATION, headers=reporter)
    assert posted.status_code == 201, posted.get_json()
    entry = client.get(f"/v1/events/{posted.get_json()['id']}").get_json()
    assert (entry["channel"], entry["channel_name"], entry["via"]) == ("statement", "the state news agency NTA", "AFP")
    assert entry["violations"] == 60
    assert entry["casualties"] == {"killed": 2, "injured": 5, "civilians_killed": None, "civilians_injured": None}
    incident = client.get(f"/v1/incidents/{entry['id']}").get_json()
    assert incident["accusation"]["violations"] == 60

    denial = client.post(
        f"/v1/incidents/{entry['id']}/denials",
        headers=reporter,
        json={
            "claimant": "southland-mod",
            "stated_at": "2031-03-03T14:00:00+05:00",
            "summary": "Southland's defence ministry said its units did not fire.",
            "quotes": ["Our units did not fire a single shot"],
            "source": "wire-kestrel-0303",
            "channel": "press-conference",
            "channel_name": "reporters in Port Vell",
        },
    )
    assert denial.status_code == 201, denial.get_json()
    assert denial.get_json()["channel"] == "press-conference" and denial.get_json()["violations"] is None

    page = client.get(f"/incidents/{entry['id']}").get_data(as_text=True)
    assert "Claimed: 60 violations, 2 killed, 5 injured." in page
    assert "Made in a statement (the state news agency NTA), relayed by AFP." in page
    assert "Made at a press conference (reporters in Port Vell)." in page

    rows = list(csv.DictReader(io.StringIO(client.get("/v1/events?format=csv&after=0").get_data(as_text=True))))
    ours = next(row for row in rows if row["id"] == entry["id"])
    assert (ours["channel_name"], ours["via"], ours["violations"], ours["killed"], ours["civilians_killed"]) == (
        "the state news agency NTA",
        "AFP",
        "60",
        "2",
        "",
    )


def test_counts_sum_the_violations_alleged(client, reporter, line_of_contact):
    """Two accusations on one day: one alleging 60 violations, one giving no number (one)."""
    for overrides in ({}, {"violations": None, "casualties": None, "summary": "Another report of firing."}):
        assert client.post("/v1/events", json={**ACCUSATION, **overrides}, headers=reporter).status_code == 201
    window = "occurred_after=2031-03-02T00:00:00Z&occurred_before=2031-03-03T00:00:00Z&interval=day"
    incidents = client.get(f"/v1/incidents/counts?{window}&by=side").get_json()
    violations = client.get(f"/v1/incidents/counts?{window}&by=side&measure=violations").get_json()
    assert incidents["measure"] == "incidents" and violations["measure"] == "violations"
    assert incidents["buckets"] == [{"start": "2031-03-02T00:00:00+00:00", "counts": {"northland": 2}}]
    assert violations["buckets"] == [{"start": "2031-03-02T00:00:00+00:00", "counts": {"northland": 61}}]
    by_status = client.get(f"/v1/incidents/counts?{window}&measure=violations&by=status").get_json()
    assert by_status["buckets"][0]["counts"] == {"uncontested": 61}


def test_a_correction_changes_the_count(client, reporter, line_of_contact):
    posted = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    shown = client.get(f"/v1/events/{posted['id']}").get_json()
    corrected = client.post(f"/v1/events/{posted['id']}/corrections", headers=reporter, json={**shown, "violations": 6})
    assert corrected.status_code == 201, corrected.get_json()
    revisions = client.get(f"/v1/events/{posted['id']}").get_json()["revisions"]
    assert revisions[0]["changed"] == ["violations"]
    window = "occurred_after=2031-03-01T00:00:00Z&occurred_before=2031-03-05T00:00:00Z"
    counted = client.get(f"/v1/incidents/counts?{window}&measure=violations").get_json()
    assert sum(bucket["counts"].get("uncontested", 0) for bucket in counted["buckets"]) == 6


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"channel": "telegram"}, "channel", "Must be one of: statement, press-conference"),
        ({"violations": 0}, "violations", "greater than or equal to 1"),
        ({"casualties": {"killed": -1}}, "casualties", "greater than or equal to 0"),
        ({"casualties": {"dead": 3}}, "casualties", "Unknown field"),
        ({"channel_name": ""}, "channel_name", "Length must be between 1 and 200"),
    ],
)
def test_bad_channels_and_numbers_are_refused_by_field(client, reporter, line_of_contact, overrides, field, words):
    refused = problem_of(client.post("/v1/events", json={**ACCUSATION, **overrides}, headers=reporter), 422)
    # A nested field is named by its path: casualties.killed.
    said = {name: messages for name, messages in refused["errors"].items() if name.split(".")[0] == field}
    assert words in str(said), refused["errors"]


def test_only_an_accusation_counts(client, reporter, line_of_contact, conn):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    problem = problem_of(
        client.post(
            f"/v1/incidents/{accusation['id']}/denials",
            headers=reporter,
            json={
                "claimant": "southland-mod",
                "stated_at": "2031-03-03T14:00:00+05:00",
                "summary": "Denied.",
                "source": "wire-kestrel-0303",
                "casualties": {"killed": 0},
            },
        ),
        422,
    )
    assert problem["errors"] == {
        "casualties": ["only an accusation counts what it alleges; a denial has no casualties"]
    }
    # The database holds the same rules for every writer, psql included.
    accusation = insert_event(conn)
    denial = {"kind": "denial", "claimant": "armenia-mod", "target": "azerbaijan-military"}
    answer = {**denial, "responds_to": accusation, "responds_to_kind": "accusation"}
    for column, value, constraint in [
        ("violations", 3, "event_numbers_of_accusations"),
        ("killed", 1, "event_numbers_of_accusations"),
        ("channel", "telegram", "event_channel_known"),
        ("via", "", "event_via_length"),
    ]:
        statement = INSERT_EVENT.replace("recorded_by, search)", f"recorded_by, search, {column})").replace(
            "to_tsvector('english', 'x'))", "to_tsvector('english', 'x'), %(value)s)"
        )
        refused(conn, constraint, statement, {**EVENT_DEFAULTS, **answer, "value": value})


def test_channels_and_numbers_go_out_and_back_in_an_archive(client, reporter, line_of_contact, dsn, empty, tmp_path):
    """A file written before entries had channels and numbers (its entry lines without those
    fields) imports, its hashes unchanged; exported again, it is the log's own export, byte for
    byte, the accusation that has them included."""
    assert client.post("/v1/events", json=ACCUSATION, headers=reporter).status_code == 201
    exported = tmp_path / "log.ndjson"
    export(dsn, exported)
    lines = lines_of(exported)
    ours = next(json.loads(line) for line in lines if '"violations":60' in line)
    assert ours["casualties"]["injured"] == 5 and ours["via"] == "AFP"

    def as_before(line: str) -> str:
        record = json.loads(line)
        # Lists of targets and acts came later too; every claim has them, a review none.
        if record["type"] != "event" or any(record[name] is not None for name in archive.LATER - {"targets", "acts"}):
            return line
        return json.dumps({name: value for name, value in record.items() if name not in archive.LATER})

    older = [as_before(line) for line in lines[:-1]]
    events = [line for line in older if '"event"' in line[:30]]
    assert ['"channel"' in line for line in events] == [False] * (len(events) - 1) + [True]
    digest = hashlib.sha256("".join(line + "\n" for line in older).encode()).hexdigest()
    write(tmp_path / "older.ndjson", [*older, json.dumps(json.loads(lines[-1]) | {"sha256": digest})])
    load(empty, tmp_path / "older.ndjson")
    export(empty, tmp_path / "again.ndjson")
    assert (tmp_path / "again.ndjson").read_bytes() == exported.read_bytes()


def test_a_claim_about_no_place_in_particular_and_a_place_that_is_a_line(client, reporter, admin_key, line_of_contact):
    """'Along the line of contact' is a line, not a point; 'on various fronts' names no place. Neither
    is invented: the line is recorded as a line, the fronts as no place at all."""
    line = client.post(
        "/v1/locations",
        json={"slug": "line-of-contact", "name": "Line of contact", "precision": "region", "shape": "line"},
        headers=admin_key,
    )
    assert line.status_code == 201 and line.get_json()["shape"] == "line"
    # Left out, the shape is what the precision implies.
    assert client.get("/v1/locations/kestrel-sector").get_json()["shape"] == "area"
    bad = problem_of(
        client.post(
            "/v1/locations", json={"slug": "x", "name": "X", "precision": "exact", "shape": "ring"}, headers=admin_key
        ),
        422,
    )
    assert "shape" in bad["errors"]

    along = client.post("/v1/events", json={**ACCUSATION, "locations": ["line-of-contact"]}, headers=reporter)
    nowhere = client.post(
        "/v1/events",
        json={**ACCUSATION, "locations": [], "summary": "Northland's army reported fire on various fronts."},
        headers=reporter,
    )
    assert along.status_code == nowhere.status_code == 201, nowhere.get_json()
    assert nowhere.get_json()["locations"] == []
    nowhere_id = nowhere.get_json()["id"]
    # A place filter does not match what names no place; the unfiltered list does.
    placed = client.get("/v1/incidents?location=kestrel-sector&limit=200").get_json()["items"]
    assert nowhere_id not in [item["id"] for item in placed]
    assert nowhere_id in [item["id"] for item in client.get("/v1/incidents?limit=200").get_json()["items"]]
    assert "no place named" in client.get(f"/incidents/{nowhere_id}").get_data(as_text=True)

    features = client.get("/v1/incidents?format=geojson").get_json()["features"]
    ours = [f for f in features if f["properties"]["id"] == nowhere_id]
    assert [(f["geometry"], f["properties"]["location"]) for f in ours] == [(None, None)]
    shapes = {f["properties"]["location"]: f["properties"]["location_shape"] for f in features}
    assert shapes["line-of-contact"] == "line"

    # A denial that leaves out places takes the accusation's: here, none.
    denial = client.post(
        f"/v1/incidents/{nowhere_id}/denials",
        headers=reporter,
        json={
            "claimant": "southland-mod",
            "stated_at": "2031-03-03T14:00:00+05:00",
            "summary": "Southland's defence ministry said its units did not fire.",
            "source": "wire-kestrel-0303",
        },
    )
    assert denial.status_code == 201 and denial.get_json()["locations"] == []


COUNTER = {
    "kind": "accusation",
    "claimant": "southland-mod",
    "target": "northland-army",
    "act": "mortar-fire",
    "locations": [],
    "occurred_from": "2031-03-02T20:00:00+05:00",
    "occurred_to": "2031-03-02T22:00:00+05:00",
    "time_precision": "hour",
    "stated_at": "2031-03-03T14:00:00+05:00",
    "summary": "Southland's defence ministry said Northland's army fired first.",
    "source": "wire-kestrel-0303",
}


def test_parties_that_trade_accusations_leave_the_incident_countered(client, reporter, admin_key, line_of_contact):
    """The accused side answers with an accusation of its own: a counter-accusation. The incident
    is then countered (answered, not denied); a denial makes it disputed, and withdrawing the
    counter-accusation leaves it uncontested again."""
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    counter = client.post("/v1/events", json={**COUNTER, "responds_to": accusation["id"]}, headers=reporter)
    assert counter.status_code == 201, counter.get_json()
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert incident["status"] == "countered"
    assert [c["id"] for c in incident["counter_accusations"]] == [counter.get_json()["id"]]
    # The counter-accusation is an incident of its own, not answered yet.
    assert client.get(f"/v1/incidents/{counter.get_json()['id']}").get_json()["status"] == "uncontested"

    ids = lambda query: [item["id"] for item in client.get(f"/v1/incidents?{query}&limit=200").get_json()["items"]]  # noqa: E731
    assert accusation["id"] in ids("status=countered")
    assert accusation["id"] not in ids("status=disputed")
    assert accusation["id"] in ids("status=disputed,countered")
    assert "Countered" in client.get(f"/incidents/{accusation['id']}").get_data(as_text=True)
    bad = problem_of(client.get("/v1/incidents?status=disputed,quiet"), 422)
    assert "unknown status 'quiet'" in bad["errors"]["status"][0]

    retraction = client.post(
        "/v1/events",
        headers=reporter,
        json={
            "kind": "retraction",
            "claimant": "southland",
            "responds_to": counter.get_json()["id"],
            "stated_at": "2031-03-04T10:00:00+05:00",
            "summary": "Southland withdrew its ministry's claim.",
            "source": "wire-kestrel-0303",
        },
    )
    assert retraction.status_code == 201, retraction.get_json()
    assert client.get(f"/v1/incidents/{accusation['id']}").get_json()["status"] == "uncontested"
    # Read as of the counter-accusation, the incident was countered then.
    as_of = client.get(f"/v1/incidents/{accusation['id']}?as_of={counter.get_json()['seq']}").get_json()
    assert as_of["status"] == "countered"


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        # The accuser's own side cannot counter its own accusation.
        ({"claimant": "northland"}, "claimant", "only the accused side (southland and the actors beneath it"),
        # A counter-accusation is aimed at the accuser's side, not at a third party.
        ({"target": "armenia"}, "target", "a counter-accusation is aimed at the side of the claimant"),
    ],
)
def test_a_counter_accusation_comes_from_the_accused_side_against_the_accusers(
    client, reporter, line_of_contact, dsn, overrides, field, words
):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    before = counts(dsn)
    refused_ = problem_of(
        client.post("/v1/events", json={**COUNTER, "responds_to": accusation["id"], **overrides}, headers=reporter),
        422,
    )
    assert words in refused_["errors"][field][0], refused_["errors"]
    assert counts(dsn) == before


def test_the_database_refuses_a_counter_accusation_from_the_wrong_side(conn):
    accusation = insert_event(conn)  # azerbaijan-military accuses armenia
    answer = {"responds_to": accusation, "responds_to_kind": "accusation"}
    with conn.transaction():
        refused(conn, "event_counter_by_accused", INSERT_EVENT, {**EVENT_DEFAULTS, **answer, "claimant": "russia"})
    with conn.transaction():
        refused(
            conn,
            "event_counter_at_accuser",
            INSERT_EVENT,
            {**EVENT_DEFAULTS, **answer, "claimant": "armenia", "target": "russia"},
        )
    insert_event(conn, **answer, claimant="armenia", target="azerbaijan")


def test_a_catalogue_for_any_conflict(client, reporter, admin_key, line_of_contact, dsn):
    """Unnamed parties, an untitled wire story in another language, a truce with two brokers known
    to other datasets: each recorded as said, none invented."""
    gunmen = client.post(
        "/v1/actors",
        json={"slug": "unidentified-gunmen-kestrel", "name": "Unidentified gunmen", "kind": "unidentified"},
        headers=admin_key,
    )
    assert gunmen.status_code == 201, gunmen.get_json()
    separatists = client.post(
        "/v1/actors",
        json={"slug": "southern-separatists", "name": "Separatists", "kind": "unidentified", "parent": "southland"},
        headers=admin_key,
    )
    assert separatists.status_code == 201
    # An accusation against unnamed gunmen: no side answers for them but their own.
    blamed = client.post(
        "/v1/events", json={**ACCUSATION, "target": "unidentified-gunmen-kestrel", "violations": None}, headers=reporter
    )
    assert blamed.status_code == 201, blamed.get_json()

    untitled = client.post(
        "/v1/sources",
        json={"slug": "wire-untitled", "publisher": "Wire", "language": "uk-UA", "text": "Обстріл тривав усю ніч."},
        headers=admin_key,
    )
    assert untitled.status_code == 201, untitled.get_json()
    assert (untitled.get_json()["title"], untitled.get_json()["language"]) == (None, "uk-UA")
    bad = problem_of(client.post("/v1/sources", json={"slug": "x", "language": "Ukrainian"}, headers=admin_key), 422)
    assert "BCP 47" in bad["errors"]["language"][0]

    for slug, name in (("lakeland-council", "Lakeland Council"), ("river-league", "River League")):
        client.post("/v1/actors", json={"slug": slug, "name": name, "kind": "mediator"}, headers=admin_key)
    truce = client.post(
        "/v1/ceasefires",
        json={
            "slug": "kestrel-truce",
            "name": "Kestrel truce",
            "brokers": ["lakeland-council", "river-league"],
            "parties": ["northland", "southland"],
            "external_ids": [{"scheme": "pa-x", "id": "9999", "url": "https://example.org/pax/9999"}],
        },
        headers=admin_key,
    )
    assert truce.status_code == 201, truce.get_json()
    shown = client.get("/v1/ceasefires/kestrel-truce").get_json()
    assert shown["brokers"] == ["lakeland-council", "river-league"]
    assert shown["external_ids"] == [{"scheme": "pa-x", "id": "9999", "url": "https://example.org/pax/9999"}]
    # One broker the old way is still read, as a list of one.
    old = client.post(
        "/v1/ceasefires",
        json={"slug": "old-truce", "name": "Old truce", "brokered_by": "lakeland-council"},
        headers=admin_key,
    )
    assert old.status_code == 201 and old.get_json()["brokers"] == ["lakeland-council"]
    page = client.get("/ceasefires/kestrel-truce").get_data(as_text=True)
    assert "Lakeland Council" in page and "River League" in page and "pa-x" in page
    refused_ = problem_of(
        client.post(
            "/v1/ceasefires",
            json={"slug": "y", "name": "Y", "brokers": ["nobody"], "external_ids": [{"scheme": "wiki", "id": "1"}]},
            headers=admin_key,
        ),
        422,
    )
    assert set(refused_["errors"]) == {"external_ids.0.scheme"}, refused_["errors"]
