"""Exports: every match of a list as NDJSON, CSV or GeoJSON, read back by real parsers and held to
the JSON pages of the same filters."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from pathlib import Path

import orjson
import pandas
import pytest
import shapely.geometry
from geojson_pydantic import FeatureCollection

from service import days
from service.api import events as api_events
from service.formats import csv as csv_writer
from service.formats import rows
from service.pipeline import reads
from service.pipeline.db import connect
from service.store import events, names
from tests.api import ACCUSATION, make_key, post_accusation

README = Path(__file__).resolve().parent.parent / "README.md"
PLACES = ["agdam", "tartar", "azerbaijan"]
# The top-level actor of each actor the seed's and these accusations name: the side it speaks for.
SIDES = {
    "azerbaijan-military": "azerbaijan",
    "jeyhun-bayramov": "azerbaijan",
    "armenia": "armenia",
    "azerbaijan": "azerbaijan",
}


@pytest.fixture
def busy_log(client, reporter, dsn):
    """The seed and 36 more accusations over twelve days, some dated by the day alone, a third
    denied, one corrected, one retracted, one reviewed: every column of an export has something
    to say."""
    reviewer = make_key(dsn, "observer", "reviewer")
    ids = []
    for n in range(36):
        day = 11 + n % 12
        response = post_accusation(
            client,
            reporter,
            locations=[PLACES[n % 3]] if n % 4 else ["agdam", "tartar"],
            # Every seventh is dated by the day alone, as most reports date what they tell.
            occurred_from=f"2020-10-{day}" if n % 7 == 6 else f"2020-10-{day}T09:00:00+04:00",
            occurred_to=f"2020-10-{day}" if n % 7 == 6 else f"2020-10-{day}T10:00:00+04:00",
            stated_at=f"2020-10-{day}" if n % 7 == 6 else f"2020-10-{day}T11:{n:02d}:00+04:00",
            act=["shelling", "drone-strike"][n % 2],
            summary=f'Shelling number {n}, with a comma, a "quote" and a line\nbreak.',
            quotes=["largely holding"] if n % 5 == 0 else [],
        )
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
        if n % 3 == 0:
            denial = client.post(
                f"/v1/incidents/{ids[-1]}/denials",
                headers=reporter,
                json={
                    "claimant": "armenia-mod",
                    "stated_at": f"2020-10-{day}T12:00:00+04:00",
                    "summary": "Denied.",
                    "source": "moscow-ceasefire-article",
                    "quotes": [],
                },
            )
            assert denial.status_code == 201, denial.get_json()
    record = {name: value for name, value in ACCUSATION.items() if name != "kind"}
    assert (
        client.post(
            f"/v1/events/{ids[1]}/corrections",
            headers=reporter,
            json={**record, "locations": ["tartar"], "summary": "Corrected: Tartar, not Agdam."},
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/v1/events",
            headers=reporter,
            json={
                "kind": "retraction",
                "claimant": "azerbaijan-military",
                "responds_to": ids[2],
                "stated_at": "2020-10-30T12:00:00+04:00",
                "summary": "Withdrawn.",
                "source": "moscow-ceasefire-article",
                "quotes": [],
            },
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/v1/events/{ids[3]}/reviews",
            headers=reviewer,
            json={"verdict": "plausible", "note": "Consistent with other reports."},
        ).status_code
        == 201
    )
    return ids


def pages(client, query: str) -> tuple[list[dict], int]:
    """Every incident the JSON pages list for the query, and the seq they reflect."""
    items, url = [], f"/v1/incidents?limit=7&{query}"
    while url:
        body = client.get(url).get_json()
        items += body["items"]
        url = body["next"]
    return items, body["as_of"]


QUERIES = [
    "",
    "status=disputed",
    "party=armenia&location=tartar",
    "act=drone-strike&sort=occurred",
    "q=comma&occurred_after=2020-10-15T00:00:00%2B00:00",
    "status=retracted",
    "assessment=plausible",
]


@pytest.mark.parametrize("query", QUERIES)
def test_ndjson_holds_what_the_pages_hold_one_incident_a_line(client, busy_log, query):
    expected, as_of = pages(client, query)
    response = client.get(f"/v1/incidents?{query}", headers={"Accept": "application/x-ndjson"})
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    lines = response.get_data(as_text=True).splitlines()
    assert [json.loads(line) for line in lines] == expected
    assert response.headers["X-As-Of"] == str(as_of)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="incidents') and f"-as-of-{as_of}.ndjson" in disposition


@pytest.mark.parametrize("query", QUERIES)
def test_csv_has_a_row_per_incident_with_names_sides_places_and_answers(client, busy_log, query):
    expected, as_of = pages(client, query)
    response = client.get(f"/v1/incidents?format=csv&{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.endswith("\r\n")
    table = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(table[0] if table else rows.INCIDENT_COLUMNS) == list(rows.INCIDENT_COLUMNS)
    assert [row["id"] for row in table] == [incident["id"] for incident in expected]
    for row, incident in zip(table, expected, strict=True):
        accusation = incident["accusation"]
        assert row["status"] == incident["status"]
        assert row["summary"] == accusation["summary"]  # commas, quotes and line breaks survive
        assert row["locations"].split("; ") == accusation["locations"]
        assert (
            row["claimant_side"] == SIDES[accusation["claimant"]] and row["target_side"] == SIDES[accusation["target"]]
        )
        assert int(row["denials"]) == len(incident["denials"])
        assert row["denied_by"] == "; ".join(dict.fromkeys(d["claimant"] for d in incident["denials"]))
        assert row["occurred_from"] == accusation["occurred_from"]
        assert row["quotes"] == "\n".join(q["text"] for q in accusation["quotes"])
        assert row["assessment"] == (incident["assessment"]["verdict"] if incident["assessment"] else "")


def test_csv_reads_into_pandas_with_its_types(client, busy_log):
    frame = pandas.read_csv(io.BytesIO(client.get("/v1/incidents?format=csv").get_data()))
    assert len(frame) == 39 and frame["seq"].dtype.kind == "i" and frame["denials"].sum() == 13
    assert set(frame["status"]) == {"disputed", "uncontested", "retracted"}
    assert frame.loc[frame["location_names"] == "Tartar District", "location_coordinates"].iloc[0] == "40.3419 46.9322"


def test_geojson_has_a_feature_per_incident_place_and_validates(client, busy_log):
    expected, as_of = pages(client, "party=azerbaijan")
    response = client.get("/v1/incidents?party=azerbaijan", headers={"Accept": "application/geo+json"})
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    collection = FeatureCollection.model_validate_json(response.get_data())
    body = response.get_json()
    assert body["as_of"] == as_of
    features = body["features"]
    assert [(f["properties"]["id"], f["properties"]["location"]) for f in features] == [
        (incident["id"], place) for incident in expected for place in incident["accusation"]["locations"]
    ]
    assert len(collection.features) == len(features)
    for feature in features:
        if feature["properties"]["location"] == "armenia-unnamed-town":  # no coordinates known
            assert feature["geometry"] is None
            continue
        point = shapely.geometry.shape(feature["geometry"])
        assert point.geom_type == "Point" and -180 <= point.x <= 180 and -90 <= point.y <= 90
    agdam = next(f for f in features if f["properties"]["location"] == "agdam")
    assert agdam["geometry"]["coordinates"] == [46.9297, 39.9911]


def test_a_place_without_coordinates_has_a_null_geometry(client):
    features = client.get("/v1/incidents?format=geojson&location=armenia").get_json()["features"]
    assert [f["properties"]["location"] for f in features] == ["armenia-unnamed-town"]
    assert features[0]["geometry"] is None
    FeatureCollection.model_validate(client.get("/v1/incidents?format=geojson&location=armenia").get_json())


def test_an_export_as_of_a_seq_is_the_log_as_it_stood(client, busy_log):
    early, _ = pages(client, "as_of=10")
    response = client.get("/v1/incidents?format=ndjson&as_of=10")
    assert [json.loads(line) for line in response.get_data(as_text=True).splitlines()] == early
    assert response.headers["Content-Disposition"] == 'attachment; filename="incidents-as-of-10.ndjson"'


def test_the_log_exports_every_entry_as_written(client, busy_log):
    entries, url = [], "/v1/events?limit=9"
    while url:
        body = client.get(url).get_json()
        entries += body["items"]
        url = body["next"]
    response = client.get("/v1/events?format=ndjson")
    assert [json.loads(line) for line in response.get_data(as_text=True).splitlines()] == entries
    kinds = {entry["kind"] for entry in entries}
    assert kinds == {"accusation", "denial", "retraction", "correction", "review"}
    table = list(
        csv.DictReader(io.StringIO(client.get("/v1/events?format=csv&after=4").get_data(as_text=True), newline=""))
    )
    assert [int(row["seq"]) for row in table] == [entry["seq"] for entry in entries if entry["seq"] > 4]
    assert list(table[0]) == list(rows.EVENT_COLUMNS)
    review = next(row for row in table if row["kind"] == "review")
    assert review["verdict"] == "plausible" and review["claimant"] == "" and review["locations"] == ""
    head = entries[-1]["seq"]
    bounded = client.get("/v1/events?format=csv&as_of=20")
    assert bounded.headers["Content-Disposition"] == 'attachment; filename="events-as-of-20.csv"'
    assert [int(r["seq"]) for r in csv.DictReader(io.StringIO(bounded.get_data(as_text=True), newline=""))] == [
        entry["seq"] for entry in entries if entry["seq"] <= 20
    ]
    assert client.get(f"/v1/events?format=geojson&after={head}").get_json() == {
        "type": "FeatureCollection",
        "as_of": head,
        "features": [],
    }


def test_the_follower_pages_stop_at_as_of(client, busy_log):
    body = client.get("/v1/events?limit=5&as_of=12").get_json()
    seqs = [entry["seq"] for entry in body["items"]]
    while body["next"]:
        body = client.get(body["next"]).get_json()
        seqs += [entry["seq"] for entry in body["items"]]
    assert seqs[-1] == 12 and len(seqs) == len(set(seqs))


def test_export_refusals_are_problems(client):
    assert client.get("/v1/incidents?format=xlsx").status_code == 422
    assert client.get("/v1/incidents?format=csv&party=nobody").get_json()["errors"] == {
        "party": ["unknown actor: nobody"]
    }
    cursor = client.get("/v1/incidents?limit=1").get_json()["next"].split("cursor=")[1]
    refused = client.get(f"/v1/incidents?format=csv&cursor={cursor}")
    assert refused.status_code == 422 and "cursor" in refused.get_json()["errors"]
    # An export streams every match: a limit it would ignore is refused by name.
    for path in ("/v1/incidents?format=csv&limit=5", "/v1/events?format=ndjson&limit=5"):
        refused = client.get(path)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["limit"], path
    assert client.get("/v1/events?format=ndjson&as_of=999").status_code == 422
    # An Accept the service cannot meet still gets JSON, as before exports.
    assert client.get("/v1/incidents", headers={"Accept": "text/html"}).mimetype == "application/json"


def test_the_readme_documents_every_csv_column():
    readme = README.read_text()
    for name in {**rows.INCIDENT_COLUMNS, **rows.EVENT_COLUMNS}:
        assert re.search(rf"^\| `{name}` \|", readme, re.MULTILINE), name


def test_a_csv_cell_a_spreadsheet_would_run_is_written_as_text(client, reporter):
    """A summary or quote beginning with =, +, - or @ (OWASP's CSV injection) gets a leading
    apostrophe in CSV; the JSON of the same entry keeps the text as it was said."""
    said = '=HYPERLINK("http://example.com","shelled")'
    posted = post_accusation(client, reporter, summary=said, locations=["agdam"])
    assert posted.status_code == 201, posted.get_json()
    table = list(csv.DictReader(io.StringIO(client.get("/v1/events?format=csv").get_data(as_text=True))))
    row = next(row for row in table if row["id"] == posted.get_json()["id"])
    assert row["summary"] == "'" + said
    assert row["seq"] == str(posted.get_json()["seq"])  # numbers are written as they are
    assert client.get(f"/v1/events/{posted.get_json()['id']}").get_json()["summary"] == said


@pytest.fixture
def every_shape(client, reporter, admin_key, busy_log):
    """The busy log and entries in every shape a field takes: microseconds and half-hour offsets,
    -00:30, days, months and unknown times, several targets and acts, casualties, channels,
    control characters and non-Latin text, cells a spreadsheet would run, places with negative,
    whole and no coordinates, an actor whose slug and name begin as a formula, and a void."""
    made = client.post(
        "/v1/sources",
        json={"slug": "monthly", "publisher": "Wire", "published_at": "2031-04", "text": "Both sides said so."},
        headers=admin_key,
    )
    assert made.status_code == 201, made.get_json()
    for path, body in (
        (
            "/v1/locations",
            {"slug": "south-post", "name": "South, Post", "latitude": -33.5, "longitude": 18, "precision": "exact"},
        ),
        ("/v1/locations", {"slug": "-ridge", "name": "=Ridge", "precision": "region"}),
        ("/v1/actors", {"slug": "-unit", "name": '@Unit "Nine"', "kind": "armed-group", "parent": "armenia"}),
    ):
        made = client.post(path, json=body, headers=admin_key)
        assert made.status_code == 201, made.get_json()
    for overrides in (
        {
            "occurred_from": "2020-10-12T09:00:00.000250-05:30",
            "occurred_to": "2020-10-12T10:00:00-05:30",
            "stated_at": "2020-10-13T23:59:59.5+14:00",
        },
        {
            "occurred_from": "2020-10-12T09:00:00Z",
            "occurred_to": "2020-10-12T10:00:00Z",
            "stated_at": "2020-10-12T12:00:00-00:30",
            "violations": 60,
        },
        {
            "target": None,
            "targets": ["armenia", "armenia-mod", "-unit"],
            "act": None,
            "acts": ["shelling", "drone-strike"],
            "summary": 'Tabs\tand "quotes", a \\ backslash, \u0007 a bell, émigrés and 中文 ✓',
            "casualties": {"killed": 2, "civilians_injured": 0},
            "channel": "social-media",
            "channel_name": "a post on X",
            "via": "AFP",
            "locations": [],
        },
        {"stated_at": None, "source": "monthly", "occurred_from": "2020-10", "occurred_to": "2020"},
        {
            "stated_at": "2031-04",
            "source": "monthly",
            "time_note": "'in April'",
            "quotes": ["Both sides", "said so."],
            "locations": ["south-post", "-ridge", "agdam"],
        },
        {"target": "-unit", "summary": "-3 posts shelled, =SUM(A1)", "channel_name": "+ a wire", "via": "\tTAB"},
        # Further acts and a single target, and further targets and a single act.
        {"act": None, "acts": ["shelling", "drone-strike"]},
        {"target": None, "targets": ["armenia", "-unit"]},
    ):
        posted = post_accusation(client, reporter, **overrides)
        assert posted.status_code == 201, posted.get_json()
    voided = client.post(f"/v1/events/{busy_log[5]}/voids", json={"reason": "a duplicate"}, headers=admin_key)
    assert voided.status_code == 201, voided.get_json()
    # A few entries in one transaction, an answer to one of them among them: at the commit the
    # database hashes them one by one and writes their lines and cells together (0032, 0034, 0035).
    batch = [
        {**ACCUSATION, "ref": "dawn", "summary": "Shelling of Agdam at dawn."},
        {
            **ACCUSATION,
            "kind": "denial",
            "responds_to": "#dawn",
            "claimant": "armenia-mod",
            "target": "azerbaijan-military",
            "summary": "Denied.",
        },
        {**ACCUSATION, "summary": "Shelling of Agdam at noon."},
    ]
    written = client.post("/v1/batches", json={"entries": batch}, headers=reporter)
    assert written.status_code == 201, written.get_json()


def test_the_ndjson_postgresql_writes_is_the_services_own_byte_for_byte(client, every_shape, dsn):
    """The events' NDJSON export is written by PostgreSQL (events.EVENT_LINE): held here, byte for
    byte, to the service's own rendering of the same entries (orjson over the store's Events)."""
    exported = client.get("/v1/events?format=ndjson").get_data()
    with connect(dsn) as conn:
        own = b"".join(
            orjson.dumps(event, default=days.json, option=orjson.OPT_APPEND_NEWLINE)
            for event in events.after(conn, 0, 100_000)
        )
    assert exported.count(b"\n") > 60
    for written, rendered in zip(exported.splitlines(), own.splitlines(), strict=True):
        assert written == rendered
    assert exported == own
    assert client.get("/v1/events?format=ndjson&after=10&as_of=20").get_data() == b"".join(
        line + b"\n" for line in own.splitlines()[10:20]
    )


def test_the_csv_postgresql_writes_is_the_services_own_byte_for_byte(client, every_shape, dsn):
    """The events' CSV export is written by PostgreSQL (csv_lines.EVENT_CSV): held here, byte for
    byte, to formats/csv.py writing rows.event_row of the same entries, quoting, formula cells,
    coordinates and all."""
    exported = client.get("/v1/events?format=csv").get_data()
    with connect(dsn) as conn:
        catalogue = names.read(conn)
        own = b"".join(
            csv_writer.write(
                events.after(conn, 0, 100_000), rows.EVENT_COLUMNS, lambda event: rows.event_row(event, catalogue)
            )
        )
    assert exported.count(b"\r\n") > 60
    for written, rendered in zip(exported.split(b"\r\n"), own.split(b"\r\n"), strict=True):
        assert written == rendered
    assert exported == own
    for cell in (
        b"'-3 posts shelled",
        b'"\'@Unit ""Nine"""',
        b"'-33.5 18.0; ; 39.9911 46.9297",
        b"'-unit",
        b'"Both sides\nsaid so."',
    ):
        assert cell in exported
    header, *lines = own.split(b"\r\n")
    assert client.get("/v1/events?format=csv&after=10&as_of=20").get_data() == b"".join(
        line + b"\r\n" for line in [header, *lines[10:20]]
    )


