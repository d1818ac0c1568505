"""The visual report of a data run: one HTML page with plots and examples that shows at a glance what the recipe did.

    mathcpt report runs/data/demo --html     # (re)renders runs/data/demo/report/index.html
    mathcpt data data_recipes/demo.yaml      # writes it at the end of every run

`report/index.html` shows the stage funnel (documents and bytes in/out), drop reasons per stage, the language and
language-score histograms, math scores of kept vs dropped documents against the recipe's threshold, tokens per
source against the mixture plan, duplicate cluster sizes, the contamination removals and, per stage, a few kept and
dropped documents with their reason and the first ~400 characters of text (formulas highlighted, never rendered).

Inputs are the run's own files: `report.json` (stage counters, sources, removals), `recipe.resolved.yaml`
(thresholds), `logs/<pass>/stats.json` (which pass a stage ran in, datatrove's doc_len), and one streaming pass
over `dropped/<stage>/` and `kept/` (histograms, cluster sizes, examples). Bytes are UTF-8 bytes of document text,
measured from those files: `work/filtered/` (the filter pass's output) anchors the walk, filters do not change text,
so a filter's input is its output plus what it dropped. Only the reader's input (raw pages, before extraction) has
no file behind it; that number is datatrove's doc_len (characters) and is marked "≈".

The PNGs are files next to index.html (`report/*.png`), referenced relatively, not base64-inlined: the same images
are linked from report.md, so a markdown viewer shows them too, and the HTML stays small and readable as text. The
folder is the unit: it is written as `report.partial/` and renamed into place, so `report/` is never half-written.
Matplotlib draws through its object API on the Agg canvas (no pyplot, no global backend switch, safe in any
process), with fixed sizes and no version stamp in the PNGs, so the same run renders byte-identical files.
"""

from __future__ import annotations

import heapq
import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from pipeline.data.filter.classifier import SCORE_KEY
from pipeline.data.mathtext import MATH_SPANS
from pipeline.data.report import plots
from pipeline.data.report.markdown import PASSES, PLOTS, REPORT_DIR, render_markdown, stage_name
from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_path, atomic_write_text
from pipeline.shared.jsonl import iter_folder

EXAMPLES = 3  # kept and dropped documents shown per stage
EXCERPT = 400  # characters of text shown per example
BINS = np.linspace(0.0, 1.0, 41)  # score histograms: fixed bins, so they accumulate while streaming
SCORES = ("language_score", "math_score", SCORE_KEY)  # metadata keys the filters write, all in [0, 1]
DEDUP = ("exact_dedup", "near_dedup")


def _stage_folders() -> dict[str, tuple[str, str | None]]:
    """Stage name (the step's `name`, as in the stats) → (folder under dropped/ and recipe stage key, score key).

    Taken from the classes themselves so a renamed stage cannot silently lose its examples.
    """
    from pipeline.data.decontaminate import BenchmarkDecontaminationFilter
    from pipeline.data.dedup import ExactDedupFilter, MinhashNearDedupFilter
    from pipeline.data.filter.extract import MathExtractor
    from pipeline.data.filter.language import MathLanguageFilter
    from pipeline.data.filter.math_score import MathClassifierFilter, MathScoreFilter
    from pipeline.data.filter.quality import MathSafeQualityFilter

    return {
        MathExtractor.name: ("extraction", None),
        MathLanguageFilter.name: ("language", "language_score"),
        MathScoreFilter.name: ("math", "math_score"),
        MathClassifierFilter.name: ("math", SCORE_KEY),
        MathSafeQualityFilter.name: ("quality", None),
        ExactDedupFilter.name: ("exact_dedup", None),
        MinhashNearDedupFilter.name: ("near_dedup", None),
        BenchmarkDecontaminationFilter.name: ("decontamination", None),
    }


# ----------------------------------------------------------------------------------------------- reading the run


def _text_bytes(folder: Path) -> int | None:
    return sum(len(d["text"].encode()) for d in iter_folder(folder)) if folder.is_dir() else None


def _step_stats(run: Path) -> dict[str, tuple[str, int | None]]:
    """Full step name → (pass, doc_len total): which pass a stage ran in, and datatrove's size of its output."""
    out = {}
    for name in PASSES:
        stats = run / "logs" / name / "stats.json"
        for step in json.loads(stats.read_text()) if stats.is_file() else []:
            doc_len = step["stats"].get("doc_len")
            out[step["name"]] = (name, int(doc_len["total"]) if isinstance(doc_len, dict) else doc_len)
    return out


