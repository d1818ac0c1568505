"""The benchmark n-gram index: entries, adaptive n-gram tables behind a Bloom filter, LCS-confirmed matches.

    .venv/bin/python -m pytest tests/data/test_decontaminate.py -q      # what it must find and must not

The method, the thresholds and the memory it takes are described in pipeline.data.decontaminate, which builds it
(once per data run), saves it, and memory-maps it in every task.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from pipeline.data.decontaminate_text import (
    OPTION_LETTERS,
    gram_stream,
    lcs_length,
    ngram_hashes,
    ngram_hashes_by_size,
    tokenize,
)
from pipeline.shared.atomic import atomic_path
from pipeline.shared.benchmarks.registry import BenchmarkItem

INDEX_FORMAT = 2  # entries.json layout and table dtypes; an index folder of another format is rebuilt in the worker
MAX_ALIGNMENTS = 3  # placements of one entry confirmed per document: the ones most n-grams agree on
PRESENCE_BITS = 32  # Bloom filter bits per indexed n-gram: 4 bytes
HALF_MISSING = 1.25  # each half of a match may miss 1.25x the share lcs_threshold lets miss (half ratio ≥ 0.5 at 0.6)
ADAPT_SPAN = 3  # below ADAPT_SPAN × ngram tokens, n-grams get shorter and the LCS threshold higher


@dataclass(frozen=True, slots=True)
class Entry:
    benchmark: str
    item_id: str
    field: str  # question, solution or answer
    tokens: tuple[str, ...]
    stem: int = 0  # multiple choice: tokens[:stem] is the question's stem, the rest its options (0: no options)
    choices: int = 0  # number of options

    @property
    def stem_tokens(self) -> tuple[str, ...]:
        return self.tokens[: self.stem] if self.stem else self.tokens


@dataclass
class Match:
    entry: Entry
    kind: str  # exact | ngram
    lcs_ratio: float
    ngram: str
    token_start: int  # matched window in document tokens [start, end)
    token_end: int
    field: str = ""  # what was found: the entry's field, or `stem` for a multiple-choice stem without its options

    def record(self) -> dict:
        e = self.entry
        return {
            "benchmark": e.benchmark,
            "item_id": e.item_id,
            "field": self.field or e.field,
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
            np.array(entries, dtype=np.int32)[order],
            np.array(offsets, dtype=np.int32)[order],
        )

    def hits(self, doc_grams: np.ndarray, positions: np.ndarray) -> list[tuple[int, int, int]]:
        """(document position, entry, offset in entry) for every document n-gram present in the table; `positions`
        are the n-grams' positions in the document."""
        if not len(self.keys) or not len(doc_grams):
            return []
        lo = np.searchsorted(self.keys, doc_grams, side="left")
        hi = np.searchsorted(self.keys, doc_grams, side="right")
        found = np.nonzero(hi > lo)[0]
        return [
            (int(positions[i]), int(self.entries[k]), int(self.offsets[k])) for i in found for k in range(lo[i], hi[i])
        ]

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.entries.nbytes + self.offsets.nbytes


