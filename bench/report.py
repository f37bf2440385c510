"""Ratios, verdicts against the targets, the summary printed, and the JSON written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.crowd import CROWD
from bench.plan import TARGETS, Plan


def ratios(report: dict) -> dict:
    """Each query's ratios (`queries`), and each bulk path against what PostgreSQL or the store
    does with the same rows in the same run."""
    data, appends = report["large"].get("data"), report["large"].get("appends")
    bulk = {}
    if data:
        bulk = {
            "import_vs_copy": round(data["import"]["events_per_s"] / data["copy"]["in_per_s"], 3),
            "export_ndjson_vs_copy_out": round(data["http_ndjson"]["events_per_s"] / data["copy"]["out_per_s"], 3),
            "export_csv_vs_copy_out": round(data["http_csv"]["events_per_s"] / data["copy"]["out_per_s"], 3),
            "batch_vs_import": round(data["batches"]["events_per_s"] / data["import"]["events_per_s"], 3),
        }
    if appends:
        bulk["append_vs_floor"] = appends["over_floor"]
    return {"queries": _query_ratios(report), **bulk}


def _query_ratios(report: dict) -> dict:
    small, large = report["small"]["queries"], report["large"]["queries"]
    out = {}
    for name, figures in large.items():
        out[name] = {
            # A window of time holds more incidents as the log grows, up to a full page: the
            # target asks its growth to be no more than its SQL's own.
            "window": "occurred_after=" in figures["query"] or "occurred_before=" in figures["query"],
            "growth": round(figures["service_ms"]["median"] / small[name]["service_ms"]["median"], 2),
            "growth_sql": round(figures["sql_ms"]["median"] / small[name]["sql_ms"]["median"], 2),
            "deep_over_first": round(figures["deep_service_ms"]["median"] / figures["service_ms"]["median"], 2),
            "as_of_over_first": round(figures["as_of_service_ms"]["median"] / figures["service_ms"]["median"], 2),
            "service_over_sql": round(figures["service_ms"]["median"] / figures["sql_ms"]["median"], 2),
            "seq_scan_of_growing_table": sorted(
                set(figures["explain_first"]["seq_scan_of_growing_table"])
                | set(figures["explain_as_of"]["seq_scan_of_growing_table"])
                | set(figures["explain_deep"]["seq_scan_of_growing_table"])
            ),
        }
    return out


def verdicts(report: dict, plan: Plan) -> dict:
    """Each target, met or not. The latency target is set for 1,000,000 events."""
    large, ratio = report["large"], report["ratios"]["queries"]
    appends = large["appends"]
    return {
        "median_ms": {
            "worst": max(q["service_ms"]["median"] for q in large["queries"].values()),
            "target": TARGETS["median_ms_at_1m"],
            "at_events": plan.events,
        },
        "growth": {
            "worst": max(r["growth"] for r in ratio.values() if not r["window"]),
            "target": TARGETS["growth"],
            "windows": {name: [r["growth"], r["growth_sql"]] for name, r in ratio.items() if r["window"]},
        },
        "deep_over_first": {
            "worst": max(r["deep_over_first"] for r in ratio.values()),
            "target": TARGETS["deep_over_first"],
        },
        "as_of_over_first": {
            "worst": max(r["as_of_over_first"] for r in ratio.values()),
            "target": TARGETS["as_of_over_first"],
        },
        "service_over_sql": {
            "worst": max(r["service_over_sql"] for r in ratio.values()),
            "target": TARGETS["service_over_sql"],
        },
        "appends_per_s": {
            "value": appends["events_per_s"],
            "target": TARGETS["appends_per_s"],
            "follower_exactly_once": appends["follower_exactly_once"],
            "service_alone": appends["service_alone"]["appended_per_s"],
            "floor": appends["floor"]["events_per_s"],
            "over_floor": appends["over_floor"],
            "http_alone": appends["http_alone"]["events_per_s"],
            "store_alone": appends["store_alone"]["events_per_s"],
        },
        "bulk_per_s": {"value": large["load"]["events_per_s"], "target": TARGETS["bulk_per_s"]},
        "import_per_s": {"value": large["data"]["import"]["events_per_s"], "target": TARGETS["import_per_s"]},
        "export_per_s": {"value": large["data"]["http_ndjson"]["events_per_s"], "target": TARGETS["export_per_s"]},
        "csv_over_ndjson": {
            "value": round(large["data"]["http_csv"]["seconds"] / large["data"]["http_ndjson"]["seconds"], 2),
            "target": TARGETS["csv_over_ndjson"],
        },
        "counts_ms": {"value": large["data"]["counts_month_ms"]["median"], "target": TARGETS["counts_ms"]},
        "page_ms": {
            "worst": max(page["ms"]["median"] for page in large["pages"].values()),
            "target": TARGETS["page_ms"],
            "at_events": plan.events,
        },
        **(
            {"chain_cost": {"value": appends["chain"]["cost"], "target": TARGETS["chain_cost"]}}
            if "chain" in appends
            else {}
        ),
        "verify_per_s": {
            "value": large["data"]["verify"]["events_per_s"],
            "target": TARGETS["verify_per_s"],
            "imported_matches": large["data"]["verify_imported"]["all_match"],
            "all_match": large["data"]["verify"]["all_match"],
        },
        "no_seq_scan_of_growing_tables": all(not r["seq_scan_of_growing_table"] for r in ratio.values()),
        **(
            {
                "crowd": {
                    "over_floor": large["crowd"]["over_floor"],
                    "p99_over_median": large["crowd"]["p99_over_median"],
                    "not_modified_cost": large["crowd"]["not_modified_cost"],
                    "targets": [
                        TARGETS["crowd_over_floor"],
                        TARGETS["crowd_p99_over_median"],
                        TARGETS["not_modified_cost"],
                    ],
                }
            }
            if "crowd" in large
            else {}
        ),
    }


def summary(report: dict) -> str:
    plan, v = report["plan"], report["verdicts"]
    lines = [
        f"\nratios ({plan['events']:,} events against {plan['small']:,}; medians of the service unless said):",
        f"  {'query':15} {'growth':>7} {'sql growth':>10} {'deep/first':>10} {'as of/first':>11} "
        f"{'service/sql':>11}  seq scans",
    ]
    for name, r in report["ratios"]["queries"].items():
        lines.append(
            f"  {name:15} {r['growth']:7.2f} {r['growth_sql']:10.2f} {r['deep_over_first']:10.2f} "
            f"{r['as_of_over_first']:11.2f} {r['service_over_sql']:11.2f}  "
            f"{', '.join(r['seq_scan_of_growing_table']) or 'none'}"
        )

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    bulk = {name: value for name, value in report["ratios"].items() if name != "queries"}
    if bulk:
        lines.append(
            "bulk paths against the floor in the same run (COPY of the same rows in and out; the store's own append): "
            + ", ".join(f"{name} {value:.3f}" for name, value in bulk.items())
        )
    lines += [
        "targets:",
        f"  median page      {v['median_ms']['worst']:8.2f} ms   (<= {v['median_ms']['target']} ms at 1,000,000; "
        f"this run {plan['events']:,})  {mark(v['median_ms']['worst'] <= v['median_ms']['target'])}",
        f"  growth           {v['growth']['worst']:8.2f}      (<= {v['growth']['target']}; windows <= their SQL's own: "
        + ", ".join(f"{name} {g:.2f} <= {sql:.2f}" for name, (g, sql) in v["growth"]["windows"].items())
        + f")  {mark(_growth_met(v['growth']))}",
        f"  deep / first     {v['deep_over_first']['worst']:8.2f}      (<= {v['deep_over_first']['target']})  "
        f"{mark(v['deep_over_first']['worst'] <= v['deep_over_first']['target'])}",
        f"  as of / first    {v['as_of_over_first']['worst']:8.2f}      (<= {v['as_of_over_first']['target']}, "
        f"as of the seq halfway down the log)  {mark(v['as_of_over_first']['worst'] <= v['as_of_over_first']['target'])}",
        f"  service / sql    {v['service_over_sql']['worst']:8.2f}      (<= {v['service_over_sql']['target']})  "
        f"{mark(v['service_over_sql']['worst'] <= v['service_over_sql']['target'])}",
        f"  appends          {v['appends_per_s']['value']:8.0f} /s    (>= {v['appends_per_s']['target']:.0f}, "
        f"follower exactly once: {v['appends_per_s']['follower_exactly_once']}; with no follower "
        f"{v['appends_per_s']['service_alone']:.0f} /s; the floor "
        f"{v['appends_per_s']['floor']:.0f} /s, HTTP alone {v['appends_per_s']['http_alone']:.0f} /s, "
        f"the store alone {v['appends_per_s']['store_alone']:.0f} /s)  "
        f"{mark(v['appends_per_s']['value'] >= v['appends_per_s']['target'] and v['appends_per_s']['follower_exactly_once'])}",
        (
            f"  hash chain cost  {v['chain_cost']['value']:8.1%}      (<= {v['chain_cost']['target']:.0%} of appends, "
            f"the trigger off against on, same service)  {mark(v['chain_cost']['value'] <= v['chain_cost']['target'])}"
            if "chain_cost" in v
            else "  hash chain cost: not measured (no right to switch a trigger off)"
        ),
        f"  verify           {v['verify_per_s']['value']:8.0f} /s    (>= {v['verify_per_s']['target']:.0f}; all match: "
        f"{v['verify_per_s']['all_match']}, the imported log too: {v['verify_per_s']['imported_matches']})  "
        f"{mark(v['verify_per_s']['value'] >= v['verify_per_s']['target'] and v['verify_per_s']['all_match'] and v['verify_per_s']['imported_matches'])}",
        f"  bulk load        {v['bulk_per_s']['value']:8.0f} /s    (>= {v['bulk_per_s']['target']:.0f})  "
        f"{mark(v['bulk_per_s']['value'] >= v['bulk_per_s']['target'])}",
        f"  import           {v['import_per_s']['value']:8.0f} /s    (>= {v['import_per_s']['target']:.0f})  "
        f"{mark(v['import_per_s']['value'] >= v['import_per_s']['target'])}",
        f"  NDJSON export    {v['export_per_s']['value']:8.0f} /s    (>= {v['export_per_s']['target']:.0f}, GET /v1/events)  "
        f"{mark(v['export_per_s']['value'] >= v['export_per_s']['target'])}",
        f"  CSV / NDJSON     {v['csv_over_ndjson']['value']:8.2f}      (<= {v['csv_over_ndjson']['target']})  "
        f"{mark(v['csv_over_ndjson']['value'] <= v['csv_over_ndjson']['target'])}",
        f"  counts (month)   {v['counts_ms']['value']:8.2f} ms   (<= {v['counts_ms']['target']:.0f} ms, median)  "
        f"{mark(v['counts_ms']['value'] <= v['counts_ms']['target'])}",
        f"  pages (median)   {v['page_ms']['worst']:8.2f} ms   (<= {v['page_ms']['target']:.0f} ms at 1,000,000: "
        f"/, / filtered, a ceasefire's page)  {mark(v['page_ms']['worst'] <= v['page_ms']['target'])}",
        f"  no sequential scan of a growing table: {mark(v['no_seq_scan_of_growing_tables'])}",
    ]
    if "crowd" in v:
        c = v["crowd"]
        lines += [
            f"  crowd / floor    {c['over_floor']:8.2f}      (>= {TARGETS['crowd_over_floor']}, requests/s of {CROWD} "
            f"readers)  {mark(c['over_floor'] >= TARGETS['crowd_over_floor'])}",
            f"  crowd p99 / p50  {c['p99_over_median']:8.2f}      (<= {TARGETS['crowd_p99_over_median']})  "
            f"{mark(c['p99_over_median'] <= TARGETS['crowd_p99_over_median'])}",
            f"  304 / page       {c['not_modified_cost']:8.2f}      (<= {TARGETS['not_modified_cost']}, cost per "
            f"request under the crowd)  {mark(c['not_modified_cost'] <= TARGETS['not_modified_cost'])}",
        ]
    else:
        lines.append("  crowd: not measured (no wrk)")
    return "\n".join(lines)


def memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0


def write(report: dict, output: Path) -> None:
    output.write_text(json.dumps(report, indent=2, default=str) + "\n")


def _growth_met(growth: dict) -> bool:
    return growth["worst"] <= growth["target"] and all(g <= sql for g, sql in growth["windows"].values())
