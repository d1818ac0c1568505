"""The PNG plots of a data run's visual report (pipeline/data/report/html.py gathers the numbers, this draws them).

    mathcpt report runs/data/demo --html     # writes runs/data/demo/report/*.png and index.html

Matplotlib's object API on the Agg canvas: no pyplot, so no global backend switch and no figure registry that
leaks between calls. Fixed figure sizes and dpi, no "Software" stamp: the same numbers give byte-identical PNGs.
Every plot is always written; when there is nothing to show it says so, so links to it never break.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

KEPT, DROPPED, PLANNED = "#2f9e44", "#e03131", "#1c7ed6"
DPI = 100


def plain(label: str) -> str:
    """The label without emoji: the default font has no glyphs for them and matplotlib warns on every one."""
    return "".join(ch for ch in label if unicodedata.category(ch) != "So" and ch != "\ufe0f").strip()


def _figure(width: float, height: float, ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols)
    return fig, list(np.atleast_1d(axes))


def _save(fig: Figure, path: Path) -> None:
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#868e96")
    ax.set_xticks([]), ax.set_yticks([])


def human_bytes(n: float) -> str:
    """Decimal units, as disk and network tools print them: 954.9 kB, 1.2 MB."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"


def funnel(stages: list[dict], path: Path) -> None:
    """Per stage, top to bottom: documents and bytes that went on (green) and that the stage dropped (red)."""
    fig, (docs, size) = _figure(11, 0.55 * len(stages) + 1.6, ncols=2)
    names = [plain(s["name"]) for s in stages]
    y = np.arange(len(stages))[::-1]
    for ax, out_key, drop_key, title, fmt in (
        (docs, "docs_out", "dropped", "documents", lambda v: f"{v:,.0f}"),
        (size, "bytes_out", "bytes_dropped", "text bytes (UTF-8; ≈ = characters before extraction)", human_bytes),
    ):
        out = np.array([s[out_key] or 0 for s in stages], dtype=float)
        drop = np.array([s[drop_key] or 0 for s in stages], dtype=float)
        ax.barh(y, out, color=KEPT, label="out")
        ax.barh(y, drop, left=out, color=DROPPED, label="dropped")
        for yi, o, d, s in zip(y, out, drop, stages):
            approx = "≈ " if ax is size and s.get("approx_out") else ""
            ax.text(o + d, yi, f" {approx}{fmt(o)}" + (f"  (−{fmt(d)})" if d else ""), va="center", fontsize=8)
        ax.set_yticks(y, names if ax is docs else [""] * len(names))
        ax.set_title(title, fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos, fmt=fmt: fmt(v)))
        ax.set_xlim(0, max((out + drop).max(initial=1) * 1.35, 1))
        ax.spines[["top", "right"]].set_visible(False)
    docs.legend(loc="lower right", fontsize=8, frameon=False)
    _save(fig, path)


def drop_reasons(rows: list[tuple[str, str, int]], path: Path) -> None:
    """One bar per (stage, reason), coloured by stage."""
    fig, (ax,) = _figure(9, 0.4 * max(len(rows), 2) + 1.2)
    if not rows:
        _empty(ax, "no documents were dropped")
    else:
        stage_order = list(dict.fromkeys(stage for stage, _, _ in rows))
        colors = {stage: f"C{i % 10}" for i, stage in enumerate(stage_order)}
        y = np.arange(len(rows))[::-1]
        ax.barh(y, [n for _, _, n in rows], color=[colors[stage] for stage, _, _ in rows])
        ax.set_yticks(y, [f"{plain(stage)}: {reason}" for stage, reason, _ in rows], fontsize=9)
        for yi, (_, _, n) in zip(y, rows):
            ax.text(n, yi, f" {n:,}", va="center", fontsize=8)
        ax.set_xlim(0, max(n for _, _, n in rows) * 1.15)
        ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("documents dropped, per stage and reason")
    _save(fig, path)


