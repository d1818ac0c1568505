"""Benchmark decontamination the way Qwen2-Math describes it: exact match, 13-gram candidates, LCS-ratio confirmation.

    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks all --benchmarks-dir ../shared/benchmarks --report r.json
    mathcpt data data_recipes/demo.yaml      # stages.decontamination in a recipe

Written by us because datatrove's NGramsDecont blocks need lighteval and the hub to build their index, do not confirm
candidates, and split Chinese with a word segmenter. Here:

* Tokens: the text is cut into LaTeX command names (`\\frac` → `frac`; spacing and sizing commands such as `\\left`,
  `\\right`, `\\,`, `\\quad`, `\\displaystyle` dropped), single CJK characters, and runs of letters/digits, each
  NFKC-normalised (full-width → half-width) and case-folded. Punctuation, whitespace, Markdown emphasis and math
  operators separate tokens and are otherwise ignored, so formatting changes do not hide a copied question.
* Index: every n-gram (default 13) of every benchmark question (optionally solutions and answers) as a 64-bit rolling
  hash in a sorted numpy array; questions shorter than n tokens (but at least `min_item_tokens`) are indexed whole.
* Scan: the document's n-gram hashes are computed vectorised and looked up with one `searchsorted`; each candidate
  item is confirmed when LCS(item tokens, the aligned document window) / len(item tokens) ≥ `lcs_threshold` (0.6),
  with a bit-parallel LCS (Hyyrö), so a shared stock phrase of 13 tokens does not remove a document.
* Action: drop the document, or (`mode: span`) cut the matched span out and keep the rest.

Every removal records benchmark, item id, matched n-gram, LCS ratio and kind (`exact` = the whole question appears
contiguously, `ngram` = confirmed by LCS) in `metadata.contamination`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xxhash
from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipeline.config.stages import DecontaminationStage
from pipeline.data.sources.readers import read_documents
from pipeline.shared.atomic import atomic_open, atomic_path, atomic_write_text
from pipeline.shared.benchmarks.registry import BenchmarkItem, expand_names, load_benchmark

CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
TOKEN = re.compile(rf"\\[A-Za-z]+|[{CJK}]|[^\W_{CJK}]+")
# LaTeX that only changes spacing, sizing or style: it carries no content, so it never counts as a token.
DROPPED_COMMANDS = frozenset(
    "left right big bigl bigr Big Bigl Bigr bigg biggl biggr Bigg Biggl Biggr middle displaystyle textstyle "
    "scriptstyle quad qquad enspace thinspace medspace thickspace negthinspace hspace vspace limits nolimits "
    "mathrm mathit mathbf mathsf mathtt textrm textit textbf text mbox boldsymbol bm rm it bf".lower().split()
)
COMMAND_ALIASES = {
    "dfrac": "frac",
    "tfrac": "frac",
    "le": "leq",
    "ge": "geq",
    "ne": "neq",
    "leqslant": "leq",
    "geqslant": "geq",
    "to": "rightarrow",
    "gets": "leftarrow",
}
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier of the rolling n-gram hash
# Full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space, mapped one-to-one to half-width before the token
# regex runs, so `\ｆｒａｃ` is still a command and character offsets stay valid for span removal.
HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}


def _normalize_token(raw: str) -> str | None:
    if raw[0] == "\\":
        name = raw[1:].lower()  # like words: \Delta and \delta (or an upper-cased copy) compare equal
        if name in DROPPED_COMMANDS:
            return None
        return COMMAND_ALIASES.get(name, name)
    return raw.lower() if raw.isascii() else unicodedata.normalize("NFKC", raw).casefold()


def tokenize(text: str) -> list[str]:
    """Normalised tokens of a text (see module docstring)."""
    return [t for t in map(_normalize_token, TOKEN.findall(text.translate(HALF_WIDTH))) if t]


def tokenize_with_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Tokens and their character spans in the original text (same tokens as `tokenize`)."""
    tokens, spans = [], []
    for m in TOKEN.finditer(text.translate(HALF_WIDTH)):
        t = _normalize_token(m.group())
        if t:
            tokens.append(t)
            spans.append(m.span())
    return tokens, spans


def token_hashes(tokens: list[str]) -> np.ndarray:
    """64-bit hash per token, the same in every process (Python's `hash` is salted per process, and the index is
    built in one task and read in others)."""
    return np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), dtype=np.uint64, count=len(tokens))


