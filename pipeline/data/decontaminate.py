"""Benchmark decontamination the way Qwen2-Math describes it: exact match, n-gram candidates, LCS-ratio confirmation.

    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks all --benchmarks-dir ../shared/benchmarks --report r.json
    mathcpt data data_recipes/demo.yaml      # stages.decontamination in a recipe
    .venv/bin/python tests/benchmarks/bench_decontamination.py --quick     # recall per class, false positives, speed

Written by us because datatrove's NGramsDecont blocks need lighteval and the hub to build their index, do not confirm
candidates, and split Chinese with a word segmenter. Here:

* Tokens (pipeline.data.decontaminate_text): LaTeX command names (`\\frac` → `frac`; spacing and sizing commands
  dropped), single CJK characters and runs of letters/digits. Case and width are folded before hashing (full-width
  forms → half-width, NFKC, casefold; inner apostrophes dropped), and punctuation of either width, whitespace,
  Markdown emphasis and math operators only separate tokens, so formatting changes do not hide a copied question.
  Chinese is indexed by character with its punctuation folded: `，` for `,` or spaces between characters change
  nothing.
* Entries: one per benchmark question (optionally per solution and answer). A multiple-choice question is its stem
  followed by its options, and the entry remembers where the stem ends, so the two are judged separately (below).
* Index, built once per data run (`DecontaminationIndexBuilder`) and memory-mapped by every task: every n-gram of
  every entry as a 64-bit xxh3-based rolling hash, in sorted numpy tables (one per n-gram length) with a Bloom
  filter in front. The length adapts to short items, so that changed tokens cannot remove every n-gram of a
  15-token item: n = min(ngram, max(`min_gram`, s // 3)) for an entry whose stem has s tokens (13 from 39 tokens,
  5 below 18), and two edits always leave one n-gram intact. N-grams skip the single letters a–e (in items and
  documents alike), which copies put before options ("A.", "(B)"), so a lettered copy shares n-grams with the item.
  Entries shorter than `min_item_tokens` (5) are kept whole and match only a document that is exactly the entry.
* Scan: the document's n-gram hashes (every length the index holds, each grown from the shorter one) go through the
  Bloom filter, the few that pass through a `searchsorted` of the tables. An entry's hits are grouped by where they
  place it in the document; the best-supported placements (at most 3) are confirmed with a bit-parallel LCS (Hyyrö)
  of the entry against the aligned document window, after a token comparison rules out a hash collision. The LCS
  ratio must reach `lcs_threshold` (0.6) for entries of 39 tokens and more, and a threshold rising linearly to 1 as
  entries get shorter (0.79 at 20 tokens, 0.9 at 10), because a stock phrase or an opening sentence is a larger
  share of a short item; and each half of the entry must reach 0.5 on its own (1.25x the share the threshold lets
  miss), so that an opening sentence completed by chance tokens of the text after it is not taken for a copy. A
  variant that changes a number ("... a multiple of 3?" for MATH-500's "... a multiple of 5?") is contamination,
  as in the Qwen2.5-Math report: its solution is the test item's.
* Multiple choice: the stem must be found (its own LCS ratio and threshold, in a window around where the stem
  belongs). A stem of at least `min_stem_tokens` (10) tokens is enough on its own (field `stem` in the report): a
  copy of the question without its options is contamination. A shorter stem ("Which statement is true?") is a stock
  phrase and counts only together with the options (field `question`, LCS over stem + options, and over the options
  alone, with two tokens of slack per option for the letters). Options alone, like the common list
  "A. 1 B. 2 C. 3 D. 4" or the options of a question that is not there, never count.
* Action: drop the document, or (`mode: span`) cut the matched span out and keep the rest.

Memory, over every test set in ../shared/benchmarks (14,086 questions, 38 tokens each on average): the tables hold
16 bytes per n-gram (uint64 hash, int32 entry, int32 offset), 29 n-grams per item, and the Bloom filter 4 bytes per
n-gram: 8.5 MB, 606 bytes per item, on disk and memory-mapped, so the tasks of a node share one copy. Each task also
holds the entries' tokens on its Python heap, as tuples pointing into one vocabulary: 10–12 MB, 0.7–0.8 KB per item.

Every removal records benchmark, item id, field (`question`, `stem`, `solution`, `answer`), matched n-gram, LCS ratio
and kind (`exact` = the matched field appears contiguously, `ngram` = confirmed by LCS) in `metadata.contamination`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from loguru import logger

from pipeline.config.stages import DecontaminationStage
from pipeline.data.decontaminate_index import ContaminationIndex, Entry, Match
from pipeline.data.decontaminate_text import lcs_length, tokenize, tokenize_with_spans
from pipeline.data.sources.readers import read_documents
from pipeline.shared.atomic import atomic_open, atomic_write_text
from pipeline.shared.benchmarks.registry import expand_names, load_benchmark

__all__ = [
    "BenchmarkDecontaminationFilter",
    "ContaminationIndex",
    "DecontaminationIndexBuilder",
    "Entry",
    "Match",
    "decontaminate_file",
    "lcs_length",
    "load_index",
    "tokenize",
    "tokenize_with_spans",
]


def load_index(s: DecontaminationStage) -> ContaminationIndex:
    """The index of every benchmark the stage names (`all` expanded), loaded from benchmarks_dir or the hub."""
    items = {name: load_benchmark(name, s.benchmarks_dir) for name in expand_names(s.benchmarks)}
    return ContaminationIndex(items, s.ngram, s.lcs_threshold, s.include_solutions, s.min_item_tokens)


def remove_spans(text: str, spans: list[tuple[int, int]], matches: list[Match]) -> str:
    """Cut the characters of each match's token window out of the text, joining the rest with a blank line."""
    cuts = sorted((spans[m.token_start][0], spans[m.token_end - 1][1]) for m in matches)
    pieces, cursor = [], 0
    for start, end in cuts:
        if start > cursor:
            pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return "\n\n".join(p.strip() for p in pieces if p.strip())


