"""Corrections: the recorder fixes the record of an entry without rewriting it. The original stays
in the log; every read of the current state uses the latest correction; the database refuses
every broken rule by name."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tests.api import ACCUSATION, counts, make_key, post_accusation, problem_of
from tests.test_database_rules import event_id, insert_event, refused_event

SOURCE = "moscow-ceasefire-article"


def record_of(event: dict, **changes) -> dict:
    """The whole record of an entry as the API returned it, with some fields changed: what a
    correction carries."""
    record = {
        name: event[name]
        for name in (
            "claimant",
            "target",
            "act",
            "locations",
            "occurred_from",
            "occurred_to",
            "time_precision",
            "stated_at",
            "ceasefire",
            "summary",
            "source",
        )
    }
    return {**record, "quotes": [quote["text"] for quote in event["quotes"]], **changes}


def correct(client, key, event: dict, **changes):
    return client.post(f"/v1/events/{event['id']}/corrections", headers=key, json=record_of(event, **changes))


def listed(client, query: str) -> set[str]:
    return {incident["id"] for incident in client.get(f"/v1/incidents?{query}&limit=200").get_json()["items"]}


def test_a_correction_moves_an_incident_between_place_and_actor_filters(client, reporter, conn):
    accusation = post_accusation(
        client,
        reporter,
        claimant="azerbaijan-military",
        target="armenia",
        locations=["agdam"],
        summary="Shelling of Agdam reported.",
    ).get_json()
    incident = accusation["id"]
    assert incident in listed(client, "location=agdam") and incident not in listed(client, "location=tartar")
    assert incident in listed(client, "claimant=azerbaijan") and incident not in listed(client, "claimant=armenia")

    # The place was mis-copied, and so were the sides: Armenia's ministry accused Azerbaijan's army.
    response = correct(
        client,
        reporter,
        accusation,
        claimant="armenia-mod",
        target="azerbaijan-military",
        locations=["tartar"],
        summary="Shelling of Tartar reported.",
    )
    assert response.status_code == 201, response.get_json()
    correction = response.get_json()
    assert correction["kind"] == "correction" and correction["corrects"] == incident
    assert correction["locations"] == ["tartar"] and correction["seq"] > accusation["seq"]
    assert response.headers["Location"].endswith(f"/v1/events/{correction['id']}")

    assert incident in listed(client, "location=tartar") and incident not in listed(client, "location=agdam")
    assert incident in listed(client, "location=azerbaijan")
    assert incident in listed(client, "claimant=armenia") and incident not in listed(client, "claimant=azerbaijan")
    assert incident in listed(client, "target=azerbaijan") and incident in listed(client, "party=armenia")
    assert incident in listed(client, "q=Tartar") and incident not in listed(client, "q=Agdam")

    current = client.get(f"/v1/events/{incident}").get_json()
    assert (current["kind"], current["seq"], current["recorded_by"]) == ("accusation", accusation["seq"], "monitor")
    assert (current["claimant"], current["locations"]) == ("armenia-mod", ["tartar"])
    assert current["revisions"] == [
        {
            "id": correction["id"],
            "seq": correction["seq"],
            "recorded_by": "monitor",
            "recorded_at": correction["recorded_at"],
            "changed": ["claimant", "targets", "locations", "summary"],
        }
    ]
    thread = client.get(f"/v1/incidents/{incident}").get_json()
    assert thread["accusation"] == current
    # The correction itself is an entry of the log, as it was written.
    assert client.get(f"/v1/events/{correction['id']}").get_json() == {**correction, "revisions": []}

    # As of the seq before it, the record and the filters are what they were.
    before = accusation["seq"]
    assert client.get(f"/v1/events/{incident}?as_of={before}").get_json()["locations"] == ["agdam"]
    assert incident in listed(client, f"location=agdam&as_of={before}")
    assert incident not in listed(client, f"location=tartar&as_of={before}")
    assert incident in listed(client, f"claimant=azerbaijan&as_of={before}")
    # The original is in the log unchanged.
    assert (
        conn.execute("SELECT summary FROM event WHERE id = %s", [incident]).fetchone()["summary"]
        == "Shelling of Agdam reported."
    )


def test_each_correction_replaces_the_last_and_the_revisions_say_what_each_changed(client, reporter):
    accusation = post_accusation(client, reporter).get_json()
    first = correct(client, reporter, accusation, act="drone-strike").get_json()
    second = correct(client, reporter, accusation, act="drone-strike", stated_at="2020-10-12T12:30:00+04:00").get_json()
    current = client.get(f"/v1/events/{accusation['id']}").get_json()
    assert (current["act"], current["stated_at"]) == ("drone-strike", "2020-10-12T12:30:00+04:00")
    assert [(r["id"], r["changed"]) for r in current["revisions"]] == [
        (first["id"], ["acts"]),
        (second["id"], ["stated_at"]),
    ]
    assert accusation["id"] in listed(client, "act=drone-strike") and accusation["id"] not in listed(
        client, "act=shelling"
    )
    between = client.get(f"/v1/events/{accusation['id']}?as_of={first['seq']}").get_json()
    assert between["stated_at"] == ACCUSATION["stated_at"] and len(between["revisions"]) == 1


def test_a_correction_that_changes_nothing_is_refused_and_one_of_the_offset_alone_is_not(client, reporter, dsn):
    accusation = post_accusation(client, reporter).get_json()
    before = counts(dsn)
    refused = problem_of(correct(client, reporter, accusation), 422)
    assert refused["errors"] == {"_schema": ["this correction changes nothing: the entry already reads so"]}
    assert refused["detail"] == "This correction changes nothing: the entry already reads so."
    assert counts(dsn) == before
    # The same moment at another offset is another local time: a change, and named as one.
    said = accusation["stated_at"]  # 2020-10-12T11:00:00+04:00
    moved = correct(client, reporter, accusation, stated_at="2020-10-12T07:00:00+00:00")
    assert moved.status_code == 201, moved.get_json()
    current = client.get(f"/v1/events/{accusation['id']}").get_json()
    assert (said, current["stated_at"]) == ("2020-10-12T11:00:00+04:00", "2020-10-12T07:00:00+00:00")
    assert current["revisions"][-1]["changed"] == ["stated_at"]
    again = problem_of(correct(client, reporter, current), 422)
    assert again["errors"]["_schema"] == [
        f"this correction changes nothing: the entry already reads so (as corrected at seq {moved.get_json()['seq']})"
    ]


def test_only_the_key_that_recorded_it_or_an_editor_may_correct(client, reporter, admin_key, dsn):
    accusation = post_accusation(client, reporter).get_json()
    before = counts(dsn)
    other = make_key(dsn, "other-desk", "reporter")
    problem = problem_of(correct(client, other, accusation, act="shooting"), 403)
    assert "Only the key that recorded it (monitor)" in problem["detail"] and problem["errors"]["event_id"]
    problem_of(correct(client, make_key(dsn, "checker", "reviewer"), accusation, act="shooting"), 403)
    assert counts(dsn) == before
    editor = make_key(dsn, "night-editor", "editor")
    assert correct(client, editor, accusation, act="shooting").status_code == 201
    assert correct(client, admin_key, accusation, act="sniper-fire").status_code == 201
    assert [r["recorded_by"] for r in client.get(f"/v1/events/{accusation['id']}").get_json()["revisions"]] == [
        "night-editor",
        "editor",
    ]


def test_a_denial_and_a_retraction_are_corrected_under_the_rules_of_their_kind(client, reporter, dsn):
    accusation = post_accusation(client, reporter).get_json()
    denial = client.post(
        f"/v1/incidents/{accusation['id']}/denials",
        headers=reporter,
        json={
            "claimant": "armenia-mod",
            "stated_at": "2020-10-12T12:00:00+04:00",
            "summary": "Denied.",
            "source": SOURCE,
        },
    ).get_json()
    before = counts(dsn)
    # A denial's corrected claimant must still be of the accused side.
    problem = problem_of(correct(client, reporter, denial, claimant="azerbaijan-mfa"), 422)
    assert "only the accused side" in problem["errors"]["claimant"][0]
    assert counts(dsn) == before
    fixed = correct(client, reporter, denial, claimant="armenia", summary="Armenia denied it.").get_json()
    thread = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert [(d["id"], d["claimant"], [r["id"] for r in d["revisions"]]) for d in thread["denials"]] == [
        (denial["id"], "armenia", [fixed["id"]])
    ]
    assert thread["status"] == "disputed"

    retraction = client.post(
        "/v1/events",
        headers=reporter,
        json={
            "kind": "retraction",
            "claimant": "azerbaijan",
            "responds_to": accusation["id"],
            "stated_at": "2020-10-13T09:00:00+04:00",
            "summary": "Withdrawn.",
            "source": SOURCE,
        },
    ).get_json()
    # Correcting a retraction is not a second retraction.
    assert correct(client, reporter, retraction, summary="Azerbaijan withdrew it.").status_code == 201
    thread = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert thread["status"] == "retracted" and thread["retractions"][0]["summary"] == "Azerbaijan withdrew it."


def test_what_cannot_be_corrected_is_refused_by_the_path(client, reporter, admin_key, dsn):
    accusation = post_accusation(client, reporter).get_json()
    correction = correct(client, reporter, accusation, act="shooting").get_json()
    review = client.post(
        f"/v1/events/{accusation['id']}/reviews",
        headers=admin_key,
        json={"verdict": "plausible", "note": "Consistent with other reports."},
    ).get_json()
    before = counts(dsn)
    problem = problem_of(correct(client, reporter, {**accusation, "id": correction["id"]}), 422)
    assert f"correct the event it corrects, {accusation['id']}" in problem["errors"]["event_id"][0]
    problem = problem_of(
        client.post(f"/v1/events/{review['id']}/corrections", headers=admin_key, json=record_of(accusation)), 422
    )
    assert "a review is not corrected" in problem["errors"]["event_id"][0]
    problem_of(correct(client, reporter, {**accusation, "id": "0c6f7e0e-0000-4000-8000-000000000000"}), 404)
    # A correction is not an incident of its own.
    problem_of(client.get(f"/v1/incidents/{correction['id']}"), 404)
    problem_of(
        client.post(
            f"/v1/incidents/{correction['id']}/denials",
            headers=reporter,
            json={
                "claimant": "armenia-mod",
                "stated_at": "2020-10-12T12:00:00+04:00",
                "summary": "Denied.",
                "source": SOURCE,
            },
        ),
        404,
    )
    problem_of(correct(client, reporter, {**accusation, "id": "not-an-id"}), 404)
    # A correction is the whole record: what it leaves out is refused, not kept from before.
    response = client.post(
        f"/v1/events/{accusation['id']}/corrections",
        headers=reporter,
        json={k: v for k, v in record_of(accusation).items() if k != "locations"},
    )
    assert problem_of(response, 422)["errors"] == {"locations": ["Missing data for required field."]}
    # Its kind and what it answers are the entry's own.
    response = client.post(
        f"/v1/events/{accusation['id']}/corrections", headers=reporter, json={**record_of(accusation), "kind": "denial"}
    )
    assert "kind" in problem_of(response, 422)["errors"]
    assert counts(dsn) == before


def test_the_database_refuses_broken_corrections_by_name(conn):
    accusation = event_id(conn, "agdam-tartar-shelling")  # azerbaijan-military accuses armenia
    denial = event_id(conn, "armenia-mod-denies-shelling")
    conn.execute("INSERT INTO api_key (name, role, key_hash) VALUES ('desk-editor', 'editor', 'x')")
    refused_correction(conn, "event_correction_by_recorder", accusation, recorded_by="someone-else")
    first = corrected(conn, accusation, recorded_by="desk-editor")
    refused_correction(conn, "event_corrects_original", first)
    refused_correction(conn, "event_corrects_fkey", denial, kind="accusation")
    refused_correction(conn, "event_correction_keeps_response", denial, responds_to=accusation_of_another(conn))
    refused_event(
        conn,
        "event_responds_to_original",
        kind="denial",
        claimant="armenia",
        target="azerbaijan-military",
        responds_to=first,
        responds_to_kind="accusation",
    )
    # Only one statement can put an answer before what it answers: the denial first, then its accusation.
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(
            """
            INSERT INTO event (id, kind, claimant_id, target_id, responds_to, responds_to_kind, act_id, occurred_from,
                               occurred_to, time_precision, stated_at, summary, source_id, recorded_by, search)
            SELECT v.id, v.kind, (SELECT id FROM actor WHERE slug = v.claimant), (SELECT id FROM actor WHERE slug = v.target),
                   v.responds_to, v.responds_to_kind, a.act_id, a.occurred_from, a.occurred_to, a.time_precision,
                   a.stated_at, 'x', a.source_id, 'test', a.search
              FROM (VALUES ('00000000-0000-4000-8000-000000000002'::uuid, 'denial', 'armenia', 'azerbaijan-military',
                            '00000000-0000-4000-8000-000000000001'::uuid, 'accusation', 1),
                           ('00000000-0000-4000-8000-000000000001'::uuid, 'accusation', 'azerbaijan-military', 'armenia',
                            NULL, NULL, 2)) v (id, kind, claimant, target, responds_to, responds_to_kind, position)
              CROSS JOIN (SELECT * FROM event WHERE id = %s) a
             ORDER BY v.position""",
            [accusation],
        )
    assert caught.value.diag.constraint_name == "event_responds_in_order"


def accusation_of_another(conn):
    return insert_event(conn)


def corrected(conn, original, recorded_by: str | None = None, kind: str | None = None, responds_to=None):
    """Insert a correction of `original` with its record copied (as a client writing SQL would);
    `recorded_by` defaults to the original's recorder."""
    return conn.execute(
        "INSERT INTO event (kind, claimant_id, target_id, responds_to, responds_to_kind, act_id, occurred_from, "
        "occurred_to, time_precision, stated_at, summary, source_id, recorded_by, search, corrects) "
        "SELECT coalesce(%(kind)s, kind), claimant_id, target_id, coalesce(%(responds_to)s, responds_to), "
        "responds_to_kind, act_id, occurred_from, occurred_to, time_precision, stated_at, 'Corrected.', source_id, "
        "coalesce(%(recorded_by)s, recorded_by), search, id FROM event WHERE id = %(id)s RETURNING id",
        {"id": original, "recorded_by": recorded_by, "kind": kind, "responds_to": responds_to},
    ).fetchone()["id"]


