"""`mathcpt report RUN_DIR`: the human report of a data run (report.md) or a training run (metrics.jsonl).

mathcpt report runs/demo/data
mathcpt report runs/demo/data --html   # also (re)renders runs/demo/data/report/index.html with plots
mathcpt report runs/demo/train
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import DataError
from pipeline.train.metrics import read_metrics


def training_report(run: Path) -> str:
    all_rows = read_metrics(run)
    rows = [r for r in all_rows if "loss" in r]
    evals = [r for r in all_rows if "eval_loss" in r]
    if not rows:
        return f"# Training run {run}\n\nNo steps logged yet.\n"
    first, last = rows[0], rows[-1]
    lines = [
        f"# Training run {run}",
        "",
        f"- steps: {last['step']}, tokens: {last['tokens']:,}",
        f"- loss: {first['loss']:.4f} at step {first['step']} → {last['loss']:.4f} at step {last['step']}",
        f"- last lr: {last['lr']:.3g}, throughput: {last.get('tokens_per_s', 0):,.0f} tokens/s",
        *(f"- eval loss at step {e['step']}: {e['eval_loss']:.4f}" for e in evals),
        "",
        "| step | loss | lr | tokens |",
        "|---:|---:|---:|---:|",
    ]
    every = max(1, len(rows) // 20)
    for r in rows[::every] + ([last] if (len(rows) - 1) % every else []):
        lines.append(f"| {r['step']} | {r['loss']:.4f} | {r['lr']:.3g} | {r['tokens']:,} |")
    return "\n".join(lines) + "\n"


def render_html(run_dir: str) -> Path:
    """The data run's visual report (pipeline/data/report_html.py), rendered again from its files."""
    from pipeline.data.report_html import rerender

    return rerender(run_dir)


def report_text(run_dir: str) -> str:
    run = Path(run_dir)
    if (run / "report.md").is_file():
        return (run / "report.md").read_text(encoding="utf-8")
    if (run / "metrics.jsonl").is_file():
        return training_report(run)
    raise DataError(f"{run}: neither a data run (report.md) nor a training run (metrics.jsonl)")
