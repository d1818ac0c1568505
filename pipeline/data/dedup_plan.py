"""Steps 2 and 3 of dedup (pipeline.data.dedup): candidate pairs on every task, then the one-process plan.

    mathcpt data data_recipes/demo.yaml      # passes dedup_buckets (executor.tasks tasks) and dedup_plan (one)
    python tests/benchmarks/bench_scaling.py # the planner's bytes per document and seconds per million

**Buckets** (`DedupBuckets`, any number of tasks): the work is cut into units that do not depend on the task count:
one per LSH band and hash range (`band007-0002`), and one per range of the text hashes (`exact-0000`). A range is
a fixed slice of the 64-bit hash space, and there are ceil(documents / RANGE_DOCS) of them, so one unit holds at
most about RANGE_DOCS documents (64-76 bytes each at the peak of its sort: about 2.5 GB), whatever the corpus size. A unit
sorts its (hash, document) column stably; every document whose hash equals the one before it pairs with the first
document of that bucket, and the pairs are saved in bucket order (`buckets/<unit>.npy`, written then renamed: a
re-run skips the units already saved). Tasks take the units round-robin. This is the part of the plan that is
heavy in memory and time, and it is what datatrove's MinHash buckets stage shards the same way (by band).

**Plan** (`plan_dedup`, one process): union-find over the pairs in a fixed order (exact units, then band by band
and range by range, each in bucket order), so the plan is the same for any task count and any number of
ranges. An exact pair joins directly; a near pair joins two groups when the share of equal MinHash values between
the groups' first documents reaches `threshold` (comparing first documents, not the band's pair, keeps every
member close to its group's first document instead of letting chains drift). Pairs already in one group are
skipped in bulk (vectorised root lookup per chunk). Then in every group the best document under the keep rule is
kept, ties to the earliest read.

Memory of the plan: the union-find parent array (4 bytes per document below 2^31 documents) and, while the roots
are found, a second one; then, for the documents that have a duplicate or are one, the keeper choice (a few int64
columns each). Signatures, band hashes, text hashes and priorities stay on disk, memory-mapped and read only where
needed. Measured on 2026-12-06 (`python tests/benchmarks/bench_scaling.py --planner-only`, synthetic index of 2M
documents): one bucket unit peaks at 64-76 bytes per document of its range (so at most ~2.5 GB at RANGE_DOCS),
5-6 s per million; the plan peaks at 19 bytes per document when 1 in 10 is a near copy (1.2 s per million: about
3.6 billion documents in 64 GB) and 51 bytes per document when 9 in 10 are (4.4 s per million: about 1.35 billion).

Outputs per index rank: `NNNNN.decision.npy` (int8: keep, exact, near per document) and `NNNNN.keeper.npy` (the
global number of the kept copy of each dropped document, in order); the tagger names the kept copy from the index's
ids (pipeline.data.dedup.DedupDecisionTagger).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from datatrove.pipeline.base import PipelineStep

from pipeline.config.stages import DedupStage
from pipeline.data.dedup import EXACT, NEAR, DedupIndex
from pipeline.shared.atomic import atomic_open

RANGE_DOCS = 1 << 25  # documents per hash range: bounds one bucket unit's memory
PAIR_CHUNK = 1 << 16  # pairs per vectorised "already in one group?" check (and per Python list of open pairs)


def bucket_units(documents: int, exact: bool, near: bool, num_bands: int) -> list[str]:
    """Every unit of the buckets pass, in the order the planner applies them."""
    ranges = max(1, -(-documents // RANGE_DOCS))
    units = [f"exact-{k:04d}" for k in range(ranges)] if exact else []
    if near:
        units += [f"band{b:03d}-{k:04d}" for b in range(num_bands) for k in range(ranges)]
    return units


def _range_of(h: np.ndarray, ranges: int) -> np.ndarray:
    """Hash range of uint64 hashes: monotone in the hash, so ranges in order are buckets in sorted order."""
    return ((h >> np.uint64(32)) * np.uint64(ranges)) >> np.uint64(32)


def _bucket_pairs(keys: list[np.ndarray], docs: np.ndarray) -> np.ndarray:
    """(pairs, 2) int64 of (first document of the bucket, member) for equal keys (one or more uint64 columns,
    compared together), buckets in key order and members in reading order."""
    order = np.lexsort(keys[::-1]) if len(keys) > 1 else np.argsort(keys[0], kind="stable")
    m = len(order)
    if m < 2:
        return np.zeros((0, 2), dtype=np.int64)
    same = np.ones(m - 1, dtype=bool)
    for k in keys:
        s = k[order]
        same &= s[1:] == s[:-1]
    members = np.flatnonzero(same) + 1
    if not len(members):
        return np.zeros((0, 2), dtype=np.int64)
    # Position of each bucket's first document: the last position not equal to the one before it.
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    first = starts[np.searchsorted(starts, members, side="right") - 1]
    return np.stack([docs[order[first]], docs[order[members]]], axis=1).astype(np.int64)


def unit_pairs(index: DedupIndex, unit: str, num_bands: int) -> np.ndarray:
    """The candidate pairs of one unit, reading only its column from every rank's index files."""
    kind, k = unit.rsplit("-", 1)
    k, ranges = int(k), max(1, -(-index.n // RANGE_DOCS))
    columns: list[list[np.ndarray]] = []
    docs = []
    for pos in range(len(index.ranks)):
        if kind == "exact":
            both = np.asarray(index.array(pos, "exact", np.uint64, 2))  # the 16-byte hash as two uint64
            cols = [both[:, 0], both[:, 1]]
        else:
            cols = [index.band(pos, int(kind[4:]), num_bands)]
        local = np.flatnonzero(_range_of(cols[0], ranges) == k) if ranges > 1 else None
        if local is not None:
            cols = [c[local] for c in cols]
        docs.append(index.offsets[pos] + (local if local is not None else np.arange(len(cols[0]))))
        columns.append(cols)
    keys = [np.concatenate([c[i] for c in columns]) for i in range(len(columns[0]))] if columns else []
    return _bucket_pairs(keys, np.concatenate(docs)) if keys else np.zeros((0, 2), dtype=np.int64)


class DedupBuckets(PipelineStep):
    """Step 2 (any number of tasks): this task's share of the bucket units, each saved as `buckets/<unit>.npy`."""

    name = "🫂 dedup buckets"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path, settings: DedupStage, index_tasks: int = 1):
        super().__init__()
        self.folder, self.index_tasks = str(folder), index_tasks
        self.exact, self.near, self.num_bands = settings.exact, settings.near, settings.num_bands

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        index = DedupIndex(self.folder, self.index_tasks)
        units = bucket_units(index.n, self.exact, self.near, self.num_bands)
        for unit in units[rank::world_size]:
            target = Path(self.folder) / "buckets" / f"{unit}.npy"
            if target.is_file():  # saved by an earlier, interrupted run of this task
                continue
            with self.track_time():
                pairs = unit_pairs(index, unit, self.num_bands)
                with atomic_open(target, "wb") as f:
                    np.save(f, pairs)
            self.stat_update("units")
            self.stat_update("candidate_pairs", value=len(pairs))
        return iter(())


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:  # path compression
        parent[i], i = root, parent[i]
    return int(root)


def _roots(parent: np.ndarray, idx: np.ndarray) -> np.ndarray:
    r = parent[idx]
    while not np.array_equal(up := parent[r], r):
        r = up
    return r


def plan_dedup(
    folder: str | Path, world_size: int, exact: bool, near: bool, num_perm: int, num_bands: int, threshold: float
) -> dict:
    """Step 3: decide every document's fate from the buckets pass's pairs; writes `{rank}.decision.npy` and
    `{rank}.keeper.npy` for every index rank."""
    folder = Path(folder)
    index = DedupIndex(folder, world_size)
    n = index.n
    units = bucket_units(n, exact, near, num_bands)
    missing = [u for u in units if not (folder / "buckets" / f"{u}.npy").is_file()]
    if missing:
        raise RuntimeError(f"{folder}: the dedup_buckets pass did not finish (no {missing[0]} of {len(units)} units)")
    parent = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    for unit in (u for u in units if u.startswith("exact")):
        # parent is still the identity: every member points straight at its bucket's first-read document.
        pairs = np.load(folder / "buckets" / f"{unit}.npy")
        parent[pairs[:, 1]] = pairs[:, 0]

    pairs_checked = pairs_merged = 0
    if near and n:
        sigs = [index.array(pos, "sig", np.uint32, num_perm) for pos in range(len(index.ranks))]

        def signature(i: int) -> np.ndarray:
            p = int(np.searchsorted(index.offsets, i, side="right")) - 1
            return sigs[p][i - int(index.offsets[p])]

        for unit in (u for u in units if u.startswith("band")):
            pairs = np.load(folder / "buckets" / f"{unit}.npy", mmap_mode="r")
            for start in range(0, len(pairs), PAIR_CHUNK):
                chunk = np.asarray(pairs[start : start + PAIR_CHUNK])
                # Pairs already in one group stay so (groups only merge): skipped without the Python loop.
                open_pairs = chunk[_roots(parent, chunk[:, 0]) != _roots(parent, chunk[:, 1])]
                for head, member in open_pairs.tolist():
                    a, b = _find(parent, head), _find(parent, member)
                    if a == b:
                        continue
                    pairs_checked += 1
                    if np.count_nonzero(signature(a) == signature(b)) / num_perm >= threshold:
                        parent[max(a, b)] = min(a, b)
                        pairs_merged += 1

    # Every union links the larger root under the smaller, so parent[i] <= i: pointer jumping finds all roots.
    while not np.array_equal(jumped := parent[parent], parent):
        parent = jumped
    roots = parent
    del jumped
    step = 1 << 24
    members = np.concatenate(
        [np.zeros(0, np.int64)]
        + [np.flatnonzero(roots[s : s + step] != np.arange(s, min(n, s + step))) + s for s in range(0, n, step)]
    )
    heads = np.unique(roots[members])
    touched = np.union1d(members, heads)  # int64, sorted: every document with a duplicate, or one
    del members
    group = roots[touched]
    # Keeper per group: highest priority, then earliest read (lexsort's last key is the primary one, and it is
    # stable, so reading order breaks the remaining ties).
    prio = index.gather("priority", np.float64, touched)[:, 0]
    order = np.lexsort((np.negative(prio, out=prio), group))
    del prio
    sorted_group = group[order]
    first = np.concatenate([[True], sorted_group[1:] != sorted_group[:-1]]) if len(order) else np.zeros(0, bool)
    keeper = np.empty(len(touched), dtype=np.int64)
    keeper[order] = np.repeat(touched[order[first]], np.diff(np.append(np.flatnonzero(first), len(order))))
    del order, sorted_group, first, group
    dropped_at = np.flatnonzero(keeper != touched)
    dropped, kept_by = touched[dropped_at], keeper[dropped_at]
    del touched, keeper
    # A dropped copy is an exact duplicate when its text hash equals its keeper's (a million at a time: the hashes
    # of both would be 32 bytes per dropped document).
    kind = np.full(len(dropped), NEAR, dtype=np.int8)
    for s in range(0, len(dropped), 1 << 20):
        e = s + (1 << 20)
        same = index.gather("exact", np.uint64, dropped[s:e], 2) == index.gather("exact", np.uint64, kept_by[s:e], 2)
        kind[s:e][same.all(axis=1)] = EXACT

    for pos, rank in enumerate(index.ranks):
        lo, hi = int(index.offsets[pos]), int(index.offsets[pos + 1])
        sel = slice(int(np.searchsorted(dropped, lo)), int(np.searchsorted(dropped, hi)))
        decision = np.zeros(hi - lo, dtype=np.int8)
        decision[dropped[sel] - lo] = kind[sel]
        with atomic_open(folder / f"{rank:05d}.keeper.npy", "wb") as f:
            np.save(f, kept_by[sel])
        with atomic_open(folder / f"{rank:05d}.decision.npy", "wb") as f:  # last: the tagger reads both
            np.save(f, decision)
    return {
        "documents": n,
        "exact_duplicates": int((kind == EXACT).sum()),
        "near_duplicates": int((kind == NEAR).sum()),
        "candidate_pairs_checked": pairs_checked,
        "pairs_merged": pairs_merged,
        "groups_with_duplicates": int(len(heads)),
    }


class DedupPlanner(PipelineStep):
    """Step 3 as a datatrove step (one task), so every pass of a recipe runs on the same executor (local, Slurm,
    Ray). The plan's counts go into the step's stats."""

    name = "🫂 dedup plan"
    type = "🫂 - DEDUP"

    def __init__(self, folder: str | Path, settings: DedupStage, index_tasks: int = 1):
        super().__init__()
        s = settings
        self.folder = str(folder)
        self.args = (index_tasks, s.exact, s.near, s.num_bands * s.rows_per_band, s.num_bands, s.threshold)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        with self.track_time():
            summary = plan_dedup(self.folder, *self.args)
        for key, value in summary.items():
            self.stat_update(key, value=value)
        return iter(())
