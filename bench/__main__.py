"""`python -m bench`: the benchmark, run from a checkout (it is not part of the installed service)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import click

import bench as benchmark
from service.config import Settings


@click.command()
@click.option(
    "--events",
    type=click.IntRange(1000, 50_000_000),
    default=100_000,
    show_default=True,
    help="Events in the large log.",
)
@click.option("--quick", is_flag=True, help="A small run (3,000 events) to check that the benchmark works.")
@click.option("--runs", type=click.IntRange(3, 10_000), help="Timed runs of each query (default 30).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write every figure as JSON (default bench-results-<date>.json).",
)
def bench(events: int, quick: bool, runs: int | None, output: Path | None) -> None:
    """Measure the log at N events against 10,000, in scratch databases (never the service's own)."""
    plan = benchmark.Plan.quick() if quick else benchmark.Plan(events=events, small=min(10_000, events))
    if runs:
        plan = dataclasses.replace(plan, runs=runs)
    output = output or Path(f"bench-results-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json")
    report = benchmark.run(plan, Settings.from_env().database_url, say=lambda line: click.echo(line, err=False))
    benchmark.write(report, output)
    click.echo(f"figures written to {output}")


if __name__ == "__main__":
    bench()
