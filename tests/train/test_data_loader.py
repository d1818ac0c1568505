"""The packed mixture loader: deterministic, disjoint across ranks, positions restart per document, shares kept."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch

from pipeline.shards import SourceShards, read_manifest
from pipeline.train.data_loader import PackedMixture, global_indices


def test_same_seed_same_samples_other_seed_differs(data_run):
    a, b, c = PackedMixture(str(data_run), 64, seed=0), PackedMixture(str(data_run), 64, 0), PackedMixture(str(data_run), 64, 1)
    for i in (0, 5, 1500):
        assert torch.equal(a.sample(i)["input_ids"], b.sample(i)["input_ids"])
    assert any(not torch.equal(a.sample(i)["input_ids"], c.sample(i)["input_ids"]) for i in range(10))


def test_ranks_and_micro_steps_tile_the_global_batch():
    seen = []
    for rank in range(4):
        for micro in range(3):
            seen += global_indices(step=2, micro_step=micro, rank=rank, world_size=4, micro_batch=2, accum=3)
    assert sorted(seen) == list(range(2 * 24, 3 * 24))


def test_labels_are_inputs_shifted_and_positions_restart_after_eos(data_run):
    m = PackedMixture(str(data_run), 64, seed=0)
    restarts = 0
    for i in range(200):
        s = m.sample(i)
        ids, labels, pos = s["input_ids"], s["labels"], s["position_ids"]
        assert torch.equal(ids[1:], labels[:-1])
        for t in range(1, 64):
            if ids[t - 1] == m.eos_id:  # the token after EOS starts a new document
                assert pos[t] == 0
                restarts += 1
            else:
                assert pos[t] == pos[t - 1] + 1
    assert restarts > 10


def test_source_shares_follow_the_manifest(data_run):
    m = PackedMixture(str(data_run), 64, seed=0)
    counts = Counter(int(m.sample(i)["source"]) for i in range(2048))
    manifest = read_manifest(data_run)
    for s, name in enumerate(m.names):
        assert abs(counts[s] / 2048 - manifest["sources"][name]["share"]) < 1 / 1024 + 1e-9


def test_windows_of_an_epoch_cover_the_source_once(data_run):
    m = PackedMixture(str(data_run), 64, seed=0)
    name = m.names[0]
    perm = m._permutation(0, 0)
    assert sorted(perm.tolist()) == list(range(m.windows[name]))
    shards = SourceShards(data_run / "tokens" / name, read_manifest(data_run)["tokenizer"]["token_size"])
    assert shards.num_tokens >= m.windows[name] * 64 + 1
    assert np.all(np.diff(shards.doc_ends) > 0)
