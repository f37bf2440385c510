"""The log as of any seq: statuses, corrections and reviews only up to that entry, in every read
of the current state; pages that keep the seq of their first page; and followers that see every
kind of entry exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service import log
from service.pipeline.db import connect
from service.store import events, keys
from tests.api import make_key, post_accusation, problem_of
from tests.test_log_order import follow_while

SOURCE = "moscow-ceasefire-article"
STATUSES = ("disputed", "uncontested", "retracted")


def say(client, key, **report):
    response = client.post("/v1/events", headers=key, json={"source": SOURCE, "summary": "As said.", **report})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_incidents_status_reads_back_at_every_seq_of_its_history(client, reporter):
    accusation = post_accusation(client, reporter, claimant="armenia-mod", target="azerbaijan-military").get_json()
    incident = accusation["id"]
    denial = say(
        client,
        reporter,
        kind="denial",
        claimant="azerbaijan-mfa",
        responds_to=incident,
        stated_at="2020-10-12T12:00:00+04:00",
    )
    withdrawn = say(
        client,
        reporter,
        kind="retraction",
        claimant="jeyhun-bayramov",
        responds_to=denial["id"],
        stated_at="2020-10-12T15:00:00+04:00",
    )
    retracted = say(
        client,
        reporter,
        kind="retraction",
        claimant="armenia",
        responds_to=incident,
        stated_at="2020-10-13T09:00:00+04:00",
    )
    history = {
        accusation["seq"]: ("uncontested", 0, 0),
        denial["seq"]: ("disputed", 1, 0),
        withdrawn["seq"]: ("uncontested", 1, 1),
        retracted["seq"]: ("retracted", 1, 2),
    }
    for seq, (status, denials, retractions) in history.items():
        thread = client.get(f"/v1/incidents/{incident}?as_of={seq}").get_json()
        assert (thread["status"], len(thread["denials"]), len(thread["retractions"])) == (status, denials, retractions)
        for candidate in STATUSES:
            page = client.get(f"/v1/incidents?status={candidate}&party=azerbaijan-military&as_of={seq}").get_json()
            assert page["as_of"] == seq
            assert (incident in [i["id"] for i in page["items"]]) == (candidate == status), (seq, candidate)
            unfiltered = client.get(f"/v1/incidents?status={candidate}&as_of={seq}&limit=200").get_json()
            assert (incident in [i["id"] for i in unfiltered["items"]]) == (candidate == status), (seq, candidate)
    # Before its accusation was recorded there was no such incident.
    before = accusation["seq"] - 1
    problem_of(client.get(f"/v1/incidents/{incident}?as_of={before}"), 404)
    problem_of(client.get(f"/v1/events/{incident}?as_of={before}"), 404)
    assert incident not in [i["id"] for i in client.get(f"/v1/incidents?as_of={before}&limit=200").get_json()["items"]]


def test_the_log_cannot_be_read_past_its_head(client, reporter):
    head = post_accusation(client, reporter).get_json()
    for path in (
        f"/v1/incidents?as_of={head['seq'] + 1}",
        f"/v1/incidents/{head['id']}?as_of={head['seq'] + 1}",
        f"/v1/events/{head['id']}?as_of={head['seq'] + 1}",
    ):
        problem = problem_of(client.get(path), 422)
        assert f"seq {head['seq']}" in problem["errors"]["as_of"][0], path
    for bad in ("-1", "x", str(2**63)):
        assert "as_of" in problem_of(client.get(f"/v1/incidents?as_of={bad}"), 422)["errors"]
    assert client.get(f"/v1/incidents?as_of={head['seq']}").get_json()["as_of"] == head["seq"]
    assert client.get("/v1/incidents").get_json()["as_of"] == head["seq"]


def test_a_page_chain_agrees_with_its_first_page_while_another_client_appends_and_corrects(client, reporter, dsn):
    start = datetime(2021, 3, 1, 9, tzinfo=UTC)
    made = [
        post_accusation(
            client,
            reporter,
            stated_at=(start + timedelta(days=n)).isoformat(),
            occurred_from=(start + timedelta(days=n, hours=-2)).isoformat(),
            occurred_to=(start + timedelta(days=n, hours=-1)).isoformat(),
        ).get_json()
        for n in range(6)
    ]
    other = make_key(dsn, "other-desk", "editor")
    query = "/v1/incidents?party=armenia&sort=-stated&limit=2"
    pages, url, changes = (
        [],
        query,
        iter(
            [
                # Each between two pages: a newer accusation, the oldest one moved to be the newest and to
                # another place, and a denial of one on the page not read yet.
                lambda: post_accusation(client, other, stated_at=(start + timedelta(days=30)).isoformat()),
                lambda: client.post(
                    f"/v1/events/{made[0]['id']}/corrections",
                    headers=other,
                    json={
                        **{
                            k: made[0][k]
                            for k in (
                                "claimant",
                                "target",
                                "act",
                                "occurred_from",
                                "occurred_to",
                                "time_precision",
                                "ceasefire",
                                "summary",
                                "source",
                            )
                        },
                        "locations": ["tartar"],
                        "stated_at": (start + timedelta(days=40)).isoformat(),
                    },
                ),
                lambda: client.post(
                    f"/v1/incidents/{made[1]['id']}/denials",
                    headers=other,
                    json={
                        "claimant": "armenia-mod",
                        "stated_at": (start + timedelta(days=41)).isoformat(),
                        "summary": "Denied.",
                        "source": SOURCE,
                    },
                ),
            ]
        ),
    )
    while url:
        page = client.get(url).get_json()
        pages.append(page)
        change = next(changes, None)
        if change is not None:
            assert change().status_code == 201
        url = page["next"]
    as_of = pages[0]["as_of"]
    assert {page["as_of"] for page in pages} == {as_of}
    chained = [incident for page in pages for incident in page["items"]]
    whole = client.get(f"/v1/incidents?party=armenia&sort=-stated&limit=200&as_of={as_of}").get_json()["items"]
    assert chained == whole
    by_id = {incident["id"]: incident for incident in chained}
    assert by_id[made[0]["id"]]["accusation"]["locations"] == ["agdam"]
    assert by_id[made[1]["id"]]["status"] == "uncontested"
    now = client.get("/v1/incidents?party=armenia&sort=-stated&limit=200").get_json()["items"]
    assert now[0]["id"] == made[0]["id"] and now[0]["accusation"]["locations"] == ["tartar"]
    assert len(now) == len(chained) + 1


REPORT = {
    "kind": "accusation",
    "claimant": "azerbaijan-military",
    "target": "armenia",
    "act": "shelling",
    "locations": ["agdam"],
    "time_precision": "hour",
    "ceasefire": "moscow-humanitarian-2020",
    "summary": "Shelling reported.",
    "quotes": [],
    "source": SOURCE,
}


def test_a_follower_sees_every_kind_of_entry_exactly_once_while_writers_append(dsn):
    writers, rounds = 4, 5
    when = datetime(2020, 10, 11, 9, tzinfo=UTC)
    with connect(dsn) as conn:
        start = events.head(conn)
        for n in range(writers):
            keys.create(conn, f"writer-{n}", "admin")
        conn.commit()

    def writer(n: int) -> None:
        name, key = f"writer-{n}", {"name": f"writer-{n}", "role": "admin"}
        times = {
            "occurred_from": when,
            "occurred_to": when + timedelta(hours=1),
            "stated_at": when + timedelta(hours=2),
        }
        with connect(dsn) as conn:
            for i in range(rounds):
                with conn.transaction():
                    accusation = log.append(conn, {**REPORT, **times, "summary": f"Report {n}.{i}."}, name)
                with conn.transaction():
                    denial = log.append(
                        conn,
                        {
                            "kind": "denial",
                            "claimant": "armenia",
                            "target": None,
                            "responds_to": accusation.id,
                            "summary": "Denied.",
                            "quotes": [],
                            "source": SOURCE,
                            "stated_at": when + timedelta(hours=3),
                            **dict.fromkeys(
                                ("act", "locations", "occurred_from", "occurred_to", "time_precision", "ceasefire")
                            ),
                        },
                        name,
                    )
                with conn.transaction():
                    log.append(
                        conn,
                        {
                            **REPORT,
                            **times,
                            "kind": "retraction",
                            # Said after the denial it withdraws (stated at +3 h).
                            "stated_at": when + timedelta(hours=4),
                            "claimant": "armenia-mod",
                            "target": "azerbaijan-military",
                            "responds_to": denial.id,
                            "summary": "Withdrawn.",
                        },
                        name,
                    )
                with conn.transaction():
                    log.correct(conn, accusation.id, {**REPORT, **times, "locations": ["tartar"]}, key)
                with conn.transaction():
                    log.review(conn, accusation.id, {"verdict": "doubtful", "note": "Checked."}, name)

    followed = follow_while(dsn, start, writer, writers)

    with connect(dsn) as conn:
        written = [
            (row["seq"], row["kind"])
            for row in conn.execute(
                "SELECT seq, CASE WHEN corrects IS NULL THEN kind ELSE 'correction' END AS kind FROM event "
                "WHERE seq > %s ORDER BY seq",
                [start],
            ).fetchall()
        ]
    seen = [(event.seq, event.kind) for event in followed]
    assert len(written) == writers * rounds * 5
    assert seen == written
    assert sorted({kind for _, kind in seen}) == ["accusation", "correction", "denial", "retraction", "review"]
