"""The ablation's report: `report.md` (table of bits per byte per source, differences), `loss_curves.png` (training
loss per variant: mean over seeds, each seed faint) and `bpb_by_source.png` (bars with the bootstrap intervals).

    mathcpt ablate configs/ablations/demo.yaml          # writes them into output_dir
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipeline.shared.atomic import atomic_path, atomic_write_text


def loss_curves(train_runs, path: Path) -> None:
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    by_variant: dict[str, list[dict[int, float]]] = {}
    for run in train_runs:
        rows = [json.loads(x) for x in (run.folder / "metrics.jsonl").read_text().splitlines() if x.strip()]
        by_variant.setdefault(run.variant, []).append({r["step"]: r["loss"] for r in rows if "loss" in r})
    for i, (variant, curves) in enumerate(by_variant.items()):
        color = f"C{i}"
        steps = sorted(set.intersection(*(set(c) for c in curves)))
        for c in curves:
            ax.plot(sorted(c), [c[s] for s in sorted(c)], color=color, alpha=0.25, linewidth=0.8)
        ax.plot(steps, [np.mean([c[s] for c in curves]) for s in steps], color=color, label=variant, linewidth=1.6)
    ax.set_xlabel("step")
    ax.set_ylabel("training loss (nats/token)")
    ax.legend()
    ax.set_title("Training loss per variant (mean over seeds; seeds faint)")
    save(fig, path)


def bpb_bars(table: dict, path: Path) -> None:
    variants = list(table)
    sources = sorted(next(iter(table.values())))
    fig = Figure(figsize=(max(6, 1.3 * len(sources) * len(variants) / 2), 4))
    ax = fig.add_subplot()
    width = 0.8 / len(variants)
    x = np.arange(len(sources))
    for i, v in enumerate(variants):
        mean = np.array([table[v][s]["bpb"] for s in sources])
        lo = np.array([table[v][s]["bpb_ci95"][0] for s in sources])
        hi = np.array([table[v][s]["bpb_ci95"][1] for s in sources])
        ax.bar(x + i * width, mean, width, label=v, color=f"C{i}",
               yerr=np.vstack([np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)]), capsize=2)  # fmt: skip
    ax.set_xticks(x + width * (len(variants) - 1) / 2, sources, rotation=20, ha="right")
    ax.set_ylabel("bits per byte (lower is better)")
    ax.legend()
    ax.set_title("Held-out bits per byte per source, 95% bootstrap intervals")
    fig.tight_layout()
    save(fig, path)


def save(fig: Figure, path: Path) -> None:
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")


def markdown(name: str, summary: dict) -> str:
    comparison, plan = summary["comparison"], summary["plan"]
    variants = list(comparison["variants"])
    sources = sorted(next(iter(comparison["variants"].values())))
    lines = [f"# Ablation {name}", "",
             f"{len(variants)} variants × {len(summary['seeds'])} seeds, {plan['train_runs'][0]['tokens']:,} training "
             f"tokens each; scored on the held-out documents of variant `{plan['reference']}` and benchmark "
             "solutions (bits per byte, lower is better; interval: 95% bootstrap over documents; ± seed std).", "",
             "| source | " + " | ".join(variants) + " |", "|---|" + "---:|" * len(variants)]  # fmt: skip
    for s in sources:
        cells = []
        for v in variants:
            c = comparison["variants"][v][s]
            cells.append(f"{c['bpb']:.4f} [{c['bpb_ci95'][0]:.4f}, {c['bpb_ci95'][1]:.4f}] ± {c['seed_std']:.4f}")
        lines.append(
            f"| {s} ({comparison['variants'][variants[0]][s]['documents']} docs) | " + " | ".join(cells) + " |"
        )
    lines += ["", "| source | b − a | difference | 95% interval | seed spread | beyond the seed spread |",
              "|---|---|---:|---|---:|---|"]  # fmt: skip
    for d in comparison["differences"]:
        lines.append(f"| {d['source']} | {d['b']} − {d['a']} | {d['bpb_b_minus_a']:+.4f} | "
                     f"[{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}] | {d['seed_spread']:.4f} | "
                     f"{'yes' if d['beyond_seed_spread'] else 'no'} |")  # fmt: skip
    lines += ["", "Data runs (shared where the resolved recipes are equal):", ""]
    for d in plan["data_runs"]:
        lines.append(f"- `{d['key']}`: variants {', '.join(d['variants'])}")
    t = summary["seconds"]
    lines += ["", f"Seconds: data {t['data']:.1f}, training {t['train']:.1f}, export {t['export']:.1f}, scoring "
              f"{t['score']:.1f}, total {t['total']:.1f}.", "", "![loss](loss_curves.png)",
              "![bits per byte](bpb_by_source.png)", ""]  # fmt: skip
    return "\n".join(lines)


def write_report(out: Path, name: str, summary: dict, train_runs) -> None:
    loss_curves(train_runs, out / "loss_curves.png")
    bpb_bars(summary["comparison"]["variants"], out / "bpb_by_source.png")
    atomic_write_text(out / "report.md", markdown(name, summary))
