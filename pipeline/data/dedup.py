"""Exact and MinHash near-duplicate removal across all sources, keeping the copy a recipe rule prefers.

    mathcpt data data_recipes/demo.yaml      # stages.dedup in the recipe
    python tests/benchmarks/bench_near_dedup.py   # speed vs datatrove's MinhashDedupSignature, recall/precision

Three steps, so the kept copy of a duplicate group can be chosen by a rule (`keep: first | oldest | longest |
highest_score`) instead of by whichever copy happened to be read first:

1. `DedupIndexWriter` (a datatrove step, any number of tasks): per document, its 128-bit hash of normalised text,
   its MinHash signature and its priority under the keep rule, appended to `{rank}` files in the index folder.
2. `plan_dedup` (one process): exact groups by sorting the text hashes; near-duplicate candidates by LSH (band by
   band: hash the band's rows, sort, equal runs are candidates), each candidate pair verified by the share of equal
   MinHash values (an estimate of Jaccard similarity) against `threshold`, groups by union-find; in each group the
   best document under the rule is kept. Decisions are written per rank.
3. `DedupDecisionTagger` then `ExactDedupFilter` / `MinhashNearDedupFilter` (datatrove steps, re-reading the same
   input in the same order): drop the documents the plan marked, with reason `exact_duplicate` or `near_duplicate`
   and `metadata.duplicate_of` naming the kept document.

Memory: step 1 and 3 hold one document at a time, on every task. The planner is one process and grows with the
corpus, not with the documents' length: signatures stay on disk (memory-mapped, one band's columns read at a time,
per rank file) and it holds per document a text hash (16 bytes), priority, union-find parent and decision (17), and
while a band is sorted that band's hash and order (16), plus the temporaries of the final keeper choice. Measured
with the recipe's 40 × 5 bands (tests/benchmarks/bench_scaling.py, `planner`): about 150 bytes of anonymous memory
per document, so one 64 GB node plans about 450 million documents; a billion needs the plan sharded (for
example by LSH band, as datatrove's MinHash buckets stage does), which is not built yet. Ids are read back only for
kept documents that have duplicates.

Ours rather than datatrove's MinhashDedupSignature because that is slow per process (tests/benchmarks/
bench_near_dedup.py runs both): its word tokenizer and its per-shingle string join + hash dominate. We hash each token once (xxh3 via `map`, in C), build
n-gram hashes by vectorised multiply-add over the token hashes, and permute with multiply-shift hashing (no modulo).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import xxhash
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipeline.config.stages import DedupStage
from pipeline.shared.atomic import atomic_open, atomic_path, atomic_write_text

# Words of Latin-like scripts; every CJK ideograph is a token of its own (Chinese has no spaces between words).
TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_CHUNK = 4096  # shingles per matrix block: bounds the (shingles × permutations) temporary for long documents
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


class DedupIndexWriter(PipelineStep):
    """Step 1: text hash, MinHash signature and keep-rule priority of every document, per rank."""

    name = "🫂 dedup index"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path, settings: DedupStage):
        super().__init__()
        self.folder = str(folder)
        self.hasher_args = (settings.ngram, settings.num_bands * settings.rows_per_band, settings.seed)
        self.keep, self.score_key, self.date_key = settings.keep, settings.score_key, settings.date_key

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = Path(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        hasher = MinHasher(*self.hasher_args)
        keys, prios = [], []
        # Written under .partial names and renamed at the end, so a killed task leaves no index that looks complete;
        # `.sig`, which the planner takes as the sign of a finished rank, is renamed last.
        with (
            atomic_path(folder / f"{rank:05d}.sig", suffix=".partial") as sig_tmp,
            atomic_path(folder / f"{rank:05d}.ids", suffix=".partial") as ids_tmp,
            open(sig_tmp, "wb") as sigs,
            open(ids_tmp, "w") as ids,
        ):
            for doc in data:
                with self.track_time():
                    tokens = TOKEN.findall(doc.text.lower())  # once: both the text hash and the shingles use them
                    sigs.write(hasher.signature(doc.text, tokens).tobytes())
                    keys.append(exact_key(doc.text, tokens))
                    prios.append(priority(doc, self.keep, self.score_key, self.date_key))
                    ids.write(json.dumps(str(doc.id)) + "\n")
                self.stat_update("documents")
                yield doc
            np.save(folder / f"{rank:05d}.exact.npy", np.frombuffer(b"".join(keys), dtype="V16"))
            np.save(folder / f"{rank:05d}.priority.npy", np.asarray(prios, dtype=np.float64))


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return root


def plan_dedup(
    folder: str | Path, world_size: int, exact: bool, near: bool, num_perm: int, num_bands: int, threshold: float
) -> dict:
    """Step 2: decide every document's fate; writes `{rank}.decision.npy` and `{rank}.duplicate_of.json`."""
    folder = Path(folder)
    ranks = [r for r in range(world_size) if (folder / f"{r:05d}.sig").is_file()]
    counts = [int(np.load(folder / f"{r:05d}.priority.npy", mmap_mode="r").shape[0]) for r in ranks]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    n = int(offsets[-1])
    prio = np.concatenate([np.load(folder / f"{r:05d}.priority.npy") for r in ranks]) if n else np.zeros(0)
    parent = np.arange(n, dtype=np.int64)
    kind = np.zeros(n, dtype=np.int8)  # why a group member would be dropped: EXACT if it equals the keeper's text

    exact_keys = np.concatenate([np.load(folder / f"{r:05d}.exact.npy") for r in ranks]) if n else None
    if exact and n:
        # parent is still the identity here; a stable sort puts each group's first-read document first, so every
        # member points straight at it (the same roots a union per equal pair would give).
        order = np.argsort(exact_keys, kind="stable")
        sorted_keys = exact_keys[order]
        first = np.concatenate([[True], sorted_keys[1:] != sorted_keys[:-1]])
        parent[order] = order[first][np.cumsum(first) - 1]

    pairs_checked = pairs_merged = 0
    if near and n:
        # One memmap per rank, never concatenated: RAM holds one band's columns at a time, not every signature.
        sigs = [np.memmap(folder / f"{r:05d}.sig", dtype=np.uint32, mode="r").reshape(-1, num_perm) for r in ranks]

        def signature(i: int) -> np.ndarray:
            r = int(np.searchsorted(offsets, i, side="right")) - 1
            return sigs[r][i - int(offsets[r])]

        rows = num_perm // num_bands
        mix = np.random.default_rng(0).integers(1, 1 << 63, size=rows, dtype=np.uint64) | np.uint64(1)
        for band in range(num_bands):
            with np.errstate(over="ignore"):  # per rank file: the (documents × rows) temporaries stay one file's
                band_hash = np.concatenate(
                    [
                        (np.asarray(x[:, band * rows : (band + 1) * rows], dtype=np.uint64) * mix[None, :]).sum(axis=1)
                        for x in sigs
                    ]
                )
            order = np.argsort(band_hash, kind="stable")
            band_hash = band_hash[order]  # sorted; the unsorted copy is freed
            # Only buckets holding two or more documents: positions equal to the one before, grouped into runs.
            # (Bounds of every bucket would cost two int64 per document; most buckets hold one.)
            repeat = np.flatnonzero(band_hash[1:] == band_hash[:-1]) + 1
            del band_hash
            new_run = np.concatenate([[True], repeat[1:] != repeat[:-1] + 1]) if len(repeat) else repeat
            run_starts = repeat[new_run] - 1
            run_ends = repeat[np.concatenate([new_run[1:], [True]])] if len(repeat) else repeat
            for s, last in zip(run_starts.tolist(), run_ends.tolist()):
                e = last + 1
                members = order[s:e]
                head = int(members[0])
                for m in members[1:]:
                    a, b = _find(parent, head), _find(parent, int(m))
                    if a == b:
                        continue
                    pairs_checked += 1
                    # Verify the two groups' first documents against each other: the share of equal MinHash values
                    # estimates their Jaccard similarity. Comparing representatives (not the band's pair) keeps
                    # every member close to its group's first document instead of letting chains drift.
                    if np.count_nonzero(signature(a) == signature(b)) / num_perm >= threshold:
                        parent[max(a, b)] = min(a, b)
                        pairs_merged += 1

    # Every union links the larger root under the smaller, so parent[i] <= i: pointer jumping finds all roots at once.
    roots = parent  # not needed as a tree any more: jumped in place of a copy
    while not np.array_equal(jumped := roots[roots], roots):
        roots = jumped
    del parent, jumped
    # Keeper per group: highest priority, then earliest in reading order (lexsort's last key is the primary one; it
    # is a stable sort, so reading order breaks the remaining ties without a key of its own).
    np.negative(prio, out=prio)
    order = np.lexsort((prio, roots))
    first_of_group = np.concatenate([[True], roots[order][1:] != roots[order][:-1]]) if n else np.zeros(0, bool)
    keeper = np.empty(n, dtype=np.int64)
    keeper_idx = order[first_of_group]
    keeper[order] = np.repeat(keeper_idx, np.diff(np.concatenate([np.nonzero(first_of_group)[0], [n]])))
    dropped = np.nonzero(keeper != np.arange(n))[0]
    if len(dropped):  # a dropped copy is an exact duplicate when its text hash equals its keeper's
        kind[dropped] = np.where(exact_keys[dropped] == exact_keys[keeper[dropped]], EXACT, NEAR)

    needed = set(keeper[dropped].tolist())
    names: dict[int, str] = {}
    for r, start, count in zip(ranks, offsets[:-1], counts):
        wanted = {int(i - start) for i in needed if start <= i < start + count}
        if wanted:
            with open(folder / f"{r:05d}.ids") as f:
                for local, line in enumerate(f):
                    if local in wanted:
                        names[int(start) + local] = json.loads(line)
    for r, start, count in zip(ranks, offsets[:-1], counts):
        part = slice(int(start), int(start) + count)
        dup_of = {
            str(i - int(start)): names[int(keeper[i])] for i in (np.flatnonzero(kind[part]) + part.start).tolist()
        }
        atomic_write_text(folder / f"{r:05d}.duplicate_of.json", json.dumps(dup_of))
        with atomic_open(folder / f"{r:05d}.decision.npy", "wb") as f:  # last: the tagger reads both
            np.save(f, kind[part])
    sizes = np.unique(roots, return_counts=True)[1]
    return {
        "documents": n,
        "exact_duplicates": int((kind == EXACT).sum()),
        "near_duplicates": int((kind == NEAR).sum()),
        "candidate_pairs_checked": pairs_checked,
        "pairs_merged": pairs_merged,
        "groups_with_duplicates": int((sizes > 1).sum()),
    }


