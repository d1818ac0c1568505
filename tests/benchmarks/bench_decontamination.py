"""Decontamination benchmark: recall on planted items, false positives on clean math text, throughput vs datatrove.

    .venv/bin/python tests/benchmarks/bench_decontamination.py --benchmarks-dir ../shared/benchmarks \
        --real-html "$(bash ../shared/tools/fetch-real-html.sh)"

Prints one JSON line per figure:
* recall (English sets, Chinese sets): test items planted in longer documents, verbatim and with formatting changes
  (whitespace, case, punctuation, LaTeX spacing, Markdown, full-width forms, a sentence of context; numbers kept).
  Target ≥ 0.99. Items shorter than `min_item_tokens` can only match a document that is exactly the item; the line
  reports recall over all items and over the indexable ones.
* false positives: clean documents flagged, on math text of the same style that is in no test set (the generated
  sample corpus: web pages, books, exam problems, synthetic Q&A) and on real math documentation pages (sympy,
  statsmodels) extracted with our extractor. Target ≤ 0.001.
* throughput: MB/s of one process over the same clean documents, ours (document mode, index over every registered
  test set) next to datatrove's NGramsDecontFilter with an index of the same 13-grams built by its own
  NGramsDecontIndexer (written by hand: the indexer itself needs lighteval). Target ratio ≥ 2. Index memory: our hash
  tables' bytes, and the tracemalloc peak while building each index (index build times are under tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.config.stages import DecontaminationStage  # noqa: E402
from pipeline.data.decontaminate import ContaminationIndex, tokenize  # noqa: E402
from pipeline.shared.benchmarks.registry import SPECS, load_benchmark

ZH_CONTEXT = [
    "下面这道题来自上周的练习，请先独立完成，再对照后面的讲解。",
    "我们先复习一下分数和百分数的基本性质，然后看一个例子。",
    "这一节主要讨论函数的单调性与最值问题，例题如下。",
    "老师在课堂上讲了几种常见的解题方法，同学们可以比较它们的优缺点。",
    "做完以后，记得检查单位是否一致，计算过程是否有遗漏。",
]
EN_CONTEXT = [
    "Here is a problem from last week's worksheet; try it before reading the discussion below.",
    "The following exercise appeared in our study group, and several people asked about it.",
    "Before the worked solution, let us restate the problem exactly as it was given.",
]
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
LATEX_COMMAND = re.compile(r"(\\[A-Za-z]+)")
CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")


def outside_commands(text: str, change) -> str:
    """Apply `change` to the text but not to LaTeX command names (a copied formula keeps them intact)."""
    return "".join(part if LATEX_COMMAND.fullmatch(part) else change(part) for part in LATEX_COMMAND.split(text))


def perturb(text: str, rng: random.Random, language: str) -> tuple[str, str]:
    """One formatting change (or none), chosen at random; numbers are never changed."""
    kind = rng.choice(["verbatim", "whitespace", "case", "punctuation", "latex", "markdown", "width", "mixed"])
    kinds = ["whitespace", "punctuation", "latex", "markdown"] if kind == "mixed" else [kind]
    for k in kinds:
        if k == "whitespace":
            if language == "zh":  # spaces between Chinese characters, never inside numbers or formulas
                text = "".join(ch + (" " if CJK_CHAR.match(ch) and rng.random() < 0.2 else "") for ch in text)
            else:
                text = "\n  ".join(text.split(" ", 3))
        elif k == "case" and language == "en":
            text = text.upper() if rng.random() < 0.5 else text.lower()
        elif k == "punctuation":
            table = {",": ";", ".": "!", "?": ".", "，": ",", "。": ".", "？": "?", "：": ":", "；": ";"}
            text = "".join(table.get(ch, ch) for ch in text)
        elif k == "latex":
            text = (
                text.replace("(", "\\left(")
                .replace(")", "\\right)")
                .replace("\\frac", "\\dfrac")
                .replace(" + ", " \\, + \\, ")
                .replace("=", "\\;=\\;")
            )
        elif k == "markdown":
            words = text.split(" ")
            for i in rng.sample(range(len(words)), k=min(3, len(words))):
                if words[i] and "$" not in words[i]:
                    words[i] = f"**{words[i]}**" if rng.random() < 0.5 else f"_{words[i]}_"
            text = "### Problem\n\n> " + " ".join(words)
        elif k == "width":
            text = outside_commands(
                text,
                lambda part: "".join(
                    FULL_WIDTH.get(ch, ch) if ch.isalnum() and ch.isascii() and rng.random() < 0.5 else ch
                    for ch in part
                ),
            )
    return text, kind


def clean_documents(real_html: str | None, limit_html: int) -> dict[str, list[str]]:
    """Clean math text in no test set: the generated sample corpus (extracted), and real documentation pages."""
    from pipeline.data.filter.extract import extract_html
    from pipeline.data.sources.readers import render_qa
    from pipeline.sample.corpus import build_sample_corpus

    generated = []
    for source, records in build_sample_corpus(seed=11, scale=2.0).items():
        for r in records:
            if r["metadata"]["truth"]["label"] != "clean":
                continue
            if "question" in r:
                from pipeline.config.sources import SourceConfig

                generated.append(render_qa(r, SourceConfig(name="x", kind="exams", path="-", weight=1)))
            elif source == "web":
                generated.append(extract_html(r["text"])[0])
            else:
                generated.append(r["text"])
    docs = {"generated": generated}
    if real_html:
        pages = sorted(Path(real_html).rglob("*.html"))
        random.Random(0).shuffle(pages)
        texts = [extract_html(p.read_text(errors="replace"))[0] for p in pages[:limit_html]]
        docs["real_html"] = [t for t in texts if len(t) > 200]
    return docs


def bench_recall(items: dict, idx: ContaminationIndex, fillers: list[str], per_set: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    results = {"en": [], "zh": []}
    for name, bench_items in items.items():
        language = SPECS[name].language
        chosen = bench_items if len(bench_items) <= per_set else rng.sample(bench_items, per_set)
        for item in chosen:
            planted_text = " ".join([item.question, *item.choices])
            variant, kind = perturb(planted_text, rng, language)
            context = rng.choice(ZH_CONTEXT if language == "zh" else EN_CONTEXT)
            doc = "\n\n".join([rng.choice(fillers)[:1500], context, variant, rng.choice(fillers)[:1500]])
            ids = {m.entry.item_id for m in idx.find(tokenize(doc))}
            indexable = len(tokenize(planted_text)) >= idx.min_item_tokens
            results[language].append((name, kind, item.id in ids, indexable))
    lines = []
    for language, rows in results.items():
        if not rows:
            continue
        per = {}
        for name, _, hit, _ in rows:
            per.setdefault(name, [0, 0])
            per[name][0] += hit
            per[name][1] += 1
        idx_rows = [r for r in rows if r[3]]
        by_kind = {}
        for _, kind, hit, _ in rows:
            by_kind.setdefault(kind, [0, 0])
            by_kind[kind][0] += hit
            by_kind[kind][1] += 1
        lines.append(
            {
                "figure": "recall_planted",
                "language": language,
                "planted": len(rows),
                "found": sum(r[2] for r in rows),
                "recall": round(sum(r[2] for r in rows) / len(rows), 5),
                "recall_indexable": round(sum(r[2] for r in idx_rows) / max(len(idx_rows), 1), 5),
                "not_indexable": len(rows) - len(idx_rows),
                "target": 0.99,
                "per_set": {k: round(v[0] / v[1], 4) for k, v in sorted(per.items())},
                "per_change": {k: round(v[0] / v[1], 4) for k, v in sorted(by_kind.items())},
            }
        )
    return lines


def bench_false_positives(idx: ContaminationIndex, docs: dict[str, list[str]]) -> list[dict]:
    lines = []
    for source, texts in docs.items():
        flagged = [(i, [m.record() for m in idx.find(tokenize(t))]) for i, t in enumerate(texts)]
        flagged = [(i, ms) for i, ms in flagged if ms]
        lines.append(
            {
                "figure": "false_positives",
                "source": source,
                "documents": len(texts),
                "flagged": len(flagged),
                "rate": round(len(flagged) / max(len(texts), 1), 5),
                "target": 0.001,
                "examples": [ms[0] for _, ms in flagged[:3]],
            }
        )
    return lines


def build_datatrove_filter(items: dict, n: int, folder: str):
    """datatrove's NGramsDecontFilter over the same question n-grams. Its NGramsDecontIndexer needs lighteval (and
    the hub) to run, so the index is written by hand exactly as the indexer's compute_hashes would write it."""
    import numpy as np
    from datatrove.pipeline.decont import NGramsDecontConfig, NGramsDecontFilter
    from datatrove.utils.hashing import create_hash_func
    from datatrove.utils.text import ngrams, simplify_text
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    config = NGramsDecontConfig(n_grams=n)
    tokenizer, hash_func = load_word_tokenizer("en"), create_hash_func(config.hash_config)
    for name, bench in items.items():
        hashes = set()
        for item in bench:
            tokens = tokenizer.word_tokenize(
                simplify_text(" ".join([item.question, *item.choices]), config.norm_config)
            )
            hashes.update(map(hash_func, map(" ".join, ngrams(tokens, n))))
        np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(f"{folder}/{name}.index.hashes")
    flt = NGramsDecontFilter(folder, config=config, language="en")
    flt.load_index_hashes()
    return flt