def _hist(
    ax, bins: np.ndarray, series: list[tuple[str, np.ndarray | None, str]], threshold: float | None, xlabel: str
) -> None:
    widths = np.diff(bins)
    shown = [(label, counts, color) for label, counts, color in series if counts is not None and counts.sum()]
    if not shown:
        _empty(ax, f"no {xlabel} recorded (stage disabled?)")
        return
    for label, counts, color in shown:
        ax.bar(
            bins[:-1], counts, width=widths, align="edge", color=color, alpha=0.55, label=f"{label} ({counts.sum():,})"
        )
    if threshold is not None:
        ax.axvline(threshold, color="black", linestyle="--", linewidth=1.2, label=f"recipe min_score {threshold}")
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("documents")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def language(
    languages: dict[str, Counter],
    not_judged: int,
    bins: np.ndarray,
    kept: np.ndarray | None,
    dropped: np.ndarray | None,
    threshold: float | None,
    path: Path,
    top: int = 12,
) -> None:
    """Left: documents per detected language, kept vs dropped. Right: language-ID confidence, kept vs dropped."""
    fig, (counts, scores) = _figure(11, 3.6, ncols=2)
    total = languages["kept"] + languages["dropped"]
    if not total:
        _empty(counts, "no language detected (stage disabled?)")
    else:
        names = [lang for lang, _ in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
        rest = {w: sum(n for lang, n in languages[w].items() if lang not in names) for w in ("kept", "dropped")}
        labels = names + (["other"] if any(rest.values()) else [])
        x = np.arange(len(labels))
        k = [languages["kept"][lang] for lang in names] + ([rest["kept"]] if len(labels) > len(names) else [])
        d = [languages["dropped"][lang] for lang in names] + ([rest["dropped"]] if len(labels) > len(names) else [])
        counts.bar(x, k, color=KEPT, label="kept")
        counts.bar(x, d, bottom=k, color=DROPPED, label="dropped (any stage)")
        for xi, a, b in zip(x, k, d):
            counts.text(xi, a + b, f"{a + b:,}", ha="center", va="bottom", fontsize=8)
        counts.set_xticks(x, labels)
        counts.set_ylabel("documents")
        counts.legend(fontsize=8, frameon=False)
        counts.spines[["top", "right"]].set_visible(False)
    counts.set_title(
        "detected language" + (f" ({not_judged:,} documents not judged, e.g. code)" if not_judged else ""), fontsize=10
    )
    series = [("kept", kept, KEPT), ("dropped (any stage)", dropped, DROPPED)]
    _hist(scores, bins, series, threshold, "language-ID confidence")
    scores.set_title("language-ID confidence (lid.176)", fontsize=10)
    _save(fig, path)


def math_score(
    bins: np.ndarray,
    kept: np.ndarray | None,
    dropped: np.ndarray | None,
    threshold: float | None,
    path: Path,
    key: str = "math_score",
) -> None:
    fig, (ax,) = _figure(9, 3.6)
    label = key.replace("_", " ")
    _hist(ax, bins, [("kept", kept, KEPT), ("dropped (any stage)", dropped, DROPPED)], threshold, label)
    ax.set_title(f"{label} of kept vs dropped documents", fontsize=10)
    _save(fig, path)


def tokens(sources: dict[str, dict], path: Path) -> None:
    """Unique kept tokens per source next to the tokens the mixture plans to train on (share and epochs on top)."""
    fig, (ax,) = _figure(9, 3.8)
    if not sources:
        _empty(ax, "no sources")
    else:
        names = list(sources)
        x = np.arange(len(names))
        have = [sources[n].get("tokens", 0) for n in names]
        plan = [sources[n].get("planned_tokens", 0) for n in names]
        ax.bar(x - 0.2, have, width=0.4, color=KEPT, label="kept tokens (unique)")
        ax.bar(x + 0.2, plan, width=0.4, color=PLANNED, label="planned tokens (mixture)")
        for xi, n in zip(x, names):
            s = sources[n]
            ax.text(
                xi + 0.2,
                plan[xi],
                f"{s.get('share', 0):.0%}\n{s.get('epochs', 0):.2f} ep",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_xticks(x, names)
        ax.set_ylabel("tokens")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        ax.set_ylim(0, max(max(have), max(plan), 1) * 1.25)
        ax.legend(fontsize=8, frameon=False, loc="upper right")
        ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("tokens per source: kept vs planned (planned share, epochs)", fontsize=10)
    _save(fig, path)


def duplicates(sizes: dict[str, Counter], path: Path) -> None:
    """How many duplicate clusters (a kept document plus the copies dropped as its duplicates) have each size."""
    fig, (ax,) = _figure(9, 3.4)
    all_sizes = sorted({size for c in sizes.values() for size in c})
    if not all_sizes:
        _empty(ax, "no duplicates found")
    else:
        x = np.arange(len(all_sizes))
        width = min(0.8 / max(len(sizes), 1), 0.3)
        for i, (kind, counter) in enumerate(sizes.items()):
            vals = [counter.get(size, 0) for size in all_sizes]
            xs = x + (i - (len(sizes) - 1) / 2) * width
            ax.bar(xs, vals, width=width, color=f"C{i}", label=f"{kind} ({sum(vals):,} clusters)")
            for xi, v in zip(xs, vals):
                ax.text(xi, v, f"{v:,}" if v else "", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, [str(size) for size in all_sizes])
        ax.set_xlim(-0.75, len(all_sizes) - 0.25)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("cluster size (kept copy + dropped duplicates)")
        ax.set_ylabel("clusters")
        ax.legend(fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("duplicate cluster sizes", fontsize=10)
    _save(fig, path)
