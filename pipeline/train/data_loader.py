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
  inside any stage, on any number of ranks, gives the same samples. A stage may read another `mathcpt data` run
  (`Stage(start, weights, path)`, e.g. a higher-quality anneal corpus): it samples only that run's sources (its
  weights name them by their plain names; none: that run's manifest shares), and a later stage on the same path reads
  on where the earlier one stopped. Naming: the main run's sources keep their plain names and ids 0..n-1 (a plan
  without other runs samples exactly as before); another run's sources follow as `<folder>:<source>`, where <folder>
  is the run folder's name (`runs/data/anneal` -> `anneal:books`), made unique as `<folder>-2`, ... in order of first
  mention; these names key per-source losses. Runs must share the tokenizer (vocab_size, eos_id, and the vocabulary
  of tokenizer.json), else ValueError. `split="validation"` reads every run's validation split; the trainer's
  validation loss reads the main run only.
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
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from pipeline.errors import DataError
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


@dataclass
class Stage:
    """A data stage: from global sample `start` on, blocks are assigned by `weights` (source name -> weight, unnamed
    sources 0; None: the shares of the run's manifest) over the sources of one data run: the main run, or the other
    `mathcpt data` run at `path` (whose weights name its own plain source names)."""

    start: int
    weights: dict[str, float] | None = None
    path: str | None = None


