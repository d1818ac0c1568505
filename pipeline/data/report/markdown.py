"""The data run's report: documents in/out and drop reasons per stage, contamination removals, tokens per source.

    mathcpt report runs/demo/data          # prints report.md of a data run (written by `mathcpt data`)

Counters come from datatrove's merged stats (`logs/<pass>/stats.json`), removals from the exclusion writers'
output (`dropped/<stage>/*.jsonl`). When documents carry ground truth (`metadata.truth.label`, as the sample corpus
does), the report also says where each planted kind ended up, which is how the demo shows what each stage caught.
Synthetic sources add a section (pipeline.data.report.synthesis): throughput, drops per reason, tokens per template.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.config.recipe import Recipe
from pipeline.data.decontaminate import contamination_summary
from pipeline.data.dedup import DedupDecisionTagger
from pipeline.data.report.synthesis import render_markdown as render_synthesis
from pipeline.data.report.synthesis import synthesis_summary
from pipeline.data.resources import pass_resources
from pipeline.data.shares import RunFolderReader
from pipeline.shared.atomic import atomic_write_text
from pipeline.shared.jsonl import iter_folder

PASSES = ["filter", "dedup"]
# Steps that carry documents between passes or measure them: not stages a reader of the report judges. The dedup
# tagger only carries the plan to the two dedup filters, which report its effect.
PLUMBING = (RunFolderReader.name, DedupDecisionTagger.name)
# The visual report (pipeline/data/report/html.py) beside report.md: its folder and plots, linked from report.md.
REPORT_DIR = "report"
PLOTS = {
    "funnel": "stage funnel",
    "drop_reasons": "drop reasons",
    "language": "language",
    "math_score": "math score",
    "tokens": "tokens per source",
    "duplicates": "duplicate clusters",
}


def _count(value) -> int:
    return int(value["total"]) if isinstance(value, dict) else int(value)


def _steps(stats_file: Path) -> list[dict]:
    from pipeline.data.sources.books.convert import BOOK_COUNTERS

    rows = []
    for step in json.loads(stats_file.read_text()):
        stats = {k: _count(v) for k, v in step["stats"].items() if k != "doc_len" and not k.startswith("doc_len")}
        rows.append(
            {
                "stage": step["name"],
                "in": stats.get("total", stats.get("documents")),
                "out": stats.get("forwarded", stats.get("documents")),
                "dropped": {k.removeprefix("dropped_"): v for k, v in stats.items() if k.startswith("dropped_")},
                "skipped": {k.removeprefix("skipped_"): v for k, v in stats.items() if k.startswith("skipped_")},
                "counted": {k: v for k, v in stats.items() if k.split("/")[0] in BOOK_COUNTERS},
                "seconds": round(step["time_stats"]["total"], 3) if step.get("time_stats") else None,
            }
        )
    return rows


def summarize_stats(out: Path, recipe: Recipe, manifest: dict) -> dict:
    stages = []
    for name in PASSES:
        stats_file = out / "logs" / name / "stats.json"
        if stats_file.is_file():
            stages += [
                r
                for r in _steps(stats_file)
                if "WRITER" not in r["stage"] and not any(step in r["stage"] for step in PLUMBING)
            ]
    # One pass over kept/ and over each dropped/ stage: contamination removals (whole documents dropped, spans cut
    # from kept ones) and where each planted ground-truth label ended.
    removed, cut = [], []
    truth: dict[str, Counter] = defaultdict(Counter)

    def visit(folder: Path, where: str, removals: list | None) -> None:
        for d in iter_folder(folder):
            md = d["metadata"]
            if removals is not None:
                action = "span_removed" if where == "kept" else "document_removed"
                removals += [
                    {"id": d["id"], "source": md.get("source"), "action": action, **match}
                    for match in md.get("contamination") or []
                ]
            label = (md.get("truth") or {}).get("label")
            if label:
                truth[label][where] += 1

    visit(out / "kept", "kept", cut)
    for stage_dir in sorted((out / "dropped").glob("*")) if (out / "dropped").exists() else []:
        visit(stage_dir, f"dropped:{stage_dir.name}", removed if stage_dir.name == "decontamination" else None)
    removals = removed + cut
    return {
        "recipe": recipe.name,
        "stages": stages,
        "contamination": contamination_summary(removals),
        "ground_truth": {label: dict(c) for label, c in sorted(truth.items())},
        "sources": manifest["sources"],
        "tokenizer": manifest["tokenizer"],
        "synthesis": synthesis_summary(out, recipe),
        "passes": pass_table(out),
    }


def pass_table(out: Path) -> dict[str, dict]:
    """Wall seconds, CPU seconds and peak RSS of every pass that measured itself, in the order the passes ran."""
    rows = {p.name: pass_resources(p) for p in (out / "logs").glob("*") if p.is_dir()}
    rows = {name: row for name, row in rows.items() if row is not None}
    return dict(sorted(rows.items(), key=lambda item: item[1]["started"]))


def stage_reasons(stage: dict) -> str:
    """ "reason: n" for drops, "skipped reason: n" for documents a stage passed through without judging."""
    parts = [f"{k}: {v}" for k, v in stage["dropped"].items()] + [
        f"skipped {k}: {v}" for k, v in stage["skipped"].items()
    ]
    parts += [f"{k}: {v}" for k, v in stage.get("counted", {}).items()]
    return ", ".join(parts)


def stage_name(stage: dict) -> str:
    return stage["stage"].split(": ", 1)[-1]


def render_markdown(report: dict) -> str:
    lines = [
        f"# Data run: {report['recipe']}",
        "",
        "## Stages",
        "",
        "| stage | in | out | dropped (reason: n) |",
        "|---|---:|---:|---|",
    ]
    for s in report["stages"]:
        reasons = stage_reasons(s) or "–"
        lines.append(
            f"| {stage_name(s)} | {s['in'] if s['in'] is not None else ''} | "
            f"{s['out'] if s['out'] is not None else ''} | {reasons} |"
        )
    lines += [
        "",
        "## Sources and mixture",
        "",
        "| source | kind | documents | tokens | share | planned | epochs |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in report["sources"].items():
        lines.append(
            f"| {name} | {s['kind']} | {s['documents']:,} | {s['tokens']:,} | {s['share']:.1%} | "
            f"{s['planned_tokens']:,} | {s['epochs']:.2f} |"
        )
    c = report["contamination"]
    lines += ["", "## Decontamination", ""]
    if c["per_benchmark"]:
        for b, v in c["per_benchmark"].items():
            lines.append(
                f"- {b}: {v['documents_removed']} documents removed, {v['spans_removed']} documents with "
                f"spans cut out, {v['items_hit']} items hit"
            )
        lines += [
            "",
            "| document | action | benchmark | item | kind | LCS ratio | matched n-gram |",
            "|---|---|---|---|---|---:|---|",
        ]
        for r in c["removals"]:
            lines.append(
                f"| {r['id']} | {r['action']} | {r['benchmark']} | {r['item_id']} | {r['kind']} | "
                f"{r['lcs_ratio']:.3f} | {r['ngram']} |"
            )
    else:
        lines.append("No contaminated documents found.")
    if report["ground_truth"]:
        lines += ["", "## Planted ground truth (sample corpus)", "", "| label | where it ended |", "|---|---|"]
        for label, where in report["ground_truth"].items():
            lines.append(f"| {label} | {', '.join(f'{k}: {v}' for k, v in sorted(where.items()))} |")
    lines += render_synthesis(report.get("synthesis") or {})
    if report.get("passes"):
        lines += [
            "",
            "## Passes",
            "",
            "| pass | tasks | wall s | CPU s | peak RSS MB | RSS growth MB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, p in report["passes"].items():
            growth = p.get("rss_growth_mb")
            lines.append(
                f"| {name} | {p['tasks']} | {p['wall_seconds']:.1f} | {p['cpu_seconds']:.1f} | {p['peak_rss_mb']:.0f} "
                f"| {'–' if growth is None else f'{growth:.0f}'} |"
            )
    if "wall_seconds" in report:
        lines += ["", f"Wall time: {report['wall_seconds']} s"]
    lines += [
        "",
        f"Plots and kept/dropped examples per stage: [{REPORT_DIR}/index.html]({REPORT_DIR}/index.html) ("
        + ", ".join(f"[{title}]({REPORT_DIR}/{name}.png)" for name, title in PLOTS.items())
        + ")",
    ]
    return "\n".join(lines) + "\n"


def write_report(out: Path, report: dict) -> None:
    atomic_write_text(out / "report.json", json.dumps(report, indent=2, ensure_ascii=False))
    atomic_write_text(out / "report.md", render_markdown(report))