class BenchmarkDecontaminationFilter(BaseFilter):
    """datatrove step: drop contaminated documents, or cut the contaminated spans out (`mode="span"`).

    In span mode a document whose remainder has fewer than `min_remaining_tokens` tokens is dropped instead.
    """

    name = "🧪 decontamination (n-gram + LCS)"

    def __init__(self, settings: DecontaminationStage, exclusion_writer=None, index_dir: str | Path | None = None):
        super().__init__(exclusion_writer=exclusion_writer)
        self.settings, self.index_dir = settings, str(index_dir) if index_dir else None
        self.mode, self.min_remaining_tokens = settings.mode, settings.min_remaining_tokens
        self._index: ContaminationIndex | None = None

    @property
    def index(self) -> ContaminationIndex:
        if self._index is None:  # in the worker that uses it: the run's index if a pass built one, else built here
            folder = Path(self.index_dir) if self.index_dir else None
            if folder is not None and (folder / "entries.json").is_file():
                try:
                    self._index = ContaminationIndex.load(folder)
                except ValueError as e:  # written by another version of this module (a run resumed after an update)
                    logger.warning(f"{e}; building the index in this task instead")
            if self._index is None:
                self._index = load_index(self.settings)
        return self._index

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if self.mode == "span":
            tokens, spans = tokenize_with_spans(doc.text)
        else:
            tokens, spans = tokenize(doc.text), []
        matches = self.index.find(tokens)
        if not matches:
            return True
        doc.metadata["contamination"] = [m.record() for m in matches]
        for m in matches:
            self.stat_update(f"contaminated/{m.entry.benchmark}")
        if self.mode == "span":
            remaining = remove_spans(doc.text, spans, matches)
            left = tokenize(remaining)
            if len(left) >= self.min_remaining_tokens and not self.index.find(left):
                doc.text = remaining
                self.stat_update("spans_removed", value=len(matches))
                return True
        return False, "contaminated"


class DecontaminationIndexBuilder(PipelineStep):
    """The recipe's one-task pass that builds the benchmark index once per run, into `folder`, for every task of
    the dedup pass to memory-map (pipeline.data.recipe_run). Its size goes into the stats (`index_bytes`)."""

    name = "🧪 decontamination index"
    type = "🧪 - DECONT"

    def __init__(self, settings: DecontaminationStage, folder: str | Path):
        super().__init__()
        self.settings, self.folder = settings, str(folder)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        with self.track_time():
            index = load_index(self.settings)
            index.save(Path(self.folder))
        self.stat_update("index_bytes", value=index.nbytes)
        self.stat_update("index_entries", value=len(index.entries))
        return iter(())


def contamination_summary(removals: list[dict]) -> dict:
    """Per benchmark: documents removed, documents with spans cut out, distinct items hit; plus every removal."""
    per: dict[str, dict] = defaultdict(lambda: {"documents_removed": set(), "spans_removed": set(), "items": set()})
    for r in removals:
        b = per[r["benchmark"]]
        b["documents_removed" if r["action"] == "document_removed" else "spans_removed"].add(r["id"])
        b["items"].add(r["item_id"])
    return {
        "per_benchmark": {
            name: {
                "documents_removed": len(v["documents_removed"]),
                "spans_removed": len(v["spans_removed"]),
                "items_hit": len(v["items"]),
            }
            for name, v in sorted(per.items())
        },
        "removals": removals,
    }


def decontaminate_file(
    input_path: str, output: str, settings: DecontaminationStage, report_path: str | None = None
) -> dict:
    """`mathcpt decontaminate`: the recipe stage's filter over one JSONL file, with a report of every removal."""
    step = BenchmarkDecontaminationFilter(settings)
    step.index  # noqa: B018 - build the index (and fail on a bad benchmark) before reading the corpus
    removals, documents, kept = [], 0, 0
    with atomic_open(output) as f:
        for record in read_documents(input_path):
            documents += 1
            doc = Document(
                text=record["text"], id=str(record.get("id", documents)), metadata=dict(record.get("metadata") or {})
            )
            keep = step.filter(doc) is True
            for match in doc.metadata.get("contamination", []):
                removals.append({"id": doc.id, "action": "span_removed" if keep else "document_removed", **match})
            if keep:
                kept += 1
                f.write(json.dumps({**record, "text": doc.text, "metadata": doc.metadata}, ensure_ascii=False) + "\n")
    stats = {"documents": documents, "kept": kept, "removed": documents - kept, **contamination_summary(removals)}
    if report_path:
        atomic_write_text(report_path, json.dumps(stats, indent=2, ensure_ascii=False))
    return stats
