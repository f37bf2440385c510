"""POST /v1/batches: the claims read in one source, recorded together — all of them or none,
later entries answering earlier ones by ref, each refusal named by its entry's index."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import chain
from tests.api import ACCUSATION, counts, problem_of

DENIAL = {
    "kind": "denial",
    "responds_to": "#shelling",
    "claimant": "armenia-mod",
    "stated_at": "2020-10-12T12:00:00+04:00",
    "summary": "Armenia's defence ministry denied it.",
    "source": "moscow-ceasefire-article",
}
COUNTER = {
    **ACCUSATION,
    "responds_to": "#shelling",
    "claimant": "armenia",
    "target": "azerbaijan-military",
    "locations": [],
    "summary": "Armenia said Azerbaijani forces fired first.",
    "stated_at": "2020-10-12T12:30:00+04:00",
}


def test_a_batch_goes_in_whole_with_answers_to_its_own_entries(client, reporter, dsn):
    before = counts(dsn)
    batch = {"entries": [{**ACCUSATION, "ref": "shelling"}, DENIAL, COUNTER]}
    answer = client.post("/v1/batches", json=batch, headers={**reporter, "Idempotency-Key": "desk-1"})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    accusation, denial, counter = body["entries"]
    assert body["refs"] == {"shelling": accusation["id"]}
    assert denial["responds_to"] == counter["responds_to"] == accusation["id"]
    assert [entry["seq"] for entry in body["entries"]] == list(range(accusation["seq"], accusation["seq"] + 3))
    assert counts(dsn)["event"] == before["event"] + 3
    incident = client.get(f"/v1/incidents/{accusation['id']}").get_json()
    assert incident["status"] == "disputed" and len(incident["counter_accusations"]) == 1

    # A retry with the same key gets the same answer and writes nothing again.
    again = client.post("/v1/batches", json=batch, headers={**reporter, "Idempotency-Key": "desk-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == body
    assert counts(dsn)["event"] == before["event"] + 3


def test_one_refused_entry_refuses_the_batch_and_each_refusal_names_its_entry(client, reporter, dsn):
    before = counts(dsn)
    batch = {
        "entries": [
            {**ACCUSATION, "ref": "shelling"},
            {**DENIAL, "claimant": "azerbaijan"},  # the accuser's own side
            {**COUNTER, "act": "teleportation"},
            {**DENIAL, "responds_to": "#nowhere"},
        ]
    }
    problem = problem_of(client.post("/v1/batches", json=batch, headers=reporter), 422)
    assert set(problem["errors"]) == {"entries.1.claimant", "entries.2.act", "entries.3.responds_to"}
    assert "only the accused side" in problem["errors"]["entries.1.claimant"][0]
    assert problem["errors"]["entries.2.act"] == ["unknown act: teleportation"]
    assert problem["errors"]["entries.3.responds_to"] == ["no entry before this one in the batch has ref nowhere"]
    assert counts(dsn) == before  # the accusation that was fine is not kept either


def test_a_batch_is_checked_as_a_whole_before_anything_is_read(client, reporter, dsn):
    before = counts(dsn)
    twice = {"entries": [{**ACCUSATION, "ref": "a"}, {**ACCUSATION, "ref": "a"}]}
    assert "entries.1.ref" in problem_of(client.post("/v1/batches", json=twice, headers=reporter), 422)["errors"]
    too_many = {"entries": [ACCUSATION] * 1001}
    assert "entries" in problem_of(client.post("/v1/batches", json=too_many, headers=reporter), 422)["errors"]
    empty = {"entries": []}
    assert "entries" in problem_of(client.post("/v1/batches", json=empty, headers=reporter), 422)["errors"]
    unnamed = {"entries": [{**DENIAL, "responds_to": "#-not a ref"}]}
    assert (
        "entries.0.responds_to" in problem_of(client.post("/v1/batches", json=unnamed, headers=reporter), 422)["errors"]
    )
    problem_of(client.post("/v1/batches", json={"entries": [ACCUSATION]}), 401)
    assert counts(dsn) == before


def test_a_batch_answers_what_the_log_holds_already(client, reporter):
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    answer = client.post(
        "/v1/batches", json={"entries": [{**DENIAL, "responds_to": accusation["id"]}]}, headers=reporter
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["refs"] == {}


RETRACTION = {
    **ACCUSATION,
    "kind": "retraction",
    "summary": "Azerbaijan's army withdrew the claim.",
    "stated_at": "2020-10-12T13:00:00+04:00",
}


@pytest.mark.parametrize("others", [0, 10])
def test_entries_that_break_a_rule_only_together_are_refused_by_name(client, reporter, dsn, others):
    """The entries of a batch are written together: two retractions of one accusation already in
    the log pass each check alone, and the database refuses them together, whether they are
    written one at a time (alone) or staged with other entries; the refusal names the second, as
    it would had they been sent one after the other, and nothing is kept."""
    accusation = client.post("/v1/events", json=ACCUSATION, headers=reporter).get_json()
    before = counts(dsn)
    fresh = [{**ACCUSATION, "summary": f"Shelling report {n}."} for n in range(others)]
    twice = {"entries": [*fresh, *[{**RETRACTION, "responds_to": accusation["id"]}] * 2]}
    problem = problem_of(client.post("/v1/batches", json=twice, headers=reporter), 422)
    assert list(problem["errors"]) == [f"entries.{others + 1}.responds_to"]
    assert "a retraction already" in problem["errors"][f"entries.{others + 1}.responds_to"][0]
    assert counts(dsn) == before


@pytest.mark.parametrize("answered", ["each in turn", "after every accusation"])
def test_a_large_batch_is_one_run_of_the_log_that_verifies(client, reporter, dsn, answered):
    """A batch of 300 entries: 100 accusations (some naming two parties, two acts, two places and
    a quote), each denied or countered and mentioned. Answered each in turn, the batch is written
    a few entries at a time, each part before the entry that answers it; answered after every
    accusation, in two large parts. Either way the entries take one run of seqs in the batch's
    order, every incident has the status its answers give it, and every hash is the one the
    chain computes."""
    accusations, answers = [], []
    for n in range(100):
        several = (
            {"target": None, "targets": ["armenia", "armenia-mod"], "act": None, "acts": ["shelling", "drone-strike"]}
            if n % 5 == 0
            else {}
        )
        quoted = {"quotes": ["largely holding"], "locations": ["agdam", "tartar"]} if n % 7 == 0 else {}
        accusations.append({**ACCUSATION, **several, **quoted, "ref": f"a{n}", "summary": f"Shelling report {n}."})
        answer = {**DENIAL, "responds_to": f"#a{n}"} if n % 2 else {**COUNTER, "responds_to": f"#a{n}"}
        mention = {
            "kind": "mention",
            "cites": f"#a{n}",
            "claimant": "azerbaijan-military",
            "stated_at": "2020-10-13T09:00:00+04:00",
            "summary": f"Said again, {n}.",
            "source": "moscow-ceasefire-article",
        }
        answers.append([answer, mention])
    if answered == "each in turn":
        entries = [entry for n in range(100) for entry in (accusations[n], *answers[n])]
    else:
        entries = accusations + [entry for pair in answers for entry in pair]
    answer = client.post("/v1/batches", json={"entries": entries}, headers=reporter)
    assert answer.status_code == 201, answer.get_json()
    written = answer.get_json()["entries"]
    seqs = [entry["seq"] for entry in written]
    assert seqs == list(range(seqs[0], seqs[0] + 300))
    assert [entry["summary"] for entry in written] == [entry["summary"] for entry in entries]
    accused = [entry for entry in written if entry["summary"].startswith("Shelling report")]
    assert accused[0]["targets"] == ["armenia", "armenia-mod"] and accused[0]["acts"] == ["shelling", "drone-strike"]
    assert accused[0]["locations"] == ["agdam", "tartar"] and accused[0]["quotes"][0]["text"] == "largely holding"
    statuses = [client.get(f"/v1/incidents/{entry['id']}").get_json()["status"] for entry in accused]
    assert statuses == ["countered" if n % 2 == 0 else "disputed" for n in range(100)]
    log = client.get("/v1/events?after=0&limit=1000").get_json()["items"]
    matched, head, broken_at = chain.verify(log)
    assert broken_at is None and matched == len(log)
    by_seq = {entry["seq"]: entry for entry in log}
    assert [by_seq[entry["seq"]] for entry in written] == written


def test_each_entry_of_a_batch_is_read_against_its_own_source_and_catalogue(client, reporter, admin_key, dsn):
    """A batch looks its names up once; each entry still gets its own: its source's text for its
    quotes, its source's date for a time it does not give, and a refusal for a place, a source or
    a ceasefire that only it names."""
    text = "The ministry said the truce was largely holding."
    made = client.post(
        "/v1/sources",
        json={"slug": "wire", "publisher": "Wire", "published_at": "2020-10-13", "text": text},
        headers=admin_key,
    )
    assert made.status_code == 201, made.get_json()
    entries = [
        {**ACCUSATION, "quotes": ["largely holding"]},
        {**ACCUSATION, "source": "wire", "quotes": ["largely holding"], "stated_at": "2020-10-13"},
        {**ACCUSATION, "source": "wire", "stated_at": None, "summary": "Said some time that day."},
        {**ACCUSATION, "locations": ["atlantis"]},
        {**ACCUSATION, "source": "nowhere", "quotes": ["largely holding"]},
        {**ACCUSATION, "ceasefire": "no-such-truce"},
    ]
    before = counts(dsn)
    problem = problem_of(client.post("/v1/batches", json={"entries": entries}, headers=reporter), 422)
    assert problem["errors"] == {
        "entries.3.locations": ["unknown location: atlantis"],
        "entries.4.source": ["unknown source: nowhere"],
        "entries.5.ceasefire": ["unknown ceasefire: no-such-truce"],
    }
    assert counts(dsn) == before

    answer = client.post("/v1/batches", json={"entries": entries[:3]}, headers=reporter)
    assert answer.status_code == 201, answer.get_json()
    seeded, wired, undated = answer.get_json()["entries"]
    seed_text = (Path(__file__).parent.parent / "seeds" / "moscow-ceasefire-article.txt").read_text()
    assert seeded["quotes"][0]["start"] == seed_text.index("largely holding")
    assert wired["quotes"][0]["start"] == text.index("largely holding")
    assert undated["stated_at"] is None
    assert client.get(f"/v1/events/{undated['id']}").get_json()["stated_at"] is None