class _Presence:
    """A two-probe Bloom filter over every indexed n-gram hash (PRESENCE_BITS bits per hash; the probes are two
    disjoint bit fields of the hash): a document n-gram with a probe bit clear is in no table. About 0.4% of absent
    n-grams pass, so nearly every document skips the binary search of the tables (random access into megabytes,
    which was most of the scan time) for every n-gram length."""

    def __init__(self, bits: np.ndarray):
        self.bits = bits
        self.width = np.uint64(int(np.log2(len(bits) * 8)))

    @classmethod
    def build(cls, keys: list[np.ndarray]) -> _Presence:
        total = sum(len(k) for k in keys)
        size = 1 << max(16, int(np.ceil(np.log2(max(total, 1) * PRESENCE_BITS))))
        presence = cls(np.zeros(size // 8, dtype=np.uint8))
        for k in keys:
            for slot in presence._slots(np.asarray(k)):
                np.bitwise_or.at(presence.bits, slot >> 3, (1 << (slot & 7)).astype(np.uint8))
        return presence

    def _slots(self, grams: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mask = (np.uint64(1) << self.width) - np.uint64(1)
        first = grams >> (np.uint64(64) - self.width)
        second = (grams >> (np.uint64(64) - np.uint64(2) * self.width)) & mask
        return first.astype(np.intp), second.astype(np.intp)

    def candidates(self, grams: np.ndarray) -> np.ndarray:
        """Positions of the n-grams that may be indexed."""
        first, second = self._slots(grams)
        hit = (self.bits[first >> 3] >> (first & 7).astype(np.uint8)) & (
            self.bits[second >> 3] >> (second & 7).astype(np.uint8)
        )
        return np.flatnonzero(hit & 1)


def whole_items(entries: list[Entry], min_item_tokens: int) -> dict[tuple[str, ...], int]:
    """Tiny items (fewer than min_item_tokens tokens) by their tokens: only a document that is exactly one matches."""
    whole: dict[tuple[str, ...], int] = {}
    for idx, entry in enumerate(entries):
        if len(entry.tokens) < min_item_tokens:
            whole.setdefault(entry.tokens, idx)
    return whole


def item_entries(benchmark: str, item: BenchmarkItem, include_solutions: bool) -> list[Entry]:
    """The question (stem, then options when it has some) and, on request, the solution and the answer."""
    stem = tokenize(item.question or "")
    options = [t for choice in item.choices for t in tokenize(choice)]
    entries = []
    if stem or options:
        # A question whose stem has no tokens at all is judged by its options like any other text.
        marked = (len(stem), len(item.choices)) if stem and options else (0, 0)
        entries.append(Entry(benchmark, item.id, "question", tuple(stem + options), *marked))
    if include_solutions:
        for field_name, text in (("solution", item.solution), ("answer", item.answer)):
            tokens = tuple(tokenize(text or ""))
            if tokens:
                entries.append(Entry(benchmark, item.id, field_name, tokens))
    return entries


class ContaminationIndex:
    """n-gram index over benchmark items with LCS confirmation (see module docstring)."""

    def __init__(
        self,
        items: dict[str, list[BenchmarkItem]],
        n: int = 13,
        lcs_threshold: float = 0.6,
        include_solutions: bool = False,
        min_item_tokens: int = 5,
        min_gram: int = 5,
        min_stem_tokens: int = 10,
    ):
        self.n, self.lcs_threshold, self.min_item_tokens = n, lcs_threshold, min_item_tokens
        self.min_gram, self.min_stem_tokens = min(min_gram, n), min_stem_tokens
        self.entries = [
            e for name, bench in items.items() for item in bench for e in item_entries(name, item, include_solutions)
        ]
        by_length: dict[int, tuple[list[int], list[int], list[int]]] = {}
        for idx, entry in enumerate(self.entries):
            if len(entry.tokens) < min_item_tokens:
                continue
            size = self.gram_size(entry)
            h, kept = gram_stream(list(entry.tokens))
            grams = ngram_hashes(h, size)
            keys, entries, offsets = by_length.setdefault(size, ([], [], []))
            keys += grams.tolist()
            entries += [idx] * len(grams)
            offsets += kept[: len(grams)].tolist()
        self.tables = {size: _GramTable.build(*cols) for size, cols in sorted(by_length.items())}
        self.presence = _Presence.build([t.keys for t in self.tables.values()])
        self._finish()

    def _finish(self) -> None:
        self.whole = whole_items(self.entries, self.min_item_tokens)
        self.gram = np.zeros(len(self.entries), dtype=np.int32)  # each entry's n-gram length, from its table
        for size, table in self.tables.items():
            self.gram[np.asarray(table.entries)] = size

    def gram_size(self, entry: Entry) -> int:
        """n-gram length of an entry: shorter for short stems, so that two changed tokens leave an n-gram intact."""
        kept = sum(t not in OPTION_LETTERS for t in entry.tokens)
        return max(1, min(kept, self.n, max(self.min_gram, len(entry.stem_tokens) // ADAPT_SPAN)))

    def required(self, length: int) -> float:
        """LCS ratio that confirms a match of `length` tokens: lcs_threshold from ADAPT_SPAN × n tokens up, rising
        linearly to 1 below (a short item's opening sentence or stock phrase is a large share of it)."""
        span = ADAPT_SPAN * self.n
        return self.lcs_threshold + (1 - self.lcs_threshold) * max(0, span - length) / span

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tables.values()) + self.presence.bits.nbytes

    def save(self, folder: Path) -> None:
        """Write the index as `.npy` tables and `entries.json` (write, then rename: a folder is whole or absent)."""
        vocab: dict[str, int] = {}
        rows = [
            [e.benchmark, e.item_id, e.field, e.stem, e.choices, [vocab.setdefault(t, len(vocab)) for t in e.tokens]]
            for e in self.entries
        ]
        meta = {
            "format": INDEX_FORMAT,
            **{k: getattr(self, k) for k in ("n", "lcs_threshold", "min_item_tokens", "min_gram", "min_stem_tokens")},
            "vocab": list(vocab),
            "entries": rows,
        }
        with atomic_path(folder) as tmp:
            tmp.mkdir(parents=True)
            for size, table in self.tables.items():
                for column in _GramTable.COLUMNS:
                    np.save(tmp / f"{size}.{column}.npy", getattr(table, column))
            np.save(tmp / "presence.npy", self.presence.bits)
            (tmp / "entries.json").write_text(json.dumps(meta, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> ContaminationIndex:
        """The index `save` wrote; its tables are memory-mapped, so the tasks of one node share their pages."""
        meta = json.loads((folder / "entries.json").read_text())
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(f"{folder}: decontamination index of format {meta.get('format', 1)}, not {INDEX_FORMAT}")
        index = cls.__new__(cls)
        for key in ("n", "lcs_threshold", "min_item_tokens", "min_gram", "min_stem_tokens"):
            setattr(index, key, meta[key])
        vocab = meta["vocab"]  # every entry's tokens point into this one list: a token's string is stored once
        index.entries = [Entry(b, i, f, tuple(vocab[t] for t in ids), s, c) for b, i, f, s, c, ids in meta["entries"]]
        sizes = sorted({int(p.name.split(".")[0]) for p in folder.glob("*.keys.npy")})
        index.tables = {
            size: _GramTable(*(np.load(folder / f"{size}.{c}.npy", mmap_mode="r") for c in _GramTable.COLUMNS))
            for size in sizes
        }
        index.presence = _Presence(np.load(folder / "presence.npy", mmap_mode="r"))
        index._finish()
        return index

    def find(self, tokens: list[str]) -> list[Match]:
        """Confirmed matches in a tokenised document, one per benchmark item field, in document order."""
        # Only a document shorter than min_item_tokens can equal one of the tiny items: no tuple of a long document.
        if len(tokens) < self.min_item_tokens and tuple(tokens) in self.whole:
            entry = self.entries[self.whole[tuple(tokens)]]
            return [Match(entry, "exact", 1.0, " ".join(tokens), 0, len(tokens), entry.field)]
        if not tokens or not self.tables:
            return []
        sizes = list(self.tables)
        h, kept = gram_stream(tokens)
        by_size = ngram_hashes_by_size(h, sizes)
        grams = np.concatenate([by_size[size] for size in sizes])  # one presence test for every length
        bounds = np.cumsum([0] + [len(by_size[size]) for size in sizes])
        maybe = self.presence.candidates(grams)
        cut = np.searchsorted(maybe, bounds)
        placements: dict[int, list[tuple[int, int]]] = defaultdict(list)  # entry → (entry start in document, hit)
        for i, size in enumerate(sizes):
            if cut[i] == cut[i + 1]:
                continue
            at = maybe[cut[i] : cut[i + 1]]
            for j, idx, offset in self.tables[size].hits(grams[at], at - bounds[i]):
                placements[idx].append((int(kept[j]) - offset, j))  # j: the n-gram's start among `kept`
        matches = []
        for idx, hits in placements.items():
            match = self._confirm(idx, hits, tokens, kept)
            if match is not None:
                matches.append(match)
        return sorted(matches, key=lambda mt: mt.token_start)

    def _confirm(self, idx: int, hits: list[tuple[int, int]], tokens: list[str], kept: np.ndarray) -> Match | None:
        """The entry's best-supported placements in the document, the first one the LCS confirms."""
        entry, size = self.entries[idx], int(self.gram[idx])
        slack = len(entry.tokens) // 5 + 2 + 2 * entry.choices
        hits.sort()
        groups, group = [], [hits[0]]
        for hit in hits[1:]:  # hits whose entry starts lie within the slack of each other place the entry alike
            if hit[0] - group[-1][0] > slack:
                groups.append(group)
                group = []
            group.append(hit)
        groups.append(group)
        for group in sorted(groups, key=len, reverse=True)[:MAX_ALIGNMENTS]:
            # Where most n-grams put the entry; a multiple-choice entry where its stem's n-grams put it, or else at
            # the earliest placement (each option letter of a copy moves the next option's placement one later).
            anchors = [(s, j) for s, j in group if int(kept[j]) - s < entry.stem] if entry.stem else group
            start = Counter(s for s, _ in anchors).most_common(1)[0][0] if anchors else group[0][0]
            j = next(j for s, j in group if s == start)
            ngram = [tokens[k] for k in kept[j : j + size]]
            if ngram != list(islice((t for t in entry.tokens[kept[j] - start :] if t not in OPTION_LETTERS), size)):
                continue  # a 64-bit hash collision, not a shared n-gram
            judged = self._judge(entry, start, tokens)
            if judged is None:
                continue
            field, ratio, length = judged
            exact = start >= 0 and tuple(tokens[start : start + length]) == entry.tokens[:length]
            span_start = max(0, min(s for s, _ in group))
            span_end = min(len(tokens), max(max(s for s, _ in group) + length, int(kept[j + size - 1]) + 1))
            return Match(entry, "exact" if exact else "ngram", ratio, " ".join(ngram), span_start, span_end, field)
        return None

    def _judge(self, entry: Entry, start: int, tokens: list[str]) -> tuple[str, float, int] | None:
        """(field found, LCS ratio, its length in tokens) for the entry placed at `start`, or None."""

        def window(lo: int, hi: int, options: bool = False) -> list[str]:  # where the placement puts tokens[lo:hi]
            slack = (hi - lo) // 5 + 2 + (2 * entry.choices if options else 0)  # letters before options ("A.", "(B)")
            return tokens[max(0, start + lo - slack) : max(0, start + hi + slack)]

        def ratio(lo: int, hi: int, options: bool = False) -> float:
            return lcs_length(entry.tokens[lo:hi], window(lo, hi, options)) / (hi - lo)

        def confirmed(value: float, lo: int, hi: int) -> bool:
            if value < self.required(hi - lo) - 1e-9:
                return False
            # No rule spares a variant that changes a number ("... a multiple of 3?" for "... a multiple of 5?"):
            # the Qwen2.5-Math report removes exactly such variants (LCS >= 0.6, its Table 5): a model trained on the
            # same problem with another parameter has seen the test item's solution.
            # Found over the whole part, not in its first half alone: an opening sentence that is half of an item,
            # completed by tokens that common words and formulas in the text after it supply by chance, is not a copy.
            mid, floor = (lo + hi) // 2, 1 - HALF_MISSING * (1 - self.lcs_threshold)
            return hi - lo < 2 * self.min_gram or min(ratio(lo, mid), ratio(mid, hi)) >= floor - 1e-9

        m = len(entry.tokens)
        if not entry.stem:
            whole = ratio(0, m)
            return (entry.field, whole, m) if confirmed(whole, 0, m) else None
        # Multiple choice: the stem must be there whatever the options do; the options alone never count.
        s = entry.stem
        stem = ratio(0, s)
        if not confirmed(stem, 0, s):
            return None
        whole, options = ratio(0, m, options=True), ratio(s, m, options=True)
        if whole >= self.required(m) - 1e-9 and options >= self.required(m - s) - 1e-9:
            return entry.field, whole, m
        if s >= self.min_stem_tokens:
            return "stem", stem, s
        return None