def test_an_export_read_batches_ahead_is_the_export_read_one_batch_at_a_time(
    app, client, reporter, every_shape, dsn, monkeypatch
):
    """The events' exports read their next batches while one is sent (reads.read_ahead), each in
    a snapshot of its own: in batches of 3, their ends looked up 2 at a time, the same bytes as
    the export read in one batch (NDJSON, CSV and GeoJSON), across a gap in the seqs (writes
    refused after they drew one), from any seq and as of any seq. A client that stops reading
    leaves no connection taken."""
    with connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT nextval(pg_get_serial_sequence('event', 'seq')) FROM generate_series(1, 7)")
    assert post_accusation(client, reporter, summary="Shelling after a gap in the log's seqs.").status_code == 201
    queries = ("", "&after=10&as_of=20", "&after=4", "&as_of=9")
    whole = {
        (fmt, q): client.get(f"/v1/events?format={fmt}{q}").get_data()
        for fmt in ("ndjson", "csv", "geojson")
        for q in queries
    }
    assert whole["ndjson", ""].count(b"\n") > 60 and whole["csv", "&as_of=9"].count(b"\r\n") == 10
    monkeypatch.setattr(api_events, "EXPORT_BATCH", 3)
    monkeypatch.setattr(reads, "ENDS_AT_A_LOOK", 2)
    for (fmt, q), body in whole.items():
        assert client.get(f"/v1/events?format={fmt}{q}").get_data() == body, (fmt, q)

    pool = app.extensions["pool"]
    stopped = client.get("/v1/events?format=csv", buffered=False)
    assert next(stopped.response).startswith(b"id,seq,kind")
    stopped.close()
    deadline = time.monotonic() + 5
    while (stats := pool.get_stats())["pool_available"] < stats["pool_size"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stats["pool_available"] == stats["pool_size"]


def test_the_csv_writes_the_catalogue_s_names_as_they_stand_now(client, every_shape, dsn):
    """A CSV row keeps its entry's own cells, and the ids of the catalogue rows it names (0036):
    an actor, a place or a source renamed after the entry was written is written by its new name,
    in every row that names it, several targets and places in their order included."""
    with connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE actor SET name = 'Republic of Armenia' WHERE slug = 'armenia'")
        conn.execute("UPDATE location SET name = 'Aghdam' WHERE slug = 'agdam'")
        conn.execute("UPDATE source SET title = 'Moscow truce report' WHERE slug = 'moscow-ceasefire-article'")
    table = list(csv.DictReader(io.StringIO(client.get("/v1/events?format=csv").get_data(as_text=True), newline="")))
    named = [row for row in table if row["target"] == "armenia"]
    assert len(named) > 10 and {row["target_name"] for row in named} == {"Republic of Armenia"}
    several = next(row for row in table if row["target"] == "armenia; -unit")
    assert several["target_name"] == 'Republic of Armenia; @Unit "Nine"'
    places = next(row for row in table if row["locations"] == "south-post; -ridge; agdam")
    assert places["location_names"].endswith("; Aghdam")
    sourced = [row for row in table if row["source"] == "moscow-ceasefire-article"]
    assert sourced and {row["source_title"] for row in sourced} == {"Moscow truce report"}
