"""The log's hash chain: every entry's hash is chained over the one before it by the database, for
every writer; anyone can recompute it (service/chain.py is the README's few lines); `verify` names
the first entry that does not match, over the database or an archive; an edited archive does not
import."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from service import chain
from service.exchange import archive, seed
from service.pipeline.db import connect
from service.running.cli import cli
from tests.api import counts, make_key, post_accusation, problem_of
from tests.test_archive import broken, export, first_event_line, lines_of, load, write
from tests.test_exports import busy_log, every_shape  # noqa: F401 (fixtures)


def feed(client) -> list[dict]:
    return client.get("/v1/events?after=0&limit=1000").get_json()["items"]


def test_every_entry_is_chained_and_anyone_can_recompute_it(client, busy_log):
    """Accusations with quotes, denials, corrections, a retraction and a review, as GET /v1/events
    shows them, each hash recomputed from the entry before it and the entry itself."""
    entries = feed(client)
    assert {entry["kind"] for entry in entries} >= {"accusation", "denial", "correction", "retraction", "review"}
    matched, head, broken_at = chain.verify(entries)
    assert broken_at is None and matched == len(entries)
    log = client.get("/v1/log").get_json()
    assert log["seq"] == entries[-1]["seq"] and log["hash"] == head == entries[-1]["hash"]
    assert log["recorded_at"] == entries[-1]["recorded_at"]


def test_the_answer_to_an_append_carries_the_hash_the_log_keeps(client, reporter):
    before = client.get("/v1/log").get_json()
    posted = post_accusation(client, reporter, quotes=["largely holding"]).get_json()
    assert posted["hash"] == client.get(f"/v1/events/{posted['id']}").get_json()["hash"]
    assert posted["hash"] == chain.link(bytes.fromhex(before["hash"]), posted).hex()
    assert client.get("/v1/log").get_json()["hash"] == posted["hash"]


def test_a_write_that_fails_leaves_the_chain_as_it_was(client, reporter, dsn):
    before = client.get("/v1/log").get_json()
    problem_of(post_accusation(client, reporter, claimant="nobody"), 422)
    assert client.get("/v1/log").get_json() == before
    posted = post_accusation(client, reporter).get_json()
    assert posted["hash"] == chain.link(bytes.fromhex(before["hash"]), posted).hex()


def test_the_chain_lines_and_cells_are_written_by_the_database_alone_and_never_changed(conn):
    for statement in (
        "UPDATE entry_hash SET hash = sha256('x')",
        "DELETE FROM entry_hash",
        "TRUNCATE entry_hash",
        "INSERT INTO entry_hash (seq, hash) VALUES (999, sha256('x'))",
        "UPDATE entry_line SET line = '{}'",
        "DELETE FROM entry_line",
        "TRUNCATE entry_line",
        "INSERT INTO entry_line (seq, line) VALUES (999, '{}')",
        "UPDATE entry_csv SET parts = parts",
        "DELETE FROM entry_csv",
        "TRUNCATE entry_csv",
        "INSERT INTO entry_csv (seq, parts) VALUES (999, '{a,b,c,d,e,f}')",
    ):
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation):
            conn.execute(statement)


def verify(dsn: str, *args: str):
    return CliRunner().invoke(cli, ["verify", *args], env={"DATABASE_URL": dsn})


def test_verify_passes_on_the_log_and_names_the_entry_changed_behind_its_back(dsn, busy_log, admin):
    passed = verify(dsn)
    assert passed.exit_code == 0, passed.output
    assert "entries match the hash chain" in passed.output
    # A superuser rewrites a summary with the log's triggers switched off: nothing the API allows.
    with psycopg.connect(dsn, autocommit=True) as superuser:
        superuser.execute("SET session_replication_role = replica")
        seq = superuser.execute("UPDATE event SET summary = 'Nothing happened.' WHERE seq = 20 RETURNING seq")
        assert seq.fetchone() == (20,)
    failed = verify(dsn)
    assert failed.exit_code == 1
    assert "19 entries match, then seq 20 " in failed.output, failed.output


def test_verify_over_an_archive_and_an_edited_archive_does_not_import(dsn, busy_log, empty, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    assert verify(dsn, str(source)).exit_code == 0
    middle = first_event_line(source, lambda record: record["seq"] == 25)
    edited = broken(tmp_path, source, middle, lambda record: {**record, "summary": "Nothing happened."})
    refused = verify(dsn, str(edited))
    assert refused.exit_code == 1 and "24 entries match, then seq 25 " in refused.output, refused.output
    before = counts(empty)
    with pytest.raises(archive.ArchiveError) as caught:
        load(empty, edited)
    assert str(caught.value).startswith(f"{edited.name} line {middle}: entry seq 25 says its hash is ")
    assert counts(empty) == before


def test_an_archive_with_an_entry_dropped_does_not_import(dsn, busy_log, empty, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    lines = lines_of(source)
    answered = {json.loads(line).get(name) for line in lines for name in ("responds_to", "corrects")}
    # An entry nothing answers or corrects: only the chain can tell it is gone.
    dropped = first_event_line(source, lambda record: record["seq"] > 20 and record["id"] not in answered)
    following = json.loads(lines[dropped])["seq"]
    write(tmp_path / "dropped.ndjson", lines[: dropped - 1] + lines[dropped:])
    before = counts(empty)
    with pytest.raises(archive.ArchiveError) as caught:
        load(empty, tmp_path / "dropped.ndjson")
    # The next entry's hash was chained over the one that is gone.
    assert f"line {dropped}: entry seq {following} says its hash is " in str(caught.value)
    assert counts(empty) == before


def test_the_canonical_form_leaves_out_what_an_entry_does_not_have(client):
    """A review has no claimant, places or times: its canonical form names none of them, so a field
    added to the model later changes no older entry's hash."""
    review = next(entry for entry in feed(client) if entry["kind"] == "accusation")
    form = json.loads(chain.canonical(review))
    assert "ceasefire" in form and "corrects" not in form and "verdict" not in form
    assert list(form) == sorted(form, key=lambda name: (len(name), name))
    assert hashlib.sha256(chain.GENESIS + chain.canonical(feed(client)[0])).hexdigest() == feed(client)[0]["hash"]


