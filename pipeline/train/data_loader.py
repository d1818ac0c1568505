"""Packed, weighted, deterministic mixture sampling over the token shards of a data run.

    python -c "from pipeline.train.data_loader import PackedMixture; m = PackedMixture('runs/demo/data', 128); print(m.sample(0))"

Sample `i` of the global sequence is a pure function of (seed, i): the whole loader state is one integer, the number
of samples consumed, so a run resumes anywhere, on any number of ranks, and data-parallel ranks read disjoint
slices of the same sequence (`global_indices`).

* Sources: samples are assigned to sources in blocks of `BLOCK` so every block holds each source's planned share
  exactly (largest remainder), shuffled within the block by (seed, stage, block). Each sample is seq_len tokens, so
  sample shares are token shares. The shares are the data run's (`weights` replaces them, e.g. an ablation's
  mixture without a new data run).
* Data stages (nanotron's `data_stages`, OLMo's anneal): `stages` lists (first global sample, weights); from its first
  sample a stage assigns blocks by its own weights, and each source's k-th use counts on from the uses of the stages
  before it, so the decay phase reads windows the stable phase did not. Still a pure function of (seed, i): resume
  inside any stage, on any number of ranks, gives the same samples.
* Windows: a source's token stream is cut into windows of seq_len + 1 tokens (consecutive windows share one token,
  so every token is a label once per epoch); the k-th use of a source reads window π_e(k mod n) of epoch
  e = k div n, where π_e is a keyed Feistel permutation of [0, n): a bijection computed per index, so nothing of
  size n is ever materialised and memory stays flat however large the corpus.
* Positions restart at every document start inside a window, so with `attention_mask=None` and `use_cache=False`
  HF Qwen2 keeps attention inside each document.
* Reads are memory-mapped (`pipeline.shared.shards`).
* Supervised sources (shards with a loss mask, pipeline.instruct.sft_data) give label -100 (ignored) where the
  target token is context (prompt turns, padding); a source packed into bins of seq_len + 1 tokens
  (`bin_tokens` in its manifest entry) is read bin by bin, so every window holds whole examples.
"""

from __future__ import annotations

import bisect
import hashlib
from functools import lru_cache

import numpy as np
import torch

from pipeline.shared.shards import SourceShards, read_manifest

_M64 = (1 << 64) - 1


class FeistelPermutation:
    """A keyed bijection of [0, n): a 4-round Feistel network over the smallest even-bit domain ≥ n, with
    cycle-walking back into range (expected < 4 steps, since the domain is < 4n)."""

    def __init__(self, n: int, key: tuple[int, ...]):
        self.n = n
        bits = max(2, (n - 1).bit_length())
        bits += bits % 2
        self.half, self.mask = bits // 2, (1 << (bits // 2)) - 1
        seed = hashlib.blake2b(repr(key).encode(), digest_size=32).digest()
        self.keys = [int.from_bytes(seed[8 * r : 8 * r + 8], "little") for r in range(4)]

    def __call__(self, i: int) -> int:
        half, mask, n = self.half, self.mask, self.n
        while True:
            left, right = i >> half, i & mask
            for key in self.keys:
                # Round function: multiply-xorshift of (right ^ key), high bits taken (inlined: this is per sample).
                left, right = right, left ^ (((((right ^ key) * 0x9E3779B97F4A7C15) & _M64) >> 29) & mask)
            i = (left << half) | right
            if i < n:
                return i


def restart_positions(doc_starts: np.ndarray, length: int) -> np.ndarray:
    """Position ids 0, 1, 2, ... that restart at each offset in doc_starts (sorted, inside (0, length))."""
    if not len(doc_starts):
        return np.arange(length, dtype=np.int64)
    bounds = np.empty(len(doc_starts) + 2, dtype=np.int64)
    bounds[0], bounds[1:-1], bounds[-1] = 0, doc_starts, length
    return np.arange(length, dtype=np.int64) - np.repeat(bounds[:-1], bounds[1:] - bounds[:-1])


