"""Packed, weighted, deterministic mixture sampling over the token shards of a data run.

    python -c "from pipeline.train.data_loader import PackedMixture; m = PackedMixture('runs/demo/data', 128); print(m.sample(0))"

Sample `i` of the global sequence is a pure function of (seed, i): the whole loader state is one integer, the number
of samples consumed, so a run resumes anywhere and data-parallel ranks read disjoint slices (`global_indices`).

* Sources: samples are assigned to sources in blocks of `BLOCK` so every block holds each source's share of the
  mixture exactly (largest remainder), shuffled within the block by (seed, block). Each sample is seq_len tokens,
  so sample shares are token shares.
* Windows: a source's token stream is cut into windows of seq_len + 1 tokens (consecutive windows share one token,
  so every token is a label once per epoch); the k-th use of a source reads window perm_e[k mod n] of epoch
  e = k div n, with a permutation seeded by (seed, source, epoch).
* Positions restart at every document start inside a window, so with `attention_mask=None` and `use_cache=False`
  HF Qwen2 keeps attention inside each document.

The epoch permutation is materialised per (source, epoch): fine up to tens of millions of windows per source; the
mixture/loader issue replaces it with a bijective index permutation for full-scale corpora.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from pipeline.shards import SourceShards, read_manifest

BLOCK = 1024


class PackedMixture:
    def __init__(self, data_dir: str, seq_len: int, seed: int = 0):
        manifest = read_manifest(data_dir)
        self.seq_len, self.seed = seq_len, seed
        self.names = sorted(manifest["sources"])
        token_size = manifest["tokenizer"]["token_size"]
        self.vocab_size = manifest["tokenizer"]["vocab_size"]
        self.eos_id = manifest["tokenizer"]["eos_id"]
        self.shards = {n: SourceShards(f"{data_dir}/{manifest['sources'][n]['path']}", token_size) for n in self.names}
        self.windows = {n: (s.num_tokens - 1) // seq_len for n, s in self.shards.items()}
        short = [n for n, w in self.windows.items() if w == 0]
        if short:
            raise ValueError(f"sources {short} hold fewer than seq_len + 1 = {seq_len + 1} tokens")
        weights = np.array([manifest["sources"][n]["share"] for n in self.names], dtype=np.float64)
        self.shares = weights / weights.sum()
        # Per block: how many samples each source gets (largest remainder, sums to BLOCK exactly).
        raw = self.shares * BLOCK
        counts = np.floor(raw).astype(np.int64)
        counts[np.argsort(-(raw - counts), kind="stable")[: BLOCK - counts.sum()]] += 1
        self.block_counts = counts

    @lru_cache(maxsize=4)
    def _block(self, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Source id and per-source use number (k) of every sample in block b."""
        order = np.repeat(np.arange(len(self.names)), self.block_counts)
        np.random.default_rng([self.seed, 0, b]).shuffle(order)
        k = np.empty(BLOCK, dtype=np.int64)
        for s in range(len(self.names)):
            where = np.nonzero(order == s)[0]
            k[where] = b * self.block_counts[s] + np.arange(len(where))
        return order, k

    @lru_cache(maxsize=64)
    def _permutation(self, source: int, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, 1, source, epoch]).permutation(self.windows[self.names[source]])

    def locate(self, i: int) -> tuple[int, int]:
        """(source id, window start token) of global sample i."""
        order, k = self._block(i // BLOCK)
        s, use = int(order[i % BLOCK]), int(k[i % BLOCK])
        n = self.windows[self.names[s]]
        window = int(self._permutation(s, use // n)[use % n])
        return s, window * self.seq_len

    def sample(self, i: int) -> dict[str, torch.Tensor]:
        s, start = self.locate(i)
        shards = self.shards[self.names[s]]
        tokens = shards.tokens(start, self.seq_len + 1)
        positions = np.arange(self.seq_len, dtype=np.int64)
        for offset in shards.doc_starts_in(start, self.seq_len):
            positions[offset:] = np.arange(self.seq_len - offset)
        return {
            "input_ids": torch.from_numpy(tokens[:-1].copy()),
            "labels": torch.from_numpy(tokens[1:].copy()),
            "position_ids": torch.from_numpy(positions),
            "source": torch.tensor(s),
        }

    def batch(self, indices: list[int]) -> dict[str, torch.Tensor]:
        samples = [self.sample(i) for i in indices]
        return {k: torch.stack([x[k] for x in samples]) for k in samples[0]}


def global_indices(step: int, micro_step: int, rank: int, world_size: int, micro_batch: int, accum: int) -> list[int]:
    """The global sample indices of one micro batch: ranks and micro steps tile the step's global batch."""
    global_batch = micro_batch * world_size * accum
    first = step * global_batch + (micro_step * world_size + rank) * micro_batch
    return list(range(first, first + micro_batch))
