"""Exact and MinHash near-duplicate removal across all sources, keeping the copy a recipe rule prefers.

    mathcpt data data_recipes/demo.yaml      # stages.dedup in the recipe
    python tests/benchmarks/bench_near_dedup.py   # speed vs datatrove's MinhashDedupSignature, recall/precision

Four steps, so the kept copy of a duplicate group can be chosen by a rule (`keep: first | oldest | longest |
highest_score`) instead of by whichever copy happened to be read first, and so every step but one runs on all
tasks:

1. `DedupIndexWriter` (any number of tasks): per document, its 128-bit hash of normalised text, its MinHash
   signature, the hashes of its LSH bands and its priority under the keep rule, appended to the task's files of the
   index folder (the format is `IndexRankWriter`'s; `DedupIndex` reads it back).
2. `DedupBuckets` (any number of tasks; pipeline.data.dedup_plan): the candidate pairs, one unit of work per LSH band
   and hash range (and per range of the text hashes for exact dedup), each a sort of one column.
3. `DedupPlanner` (one process; pipeline.data.dedup_plan): union-find over the pairs, near pairs verified by
   MinHash agreement, the keeper of every group by the rule; a decision per document.
4. `DedupDecisionTagger` then `ExactDedupFilter` / `MinhashNearDedupFilter` (any number of tasks, re-reading the
   same input in the same order): drop the documents the plan marked, with reason `exact_duplicate` or
   `near_duplicate` and `metadata.duplicate_of` naming the kept document.

Memory: steps 1 and 4 hold one block of documents at a time, step 2 one unit, step 3 4 bytes per document plus
what the duplicates need (measured and stated in pipeline.data.dedup_plan).

Ours rather than datatrove's MinhashDedupSignature because that is slow per process (tests/benchmarks/
bench_near_dedup.py runs both): its word tokenizer and its per-shingle string join + hash dominate. We hash each
token once (xxh3 via `map`, in C), build n-gram hashes by vectorised multiply-add over the token hashes, and permute
with multiply-shift hashing (no modulo).
"""

from __future__ import annotations

import hashlib
import json
import re
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipeline.config.stages import DedupStage
from pipeline.shared.atomic import atomic_path

# Words of Latin-like scripts; every CJK ideograph is a token of its own (Chinese has no spaces between words).
TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CHUNK = 4096  # shingles per matrix block: bounds the (shingles × permutations) temporary for long documents
BLOCK = 16384  # documents per block of an index file's band hashes (band-major inside a block)
CHUNK = 1024  # documents hashed and written together by the index writer (its memory: one chunk, one block's bands)
KEEP, EXACT, NEAR = 0, 1, 2
REASONS = {EXACT: "exact_duplicate", NEAR: "near_duplicate"}
DECISION_KEY = "_dedup_decision"  # internal: set by the tagger, removed by the filter that drops the document


def exact_key(text: str, tokens: list[str] | None = None) -> bytes:
    """16-byte hash of the text with case, punctuation and whitespace folded (`tokens`: its TOKENs, if known)."""
    tokens = TOKEN.findall(text.lower()) if tokens is None else tokens
    return hashlib.blake2b(" ".join(tokens).encode(), digest_size=16).digest()