@dataclass
class Stage:
    name: str  # display name (the step's `name`)
    full: str  # as in the stats: "🔻 - FILTER: <name>"
    folder: str | None
    score_key: str | None
    row: dict  # report.json's row
    docs_in: int = 0
    docs_out: int = 0
    dropped: int = 0
    skipped: int = 0
    bytes_in: int | None = None
    bytes_out: int | None = None
    bytes_dropped: int = 0
    bytes_cut: int = 0  # text removed from documents that were kept (decontamination in span mode)
    approx_in: bool = False  # datatrove's doc_len (characters) where no file holds the text
    approx_out: bool = False
    kept_examples: list[dict] = field(default_factory=list)
    dropped_examples: list[dict] = field(default_factory=list)

    @property
    def is_filter(self) -> bool:
        return "FILTER" in self.full.split(": ", 1)[0]


@dataclass
class Collected:
    """Everything the streaming pass over dropped/ and kept/ gathers; memory stays bounded by the example count."""

    languages: dict[str, Counter] = field(default_factory=lambda: {"kept": Counter(), "dropped": Counter()})
    not_judged: int = 0  # documents the language stage skipped (e.g. code)
    hist: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (score key, kept|dropped) → counts
    clusters: dict[str, Counter] = field(default_factory=lambda: {k: Counter() for k in DEDUP})  # kept id → dropped
    folder_bytes: Counter = field(default_factory=Counter)  # dropped/<folder> → UTF-8 bytes of text
    kept_bytes: int = 0

    def add_score(self, key: str, where: str, value) -> None:
        if isinstance(value, (int, float)):
            h = self.hist.setdefault((key, where), np.zeros(len(BINS) - 1, dtype=np.int64))
            h[min(np.searchsorted(BINS, value, side="right") - 1, len(h) - 1)] += 1

    def add(self, doc: dict, where: str) -> None:
        md = doc.get("metadata") or {}
        if "language_score" in md:
            self.languages[where][str(md.get("language"))] += 1
        else:
            self.not_judged += 1
        for key in SCORES:
            self.add_score(key, where, md.get(key))


def _recipe(run: Path) -> dict:
    path = run / "recipe.resolved.yaml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else {}


def _excerpt(doc: dict, where: str, note: str) -> dict:
    # The whole text by reference (no copy): the excerpt is cut at render time, and only a bounded set is held.
    return {
        "id": str(doc.get("id")),
        "source": (doc.get("metadata") or {}).get("source"),
        "where": where,
        "note": note,
        "text": doc.get("text", ""),
    }


def _round_robin(groups: dict[str, list], n: int) -> list:
    """n items taking one from each group in turn (first-seen group order): every reason or source gets shown."""
    out, lists = [], [list(v) for v in groups.values()]
    while len(out) < n and any(lists):
        for lst in lists:
            if lst and len(out) < n:
                out.append(lst.pop(0))
    return out


def _drop_note(md: dict) -> str:
    reason = md.get("filter_reason", "?")
    if md.get("duplicate_of"):
        return f"{reason}: duplicate of {md['duplicate_of']}"
    if md.get("contamination"):
        m = md["contamination"][0]
        return f"{reason}: {m.get('item_id')} ({m.get('kind')}, LCS {m.get('lcs_ratio', 0):.2f})"
    if reason.startswith("low_math"):
        key = next((k for k in SCORES[1:] if k in md), "math_score")
        return f"{reason}: {key} {md.get(key)}"
    if reason in ("wrong_language", "low_language_score"):
        return f"{reason}: {md.get('language')} ({md.get('language_score')})"
    return reason