def refused_correction(conn, constraint: str, original, **overrides):
    with pytest.raises(psycopg.Error) as caught:
        corrected(conn, original, **overrides)
    assert caught.value.diag.constraint_name == constraint, str(caught.value)


def test_identical_corrections_sent_together_store_one(app, reporter, dsn):
    """Twenty clients send the same correction at once, with no Idempotency-Key: one is stored,
    and every other is told it changes nothing, as it would be one at a time."""
    client = app.test_client()
    accusation = post_accusation(client, reporter).get_json()
    before = counts(dsn)["event"]
    barrier, answers = threading.Barrier(20), []

    def send() -> None:
        own = app.test_client()
        barrier.wait()
        answers.append(correct(own, reporter, accusation, locations=["tartar"]))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [201] + [422] * 19
    for answer in answers:
        if answer.status_code == 422:
            assert "This correction changes nothing" in problem_of(answer, 422)["detail"]
    assert counts(dsn)["event"] == before + 1
    revisions = client.get(f"/v1/events/{accusation['id']}").get_json()["revisions"]
    assert [revision["changed"] for revision in revisions] == [["locations"]]


def test_a_correction_is_the_entry_as_get_shows_it_edited(client, reporter, dsn):
    """The natural way to correct: read the entry, change what was recorded wrong, send it back.
    What the service decides rides along unchanged; changed, it is refused by name; and a copy
    read before another correction is told the entry has been corrected since."""
    accusation = post_accusation(client, reporter, quotes=["largely holding"]).get_json()
    shown = client.get(f"/v1/events/{accusation['id']}").get_json()
    assert shown["quotes"] == [
        {"text": "largely holding", "start": shown["quotes"][0]["start"], "end": shown["quotes"][0]["end"]}
    ]
    before = counts(dsn)

    tampered = problem_of(
        client.post(
            f"/v1/events/{accusation['id']}/corrections",
            headers=reporter,
            json={**shown, "seq": shown["seq"] + 1, "kind": "denial", "summary": "Shelling of Agdam, corrected."},
        ),
        422,
    )
    assert set(tampered["errors"]) == {"seq", "kind"}
    assert tampered["errors"]["kind"] == [
        f"kind is the service's, not the record's: send it as GET /v1/events/{accusation['id']} shows it "
        '("accusation") or leave it out'
    ]
    assert counts(dsn) == before

    edited = {**shown, "summary": "Shelling of Agdam, corrected."}
    corrected = client.post(f"/v1/events/{accusation['id']}/corrections", headers=reporter, json=edited)
    assert corrected.status_code == 201, corrected.get_json()
    assert corrected.get_json()["summary"] == "Shelling of Agdam, corrected."
    assert corrected.get_json()["quotes"] == shown["quotes"]  # spans found again in the held text

    stale = problem_of(
        client.post(
            f"/v1/events/{accusation['id']}/corrections",
            headers=reporter,
            json={**shown, "summary": "Shelling of Agdam, corrected twice."},
        ),
        422,
    )
    assert list(stale["errors"]) == ["revisions"]
    assert stale["errors"]["revisions"][0].endswith("; the entry has been corrected since it was read")
