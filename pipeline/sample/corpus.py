"""Assembly of the sample corpus: record counts, shuffling and ids, JSON-lines output, and the command line.

python -m pipeline.sample OUT_DIR [--seed N] [--scale X]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from pipeline.sample.books import gen_books
from pipeline.sample.code import gen_code
from pipeline.sample.exams import gen_exams
from pipeline.sample.general import gen_general
from pipeline.sample.synthetic import gen_synthetic
from pipeline.sample.web.pages import gen_web
from pipeline.shared.atomic import atomic_open
from pipeline.shared.benchmarks.builtin import mini_gsm

SOURCE_FILES = {
    "web": "web/pages.jsonl",
    "books": "books/chapters.jsonl",
    "code": "code/files.jsonl",
    "exams": "exams/problems.jsonl",
    "synthetic": "synthetic/qa.jsonl",
    "general": "general/text.jsonl",  # replay text without math (data_recipes/demo_replay.yaml)
}


DEFAULT_COUNTS: dict[str, dict[str, int]] = {
    "web": {"clean": 110, "offtopic": 12, "non_english": 9, "exact_dup": 6, "near_dup": 6, "contaminated": 6},
    "books": {"clean": 16, "exact_dup": 2, "near_dup": 2},
    "code": {"python": 24, "lean": 14, "python_exact_dup": 1, "lean_exact_dup": 1},
    "exams": {"clean": 85, "contaminated": 3, "exact_dup": 2},
    "synthetic": {"clean": 90, "near_dup": 3, "contaminated": 2},
    "general": {"clean": 80},
}


def _scaled(n: int, scale: float) -> int:
    if n <= 0 or scale <= 0:
        return 0
    return max(1, int(round(n * scale)))


def _finalize(rng: random.Random, source: str, records: list[dict]) -> list[dict]:
    """Shuffle, assign ids "source/0000", resolve dup_of keys and fix the key order of each record.

    Every duplicate is placed after its original, so that "keep the first, drop later copies" deduplication
    keeps the clean original and drops the planted copy.
    """
    base = [r for r in records if "dup_of" not in r["metadata"]["truth"]]
    dups = [r for r in records if "dup_of" in r["metadata"]["truth"]]
    rng.shuffle(base)
    for d in dups:
        pos = next(i for i, r in enumerate(base) if r["key"] == d["metadata"]["truth"]["dup_of"])
        base.insert(rng.randint(pos + 1, len(base)), d)
    records = base
    ids = {r["key"]: f"{source}/{i:04d}" for i, r in enumerate(records)}
    out = []
    for r in records:
        truth = r["metadata"]["truth"]
        if "dup_of" in truth:
            truth["dup_of"] = ids[truth["dup_of"]]
        rec = {"id": ids[r["key"]]}
        for k in ("text", "question", "solution", "answer"):
            if k in r:
                rec[k] = r[k]
        rec["metadata"] = r["metadata"]
        out.append(rec)
    return out


def _write_jsonl(path: Path, records: list[dict]) -> None:
    with atomic_open(path) as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def build_sample_corpus(seed: int = 0, scale: float = 1.0) -> dict[str, list[dict]]:
    """All records per source, in file order (nothing is written)."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    n = {src: {k: _scaled(v, scale) for k, v in c.items()} for src, c in DEFAULT_COUNTS.items()}
    bench = mini_gsm("test")
    brng = random.Random(f"{seed}:benchmark")
    order = list(bench)
    brng.shuffle(order)
    need = [
        ("web", n["web"]["contaminated"]),
        ("exams", n["exams"]["contaminated"]),
        ("synthetic", n["synthetic"]["contaminated"]),
    ]
    items: dict[str, list[dict]] = {}
    pos = 0
    for src, k in need:
        items[src] = [order[(pos + i) % len(order)] for i in range(k)]
        pos += k
    out: dict[str, list[dict]] = {}
    rng = random.Random(f"{seed}:web")
    out["web"] = _finalize(rng, "web", gen_web(rng, n["web"], items["web"]))
    rng = random.Random(f"{seed}:books")
    out["books"] = _finalize(rng, "books", gen_books(rng, n["books"]))
    rng = random.Random(f"{seed}:code")
    out["code"] = _finalize(rng, "code", gen_code(rng, n["code"]))
    rng = random.Random(f"{seed}:exams")
    out["exams"] = _finalize(rng, "exams", gen_exams(rng, n["exams"], items["exams"]))
    rng = random.Random(f"{seed}:synthetic")
    out["synthetic"] = _finalize(rng, "synthetic", gen_synthetic(rng, n["synthetic"], items["synthetic"]))
    rng = random.Random(f"{seed}:general")
    out["general"] = _finalize(rng, "general", gen_general(rng, n["general"]))
    return out


def generate_sample_corpus(out_dir: str | Path, seed: int = 0, scale: float = 1.0) -> dict:
    """Write the JSON-lines files under out_dir and return {source: {"path", "documents", "labels"}}."""
    out_dir = Path(out_dir)
    corpus = build_sample_corpus(seed=seed, scale=scale)
    summary: dict = {}
    for source, records in corpus.items():
        path = out_dir / SOURCE_FILES[source]
        _write_jsonl(path, records)
        labels: dict[str, int] = {}
        for r in records:
            lab = r["metadata"]["truth"]["label"]
            labels[lab] = labels.get(lab, 0) + 1
        summary[source] = {"path": str(path), "documents": len(records), "labels": dict(sorted(labels.items()))}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.sample",
        description="Write the deterministic sample math corpus (JSON lines) to OUT_DIR.",
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", help="output folder (created if missing)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives byte-identical files")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every record count (e.g. 0.25 for tests)")
    args = parser.parse_args(argv)
    if not args.scale > 0:
        parser.error("--scale must be positive")
    summary = generate_sample_corpus(args.out_dir, seed=args.seed, scale=args.scale)
    print(json.dumps(summary, indent=2))
    return 0