def collect(run: Path, report: dict, recipe: dict) -> tuple[list[Stage], Collected]:
    folders, steps = _stage_folders(), _step_stats(run)
    stages = []
    for row in report["stages"]:
        folder, score_key = folders.get(stage_name(row), (None, None))
        stages.append(Stage(stage_name(row), row["stage"], folder, score_key, row))
    c = Collected()
    recipe_stages = recipe.get("stages") or {}

    # Dropped folders in stage order, then kept/: a duplicate's kept copy passed its stage, so it lies in a later
    # stage's folder or in kept/, and is looked up as the scan reaches it.
    wanted: dict[str, list[tuple[Stage, str]]] = defaultdict(list)  # shown duplicate's kept copy → (stage, note)
    found: dict[str, dict] = {}
    for s in stages:
        if not s.folder or s.folder == "extraction":
            continue
        by_reason: dict[str, list] = defaultdict(list)
        for doc in iter_folder(run / "dropped" / s.folder):
            md = doc.get("metadata") or {}
            c.add(doc, "dropped")
            c.folder_bytes[s.folder] += len(doc["text"].encode())
            if s.folder in c.clusters and md.get("duplicate_of"):
                c.clusters[s.folder][md["duplicate_of"]] += 1
            if doc.get("id") in wanted:
                found[doc["id"]] = _excerpt(doc, f"later dropped ({md.get('filter_reason')})", "")
            reason = md.get("filter_reason", "?")
            if len(by_reason[reason]) < EXAMPLES:
                by_reason[reason].append(_excerpt(doc, "dropped", _drop_note(md)))
                if md.get("duplicate_of"):
                    wanted[md["duplicate_of"]].append((s, f"kept copy of {doc.get('id')}"))
        s.dropped_examples = _round_robin(by_reason, EXAMPLES)

    # Kept-example candidates per stage, bounded: borderline scores, per-source firsts, extracted pages.
    lowest: dict[str, list] = defaultdict(list)  # score key → heap of (-score, id, excerpt) keeping the lowest
    per_source: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))  # stage → source → docs
    extracted, contaminated = [], []
    for doc in iter_folder(run / "kept"):
        md = doc.get("metadata") or {}
        c.add(doc, "kept")
        c.kept_bytes += len(doc["text"].encode())
        if doc.get("id") in wanted:
            found[doc["id"]] = _excerpt(doc, "kept", "")
        for key in SCORES:
            if isinstance(md.get(key), (int, float)):
                item = (-md[key], str(doc.get("id")), _excerpt(doc, "kept", f"{key} {md[key]} (lowest kept)"))
                (heapq.heappush if len(lowest[key]) < EXAMPLES else heapq.heappushpop)(lowest[key], item)
        if "extracted_math" in md and len(extracted) < EXAMPLES:
            extracted.append(_excerpt(doc, "kept", f"{md['extracted_math']} formulas extracted from HTML"))
        if md.get("contamination") and len(contaminated) < EXAMPLES:
            contaminated.append(_excerpt(doc, "kept", f"{len(md['contamination'])} contaminated spans cut out"))
        for s in stages:
            apply_to = (recipe_stages.get(s.folder) or {}).get("apply_to") if s.folder else None
            if s.folder and (apply_to is None or md.get("kind") in apply_to):
                group = per_source[s.name][str(md.get("source"))]
                if len(group) < EXAMPLES:
                    group.append(_excerpt(doc, "kept", f"source {md.get('source')}"))

    for s in stages:
        if s.folder == "extraction":
            s.kept_examples = extracted
        elif s.score_key:
            s.kept_examples = [e for _, _, e in sorted(lowest[s.score_key], key=lambda t: (-t[0], t[1]))]
        elif s.folder in c.clusters:
            s.kept_examples = [
                {**found[i], "note": note} for i, uses in wanted.items() if i in found for st, note in uses if st is s
            ]
        elif s.folder == "decontamination" and contaminated:
            s.kept_examples = contaminated
        elif s.folder:
            s.kept_examples = _round_robin(per_source[s.name], EXAMPLES)
        s.kept_examples = s.kept_examples[:EXAMPLES]

    _flow(stages, steps, c, _text_bytes(run / "work" / "filtered"), c.kept_bytes)
    return stages, c