BLOCK = 1024
IGNORE = -100  # label of a token that is not a training target (torch's cross-entropy ignore_index)


class PackedMixture:
    def __init__(
        self,
        data_dir: str,
        seq_len: int,
        seed: int = 0,
        split: str = "train",
        weights: dict[str, float] | None = None,
        stages: list[tuple[int, dict[str, float]]] | None = None,
    ):
        manifest = read_manifest(data_dir)
        self.seq_len, self.seed = seq_len, seed
        self.names = sorted(manifest["sources"])
        token_size = manifest["tokenizer"]["token_size"]
        self.vocab_size = manifest["tokenizer"]["vocab_size"]
        self.eos_id = manifest["tokenizer"]["eos_id"]
        entries = manifest["sources"]
        if split == "validation":
            missing = [n for n in self.names if not entries[n].get("validation", {}).get("tokens")]
            if missing:
                raise ValueError(
                    f"{data_dir}: no validation tokens for sources {missing} (mixture.validation_fraction)"
                )
        paths = {
            n: entries[n]["validation"]["path"] if split == "validation" else entries[n]["path"] for n in self.names
        }
        self.shards = {n: SourceShards(f"{data_dir}/{paths[n]}", token_size) for n in self.names}
        # Window stride: seq_len (consecutive windows share a token), or the bin size of a bin-packed source.
        self.stride = {}
        for n in self.names:
            bins = entries[n].get("bin_tokens")
            if bins and bins != seq_len + 1:
                raise ValueError(
                    f"{data_dir}: source {n!r} was packed into bins of {bins} tokens; train it with "
                    f"data.seq_len: {bins - 1} (or rebuild it with seq_len {seq_len})"
                )
            self.stride[n] = bins or seq_len
        # A window reads seq_len + 1 tokens: a stream of t tokens holds (t - 1) // seq_len overlapping windows, or
        # t // (seq_len + 1) bins.
        self.windows = {
            n: (s.num_tokens + self.stride[n] - seq_len - 1) // self.stride[n] for n, s in self.shards.items()
        }
        self.masked = any(s.has_loss_mask for s in self.shards.values())
        short = [n for n, w in self.windows.items() if w == 0]
        if short:
            raise ValueError(f"sources {short} hold fewer than seq_len + 1 = {seq_len + 1} tokens")
        manifest_weights = {n: entries[n]["share"] for n in self.names}
        # Stage 0 starts at sample 0 with the run's shares (or `weights`); each later stage at its own first sample.
        plan = [(0, weights or manifest_weights), *(stages or [])]
        if any(b[0] <= a[0] for a, b in zip(plan, plan[1:])):
            raise ValueError(f"data stages must start at increasing samples after 0, got {[p[0] for p in plan]}")
        self.stage_starts = [start for start, _ in plan]
        self.stage_counts = [self._block_counts(w, f"stage {i}") for i, (_, w) in enumerate(plan)]
        self.block_counts = self.stage_counts[0]
        self.shares = self.block_counts / BLOCK
        # Uses of each source before each stage starts, so a stage reads on where the previous ones stopped (a decay
        # phase sees windows the stable phase has not, not the same ones again).
        self.stage_offsets = [np.zeros(len(self.names), dtype=np.int64)]
        for st in range(1, len(plan)):
            length = self.stage_starts[st] - self.stage_starts[st - 1]
            full, rest = divmod(length, BLOCK)
            uses = full * self.stage_counts[st - 1]
            if rest:
                uses = uses + np.bincount(self._order(st - 1, full)[:rest], minlength=len(self.names))
            self.stage_offsets.append(self.stage_offsets[-1] + uses)
        self._source_ids = [torch.tensor(s) for s in range(len(self.names))]

    def _block_counts(self, weights: dict[str, float], where: str) -> np.ndarray:
        """Samples per source in a block of BLOCK: the shares by largest remainder, summing to BLOCK exactly."""
        unknown = sorted(set(weights) - set(self.names))
        if unknown:
            raise ValueError(f"{where}: weights name sources this data run does not have: {unknown} "
                             f"(it has {self.names})")  # fmt: skip
        w = np.array([float(weights.get(n, 0.0)) for n in self.names], dtype=np.float64)
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise ValueError(f"{where}: weights must be finite, non-negative and not all zero, got {weights}")
        raw = w / w.sum() * BLOCK
        counts = np.floor(raw).astype(np.int64)
        counts[np.argsort(-(raw - counts), kind="stable")[: BLOCK - counts.sum()]] += 1
        return counts

    def _order(self, stage: int, b: int) -> np.ndarray:
        order = np.repeat(np.arange(len(self.names)), self.stage_counts[stage])
        np.random.default_rng([self.seed, stage, b]).shuffle(order)  # stage 0 keys as before stages existed
        return order

    @lru_cache(maxsize=4)
    def _block(self, stage: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Source id and per-source use number (k) of every sample in block b of a stage."""
        order = self._order(stage, b)
        k = np.empty(BLOCK, dtype=np.int64)
        for s in range(len(self.names)):
            where = np.nonzero(order == s)[0]
            k[where] = self.stage_offsets[stage][s] + b * self.stage_counts[stage][s] + np.arange(len(where))
        return order, k

    def stage_of(self, i: int) -> int:
        return bisect.bisect_right(self.stage_starts, i) - 1

    @lru_cache(maxsize=256)
    def _permutation(self, source: int, epoch: int) -> FeistelPermutation:
        return FeistelPermutation(self.windows[self.names[source]], (self.seed, source, epoch))

    def locate(self, i: int) -> tuple[int, int]:
        """(source id, window start token) of global sample i."""
        stage = self.stage_of(i)
        j = i - self.stage_starts[stage]
        order, k = self._block(stage, j // BLOCK)
        s, use = int(order[j % BLOCK]), int(k[j % BLOCK])
        n = self.windows[self.names[s]]
        return s, self._permutation(s, use // n)(use % n) * self.stride[self.names[s]]

    def sample(self, i: int) -> dict[str, torch.Tensor]:
        s, start = self.locate(i)
        shards = self.shards[self.names[s]]
        tokens = shards.tokens(start, self.seq_len + 1)
        positions = restart_positions(shards.doc_starts_in(start, self.seq_len), self.seq_len)
        labels = tokens[1:]
        if shards.has_loss_mask:
            labels = np.where(shards.loss_mask(start + 1, self.seq_len), labels, IGNORE)
        return {
            "input_ids": torch.from_numpy(tokens[:-1]),
            "labels": torch.from_numpy(labels),
            "position_ids": torch.from_numpy(positions),
            "source": self._source_ids[s],
        }

    def target_count(self, indices) -> int:
        """How many labels of these samples are training targets (not IGNORE): read from the loss masks alone."""
        total = 0
        for i in indices:
            s, start = self.locate(i)
            shards = self.shards[self.names[s]]
            total += int(shards.loss_mask(start + 1, self.seq_len).sum()) if shards.has_loss_mask else self.seq_len
        return total

    def batch(self, indices: list[int]) -> dict[str, torch.Tensor]:
        """Samples stacked into (B, seq_len) tensors (measured faster than a batch-wide positions scan)."""
        samples = [self.sample(i) for i in indices]
        return {k: torch.stack([x[k] for x in samples]) for k in samples[0]}


def global_indices(step: int, micro_step: int, rank: int, world_size: int, micro_batch: int, accum: int) -> list[int]:
    """The global sample indices of one micro batch: ranks and micro steps tile the step's global batch."""
    global_batch = micro_batch * world_size * accum
    first = step * global_batch + (micro_step * world_size + rank) * micro_batch
    return list(range(first, first + micro_batch))