class MixtureError(ValueError):
    """An invalid `weights` or stage, naming its field: `weights`, `stages[k].weights` or `stages[k].path` (k indexes
    the `stages` list), so the trainer can say `data.stages[k].path`."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def tokenizer_identity(data_dir: str | Path, manifest: dict) -> dict:
    """What must agree for two data runs to be trained together: vocab_size and eos_id (and eos_token) from the
    manifest, and a digest of the vocabulary (token -> id, added tokens) of the run's tokenizer.json when it has one
    (so two BPEs trained on different corpora are told apart even at the same vocab_size)."""
    tok = manifest["tokenizer"]
    identity = {k: tok[k] for k in ("vocab_size", "eos_id", "eos_token") if k in tok}
    path = Path(data_dir) / tok.get("path", "tokenizer") / "tokenizer.json"
    if path.is_file():
        t = json.loads(path.read_text(encoding="utf-8"))
        vocab = {
            "vocab": t.get("model", {}).get("vocab"),
            "added": sorted([a["id"], a["content"]] for a in t.get("added_tokens", [])),
        }
        identity["vocabulary"] = hashlib.blake2b(json.dumps(vocab, sort_keys=True).encode(), digest_size=6).hexdigest()
    return identity


class PackedMixture:
    def __init__(
        self,
        data_dir: str,
        seq_len: int,
        seed: int = 0,
        split: str = "train",
        weights: dict[str, float] | None = None,
        stages: list[Stage | tuple] | None = None,
    ):
        manifest = read_manifest(data_dir)
        self.seq_len, self.seed, self.split = seq_len, seed, split
        self.vocab_size = manifest["tokenizer"]["vocab_size"]
        self.eos_id = manifest["tokenizer"]["eos_id"]
        # Stage 0 starts at sample 0 with the run's shares (or `weights`); each later stage at its own first sample.
        plan = [Stage(0, weights or None), *(s if isinstance(s, Stage) else Stage(*s) for s in stages or [])]
        if any(b.start <= a.start for a, b in zip(plan, plan[1:])):
            raise ValueError(f"data stages must start at increasing samples after 0, got {[p.start for p in plan]}")
        # Sources: the main run's, by their plain names, first (so their ids, and every sample of a plan without
        # other runs, are as they were), then each other run's as `<prefix>:<name>`, runs in order of first mention.
        self.names: list[str] = []
        self.shards: dict[str, SourceShards] = {}
        self.stride: dict[str, int] = {}
        self.windows: dict[str, int] = {}
        self.run_sources: dict[str, list[str]] = {}  # run prefix ("" for the main run) -> its plain source names
        self.run_shares: dict[str, dict[str, float]] = {}
        self.run_dirs: dict[str, str] = {}
        self._open_run(data_dir, manifest, "")
        runs = {Path(data_dir).resolve(): ""}
        stage_prefixes = [""]
        for k, st in enumerate(plan[1:]):
            key = Path(st.path).resolve() if st.path is not None else Path(data_dir).resolve()
            if key not in runs:
                try:
                    other = read_manifest(st.path)
                    self._check_tokenizer(data_dir, manifest, st.path, other)
                    runs[key] = self._prefix(key.name or "run")
                    self._open_run(st.path, other, runs[key])
                except (ValueError, DataError) as e:
                    raise MixtureError(f"stages[{k}].path", str(e)) from None
            stage_prefixes.append(runs[key])
        self.masked = any(s.has_loss_mask for s in self.shards.values())
        self.index = {n: s for s, n in enumerate(self.names)}
        self.stage_starts = [st.start for st in plan]
        self.stage_counts = [
            self._block_counts(st.weights, prefix, "weights" if i == 0 else f"stages[{i - 1}].weights")
            for i, (st, prefix) in enumerate(zip(plan, stage_prefixes))
        ]
        self.block_counts = self.stage_counts[0]
        self.shares = self.block_counts / BLOCK
        # Uses of each source before each stage starts, so a stage reads on where the previous ones stopped (a decay
        # phase sees windows the stable phase has not, not the same ones again; a later stage on another run goes
        # on with that run's streams where its earlier stage left them).
        self.stage_offsets = [np.zeros(len(self.names), dtype=np.int64)]
        for st in range(1, len(plan)):
            length = self.stage_starts[st] - self.stage_starts[st - 1]
            full, rest = divmod(length, BLOCK)
            uses = full * self.stage_counts[st - 1]
            if rest:
                uses = uses + np.bincount(self._order(st - 1, full)[:rest], minlength=len(self.names))
            self.stage_offsets.append(self.stage_offsets[-1] + uses)
        self._source_ids = [torch.tensor(s) for s in range(len(self.names))]

    def _prefix(self, folder: str) -> str:
        """The folder's name, with -2, -3, ... when another run already took it."""
        prefix, n = folder, 1
        while prefix in self.run_sources:
            n += 1
            prefix = f"{folder}-{n}"
        return prefix

    def _check_tokenizer(self, main_dir: str, main: dict, other_dir: str, other: dict) -> None:
        a, b = tokenizer_identity(main_dir, main), tokenizer_identity(other_dir, other)
        differ = [f"{k} {a[k]!r} vs {b[k]!r}" for k in a if k in b and a[k] != b[k]]
        if differ:
            raise ValueError(
                f"{main_dir} and {other_dir} were tokenized differently ({', '.join(differ)}): a data stage must "
                "read another run made with the same tokenizer (stages.tokenizer.path in its recipe)"
            )

    def _open_run(self, data_dir: str, manifest: dict, prefix: str) -> None:
        """Add a data run's sources (as `prefix:name`, or plain names for the main run's empty prefix)."""
        seq_len, split = self.seq_len, self.split
        entries = manifest["sources"]
        token_size = manifest["tokenizer"]["token_size"]
        plain = sorted(entries)
        if split == "validation":
            missing = [n for n in plain if not entries[n].get("validation", {}).get("tokens")]
            if missing:
                raise ValueError(
                    f"{data_dir}: no validation tokens for sources {missing} (mixture.validation_fraction)"
                )
        self.run_sources[prefix] = plain
        self.run_shares[prefix] = {n: entries[n]["share"] for n in plain}
        self.run_dirs[prefix] = data_dir
        names = [f"{prefix}:{n}" if prefix else n for n in plain]
        for n, name in zip(plain, names):
            path = entries[n]["validation"]["path"] if split == "validation" else entries[n]["path"]
            self.shards[name] = SourceShards(f"{data_dir}/{path}", token_size)
        # Window stride: seq_len (consecutive windows share a token), or the bin size of a bin-packed source.
        for n, name in zip(plain, names):
            bins = entries[n].get("bin_tokens")
            if bins and bins != seq_len + 1:
                raise ValueError(
                    f"{data_dir}: source {n!r} was packed into bins of {bins} tokens; train it with "
                    f"data.seq_len: {bins - 1} (or rebuild it with seq_len {seq_len})"
                )
            self.stride[name] = bins or seq_len
            # A window reads seq_len + 1 tokens: a stream of t tokens holds (t - 1) // seq_len overlapping windows,
            # or t // (seq_len + 1) bins.
            self.windows[name] = (self.shards[name].num_tokens + self.stride[name] - seq_len - 1) // self.stride[name]
        short = [n for n, name in zip(plain, names) if self.windows[name] == 0]
        if short:
            raise ValueError(f"sources {short} hold fewer than seq_len + 1 = {seq_len + 1} tokens")
        self.names += names

    def _block_counts(self, weights: dict[str, float] | None, prefix: str, field: str) -> np.ndarray:
        """Samples per source in a block of BLOCK: the shares by largest remainder, summing to BLOCK exactly; only
        the sources of the stage's run (computed over them alone, so the main run's counts are as before)."""
        plain = self.run_sources[prefix]
        weights = self.run_shares[prefix] if weights is None else weights
        unknown = sorted(set(weights) - set(plain))
        if unknown:
            raise MixtureError(
                field, f"weights name sources that {self.run_dirs[prefix]} does not have: {unknown} (it has {plain})"
            )
        w = np.array([float(weights.get(n, 0.0)) for n in plain], dtype=np.float64)
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise MixtureError(field, f"weights must be finite, non-negative and not all zero, got {weights}")
        raw = w / w.sum() * BLOCK
        local = np.floor(raw).astype(np.int64)
        local[np.argsort(-(raw - local), kind="stable")[: BLOCK - local.sum()]] += 1
        counts = np.zeros(len(self.names), dtype=np.int64)
        counts[[self.index[f"{prefix}:{n}" if prefix else n] for n in plain]] = local
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
        for s in np.nonzero(self.stage_counts[stage])[0]:
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