def _flow(stages: list[Stage], steps: dict, c: Collected, filtered_bytes: int | None, kept_bytes: int) -> None:
    """Documents and bytes in/out of every stage, as one stream from the reader to kept/ (see module docstring)."""
    stream = None
    for s in stages:
        row = s.row
        row_in, row_out = row["in"] or 0, row["out"] or 0
        s.docs_in = row_in if stream is None else stream
        s.dropped = sum(row["dropped"].values()) or max(row_in - row_out, 0)
        # A step that handles some kinds only (extraction: HTML pages) counts just those; the rest pass through.
        # A step with no counters at all (dedup decisions: it only tags) judged nothing and passed everything on.
        s.skipped = sum(row["skipped"].values()) + (max(s.docs_in - row_in, 0) if row["in"] is not None else 0)
        s.docs_out = stream = s.docs_in - s.dropped
        s.bytes_dropped = c.folder_bytes.get(s.folder, 0)

    dedup = [s for s in stages if steps.get(s.full, ("",))[0] == "dedup"]
    first = [s for s in stages if s not in dedup]
    # Without work/filtered (cleaned up by hand), the dedup pass's input is rebuilt from what it kept and dropped.
    anchor = filtered_bytes if filtered_bytes is not None else kept_bytes + sum(s.bytes_dropped for s in dedup)
    cur = anchor
    for s in dedup:  # forward from the corpus the dedup pass read
        s.bytes_in, cur = cur, cur - s.bytes_dropped
        s.bytes_out = cur
    if dedup:  # what a stage cut out of documents it kept (span-mode decontamination) shows as the difference
        dedup[-1].bytes_cut = max(dedup[-1].bytes_out - kept_bytes, 0)
        dedup[-1].bytes_out = kept_bytes
    cur, approx = anchor, False
    for i in range(len(first) - 1, -1, -1):  # backward from the filter pass's output: filters do not change text
        s = first[i]
        s.bytes_out, s.approx_out = cur, approx
        if s.is_filter:
            cur = None if cur is None else cur + s.bytes_dropped
            s.bytes_in, s.approx_in = cur, approx
        else:  # text changes here (extraction), or nothing came before (reader): datatrove's doc_len (characters)
            cur = steps.get(first[i - 1].full, (None, None))[1] if i > 0 else None
            s.bytes_in, s.approx_in, approx = cur, True, True