class DedupDecisionTagger(PipelineStep):
    """Step 3a: attaches `plan_dedup`'s decision to each document it drops, in the index step's reading order."""

    name = "🫂 dedup decisions"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path):
        super().__init__()
        self.folder = str(folder)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        decision = np.load(Path(self.folder) / f"{rank:05d}.decision.npy")
        dup_of = json.loads((Path(self.folder) / f"{rank:05d}.duplicate_of.json").read_text())
        for i, doc in enumerate(data):
            if i >= len(decision):
                raise RuntimeError(f"the dedup index of rank {rank} has {len(decision)} documents, the input more")
            if decision[i]:
                doc.metadata[DECISION_KEY] = int(decision[i])
                doc.metadata["duplicate_of"] = dup_of[str(i)]
            yield doc


class _DecisionFilter(BaseFilter):
    """Step 3b: drops documents tagged with this filter's decision (one filter per reason, one folder each)."""

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


class DedupPlanner(PipelineStep):
    """Step 2 as a datatrove step (one task), so every pass of a recipe runs on the same executor (local, Slurm,
    Ray). The plan's counts go into the step's stats."""

    name = "🫂 dedup plan"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path, settings: DedupStage, index_tasks: int = 1):
        super().__init__()
        s = settings
        self.folder = str(folder)
        self.args = (index_tasks, s.exact, s.near, s.num_bands * s.rows_per_band, s.num_bands, s.threshold)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with self.track_time():
            summary = plan_dedup(self.folder, *self.args)
        for key, value in summary.items():
            self.stat_update(key, value=value)
        return iter(())
