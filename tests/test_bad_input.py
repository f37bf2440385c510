"""Bad input of any shape is a 4xx problem naming what is wrong, and writes nothing.

The shapes come from trying the service as a hostile client would: a NUL character, a lone
surrogate, JSON nested 10,000 deep, instants past the calendar, forged cursors, repeated places,
odd digits. Each is tested as a shape across the fields that can carry it, not field by field.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api import ACCUSATION, counts, post_accusation, problem_of


def raw_post(client, path: str, text: str, headers: dict):
    """Send JSON text exactly as written (json= would re-encode it)."""
    return client.post(
        path, data=text.encode("utf-8", "surrogatepass"), headers={**headers, "Content-Type": "application/json"}
    )


CATALOGUE = {
    "actors": {"slug": "new-actor", "name": "A new actor", "kind": "other", "aliases": ["Another name"]},
    "locations": {"slug": "new-place", "name": "A new place", "precision": "unknown", "aliases": ["Elsewhere"]},
    "acts": {"slug": "new-act", "label": "A new act", "description": "What it is."},
    "sources": {"slug": "new-source", "title": "A new source", "publisher": "A publisher", "text": "The text."},
    "ceasefires": {"slug": "new-ceasefire", "name": "A new ceasefire", "terms": ["Stop firing."]},
}
# Every free-text field of every body, as (path, body, field, value-wrapper).
TEXT_FIELDS = [("/v1/events", ACCUSATION, "summary", str), ("/v1/events", ACCUSATION, "quotes", lambda t: [t])] + [
    (f"/v1/{name}", body, field, (lambda t: [t]) if isinstance(value, list) else str)
    for name, body in CATALOGUE.items()
    for field, value in body.items()
    if field != "slug" and field != "kind" and field != "precision"
]


@pytest.mark.parametrize("bad, words", [("a\x00b", "NUL"), ("a\ud800b", "surrogate")])
@pytest.mark.parametrize(
    "path, body, field, wrap", TEXT_FIELDS, ids=[f"{path}:{field}" for path, _, field, _ in TEXT_FIELDS]
)
def test_text_the_database_cannot_hold_is_refused_by_field(
    client, reporter, admin_key, dsn, path, body, field, wrap, bad, words
):
    before = counts(dsn)
    key = reporter if path == "/v1/events" else admin_key
    text = json.dumps({**body, field: wrap(bad)}, ensure_ascii=True)
    problem = problem_of(raw_post(client, path, text, key), 422)
    assert any(words in message for message in json.dumps(problem["errors"]).split('"')), problem
    assert any(name.startswith(field) for name in problem["errors"]), problem
    assert counts(dsn) == before


@pytest.mark.parametrize(
    "query, field",
    [
        ("q=a%00b", "q"),
        ("party=armenia%00", "party"),
        ("party=armenia%0A", "party"),
        ("cursor=%00", "cursor"),
        ("limit=%205", "limit"),
        ("limit=%D9%A3", "limit"),
        ("limit=5%0A", "limit"),
    ],
)
def test_query_strings_the_database_cannot_hold_are_refused_by_field(client, query, field):
    problem = problem_of(client.get(f"/v1/incidents?{query}"), 422)
    assert field in problem["errors"] and problem["title"] == "Invalid query string"


@pytest.mark.parametrize("after", ["%D9%A3", "%203", "3.0", "-1", "1e3", "99999999999999999999999"])
def test_the_follower_position_is_plain_ascii_digits(client, after):
    assert "after" in problem_of(client.get(f"/v1/events?after={after}"), 422)["errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/actors/%00",
        "/v1/actors/armenia%0A",
        "/v1/locations/%ED%A0%80",
        "/v1/events/%00",
        "/v1/incidents/%00",
        "/v1/acts/" + "a" * 65,
    ],
)
def test_a_path_that_names_nothing_is_404(client, path):
    problem_of(client.get(path), 404)


def test_json_nested_ten_thousand_deep_is_a_400(client, reporter, dsn):
    before = counts(dsn)
    problem = problem_of(raw_post(client, "/v1/events", "[" * 10_000 + "]" * 10_000, reporter), 400)
    assert "nested too deeply" in problem["detail"]
    problem_of(raw_post(client, "/v1/events", '{"summary": ' + "[" * 10_000, reporter), 400)
    assert counts(dsn) == before


def test_a_body_that_is_not_utf8_is_a_400(client, reporter):
    response = client.post(
        "/v1/events", data=b'{"summary": "\xff"}', headers={**reporter, "Content-Type": "application/json"}
    )
    problem_of(response, 400)


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+14:00", "9999-12-31T20:00:00-14:00"])
@pytest.mark.parametrize(
    "path, body, field",
    [
        ("/v1/events", ACCUSATION, "occurred_from"),
        ("/v1/events", ACCUSATION, "stated_at"),
        ("/v1/ceasefires", CATALOGUE["ceasefires"], "agreed_at"),
        ("/v1/sources", CATALOGUE["sources"], "published_at"),
    ],
)
def test_instants_past_the_calendar_in_utc_are_refused(client, reporter, admin_key, dsn, path, body, field, instant):
    before = counts(dsn)
    key = reporter if path == "/v1/events" else admin_key
    problem = problem_of(client.post(path, json={**body, field: instant}, headers=key), 422)
    assert "years 1 and 9999" in problem["errors"][field][0]
    assert counts(dsn) == before
    problem_of(client.get(f"/v1/incidents?occurred_after={instant.replace('+', '%2B')}"), 422)


def test_one_answer_names_everything_an_accusation_lacks(client, reporter, dsn):
    before = counts(dsn)
    problem = problem_of(client.post("/v1/events", json={"kind": "accusation"}, headers=reporter), 422)
    assert set(problem["errors"]) == {
        "claimant",
        "source",
        "stated_at",
        "summary",
        "targets",
        "acts",
        "occurred_from",
        "occurred_to",
        "time_precision",
    }
    # A field that was sent and is wrong is named for what is wrong with it, not as missing too.
    problem = problem_of(
        client.post("/v1/events", json={"kind": "accusation", "target": "Not a slug"}, headers=reporter), 422
    )
    assert "Missing data for required field." not in problem["errors"]["target"]
    assert "acts" in problem["errors"] and "summary" in problem["errors"]
    assert counts(dsn) == before


def test_an_instant_that_is_not_one_is_told_how_to_write_it(client, reporter, dsn):
    before = counts(dsn)
    problem = problem_of(
        post_accusation(client, reporter, stated_at="2020-10-12T11:00:00", occurred_from="12 October"), 422
    )
    assert "no UTC offset" in problem["errors"]["stated_at"][0]
    assert "2020-10-12T09:00:00+04:00" in problem["errors"]["occurred_from"][0]
    assert "or give the day alone (2020-10-12)" in problem["errors"]["stated_at"][0]
    problem = problem_of(client.get("/v1/incidents?occurred_after=yesterday"), 422)
    assert "RFC 3339" in problem["errors"]["occurred_after"][0]
    problem = problem_of(client.get("/v1/incidents?occurred_after=2020-13"), 422)
    assert problem["errors"]["occurred_after"] == ["2020-13 has no month 13"]
    problem = problem_of(post_accusation(client, reporter, stated_at="2020-13"), 422)
    assert problem["errors"]["stated_at"] == ["2020-13 has no month 13"]
    problem = problem_of(post_accusation(client, reporter, stated_at="2020-02-30"), 422)
    assert problem["errors"]["stated_at"] == ["day is out of range for month"]
    assert counts(dsn) == before


@pytest.mark.parametrize("body", ["[1, 2]", '"a report"', "42", "null"])
def test_a_body_that_is_not_an_object_is_told_so(client, reporter, dsn, body):
    before = counts(dsn)
    problem = problem_of(raw_post(client, "/v1/events", body, reporter), 422)
    assert problem["detail"] == "The body must be a JSON object, with a field for each value."
    assert counts(dsn) == before


def test_the_same_place_twice_is_a_422(client, reporter, dsn):
    before = counts(dsn)
    problem = problem_of(post_accusation(client, reporter, locations=["agdam", "tartar", "agdam"]), 422)
    assert "agdam is given more than once" in problem["errors"]["locations"][0]
    assert counts(dsn) == before


def forge(position) -> str:
    raw = json.dumps({"p": position, "f": "0" * 16}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/v1/incidents", "/v1/actors", "/v1/incidents?status=disputed"])
@pytest.mark.parametrize(
    "position",
    [["not-a-date", "x"], [123], ["2020-10-12T00:00:00+00:00", 1], [None, None], ["armenia"], [], {"a": 1}, "x"],
)
def test_a_forged_cursor_is_refused(client, path, position):
    joiner = "&" if "?" in path else "?"
    for cursor in (forge(position), forge(position) + ".AAAAAAAAAAAAAAAAAAAAAA", "x.y", "..", "=", "%00"):
        assert "cursor" in problem_of(client.get(f"{path}{joiner}cursor={cursor}"), 422)["errors"]


def test_a_cursor_tampered_with_is_refused_and_a_true_one_works(client):
    first = client.get("/v1/actors?limit=2").get_json()
    cursor = first["next"].split("cursor=")[1]
    payload, mac = cursor.split(".")
    moved = (
        base64.urlsafe_b64encode(
            json.dumps(
                {"p": ["armenia"], "f": json.loads(base64.urlsafe_b64decode(payload + "==="))["f"]},
                separators=(",", ":"),
            ).encode()
        )
        .decode()
        .rstrip("=")
    )
    assert "cursor" in problem_of(client.get(f"/v1/actors?limit=2&cursor={moved}.{mac}"), 422)["errors"]
    assert client.get(first["next"]).status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(cursor=st.text(max_size=120))
def test_no_cursor_a_client_can_send_is_a_500(client, cursor):
    response = client.get("/v1/incidents", query_string={"cursor": cursor})
    assert response.status_code in (200, 422), response.get_data(as_text=True)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(text=st.text(alphabet=st.characters(codec=None, blacklist_categories=()), min_size=1, max_size=40))
def test_no_summary_a_client_can_send_is_a_500(client, reporter, text):
    response = raw_post(client, "/v1/events", json.dumps({**ACCUSATION, "summary": text}), reporter)
    assert response.status_code in (201, 422), response.get_data(as_text=True)


def test_unknown_query_parameters_are_refused_everywhere(client):
    for path in ("/v1/actors/armenia?limit=5", "/healthz?verbose=1", "/v1/events/x?version=1", "/readyz?x=1"):
        problem = problem_of(client.get(path), 422)
        assert problem["title"] == "Invalid query string" and set(problem["errors"]) == {
            path.split("?")[1].split("=")[0]
        }


def test_a_method_the_path_refuses_is_405_whatever_the_body(client, reporter):
    response = client.put("/v1/events", data="not json", headers={**reporter, "Content-Type": "text/plain"})
    assert problem_of(response, 405) and "POST" in response.headers["Allow"]


def test_options_answers_204_with_what_is_allowed(client):
    response = client.options("/v1/events")
    assert response.status_code == 204 and response.get_data() == b""
    assert {"GET", "POST"} <= {method.strip() for method in response.headers["Allow"].split(",")}


def test_idempotency_compares_the_parsed_request(client, reporter, dsn):
    headers = {**reporter, "Idempotency-Key": "same-report", "Content-Type": "application/json"}
    first = client.post("/v1/events", data=json.dumps(ACCUSATION), headers=headers)
    reordered = json.dumps(dict(reversed(list(ACCUSATION.items()))), indent=2)
    again = client.post("/v1/events", data=reordered, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == first.get_json()
    other = client.post("/v1/events", data=json.dumps({**ACCUSATION, "summary": "Another."}), headers=headers)
    assert "Idempotency-Key" in problem_of(other, 422)["errors"]


def test_a_failure_is_logged_once(app, caplog):
    @app.route("/boom")
    def boom():
        raise RuntimeError("a bug")

    with caplog.at_level(logging.ERROR):
        problem_of(app.test_client().get("/boom"), 500)
    assert [record.exc_info is not None for record in caplog.records if record.levelno >= logging.ERROR] == [True]


def test_every_answer_says_not_to_sniff_and_errors_and_keyed_reads_are_not_stored(client, reporter):
    public = client.get("/v1/incidents")
    # A public read may be kept by a cache, to revalidate (tests/test_caching.py).
    assert public.headers["X-Content-Type-Options"] == "nosniff" and public.headers["Cache-Control"] == "no-cache"
    for response in (
        client.get("/v1/incidents", headers=reporter),
        client.get("/v1/actors/nobody"),
        client.get("/v1/incidents?limit=0"),
    ):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_page_on_another_origin_may_read_but_never_write(client, reporter):
    origin = {"Origin": "https://newsroom.example"}
    read = client.get("/v1/incidents?status=disputed", headers=origin)
    assert (
        read.headers["Access-Control-Allow-Origin"] == "*" and "Link" in read.headers["Access-Control-Expose-Headers"]
    )
    asked = client.options(
        "/v1/incidents",
        headers={**origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"},
    )
    assert asked.status_code == 204 and asked.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in asked.headers["Access-Control-Allow-Headers"]
    for path in ("/v1/events", "/v1/incidents/x/denials", "/v1/actors"):
        preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in preflight.headers
    written = post_accusation(client, {**reporter, **origin})
    assert written.status_code == 201 and "Access-Control-Allow-Origin" not in written.headers


@pytest.mark.parametrize("path", ["/v1/incidents", "/v1/events", "/v1/incidents/counts"])
def test_a_digit_that_is_not_ascii_is_refused_by_name(client, path):
    """'²' is a digit to str.isdigit and not to int(): min_seq and as_of take ASCII digits only."""
    for name in ("min_seq", "as_of"):
        assert name in problem_of(client.get(f"{path}?{name}=%C2%B2"), 422)["errors"]


def test_if_none_match_any_answers_only_what_exists(client):
    """`If-None-Match: *` is answered 304 only for a read that would answer 200: a malformed
    as_of, a bogus filter or an unknown entry is refused as it is without the header."""
    star = {"If-None-Match": "*"}
    assert "as_of" in problem_of(client.get("/v1/incidents?as_of=1%0A", headers=star), 422)["errors"]
    assert "status" in problem_of(client.get("/v1/incidents?status=bogus", headers=star), 422)["errors"]
    problem_of(client.get("/v1/events/9915ceb2-ffe5-5116-aff6-e10990583810", headers=star), 404)
    held = client.get("/v1/incidents?status=disputed", headers=star)
    assert held.status_code == 304 and held.headers["ETag"] and not held.get_data()


def test_counts_before_the_calendar_begins_are_none(client):
    """Nothing occurred before 0001-01-01T00:00:00Z: no buckets, not an overflow."""
    for interval in ("day", "week", "month"):
        answer = client.get(f"/v1/incidents/counts?occurred_before=0001-01-01T00:00:00Z&interval={interval}")
        assert answer.status_code == 200, answer.get_json()
        assert answer.get_json()["buckets"] == []


@pytest.mark.parametrize("path", ["/actors/%00", "/locations/%00", "/ceasefires/%00", "/ceasefires/moscow%0A"])
def test_a_page_that_names_nothing_is_a_404_page(client, path):
    """Only a slug names an actor, a place or a ceasefire: anything else never reaches PostgreSQL."""
    page = client.get(path)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "No " in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, name",
    [("as_of=1&as_of=2", "as_of"), ("status=disputed&status=retracted", "status"), ("limit=1&limit=1", "limit")],
)
def test_a_parameter_given_twice_is_refused_by_name(client, query, name):
    """A second value was silently dropped: which one the client meant is for the client to say."""
    problem = problem_of(client.get(f"/v1/incidents?{query}"), 422)
    assert problem["errors"] == {name: ["given 2 times; give it once"]}
    assert problem["title"] == "Invalid query string"


def test_a_cursor_of_one_list_is_refused_by_another(client):
    actors = client.get("/v1/actors?limit=1").get_json()
    cursor = actors["next"].split("cursor=")[1].split("&")[0]
    assert "cursor" in problem_of(client.get(f"/v1/locations?limit=1&cursor={cursor}"), 422)["errors"]
    assert client.get(f"/v1/actors?limit=1&cursor={cursor}").status_code == 200


def test_a_body_in_another_encoding_is_refused_and_writes_nothing(client, reporter, dsn):
    """JSON travels as UTF-8: a UTF-16 body (which Python's parser would read) or a declared
    charset of latin-1 is refused, not guessed at."""
    before = counts(dsn)
    as_utf16 = json.dumps(ACCUSATION).encode("utf-16")
    refused = client.post("/v1/events", data=as_utf16, headers={**reporter, "Content-Type": "application/json"})
    assert "UTF-8" in problem_of(refused, 400)["detail"]
    declared = client.post(
        "/v1/events",
        data=json.dumps(ACCUSATION).encode("latin-1"),
        headers={**reporter, "Content-Type": "application/json; charset=latin-1"},
    )
    assert "latin-1" in problem_of(declared, 415)["detail"]
    said = client.post(
        "/v1/events",
        data=json.dumps(ACCUSATION).encode(),
        headers={**reporter, "Content-Type": "application/json; charset=UTF-8"},
    )
    assert said.status_code == 201
    assert counts(dsn)["event"] == before["event"] + 1


@pytest.mark.parametrize(
    "instant", ["2020-10-12T05:00:00+23:59", "2020-10-12T05:00:00-12:30", "2020-10-12T05:00:00+14:01"]
)
def test_an_offset_no_clock_is_set_to_is_refused_by_field(client, reporter, dsn, instant):
    """Python takes offsets up to ±23:59; PostgreSQL cannot read one past ±15:59 back from a file,
    and no clock is set beyond -12:00 or +14:00."""
    before = counts(dsn)
    refused = problem_of(post_accusation(client, reporter, occurred_from=instant), 422)
    assert "is not a UTC offset any clock is set to" in refused["errors"]["occurred_from"][0]
    assert counts(dsn) == before
    assert post_accusation(client, reporter, stated_at="2020-10-13T11:00:00+14:00").status_code == 201


def test_refusals_a_person_who_is_not_a_programmer_can_act_on(client, reporter, dsn):
    """Three refusals that used to name a rule without saying what to change: a list where one
    slug goes, a quote differing from the source by one look-alike character, and a time the
    client never sent (a denial's, taken from the accusation it answers)."""
    before = counts(dsn)
    listed = problem_of(post_accusation(client, reporter, target=["armenia", "armenia-mod"]), 422)
    assert listed["errors"]["target"] == ['One slug, not a list: give the slug of one entry, like "armenia".']

    # The article writes a curly closing quotation mark; a client typed a straight one.
    typed = 'the "conditions'
    quoted = problem_of(post_accusation(client, reporter, quotes=["claiming that " + typed]), 422)
    message = quoted["errors"]["quotes"][0]
    assert message.startswith("quote 0 is not in the source's text, character for character: it matches the ")
    assert "first 18 characters" in message
    assert "the quote has '\"' (U+0022) where the source's text has '“' (U+201C)" in message
    assert problem_of(post_accusation(client, reporter, quotes=["§"]), 422)["errors"]["quotes"] == [
        "quote 0 is not in the source's text, character for character: its first character, '§' (U+00A7), "
        "is nowhere in the source's text; copy the quote from the text as it is held"
    ]

    accusation = post_accusation(client, reporter).get_json()
    early = problem_of(
        client.post(
            f"/v1/incidents/{accusation['id']}/denials",
            headers=reporter,
            json={
                "claimant": "armenia-mod",
                "stated_at": "2020-10-12T08:00:00+04:00",  # before the shelling it denies began
                "summary": "Denied.",
                "source": "moscow-ceasefire-article",
            },
        ),
        422,
    )
    said = " ".join(early["errors"]["stated_at"])
    assert "occurred_from was taken from the accusation it answers (occurred_from 2020-10-12T09:00:00+04:00)" in said
    assert "send occurred_from and occurred_to of its own" in said
    assert "(stated at 2020-10-12T11:00:00+04:00)" in said  # the accusation's time as it was said
    # A denial that says when it speaks of but keeps the accusation's end: the end is named as taken.
    later = problem_of(
        client.post(
            f"/v1/incidents/{accusation['id']}/denials",
            headers=reporter,
            json={
                "claimant": "armenia-mod",
                "occurred_from": "2020-10-12T10:30:00+04:00",
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "Nothing was fired that morning.",
                "source": "moscow-ceasefire-article",
            },
        ),
        422,
    )
    assert later["errors"]["occurred_to"] == [
        "must not be before occurred_from; occurred_to was taken from the accusation it answers "
        "(occurred_to 2020-10-12T10:00:00+04:00): send occurred_from and occurred_to of its own when it "
        "speaks of another time"
    ]
    assert counts(dsn)["event"] == before["event"] + 1  # the accusation alone


def test_a_statement_past_the_time_a_request_may_take_is_cut_off(dsn, tmp_path, reporter):
    """CFL_TIMEOUT bounds the database's work for a request too: an append that waits on the log's
    head held elsewhere is stopped at it and answered 503, writing nothing."""
    from service.config import Settings
    from service.pipeline.db import connect
    from service.running.app import create_app

    app = create_app(Settings(data_dir=tmp_path, pool_min=1, pool_max=2, pool_timeout=5.0, timeout=1), dsn=dsn)
    try:
        with app.extensions["pool"].connection() as conn:
            assert conn.execute("SHOW statement_timeout").fetchone()["statement_timeout"] == "1s"
        before = counts(dsn)
        with connect(dsn) as holder:
            holder.execute("SELECT 1 FROM log_head FOR UPDATE")  # another writer, slow to commit
            problem = problem_of(post_accusation(app.test_client(), reporter), 503)
        assert problem["type"].endswith("timeout") and "1 s a request may take" in problem["detail"]
        assert counts(dsn) == before
    finally:
        app.extensions["pool"].close()