# ------------------------------------------------------------------------------------------------------- rendering

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#212529;max-width:1180px;margin:24px auto;
padding:0 16px}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #dee2e6}
h3{font-size:15px;margin:18px 0 6px}.glance{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.card{border:1px solid #dee2e6;border-radius:6px;padding:8px 14px;min-width:150px}.card b{display:block;font-size:20px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}td,th{border:1px solid #dee2e6;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f1f3f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;display:block;margin:8px 0}.muted{color:#868e96}.pair{display:grid;grid-template-columns:1fr 1fr;
gap:14px}.ex{border:1px solid #dee2e6;border-radius:6px;padding:6px 10px;margin:6px 0;font-size:12px}
.ex.kept{border-left:4px solid #2f9e44}.ex.dropped{border-left:4px solid #e03131}
.ex pre{white-space:pre-wrap;word-break:break-word;margin:4px 0 0;font-size:12px;max-height:16em;overflow:auto}
.math{background:#fff3bf;border-radius:2px}code{font-size:12px}
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _bytes(n: int | None, approx: bool = False) -> str:
    return "–" if n is None else ("≈ " if approx else "") + plots.human_bytes(n)


def _mark(text: str) -> str:
    parts, pos = [], 0
    for m in MATH_SPANS.finditer(text):
        parts += [_esc(text[pos : m.start()]), f'<span class="math">{_esc(m.group(0))}</span>']
        pos = m.end()
    return "".join(parts) + _esc(text[pos:])


def highlight(text: str) -> str:
    """HTML-escaped first EXCERPT characters, every formula highlighted with its LaTeX as written.

    Pages often open with a title and prose; when the first characters hold no formula, a short window around
    the document's first formula follows, so an example always shows whether its formulas survived.
    """
    head = text[:EXCERPT]
    out = _mark(head) + ("…" if len(text) > EXCERPT else "")
    if not MATH_SPANS.search(head):
        m = MATH_SPANS.search(text, 0, 50 * EXCERPT)  # bounded: a stray "$" must not scan a huge document
        if m:
            start, end = max(m.start() - EXCERPT // 4, 0), min(m.end(), m.start() + EXCERPT) + EXCERPT // 4
            out += (
                f'\n<span class="muted">[first formula, at character {m.start():,}]</span>\n…{_mark(text[start:end])}…'
            )
    return out


def _img(name: str) -> str:
    return f'<img src="{name}.png" alt="{_esc(PLOTS[name])}">'


def _table(header: list[str], rows: list[str]) -> str:
    return "<table><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr>" + "".join(rows) + "</table>"


def math_key(recipe: dict) -> str:
    """The metadata key the recipe's math scorer writes (the threshold applies to it)."""
    scorer = ((recipe.get("stages") or {}).get("math") or {}).get("scorer", "rule")
    return SCORE_KEY if scorer == "classifier" else "math_score"


def _threshold(recipe: dict, stage: str) -> float | None:
    st = (recipe.get("stages") or {}).get(stage) or {}
    return st.get("min_score") if st.get("enabled", True) else None


def whole_groups(clusters: dict[str, Counter]) -> Counter:
    """Kept document → copies dropped by any dedup stage."""
    return sum(clusters.values(), Counter())


def cluster_sizes(clusters: dict[str, Counter]) -> dict[str, Counter]:
    """Cluster size (kept copy + its dropped duplicates) → number of clusters: per dedup stage, and per group.

    A duplicate group keeps one document and drops the rest as exact or near copies of it (`duplicate_of` names
    the kept one for both), so "exact + near" counts whole groups.
    """
    named = {
        "exact": clusters.get("exact_dedup", Counter()),
        "near": clusters.get("near_dedup", Counter()),
        "whole group (exact + near)": whole_groups(clusters),
    }
    return {kind: Counter(n + 1 for n in c.values()) for kind, c in named.items()}


def _examples(s: Stage) -> str:
    def one(e: dict) -> str:
        return (
            f'<div class="ex {"kept" if e["where"] == "kept" else "dropped"}"><code>{_esc(e["id"])}</code> '
            f'<span class="muted">{_esc(e["source"])} · {_esc(e["where"])}</span><br>{_esc(e["note"])}'
            f"<pre>{highlight(e['text'])}</pre></div>"
        )

    kept = "".join(map(one, s.kept_examples)) or '<p class="muted">no example</p>'
    dropped = "".join(map(one, s.dropped_examples)) or '<p class="muted">nothing dropped by this stage</p>'
    return (
        f'<h3>{_esc(s.name)}</h3><div class="pair"><div><b>kept</b>{kept}</div><div><b>dropped</b>{dropped}</div></div>'
    )


def render_html(report: dict, stages: list[Stage], c: Collected) -> str:
    sources = report.get("sources") or {}
    read, kept = (stages[0], stages[-1]) if stages else (None, None)
    n_read, n_kept = (read.docs_in, kept.docs_out) if stages else (0, 0)
    dropped_pct = f"{1 - n_kept / n_read:.1%}" if n_read else "–"
    cards = [
        ("documents read", f"{n_read:,}"),
        ("documents kept", f"{n_kept:,}"),
        ("dropped", dropped_pct),
        ("text kept", _bytes(kept.bytes_out) if kept else "–"),
        ("tokens kept", f"{sum(s.get('tokens', 0) for s in sources.values()):,}"),
        ("sources", str(len(sources))),
    ]
    if "wall_seconds" in report:
        cards.append(("wall time", f"{report['wall_seconds']} s"))
    out = [
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Data run: {_esc(report["recipe"])}'
        f"</title><style>{CSS}</style></head><body>",
        f"<h1>Data run: {_esc(report['recipe'])}</h1>",
        '<p class="muted">What each stage of the recipe kept and dropped. Written by <code>mathcpt data</code>; '
        "re-render with <code>mathcpt report RUN_DIR --html</code>.</p>",
        '<div class="glance">'
        + "".join(f'<div class="card"><span class="muted">{_esc(k)}</span><b>{_esc(v)}</b></div>' for k, v in cards)
        + "</div>",
    ]

    rows = []
    for s in stages:
        cut = f" (+{_bytes(s.bytes_cut)} cut from kept documents)" if s.bytes_cut else ""
        seconds = s.row.get("seconds") if s.row.get("seconds") is not None else "–"
        rows.append(
            f'<tr data-stage="{_esc(s.name)}"><td>{_esc(s.name)}</td><td class="n">{s.docs_in:,}</td>'
            f'<td class="n">{s.docs_out:,}</td><td class="n">{s.dropped:,}</td><td class="n">{s.skipped:,}</td>'
            f'<td class="n">{_bytes(s.bytes_in, s.approx_in)}</td>'
            f'<td class="n" data-bytes-out="{s.bytes_out if s.bytes_out is not None else ""}">'
            f'{_bytes(s.bytes_out, s.approx_out)}</td><td class="n">{_bytes(s.bytes_dropped)}{cut}</td>'
            f'<td class="n">{seconds}</td></tr>'
        )
    out += [
        "<h2>Stage funnel</h2>",
        _img("funnel"),
        _table(
            [
                "stage",
                "docs in",
                "docs out",
                "dropped",
                "passed unjudged",
                "bytes in",
                "bytes out",
                "bytes dropped",
                "seconds",
            ],
            rows,
        ),
        '<p class="muted">Bytes: UTF-8 text measured from the run\'s files; "≈" marks datatrove\'s doc_len '
        "(characters) where no file holds the text (raw input before extraction). “passed unjudged”: documents "
        "of kinds the stage does not apply to.</p>",
    ]

    reasons = [(s.name, reason, n) for s in stages for reason, n in s.row["dropped"].items()]
    rows = [
        f'<tr><td>{_esc(stage)}</td><td>{_esc(reason)}</td><td class="n" data-stage="{_esc(stage)}" '
        f'data-reason="{_esc(reason)}">{n}</td></tr>'
        for stage, reason, n in reasons
    ]
    out += [
        "<h2>Drop reasons</h2>",
        _img("drop_reasons"),
        _table(["stage", "reason", "documents"], rows) if rows else "<p>No documents were dropped.</p>",
    ]

    out += ["<h2>Language</h2>", _img("language"), "<h2>Math score</h2>", _img("math_score")]

    rows = [
        f'<tr data-source="{_esc(name)}"><td>{_esc(name)}</td><td>{_esc(s.get("kind"))}</td>'
        f'<td class="n">{s.get("documents", 0):,}</td><td class="n">{s.get("tokens", 0):,}</td>'
        f'<td class="n">{s.get("planned_tokens", 0):,}</td><td class="n">{s.get("weight", 0)}</td>'
        f'<td class="n">{s.get("share", 0):.1%}</td><td class="n">{s.get("epochs", 0):.2f}</td></tr>'
        for name, s in sources.items()
    ]
    out += [
        "<h2>Tokens per source</h2>",
        _img("tokens"),
        _table(
            ["source", "kind", "documents", "kept tokens", "planned tokens", "weight", "planned share", "epochs"], rows
        ),
    ]

    sizes = cluster_sizes(c.clusters)
    rows = [
        f'<tr><td>{_esc(kind)}</td><td class="n">{size}</td><td class="n" data-kind="{_esc(kind)}" '
        f'data-size="{size}">{n}</td></tr>'
        for kind, counter in sizes.items()
        for size, n in sorted(counter.items())
    ]
    biggest = sorted(whole_groups(c.clusters).items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    out += [
        "<h2>Duplicate clusters</h2>",
        _img("duplicates"),
        _table(["stage", "cluster size", "clusters"], rows) if rows else "<p>No duplicates found.</p>",
    ]
    if biggest:
        out.append(
            "<p>Largest groups (kept document, copies in all): "
            + ", ".join(f"<code>{_esc(kept)}</code> ({n + 1})" for kept, n in biggest)
            + "</p>"
        )

    con = report.get("contamination") or {}
    out.append("<h2>Decontamination</h2>")
    if con.get("per_benchmark"):
        out.append(
            _table(
                ["benchmark", "documents removed", "documents with spans cut", "items hit"],
                [
                    f'<tr><td>{_esc(b)}</td><td class="n">{v["documents_removed"]}</td><td class="n">{v["spans_removed"]}'
                    f'</td><td class="n">{v["items_hit"]}</td></tr>'
                    for b, v in con["per_benchmark"].items()
                ],
            )
        )
        out.append(
            _table(
                ["document", "action", "benchmark", "item", "kind", "LCS ratio", "matched n-gram"],
                [
                    f"<tr><td><code>{_esc(r['id'])}</code></td><td>{_esc(r['action'])}</td><td>{_esc(r['benchmark'])}</td>"
                    f'<td>{_esc(r["item_id"])}</td><td>{_esc(r["kind"])}</td><td class="n">{r["lcs_ratio"]:.3f}</td>'
                    f"<td>{_esc(r['ngram'])}</td></tr>"
                    for r in con.get("removals", [])
                ],
            )
        )
    else:
        out.append("<p>No contaminated documents found.</p>")

    for name, syn in (report.get("synthesis") or {}).items():  # generated sources (pipeline/data/report/synthesis.py)
        tps = f"{syn['tokens_per_second']:,.1f} tokens/s" if syn.get("tokens_per_second") else "–"
        out += [
            f"<h2>Synthetic data: {_esc(name)}</h2><p>{_esc(syn['generator']['model'])} "
            f"({_esc(syn['generator']['backend'])}): {syn['outputs']:,} outputs, {syn['generated_tokens']:,} tokens "
            f"in {syn['generation_seconds']:,.1f} s ({tps}), {syn['kept']:,} kept.</p>",
            _table(
                [
                    "template",
                    "outputs",
                    "generated tokens",
                    "dropped (reason: n)",
                    "after post-filters",
                    "dropped later",
                    "kept",
                    "kept tokens",
                ],
                [
                    f'<tr data-template="{_esc(t)}"><td>{_esc(t)}</td><td class="n">{v["outputs"]:,}</td>'
                    f'<td class="n">{v["generated_tokens"]:,}</td><td>'
                    f"{_esc(', '.join(f'{k}: {n}' for k, n in v['dropped'].items()) or '–')}</td>"
                    f'<td class="n">{v["kept_after_postfilters"]:,}</td><td class="n">{v["dropped_by_later_stages"]:,}'
                    f'</td><td class="n">{v["kept"]:,}</td><td class="n">{v["kept_tokens"]:,}</td></tr>'
                    for t, v in syn["templates"].items()
                ],
            ),
        ]

    if report.get("ground_truth"):
        out += [
            "<h2>Planted ground truth (sample corpus)</h2>",
            _table(
                ["label", "where it ended"],
                [
                    f"<tr><td>{_esc(label)}</td><td>{_esc(', '.join(f'{k}: {v}' for k, v in sorted(where.items())))}</td></tr>"
                    for label, where in report["ground_truth"].items()
                ],
            ),
        ]

    out.append(
        f'<h2>Examples per stage</h2><p class="muted">First {EXCERPT} characters; formulas highlighted as '
        "written. Kept: the lowest-scoring kept documents for score filters, the kept copy for dedup, "
        "one per source otherwise.</p>"
    )
    out += [_examples(s) for s in stages if s.folder]
    out.append("</body></html>\n")
    return "\n".join(out)


def _load_report(run: Path) -> dict:
    if not run.is_dir():
        raise DataError(f"{run}: no such folder; expected a data run's folder (written by `mathcpt data`)")
    path = run / "report.json"
    if not path.is_file():
        if (run / "metrics.jsonl").is_file():
            raise DataError(f"{run} is a training run; --html renders data runs (folders written by `mathcpt data`)")
        raise DataError(f"{run}: not a data run (no report.json); `mathcpt data RECIPE --out {run}` writes one")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(f"{path}: malformed JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(report, dict) or not isinstance(report.get("stages"), list):
        raise DataError(f"{path}: expected an object with a 'stages' list (a data run's report)")
    return report


def write_html_report(run_dir: str | Path, report: dict | None = None) -> Path:
    """Render RUN/report/ (index.html + PNGs) from the run's files; returns the path of index.html."""
    run = Path(run_dir)
    report = report if report is not None else _load_report(run)
    recipe = _recipe(run)
    stages, c = collect(run, report, recipe)

    final = run / REPORT_DIR
    with atomic_path(final, suffix=".partial") as partial:
        partial.mkdir()
        png = {name: partial / f"{name}.png" for name in PLOTS}
        plots.funnel([vars(s) for s in stages], png["funnel"])
        plots.drop_reasons([(s.name, r, n) for s in stages for r, n in s.row["dropped"].items()], png["drop_reasons"])
        lang = (c.hist.get(("language_score", "kept")), c.hist.get(("language_score", "dropped")))
        plots.language(c.languages, c.not_judged, BINS, *lang, _threshold(recipe, "language"), png["language"])
        key = math_key(recipe)
        plots.math_score(
            BINS,
            c.hist.get((key, "kept")),
            c.hist.get((key, "dropped")),
            _threshold(recipe, "math"),
            png["math_score"],
            key,
        )
        plots.tokens(report.get("sources") or {}, png["tokens"])
        plots.duplicates(cluster_sizes(c.clusters), png["duplicates"])
        (partial / "index.html").write_text(render_html(report, stages, c), encoding="utf-8")
    return final / "index.html"


def rerender(run_dir: str | Path) -> Path:
    """`mathcpt report RUN --html`: report/ and report.md again from the run's report.json (older runs gain the
    link to the plots); returns the path of index.html."""
    run = Path(run_dir)
    report = _load_report(run)
    index = write_html_report(run, report)
    atomic_write_text(run / "report.md", render_markdown(report))
    return index