class MinHasher:
    """MinHash signatures of token n-gram sets: `num_perm` uint32 values per text."""

    def __init__(self, ngram: int = 5, num_perm: int = 100, seed: int = 1):
        self.ngram, self.num_perm = ngram, num_perm
        rng = np.random.default_rng(seed)
        # Multiply-shift hashing of 32-bit keys: h(x) = ((a·x + b) mod 2^64) >> 32 with random 64-bit a (odd), b.
        self.a = rng.integers(1, 1 << 63, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self.b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
        # Per-position multipliers that turn n token hashes into one n-gram hash.
        self.mult = rng.integers(1, 1 << 63, size=ngram, dtype=np.uint64) | np.uint64(1)

    def shingles(self, text: str, tokens: list[str] | None = None) -> np.ndarray:
        tokens = TOKEN.findall(text.lower()) if tokens is None else tokens
        h = np.fromiter(map(xxhash.xxh3_64_intdigest, tokens), dtype=np.uint64, count=len(tokens))
        n = min(self.ngram, max(len(h), 1))
        if len(h) == 0:
            return np.zeros(1, dtype=np.uint64)
        count = len(h) - n + 1
        with np.errstate(over="ignore"):  # uint64 arithmetic wraps modulo 2^64 by design
            acc = h[:count] * self.mult[0]
            for k in range(1, n):
                acc = (acc ^ (acc >> np.uint64(29))) + h[k : k + count] * self.mult[k]
        return acc >> np.uint64(32)

    def signature(self, text: str, tokens: list[str] | None = None) -> np.ndarray:
        sh = self.shingles(text, tokens)
        sig = np.full(self.num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for start in range(0, len(sh), _CHUNK):
                block = sh[start : start + _CHUNK, None] * self.a[None, :] + self.b[None, :]
                np.minimum(sig, (block >> np.uint64(32)).min(axis=0), out=sig)
        return sig.astype(np.uint32)


def band_hashes(signatures: np.ndarray, num_bands: int) -> np.ndarray:
    """(documents, num_bands) uint64: one hash per LSH band of each signature's `rows = num_perm // num_bands`
    values (a random linear combination modulo 2^64: equal bands hash equal, unequal ones almost never)."""
    rows = signatures.shape[1] // num_bands
    mix = np.random.default_rng(0).integers(1, 1 << 63, size=rows, dtype=np.uint64) | np.uint64(1)
    bands = signatures[:, : num_bands * rows].reshape(len(signatures), num_bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):  # wraps modulo 2^64 by design
        return (bands * mix).sum(axis=2, dtype=np.uint64)


def priority(doc: Document, keep: str, score_key: str, date_key: str) -> float:
    """Larger is better; ties go to the document read first."""
    if keep == "longest":
        return float(len(doc.text))
    if keep == "highest_score":
        return float(doc.metadata.get(score_key) or 0.0)
    if keep == "oldest":
        value = str(doc.metadata.get(date_key) or "")
        # ISO dates sort as strings; an undated copy loses to any dated one. Negated so that older is larger.
        return -float(np.datetime64(value, "s").astype(np.int64)) if value else float("-inf")
    return 0.0


def _path(folder: Path, rank: int, ext: str) -> Path:
    return folder / f"{rank:05d}.{ext}"


class IndexRankWriter:
    """One task's files of a dedup index folder (a context manager), written block by block:

    - `NNNNN.sig`: uint32 MinHash signatures, one row per document (the planner verifies pairs with them);
    - `NNNNN.bands`: uint64 band hashes in blocks of BLOCK documents, band-major inside a block, so one band of the
      whole file is read as one contiguous run per block (step 2 reads band by band);
    - `NNNNN.exact`: the 16-byte text hashes; `NNNNN.priority`: float64 keep-rule priorities;
    - `NNNNN.ids`: each document's id as a JSON line, `NNNNN.ids_offsets`: int64 byte offset of each line.

    Every file is written under a `.partial` name and renamed when the block leaves without an error, `.sig` last:
    a rank's `.sig` is the sign of a finished rank, and a killed task leaves no index that looks complete.
    """

    def __init__(self, folder: str | Path, rank: int, num_bands: int):
        self.folder, self.rank, self.num_bands, self.id_bytes = Path(folder), rank, num_bands, 0
        self.pending: list[np.ndarray] = []  # band hashes (m, num_bands) not yet written as a band-major block
        self.pending_rows = 0

    def __enter__(self) -> IndexRankWriter:
        self._stack, self._files = ExitStack(), {}
        # Left in reverse order: `.sig`, entered first, is closed and renamed last.
        for ext in ("sig", "bands", "exact", "priority", "ids", "ids_offsets"):
            tmp = self._stack.enter_context(atomic_path(_path(self.folder, self.rank, ext), suffix=".partial"))
            self._files[ext] = self._stack.enter_context(open(tmp, "wb"))
        return self

    def __exit__(self, *exc) -> bool:
        if exc[0] is None:
            self.write_bands(final=True)
        return self._stack.__exit__(*exc)

    def add(self, signatures: np.ndarray, keys: bytes, priorities: np.ndarray, ids: list) -> None:
        """A chunk of documents: (m, num_perm) signatures, m × 16 bytes of text hashes, m priorities, m ids. All but
        the band hashes are written at once; those wait for a whole block (BLOCK × num_bands × 8 bytes: 5 MB at 40
        bands), so memory stays that of one chunk and one block whatever the corpus."""
        f = self._files
        f["sig"].write(np.ascontiguousarray(signatures, dtype=np.uint32).tobytes())
        f["exact"].write(keys)
        f["priority"].write(np.asarray(priorities, dtype=np.float64).tobytes())
        lines = [(json.dumps(str(i)) + "\n").encode() for i in ids]
        lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
        f["ids_offsets"].write((self.id_bytes + np.cumsum(lengths) - lengths).tobytes())
        self.id_bytes += int(lengths.sum())
        f["ids"].write(b"".join(lines))
        self.pending.append(band_hashes(signatures, self.num_bands))
        self.pending_rows += len(signatures)
        self.write_bands()

    add_block = add

    def write_bands(self, final: bool = False) -> None:
        """Every whole block of pending band hashes (and, when final, the last partial one), band-major."""
        while self.pending_rows >= BLOCK or (final and self.pending_rows):
            rows = np.concatenate(self.pending)
            block, rest = rows[:BLOCK], rows[BLOCK:]
            self._files["bands"].write(np.ascontiguousarray(block.T).tobytes())
            self.pending, self.pending_rows = ([rest] if len(rest) else []), len(rest)


class DedupIndex:
    """The finished ranks of a dedup index folder (IndexRankWriter's files), read through memory maps; documents
    are numbered globally in rank order, which is reading order."""

    def __init__(self, folder: str | Path, world_size: int):
        self.folder = Path(folder)
        self.ranks = [r for r in range(world_size) if _path(self.folder, r, "sig").is_file()]
        self.counts = [_path(self.folder, r, "priority").stat().st_size // 8 for r in self.ranks]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        self.n = int(self.offsets[-1])
        self._ids: dict[int, tuple] = {}

    def array(self, pos: int, ext: str, dtype, width: int = 1) -> np.ndarray:
        """Rank number `pos` (in self.ranks)'s file as a (count, width) memmap; empty files give empty arrays
        (np.memmap cannot map zero bytes)."""
        count = self.counts[pos]
        if count == 0:
            return np.zeros((0, width), dtype=dtype)
        return np.memmap(_path(self.folder, self.ranks[pos], ext), dtype=dtype, mode="r", shape=(count, width))

    def band(self, pos: int, band: int, num_bands: int) -> np.ndarray:
        """One band's hashes of rank number `pos`, in document order (a contiguous read per block)."""
        count = self.counts[pos]
        if count == 0:
            return np.zeros(0, dtype=np.uint64)
        flat = np.memmap(_path(self.folder, self.ranks[pos], "bands"), dtype=np.uint64, mode="r")
        parts = []
        for start in range(0, count, BLOCK):
            size = min(BLOCK, count - start)
            base = start * num_bands + band * size
            parts.append(flat[base : base + size])
        return np.concatenate(parts)

    def locate(self, idx: np.ndarray) -> np.ndarray:
        """Rank number (position in self.ranks) of each global document index."""
        return np.searchsorted(self.offsets, idx, side="right") - 1

    def gather(self, ext: str, dtype, idx: np.ndarray, width: int = 1) -> np.ndarray:
        """Rows of one file kind for sorted or unsorted global indices, read rank by rank, a million at a time (the
        temporaries stay small next to the result)."""
        idx = np.asarray(idx, dtype=np.int64)
        out = np.empty((len(idx), width), dtype=dtype)
        for start in range(0, len(idx), 1 << 20):
            part = idx[start : start + (1 << 20)]
            pos = self.locate(part)
            for p in np.unique(pos).tolist():
                sel = np.flatnonzero(pos == p)
                out[start + sel] = self.array(p, ext, dtype, width)[part[sel] - self.offsets[p]]
        return out

    def doc_id(self, i: int) -> str:
        """The id of global document `i` (one seek into its rank's ids file)."""
        p = int(self.locate(np.asarray([i]))[0])
        if p not in self._ids:
            self._ids[p] = (
                open(_path(self.folder, self.ranks[p], "ids"), "rb"),
                self.array(p, "ids_offsets", np.int64),
            )
        f, offsets = self._ids[p]
        f.seek(int(offsets[i - int(self.offsets[p]), 0]))
        return json.loads(f.readline())

    def close(self) -> None:
        for f, _ in self._ids.values():
            f.close()
        self._ids.clear()


class DedupIndexWriter(PipelineStep):
    """Step 1: text hash, MinHash signature, band hashes and keep-rule priority of every document, per rank."""

    name = "🫂 dedup index"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path, settings: DedupStage):
        super().__init__()
        self.folder = str(folder)
        self.num_bands = settings.num_bands
        self.hasher_args = (settings.ngram, settings.num_bands * settings.rows_per_band, settings.seed)
        self.keep, self.score_key, self.date_key = settings.keep, settings.score_key, settings.date_key

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        hasher = MinHasher(*self.hasher_args)
        sigs, keys, prios, ids = [], [], [], []
        with IndexRankWriter(self.folder, rank, self.num_bands) as index:
            for doc in data:
                with self.track_time():
                    tokens = TOKEN.findall(doc.text.lower())  # once: both the text hash and the shingles use them
                    sigs.append(hasher.signature(doc.text, tokens))
                    keys.append(exact_key(doc.text, tokens))
                    prios.append(priority(doc, self.keep, self.score_key, self.date_key))
                    ids.append(doc.id)
                    if len(sigs) == CHUNK:
                        index.add(np.stack(sigs), b"".join(keys), np.asarray(prios), ids)
                        sigs, keys, prios, ids = [], [], [], []
                self.stat_update("documents")
                yield doc
            if sigs:
                index.add(np.stack(sigs), b"".join(keys), np.asarray(prios), ids)


class DedupDecisionTagger(PipelineStep):
    """Step 4a: attaches the plan's decision to each document it drops, in the index step's reading order, and
    names the kept copy (read from the index's ids, here on every task rather than in the one-process planner)."""

    name = "🫂 dedup decisions"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path, index_tasks: int = 1):
        super().__init__()
        self.folder, self.index_tasks = str(folder), index_tasks

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = Path(self.folder)
        decision = np.load(_path(folder, rank, "decision.npy"))
        keeper = np.load(_path(folder, rank, "keeper.npy"))
        index, names, j = DedupIndex(folder, self.index_tasks), {}, 0
        try:
            for i, doc in enumerate(data):
                if i >= len(decision):
                    raise RuntimeError(f"the dedup index of rank {rank} has {len(decision)} documents, the input more")
                if decision[i]:
                    kept = int(keeper[j])
                    j += 1
                    if kept not in names:
                        names[kept] = index.doc_id(kept)
                    doc.metadata[DECISION_KEY] = int(decision[i])
                    doc.metadata["duplicate_of"] = names[kept]
                yield doc
        finally:
            index.close()


class _DecisionFilter(BaseFilter):
    """Step 4b: drops documents tagged with this filter's decision (one filter per reason, one folder each)."""

    decision = KEEP

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        if doc.metadata.get(DECISION_KEY) == self.decision:
            del doc.metadata[DECISION_KEY]
            return False, REASONS[self.decision]
        return True


class ExactDedupFilter(_DecisionFilter):
    name = "🫂 exact dedup"
    decision = EXACT


class MinhashNearDedupFilter(_DecisionFilter):
    name = "🫂 MinHash near-dedup"
    decision = NEAR