def bench_throughput(items: dict, texts: list[str], n: int, repeats: int, min_item_tokens: int) -> dict:
    from datatrove.data import Document

    from pipeline.data.decontaminate import BenchmarkDecontaminationFilter

    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    tracemalloc.start()
    t0 = time.perf_counter()
    ours = BenchmarkDecontaminationFilter(
        DecontaminationStage(benchmarks=list(items), ngram=n, min_item_tokens=min_item_tokens)
    )
    ours._index = ContaminationIndex(items, n, min_item_tokens=min_item_tokens)
    ours_build = time.perf_counter() - t0
    ours_mem = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    with tempfile.TemporaryDirectory() as folder:
        tracemalloc.start()
        t0 = time.perf_counter()
        theirs = build_datatrove_filter(items, n, folder)
        theirs_build = time.perf_counter() - t0
        theirs_mem = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()

        def run(step) -> float:
            best = float("inf")
            for _ in range(repeats):
                docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
                t0 = time.perf_counter()
                for d in docs:
                    step.filter(d)
                best = min(best, time.perf_counter() - t0)
            return megabytes / best

        ours_speed, theirs_speed = run(ours), run(theirs)
    return {
        "figure": "throughput",
        "megabytes": round(megabytes, 2),
        "ours_mb_s": round(ours_speed, 3),
        "datatrove_mb_s": round(theirs_speed, 3),
        "ratio": round(ours_speed / theirs_speed, 2),
        "target": 2.0,
        "index_items": sum(len(v) for v in items.values()),
        "index_table_bytes_ours": ours.index.nbytes,
        "index_peak_bytes_ours": ours_mem,
        "index_peak_bytes_datatrove": theirs_mem,
        "index_build_s_ours": round(ours_build, 2),
        "index_build_s_datatrove": round(theirs_build, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks-dir", default=str(ROOT.parent / "shared" / "benchmarks"))
    parser.add_argument("--real-html", help="folder from ../shared/tools/fetch-real-html.sh")
    parser.add_argument("--per-set", type=int, default=400, help="planted items per benchmark (all if fewer)")
    parser.add_argument("--html-pages", type=int, default=2000, help="real pages to use (random sample)")
    parser.add_argument("--ngram", type=int, default=13)
    parser.add_argument("--min-item-tokens", type=int, default=5, help="shorter items match only whole documents")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    names = [n for n, s in SPECS.items() if s.local and (Path(args.benchmarks_dir) / n / "test.jsonl").is_file()]
    if not names:
        sys.exit(f"no benchmark folders under {args.benchmarks_dir}")
    items = {n: load_benchmark(n, args.benchmarks_dir) for n in names}
    idx = ContaminationIndex(items, args.ngram, min_item_tokens=args.min_item_tokens)
    docs = clean_documents(args.real_html, args.html_pages)
    for line in bench_recall(items, idx, docs["generated"], args.per_set, args.seed):
        print(json.dumps(line, ensure_ascii=False), flush=True)
    for line in bench_false_positives(idx, docs):
        print(json.dumps(line, ensure_ascii=False), flush=True)
    all_texts = [t for texts in docs.values() for t in texts]
    print(json.dumps(bench_throughput(items, all_texts, args.ngram, args.repeats, args.min_item_tokens)), flush=True)


if __name__ == "__main__":
    main()