def test_a_key_of_every_role_reads_the_head(client, dsn):
    for role in ("reporter", "reviewer", "editor", "admin"):
        assert client.get("/v1/log", headers=make_key(dsn, f"k-{role}", role)).status_code == 200


def test_the_readmes_few_lines_verify_the_log(client, busy_log):
    """The Python the README gives anyone, run as written over the log's feed."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = re.search(r"## Verifying the log.*?```python\n(.*?)```", readme, re.S).group(1)
    exec(code, {"entries": feed(client)})  # raises AssertionError at the first entry that does not match
    tampered = feed(client)
    tampered[5]["summary"] += " (edited)"
    with pytest.raises(AssertionError):
        exec(code, {"entries": tampered})


def test_a_log_seeded_anew_holds_the_same_entries_and_hashes(conn, empty):
    """The seed's entries carry the file's recorded_at, so a backup taken of one seeded log
    restores onto another seeded from the same file (README, compose: down --volumes, import)."""
    with connect(empty) as other:
        seed.load(other)
        anew = other.execute("SELECT seq, encode(hash, 'hex') AS hash FROM entry_hash ORDER BY seq").fetchall()
    first = conn.execute("SELECT seq, encode(hash, 'hex') AS hash FROM entry_hash ORDER BY seq").fetchall()
    assert anew == first[: len(anew)] and len(anew) == 4


def test_an_archive_cut_short_or_miscounted_does_not_import(dsn, busy_log, empty, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    lines = lines_of(source)
    header = json.loads(lines[0])
    before = counts(empty)
    cases = {
        "empty": [],
        "the header alone": lines[:1],
        "the catalogue alone": lines[: first_event_line(source) - 1],
        "its last 3 entries and its end dropped": lines[:-4],
    }
    for what, kept in cases.items():
        write(tmp_path / "cut.ndjson", kept)
        with pytest.raises(archive.ArchiveError, match="no end line") as caught:
            load(empty, tmp_path / "cut.ndjson")
        assert counts(empty) == before, (what, str(caught.value))
    # The end line kept, the entries before it dropped: the end line no longer matches the file.
    write(tmp_path / "cut.ndjson", lines[:-4] + lines[-1:])
    with pytest.raises(archive.ArchiveError, match=rf"cut.ndjson line {len(lines) - 3}: the file says it holds"):
        load(empty, tmp_path / "cut.ndjson")
    # An end line edited to agree with what is left: its digest of the lines before it does not.
    end = json.loads(lines[-1])
    cut_header = json.dumps({**header, "as_of": json.loads(lines[-5])["seq"]})
    edited_end = {
        **end,
        "entries": end["entries"] - 3,
        "as_of": json.loads(lines[-5])["seq"],
        "hash": json.loads(lines[-5])["hash"],
    }
    write(tmp_path / "cut.ndjson", [cut_header, *lines[1:-4], json.dumps(edited_end)])
    with pytest.raises(archive.ArchiveError, match=r"the end line does not match the file: sha256 "):
        load(empty, tmp_path / "cut.ndjson")
    # A header that claims more of the log than the file holds.
    write(tmp_path / "claims.ndjson", [json.dumps({**header, "as_of": header["as_of"] + 100}), *lines[1:]])
    with pytest.raises(archive.ArchiveError, match="the file says it holds the log as of seq"):
        load(empty, tmp_path / "claims.ndjson")
    assert counts(empty) == before


def test_an_archive_without_its_end_line_loads_only_when_told_and_says_so(dsn, busy_log, empty, tmp_path):
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    write(tmp_path / "old.ndjson", lines_of(source)[:-1])
    with connect(empty) as conn:
        summary = archive.import_(conn, tmp_path / "old.ndjson", unverified=True)
    assert summary.unverified and summary.entries == len(feed_of(dsn))
    said = CliRunner().invoke(
        cli, ["import", "--unverified", str(tmp_path / "old.ndjson")], env={"DATABASE_URL": empty}
    )
    assert said.exit_code == 0 and "UNVERIFIED" in said.output, said.output


def feed_of(dsn: str) -> list:
    with connect(dsn) as conn:
        return conn.execute("SELECT seq FROM event").fetchall()


def test_verify_over_an_archive_holds_it_to_its_end_line(dsn, busy_log, tmp_path):
    """An archive whose entries all chain can still be cut short or have its end line edited:
    `verify FILE` checks the count, head and digest the end line gives, as import does."""
    source = tmp_path / "log.ndjson"
    export(dsn, source)
    lines = lines_of(source)
    write(tmp_path / "short.ndjson", lines[:-4])
    short = verify(dsn, str(tmp_path / "short.ndjson"))
    assert short.exit_code == 1 and "short.ndjson: no end line" in short.output, short.output
    end = json.loads(lines[-1])
    write(tmp_path / "miscounted.ndjson", [*lines[:-1], json.dumps({**end, "entries": end["entries"] + 1}) + "\n"])
    miscounted = verify(dsn, str(tmp_path / "miscounted.ndjson"))
    assert miscounted.exit_code == 1, miscounted.output
    assert f"miscounted.ndjson line {len(lines)}: the end line does not match the file: entries" in miscounted.output
    write(tmp_path / "tail.ndjson", [*lines, lines[-1]])
    tail = verify(dsn, str(tmp_path / "tail.ndjson"))
    assert tail.exit_code == 1 and "a line after the end line" in tail.output, tail.output


def test_a_batch_is_hashed_by_the_same_canonical_form_as_one_entry(conn, every_shape, dsn, empty, tmp_path):
    """A batch's canonical forms are built by one query (entries_canonical, 0032), one entry's by
    entry_canonical: the two agree on entries of every shape, and a batch appended in one
    transaction chains to the same hashes, lines and cells as its entries appended one by one."""
    forms = conn.execute(
        "SELECT e.seq, entry_canonical(e) AS one, c.canonical AS batch "
        "FROM event e JOIN entries_canonical(0, (SELECT max(seq) FROM event)) c ON c.seq = e.seq ORDER BY e.seq"
    ).fetchall()
    assert len(forms) > 60
    assert [row["seq"] for row in forms if row["one"] != row["batch"]] == []
    shapes = "".join(row["one"] for row in forms)
    for field in ('"targets"', '"acts"', '"quotes"', '"casualties"', '"stated_at_unit"', '"voids"', '"locations"'):
        assert field in shapes

    # The log's entries went in one at a time; imported into an empty log they go in as one
    # batch, and the import refuses any entry whose hash differs from the one its archive carries.
    path = tmp_path / "log.ndjson"
    exported = export(dsn, path)
    loaded = load(empty, path)
    assert loaded.entries == exported.entries > 64
    with connect(dsn) as before, connect(empty) as after:
        hashes = "SELECT seq, hash FROM entry_hash ORDER BY seq"
        assert after.execute(hashes).fetchall() == before.execute(hashes).fetchall()
        # So are their lines of the NDJSON export and their cells of the CSV (0034, 0035): the
        # import writes them for its range at once, the log wrote them an entry or a few at a time.
        lines = "SELECT l.seq, l.line, c.parts FROM entry_line l JOIN entry_csv c ON c.seq = l.seq ORDER BY l.seq"
        assert after.execute(lines).fetchall() == before.execute(lines).fetchall()
