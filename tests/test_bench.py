"""The benchmark, run small once per suite so that it cannot rot. Its figures are not judged here
(timings on a shared machine are noise); what it checks and where it leaves the server are."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service.api import events as api_events
from tests.processes import base_env

# Starts processes, servers or a browser: outside the fast subset (pytest -m 'not slow').
pytestmark = pytest.mark.slow

QUERIES = {
    "disputed",
    "party_disputed",
    "country_window",
    "search",
    "ceasefire_act",
    "ceasefire",
    "month_disputed",
    "retracted",
    "confirmed",
}


def test_a_quick_run_measures_everything_and_leaves_nothing_behind(server_dsn, admin, tmp_path):
    before = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
    output = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=Path(__file__).resolve().parent.parent,  # the benchmark lives in the checkout, not the wheel
        env={**base_env(), "DATABASE_URL": server_dsn},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "targets:" in done.stdout and f"figures written to {output}" in done.stdout

    report = json.loads(output.read_text())
    for size in ("small", "large"):
        assert report[size]["load"]["events"] == report["plan"]["events" if size == "large" else "small"]
        assert set(report[size]["queries"]) == QUERIES
        for figures in report[size]["queries"].values():
            for kind in ("service_ms", "sql_ms"):
                stats = figures[kind]
                assert stats["n"] == report["plan"]["runs"]
                assert 0 < stats["min"] <= stats["median"] <= stats["p95"] <= stats["max"]
            assert figures["explain_first"]["page"]["indexes"]
    for figures in report["large"]["queries"].values():
        assert figures["matches_first_page"] > 0, figures["query"]
        assert figures["deep_service_ms"]["n"] == figures["deep_sql_ms"]["n"] == report["plan"]["runs"]
        assert figures["as_of_service_ms"]["n"] == figures["as_of_sql_ms"]["n"] == report["plan"]["runs"]
    assert max(figures["deep_depth"] for figures in report["large"]["queries"].values()) == report["plan"]["deep_pages"]
    assert set(report["ratios"]["queries"]) == QUERIES
    assert set(report["ratios"]) - {"queries"} == {
        "import_vs_copy", "export_ndjson_vs_copy_out", "export_csv_vs_copy_out", "batch_vs_import", "append_vs_floor",
    }  # fmt: skip
    assert all(0 < value for name, value in report["ratios"].items() if name != "queries")
    assert "bulk paths against the floor in the same run" in done.stdout
    for size in ("small", "large"):
        assert set(report[size]["pages"]) == {"front", "front_filtered", "ceasefire"}
        assert all(
            page["ms"]["n"] == report["plan"]["runs"] and page["bytes"] > 1000
            for page in report[size]["pages"].values()
        )
    assert report["verdicts"]["page_ms"]["worst"] > 0
    # The two windows of time are held to their SQL's growth, the other queries to the target.
    assert set(report["verdicts"]["growth"]["windows"]) == {"country_window", "month_disputed"}
    assert "windows <= their SQL's own: country_window" in done.stdout
    if shutil.which("wrk"):  # .ci/run installs it
        crowd = report["large"]["crowd"]
        for run in ("service", "floor", "not_modified"):
            assert crowd[run]["requests"] > 0 and 0 < crowd[run]["p50_ms"] <= crowd[run]["p99_ms"]
        assert crowd["over_floor"] > 0 and crowd["not_modified_cost"] > 0

    appends = report["large"]["appends"]
    assert appends["events"] == appends["events_stored"] == 2 * 20
    assert appends["retries_replayed"] == appends["retries_sent"] > 0
    assert appends["follower_exactly_once"] and appends["follower_in_seq_order"]
    assert appends["follower_seen"] == appends["events"]
    # The service with no follower, as the floor is measured: every request answered, and each
    # report appended once (its retry replayed).
    alone = appends["service_alone"]
    assert alone["post_ms"]["n"] == appends["requests"] and alone["appended_per_s"] < alone["events_per_s"]
    assert appends["over_floor"] == round(alone["appended_per_s"] / appends["floor"]["events_per_s"], 3)
    assert report["verdicts"]["appends_per_s"]["service_alone"] == alone["appended_per_s"]
    rungs = ("floor", "http_alone", "store_alone")
    # The rungs over HTTP send the retries too; the store alone appends each report once.
    sent = {"floor": appends["requests"], "http_alone": appends["requests"], "store_alone": appends["events"]}
    for rung in rungs:
        assert appends[rung]["events_per_s"] > 0 and appends[rung]["post_ms"]["n"] == sent[rung]
        assert report["verdicts"]["appends_per_s"][rung] == appends[rung]["events_per_s"]
    for busy in [appends["machine_busy_cores"]] + [appends[rung]["machine_busy_cores"] for rung in rungs]:
        assert busy is None or 0 < busy <= report["machine"]["cpus"]  # None: the posting outran two samples

    # The chain's cost measured with its trigger off, and the log chained again afterwards:
    # verify, run after, finds every entry (those appended unchained too) matching.
    chain = appends["chain"]
    assert all(chain[run]["events_per_s"] > 0 for run in ("before", "unchained", "after"))
    assert report["verdicts"]["chain_cost"]["value"] == chain["cost"]
    data = report["large"]["data"]
    assert data["verify"]["all_match"] and data["verify_imported"]["all_match"]
    assert data["verify"]["entries"] == data["verify_imported"]["entries"] == data["export"]["entries"]
    # The HTTP export, read batches ahead under gunicorn's gevent worker, holds every entry once.
    assert data["http_ndjson"]["lines"] == data["export"]["entries"] > api_events.EXPORT_BATCH

    after = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
    assert after == before, "the benchmark's scratch databases must be dropped"