def ngram_hashes(h: np.ndarray, n: int) -> np.ndarray:
    """Rolling hash of every n-gram: Σ h[i+k]·M^(n-1-k) mod 2^64, vectorised over positions."""
    if len(h) < n:
        return np.empty(0, dtype=np.uint64)
    out = np.zeros(len(h) - n + 1, dtype=np.uint64)
    for k in range(n):
        out = out * _MULT + h[k : len(h) - n + 1 + k]
    return out


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, bit-parallel over `a` (Hyyrö 2004): O(len(b)) big-int steps."""
    masks: dict[str, int] = {}
    for i, t in enumerate(a):
        masks[t] = masks.get(t, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for t in b:
        u = v & masks.get(t, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - bin(v).count("1")


@dataclass(frozen=True)
class Entry:
    benchmark: str
    item_id: str
    field: str  # question, solution or answer
    tokens: tuple[str, ...]


@dataclass
class Match:
    entry: Entry
    kind: str  # exact | ngram
    lcs_ratio: float
    ngram: str
    token_start: int  # matched window in document tokens [start, end)
    token_end: int

    def record(self) -> dict:
        e = self.entry
        return {
            "benchmark": e.benchmark,
            "item_id": e.item_id,
            "field": e.field,
            "kind": self.kind,
            "lcs_ratio": round(self.lcs_ratio, 4),
            "ngram": self.ngram,
        }


class _GramTable:
    """Sorted n-gram hashes of one length with, per hash, the (entry, offset) pairs that produced it."""

    COLUMNS = ("keys", "entries", "offsets")

    def __init__(self, keys: np.ndarray, entries: np.ndarray, offsets: np.ndarray):
        self.keys, self.entries, self.offsets = keys, entries, offsets

    @classmethod
    def build(cls, keys: list[int], entries: list[int], offsets: list[int]) -> _GramTable:
        order = np.argsort(np.array(keys, dtype=np.uint64), kind="stable")
        return cls(
            np.array(keys, dtype=np.uint64)[order],
            np.array(entries, dtype=np.int64)[order],
            np.array(offsets, dtype=np.int64)[order],
        )

    def hits(self, doc_grams: np.ndarray) -> list[tuple[int, int, int]]:
        """(document position, entry, offset in entry) for every document n-gram present in the table."""
        if not len(self.keys) or not len(doc_grams):
            return []
        lo = np.searchsorted(self.keys, doc_grams, side="left")
        hi = np.searchsorted(self.keys, doc_grams, side="right")
        found = np.nonzero(hi > lo)[0]
        return [
            (int(pos), int(self.entries[k]), int(self.offsets[k])) for pos in found for k in range(lo[pos], hi[pos])
        ]

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.entries.nbytes + self.offsets.nbytes


def whole_items(entries: list[Entry], min_item_tokens: int) -> dict[tuple[str, ...], int]:
    """Tiny items (fewer than min_item_tokens tokens) by their tokens: only a document that is exactly one matches."""
    whole: dict[tuple[str, ...], int] = {}
    for idx, entry in enumerate(entries):
        if len(entry.tokens) < min_item_tokens:
            whole.setdefault(entry.tokens, idx)
    return whole


class ContaminationIndex:
    """n-gram index over benchmark items with LCS confirmation (see module docstring)."""

    def __init__(
        self,
        items: dict[str, list[BenchmarkItem]],
        n: int = 13,
        lcs_threshold: float = 0.6,
        include_solutions: bool = False,
        min_item_tokens: int = 5,
    ):
        self.n, self.lcs_threshold, self.min_item_tokens = n, lcs_threshold, min_item_tokens
        self.entries: list[Entry] = []
        for benchmark, bench_items in items.items():
            for item in bench_items:
                # Multiple-choice items are indexed with their options: the question alone is often a stock phrase
                # ("Which of the following is true?"), and contamination copies the options along with it.
                fields = [("question", " ".join([item.question, *item.choices]))]
                if include_solutions:
                    fields += [("solution", item.solution), ("answer", item.answer)]
                for field_name, text in fields:
                    tokens = tuple(tokenize(text or ""))
                    if tokens:
                        self.entries.append(Entry(benchmark, item.id, field_name, tokens))
        by_length: dict[int, tuple[list[int], list[int], list[int]]] = {}
        self.whole = whole_items(self.entries, min_item_tokens)
        for idx, entry in enumerate(self.entries):
            length = len(entry.tokens)
            if length < min_item_tokens:
                continue
            size = min(length, n)
            grams = ngram_hashes(token_hashes(list(entry.tokens)), size)
            keys, entries, offsets = by_length.setdefault(size, ([], [], []))
            keys += grams.tolist()
            entries += [idx] * len(grams)
            offsets += range(len(grams))
        self.tables = {size: _GramTable.build(*cols) for size, cols in sorted(by_length.items())}

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tables.values())

    def save(self, folder: Path) -> None:
        """Write the index as `.npy` tables and `entries.json` (write, then rename: a folder is whole or absent)."""
        with atomic_path(folder) as tmp:
            tmp.mkdir(parents=True)
            for size, table in self.tables.items():
                for column in _GramTable.COLUMNS:
                    np.save(tmp / f"{size}.{column}.npy", getattr(table, column))
            meta = {"n": self.n, "lcs_threshold": self.lcs_threshold, "min_item_tokens": self.min_item_tokens}
            meta["entries"] = [[e.benchmark, e.item_id, e.field, list(e.tokens)] for e in self.entries]
            (tmp / "entries.json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, folder: Path) -> ContaminationIndex:
        """The index `save` wrote; its tables are memory-mapped, so the tasks of one node share their pages."""
        meta = json.loads((folder / "entries.json").read_text())
        index = cls.__new__(cls)
        index.n, index.lcs_threshold, index.min_item_tokens = meta["n"], meta["lcs_threshold"], meta["min_item_tokens"]
        index.entries = [Entry(b, i, f, tuple(t)) for b, i, f, t in meta["entries"]]
        index.whole = whole_items(index.entries, index.min_item_tokens)
        sizes = sorted({int(p.name.split(".")[0]) for p in folder.glob("*.keys.npy")})
        index.tables = {
            size: _GramTable(*(np.load(folder / f"{size}.{c}.npy", mmap_mode="r") for c in _GramTable.COLUMNS))
            for size in sizes
        }
        return index

    def find(self, tokens: list[str]) -> list[Match]:
        """Confirmed matches in a tokenised document, one per benchmark item field, in document order."""
        # Only a document shorter than min_item_tokens can equal one of the tiny items: no tuple of a long document.
        if len(tokens) < self.min_item_tokens and tuple(tokens) in self.whole:
            entry = self.entries[self.whole[tuple(tokens)]]
            return [Match(entry, "exact", 1.0, " ".join(tokens), 0, len(tokens))]
        h = token_hashes(tokens)
        candidates: dict[int, list[tuple[int, int]]] = {}
        for size, table in self.tables.items():
            for pos, idx, offset in table.hits(ngram_hashes(h, size)):
                candidates.setdefault(idx, []).append((pos, offset))
        matches = []
        for idx, hits in candidates.items():
            entry = self.entries[idx]
            m = len(entry.tokens)
            pos, offset = hits[0]
            if tuple(tokens[pos : pos + min(m, self.n)]) != entry.tokens[offset : offset + min(m, self.n)]:
                continue  # a 64-bit hash collision, not a shared n-gram
            # Align the item on its first shared n-gram, with slack for words inserted or dropped around it.
            slack = m // 5 + 2
            start, end = max(0, pos - offset - slack), min(len(tokens), pos - offset + m + slack)
            ratio = lcs_length(list(entry.tokens), tokens[start:end]) / m
            if ratio < self.lcs_threshold:
                continue
            last_pos, last_offset = hits[-1]
            span_start = max(0, min(p - o for p, o in hits))
            span_end = min(len(tokens), max(last_pos - last_offset + m, pos - offset + m))
            exact = tokens[pos - offset : pos - offset + m] == list(entry.tokens) if pos >= offset else False
            matches.append(
                Match(
                    entry,
                    "exact" if exact else "ngram",
                    ratio,
                    " ".join(tokens[pos : pos + min(m, self.n)]),
                    span_start,
                    span_end,
                )
            )
        return sorted(matches, key=lambda mt: mt.token_start)


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
                self._index = ContaminationIndex.load(folder)
            else:
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
