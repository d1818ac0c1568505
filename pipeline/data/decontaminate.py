"""N-gram decontamination against benchmark test sets (a datatrove filter and `mathcpt decontaminate`).

    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks mini_gsm --report contamination.json
    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks gsm8k,math500 --benchmarks-dir ../shared/benchmarks

Written by us because datatrove's decontamination blocks need lighteval and the hub to build their index. The
index holds every word n-gram (default 13, as Qwen2-Math) of each benchmark question after normalisation (case,
punctuation, whitespace); a question shorter than n words is indexed whole. A document sharing any indexed n-gram
is removed, and the removal records the benchmark, item id and matched n-gram in `metadata.contamination`.
The decontamination issue adds the LCS-ratio confirmation, Chinese tokenisation and span removal.
"""

from __future__ import annotations

import re

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipeline.benchmarks.registry import BenchmarkItem, load_benchmark


def normalized_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def build_ngram_index(items: dict[str, list[BenchmarkItem]], n: int) -> dict[tuple[str, ...], tuple[str, str]]:
    """Map each n-gram of each question to (benchmark, item id); the first item wins on collisions."""
    index: dict[tuple[str, ...], tuple[str, str]] = {}
    for benchmark, bench_items in items.items():
        for item in bench_items:
            words = normalized_words(item.question)
            grams = [tuple(words)] if len(words) < n else [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
            for gram in grams:
                if gram:
                    index.setdefault(gram, (benchmark, item.id))
    return index


class NgramDecontaminationFilter(BaseFilter):
    """Drops documents containing any benchmark question n-gram (reason `contaminated`)."""

    name = "🧪 n-gram decontamination"

    def __init__(self, benchmarks: list[str], ngram: int = 13, benchmarks_dir: str | None = None,
                 exclusion_writer=None):  # fmt: skip
        super().__init__(exclusion_writer=exclusion_writer)
        self.benchmarks, self.n, self.benchmarks_dir = list(benchmarks), ngram, benchmarks_dir
        self._index: dict | None = None
        self._short: dict | None = None

    def _load(self) -> None:
        items = {name: load_benchmark(name, self.benchmarks_dir) for name in self.benchmarks}
        index = build_ngram_index(items, self.n)
        # Whole short questions are matched by length; keep them apart so each document is scanned once per length.
        self._index = {g: v for g, v in index.items() if len(g) == self.n}
        self._short = {}
        for g, v in index.items():
            if len(g) != self.n:
                self._short.setdefault(len(g), {})[g] = v

    def match(self, text: str) -> tuple[tuple[str, ...], tuple[str, str]] | None:
        if self._index is None:
            self._load()
        words = normalized_words(text)
        for size, table in [(self.n, self._index), *sorted(self._short.items())]:
            for i in range(len(words) - size + 1):
                hit = table.get(tuple(words[i : i + size]))
                if hit:
                    return tuple(words[i : i + size]), hit
        return None

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        found = self.match(doc.text)
        if found is None:
            return True
        gram, (benchmark, item_id) = found
        doc.metadata["contamination"] = {"benchmark": benchmark, "item_id": item_id, "ngram": " ".join(gram)}
        self.stat_update(f"contaminated/{benchmark}")
        return False, "contaminated"
