"""A whole log out and in: `ceasefire-log export` and `import`, through the bulk path and every
rule of the database."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from service.exchange import archive
from service.pipeline.db import connect
from service.store import bulk
from tests.api import counts, post_accusation
from tests.test_cli import run
from tests.test_exports import busy_log  # noqa: F401 (a fixture)


def export(dsn: str, path, as_of: int | None = None) -> archive.Summary:
    with connect(dsn) as conn, path.open("wb") as out:
        return archive.export(conn, out, as_of)


def load(dsn: str, path) -> archive.Summary:
    with connect(dsn) as conn:
        return archive.import_(conn, path)


def entries(dsn: str) -> list[dict]:
    with connect(dsn) as conn:
        return conn.execute(
            "SELECT id, seq, kind, recorded_by, recorded_at, corrects, verdict FROM event ORDER BY seq"
        ).fetchall()


@pytest.mark.slow  # runs the command line, a process
def test_export_import_export_is_the_same_bytes_through_the_cli(dsn, busy_log, empty, client, tmp_path):
    first, second = tmp_path / "first.ndjson", tmp_path / "second.ndjson"
    exported = run("export", str(first), env={"DATABASE_URL": dsn})
    assert exported.returncode == 0, exported.stderr
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    lines = [json.loads(line) for line in first.read_text().splitlines()]
    head = lines[-2]["seq"]  # the last entry; the end line follows it
    assert exported.stderr.strip() == f"{first}: {len(entries(dsn))} entries as of seq {head}, sha256 {digest}"
    assert [line["type"] for line in lines[:2]] == ["log", "act"] and lines[0]["as_of"] == head
    assert {line["type"] for line in lines} == {
        "log",
        "act",
        "source",
        "actor",
        "location",
        "ceasefire",
        "key",
        "event",
        "end",
    }
    assert lines[-1] == {
        "type": "end",
        "entries": len(entries(dsn)),
        "as_of": head,
        "hash": lines[-2]["hash"],
        "sha256": hashlib.sha256(first.read_bytes()[: -len(first.read_text().splitlines()[-1]) - 1]).hexdigest(),
    }
    assert not any("hash" in json.dumps(line) for line in lines if line["type"] == "key")

    imported = run("import", str(first), env={"DATABASE_URL": empty})
    assert imported.returncode == 0, imported.stderr
    assert re.search(
        rf"\d+ entries added, 0 already in the log, \d+ catalogue rows added; as of seq {head}, "
        rf"sha256 {digest}$",
        imported.stderr.strip(),
    )
    assert entries(empty) == entries(dsn)  # ids, seqs, kinds, recorders and recording times kept
    assert run("export", str(second), env={"DATABASE_URL": empty}).returncode == 0
    assert second.read_bytes() == first.read_bytes()

    # The imported log answers as the first does, and appends after the last imported seq.
    with connect(empty) as conn:
        before = counts(empty)
        assert archive.import_(conn, first).entries == 0  # a second import adds nothing
    assert counts(empty) == before


def test_an_export_as_of_a_seq_holds_the_log_as_it_stood(dsn, busy_log, empty, tmp_path):
    summary = export(dsn, tmp_path / "early.ndjson", as_of=20)
    assert (summary.entries, summary.as_of) == (20, 20)
    load(empty, tmp_path / "early.ndjson")
    assert [row["seq"] for row in entries(empty)] == list(range(1, 21))
    # The rest of the log continues it: the whole file adds what came after seq 20.
    export(dsn, tmp_path / "all.ndjson")
    later = load(empty, tmp_path / "all.ndjson")
    assert later.present == 20 and later.entries == len(entries(dsn)) - 20
    assert (
        export(empty, tmp_path / "again.ndjson").sha256
        == hashlib.sha256((tmp_path / "all.ndjson").read_bytes()).hexdigest()
    )


def test_the_imported_log_takes_new_reports_after_its_last_seq(dsn, busy_log, empty, tmp_path, settings):
    from service.running.app import create_app
    from tests.api import make_key, post_accusation

    export(dsn, tmp_path / "log.ndjson")
    load(empty, tmp_path / "log.ndjson")
    head = entries(empty)[-1]["seq"]
    app = create_app(settings, dsn=empty)
    try:
        client = app.test_client()
        posted = post_accusation(client, make_key(empty, "newcomer", "reporter"))
        assert posted.status_code == 201 and posted.get_json()["seq"] == head + 1
        disputed = client.get("/v1/incidents?status=disputed&limit=200").get_json()["items"]
        assert len(disputed) == 13  # the seed's one and a third of the 36
    finally:
        app.extensions["pool"].close()


def lines_of(path) -> list[str]:
    return path.read_text().splitlines()


def write(path, lines: list[str]) -> None:
    path.write_text("".join(line + "\n" for line in lines))


def broken(tmp_path, source, number: int, change) -> object:
    """The file with line `number` (1-based) changed by `change(record) -> record or text`."""
    lines = lines_of(source)
    changed = change(json.loads(lines[number - 1]))
    lines[number - 1] = changed if isinstance(changed, str) else json.dumps(changed)
    path = tmp_path / f"broken-{number}.ndjson"
    write(path, lines)
    return path


def first_event_line(path, predicate=lambda record: True, after: int = 0) -> int:
    for number, line in enumerate(lines_of(path), 1):
        record = json.loads(line)
        if number > after and record["type"] == "event" and predicate(record):
            return number
    raise AssertionError("no such line")


@pytest.mark.parametrize(
    "what,change,message",
    [
        ("not JSON", lambda r: "{not json", r"not JSON"),
        ("a field missing", lambda r: {k: v for k, v in r.items() if k != "summary"}, r"missing summary"),
        ("an unknown actor", lambda r: {**r, "claimant": "nobody"}, r"claimant: unknown actor: nobody"),
        ("a naive instant", lambda r: {**r, "stated_at": "2020-10-12T11:00:00"}, r"stated_at has no UTC offset"),
        (
            "a quote moved off its span",
            lambda r: {**r, "quotes": [{"text": "largely holding", "start": 0, "end": 15}]},
            r"its span does not hold its text in the source",
        ),
        (
            "a denial by the accuser's side",
            lambda r: {**r, "claimant": "jeyhun-bayramov"},
            r"jeyhun-bayramov may not deny an accusation against armenia; only the accused side may",
        ),
        ("a seq out of order", lambda r: {**r, "seq": 1}, r"seq 1 after seq \d+: entries come in seq order"),
        (
            "an instant before the calendar",
            lambda r: {**r, "occurred_from": "0001-01-01T00:00:00+14:00"},
            r"occurred_from falls outside the years 1 to 9999 once converted to UTC",
        ),
        (
            "an offset no clock is set to",
            lambda r: {**r, "stated_at": "2020-10-12T05:00:00+23:59"},
            r"stated_at is at a UTC offset no clock is set to",
        ),
    ],
)
def test_a_bad_line_in_the_middle_loads_nothing_and_is_named(dsn, busy_log, empty, tmp_path, what, change, message):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    middle = first_event_line(source, lambda r: r["seq"] > 30)
    if what == "a quote moved off its span":
        middle = first_event_line(source, lambda r: r["seq"] > 30 and r["kind"] == "accusation")
    if what == "a denial by the accuser's side":
        middle = first_event_line(source, lambda r: r["seq"] > 30 and r["kind"] == "denial")
    path = broken(tmp_path, source, middle, change)
    before = counts(empty)
    with pytest.raises(archive.ArchiveError) as refused:
        load(empty, path)
    assert str(refused.value).startswith(f"{path.name} line {middle}: "), str(refused.value)
    assert re.search(message, str(refused.value)), str(refused.value)
    assert counts(empty) == before  # not the catalogue, not the entries before the bad line


@pytest.mark.slow  # runs the command line, a process
def test_the_cli_names_the_line_in_one_line_and_exits_1(dsn, busy_log, empty, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    path = broken(tmp_path, source, 3, lambda r: {**r, "type": "spaceship"})
    refused = run("import", str(path), env={"DATABASE_URL": empty})
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"ceasefire-log: {path.name} line 3: unknown type 'spaceship'"
    missing = run("import", str(tmp_path / "nowhere.ndjson"), env={"DATABASE_URL": empty})
    assert missing.returncode == 1 and "cannot read" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    first = run("import", str(tmp_path / "log.ndjson"), env={"DATABASE_URL": empty})
    assert first.returncode == 0


def test_an_export_as_of_a_seq_past_the_log_is_one_line_and_writes_nothing(dsn, busy_log, tmp_path):
    with connect(dsn) as conn:
        head = conn.execute("SELECT max(seq) AS head FROM event").fetchone()["head"]
    target = tmp_path / "future.ndjson"
    refused = run("export", str(target), "--as-of", str(head + 1), env={"DATABASE_URL": dsn})
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"ceasefire-log: --as-of {head + 1}: the log's last entry is seq {head}; as_of cannot be past it"
    )
    assert list(tmp_path.iterdir()) == []  # not the file, not its partial


def test_a_file_that_does_not_continue_the_log_is_refused(dsn, busy_log, conn, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    # A log that went its own way: an entry of another id at a seq the file holds.
    lines = lines_of(source)
    number = first_event_line(source, lambda r: r["seq"] == 10)
    record = json.loads(lines[number - 1])
    lines[number - 1] = json.dumps({**record, "id": "00000000-0000-4000-8000-000000000001"})
    write(tmp_path / "diverged.ndjson", lines)
    with pytest.raises(archive.ArchiveError, match=rf"line {number}: seq 10 is not past this log's last entry"):
        load(dsn, tmp_path / "diverged.ndjson")


def test_a_source_whose_text_was_altered_is_refused(dsn, empty, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    number = next(n for n, line in enumerate(lines_of(source), 1) if json.loads(line)["type"] == "source")
    path = broken(tmp_path, source, number, lambda r: {**r, "text": r["text"].replace("largely", "barely")})
    with pytest.raises(
        archive.ArchiveError,
        match=rf"line {number}: source moscow-ceasefire-article: its text does "
        r"not have the SHA-256 the file gives",
    ):
        load(empty, path)


def test_an_import_leaves_the_planner_statistics_of_what_it_loaded(dsn, busy_log, empty, tmp_path):
    """Planned on an empty log's statistics, a full-text page took seconds after an import until
    autovacuum analysed the tables; the import analyses them itself."""
    export(dsn, tmp_path / "log.ndjson")
    load(empty, tmp_path / "log.ndjson")
    with connect(empty) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.reltuples FROM pg_class c WHERE c.relname IN ('event', 'incident_state') ORDER BY 1"
        ).fetchall()
    # reltuples is -1 for a table never analysed (PostgreSQL 14 and later), its rows once it is.
    assert [(row["relname"], row["reltuples"] > 0) for row in rows] == [("event", True), ("incident_state", True)]


def test_an_import_keeps_the_planner_statistics_in_step_with_the_log_as_it_loads(
    dsn, busy_log, empty, tmp_path, monkeypatch
):
    """Autovacuum sees nothing of an import before it commits, so its batches were planned on an
    empty log's statistics to the end. The import analyses the log each time it has doubled, and
    once more at the end: each analysis describes every entry loaded so far."""
    export(dsn, tmp_path / "log.ndjson")
    monkeypatch.setattr(archive, "BATCH", 3)
    described = []
    analyse = bulk.analyse

    def counted(conn):
        analyse(conn)
        described.append(
            conn.execute(
                "SELECT reltuples::bigint AS n, (SELECT count(*) FROM event) AS held FROM pg_class "
                "WHERE relname = 'event'"
            ).fetchone()
        )

    monkeypatch.setattr(bulk, "analyse", counted)
    summary = load(empty, tmp_path / "log.ndjson")
    assert summary.entries > 48
    assert [row["n"] for row in described] == [3, 6, 12, 24, 48, summary.entries]
    assert all(row["n"] == row["held"] for row in described)


@pytest.mark.slow  # runs the command line, a process
def test_an_entry_appended_with_the_chains_trigger_off_stops_an_export_rather_than_go_missing(
    dsn, client, reporter, tmp_path
):
    """The exports read each entry's line and cells as the chain's trigger wrote them (0034,
    0035). An entry appended with the trigger off has none: an export refuses to leave it out."""
    with connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE event DISABLE TRIGGER event_chain")
    assert post_accusation(client, reporter).status_code == 201
    path = tmp_path / "log.ndjson"
    exported = run("export", str(path), env={"DATABASE_URL": dsn})
    assert exported.returncode == 1 and not path.exists()
    (said,) = exported.stderr.strip().splitlines()
    assert said.startswith(f"ceasefire-log: {path}: the log holds 5 entries after seq 0 in this batch, but only 4 ")
    assert "have their line of the export" in said and "ceasefire-log verify" in said
    for format in ("ndjson", "csv"):  # a fault of the server's, not of the request
        answer = client.get(f"/v1/events?format={format}")
        assert answer.status_code == 500 and answer.content_type == "application/problem+json"
