"""The packed mixture loader: deterministic, disjoint across ranks, positions restart per document, shares kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from pipeline.shared.shards import SourceShards, read_manifest
from pipeline.train.data_loader import (
    FeistelPermutation,
    MixtureError,
    PackedMixture,
    Stage,
    global_indices,
    restart_positions,
)


def test_same_seed_same_samples_other_seed_differs(data_run):
    a, b, c = (
        PackedMixture(str(data_run), 64, seed=0),
        PackedMixture(str(data_run), 64, 0),
        PackedMixture(str(data_run), 64, 1),
    )
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
    assert sorted(perm(i) for i in range(m.windows[name])) == list(range(m.windows[name]))
    shards = SourceShards(data_run / "tokens" / name, read_manifest(data_run)["tokenizer"]["token_size"])
    assert shards.num_tokens >= m.windows[name] * 64 + 1
    assert np.all(np.diff(shards.doc_ends) > 0)


def test_feistel_permutation_is_a_bijection_and_keyed():
    for n in (1, 2, 3, 17, 1000, 4097):
        p = FeistelPermutation(n, (0, 1, 2))
        assert sorted(p(i) for i in range(n)) == list(range(n))
    a, b = FeistelPermutation(1000, (0,)), FeistelPermutation(1000, (1,))
    assert [a(i) for i in range(20)] != [b(i) for i in range(20)] and [a(i) for i in range(20)] != list(range(20))


def test_restart_positions():
    assert restart_positions(np.array([3, 5]), 8).tolist() == [0, 1, 2, 0, 1, 0, 1, 2]
    assert restart_positions(np.array([], dtype=np.int64), 3).tolist() == [0, 1, 2]


@pytest.mark.parametrize("world_size", [1, 2, 4])
def test_resume_at_any_sample_count_on_any_world_size_continues_the_sequence(data_run, world_size):
    """The sequence seen by W ranks from sample S on is the single global sequence from S on (state = one integer)."""
    m = PackedMixture(str(data_run), 32, seed=3)
    global_batch, micro = 16, 2  # the config fixes the global batch; accumulation adapts to the world size
    accum = global_batch // (micro * world_size)
    for consumed in (0, global_batch * 3, global_batch * 7):
        step = consumed // global_batch
        seen = sorted(
            i
            for rank in range(world_size)
            for micro_step in range(accum)
            for i in global_indices(step, micro_step, rank, world_size, micro, accum)
        )
        assert seen == list(range(consumed, consumed + global_batch))
        reference = PackedMixture(str(data_run), 32, seed=3)  # a fresh process after preemption
        for i in seen:
            assert torch.equal(m.sample(i)["input_ids"], reference.sample(i)["input_ids"])


def test_missing_or_truncated_index_is_a_clear_error(data_run, tmp_path):
    import shutil

    from pipeline.errors import DataError

    copy = tmp_path / "run"
    shutil.copytree(data_run, copy)
    shard = next((copy / "tokens" / "web").glob("*.ds"))
    with shard.open("r+b") as f:
        f.truncate(shard.stat().st_size - 8)
    with pytest.raises(DataError, match=rf"{shard.name}: index says .* tokens, file holds .* \(truncated\?\)"):
        PackedMixture(str(copy), 32)
    Path(str(shard) + ".index").unlink()
    with pytest.raises(DataError, match=rf"{shard.name}: missing document index"):
        PackedMixture(str(copy), 32)


def test_validation_split_loader_requires_validation_tokens(data_run):
    with pytest.raises(ValueError, match="no validation tokens"):
        PackedMixture(str(data_run), 32, split="validation")


def test_batch_equals_stacked_samples(data_run):
    m = PackedMixture(str(data_run), 64, seed=5)
    idx = [3, 900, 17, 4242]
    batch = m.batch(idx)
    for j, i in enumerate(idx):
        single = m.sample(i)
        for key in ("input_ids", "labels", "position_ids", "source"):
            assert torch.equal(batch[key][j], single[key]), key


def test_weights_replace_the_run_shares_and_unknown_sources_are_refused(data_run):
    names = PackedMixture(str(data_run), 64).names
    m = PackedMixture(str(data_run), 64, weights={names[0]: 3, names[1]: 1})
    counts = Counter(m.names[m.locate(i)[0]] for i in range(2048))
    assert counts == {names[0]: 1536, names[1]: 512}  # two whole blocks: exact shares, nothing from the others
    with pytest.raises(ValueError, match="does not have"):
        PackedMixture(str(data_run), 64, weights={"no_such_source": 1.0})
    with pytest.raises(ValueError, match="not all zero"):
        PackedMixture(str(data_run), 64, weights={names[0]: 0.0})


def test_a_data_stage_switches_the_mixture_at_its_sample_and_reads_on(data_run):
    """Before the stage: the run's mixture, sample for sample as without stages; from it: the stage's weights, each
    source reading on from the windows the first stage left (no window read twice within the epoch)."""
    plain = PackedMixture(str(data_run), 64)
    books = plain.names[0]
    start = 1500  # inside a block: the stage's offsets must count the partial block
    staged = PackedMixture(str(data_run), 64, stages=[(start, {books: 1.0})])
    assert [staged.locate(i) for i in range(start)] == [plain.locate(i) for i in range(start)]
    after = [staged.locate(i) for i in range(start, start + 300)]
    assert {s for s, _ in after} == {0} and staged.stage_of(start - 1) == 0 and staged.stage_of(start) == 1
    before_windows = [w for s, w in (plain.locate(i) for i in range(start)) if s == 0]
    n = staged.windows[books]
    if len(before_windows) + len(after) <= n:  # within one epoch of the source, every window is new
        assert not set(before_windows) & {w for _, w in after}
        assert len(set(before_windows) | {w for _, w in after}) == len(before_windows) + len(after)
    with pytest.raises(ValueError, match="increasing"):
        PackedMixture(str(data_run), 64, stages=[(100, {books: 1}), (100, {books: 1})])


# ------------------------------------------------------------------ a data stage on another data run (e.g. an anneal)


def other_run(data_run: Path, out: Path, shares=None, tokens: int = 40_000) -> Path:
    """A second data run with the main run's tokenizer: sources `books` (a name the main run has too) and `proofs`,
    whose token streams are recognisable: source j holds 1000 * j + 1 + (t mod 1000) at offset t, EOS every 200."""
    import json
    import shutil

    from pipeline.shared.shards import MANIFEST, write_shard

    manifest = read_manifest(data_run)
    tok = manifest["tokenizer"]
    shares = shares or {"books": 0.75, "proofs": 0.25}
    sources = {}
    for j, name in enumerate(sorted(shares)):
        stream = 1000 * j + 1 + np.arange(tokens) % 1000
        stream[199::200] = tok["eos_id"]
        (out / "tokens" / name).mkdir(parents=True)
        write_shard(out / "tokens" / name / "000.ds", stream, np.arange(200, tokens + 1, 200), tok["token_size"])
        sources[name] = {"share": shares[name], "tokens": tokens, "path": f"tokens/{name}"}
    shutil.copytree(data_run / tok["path"], out / tok["path"])
    (out / MANIFEST).write_text(json.dumps({"recipe": "anneal", "seed": 0, "tokenizer": tok, "sources": sources}))
    return out


def expected_tokens(m: PackedMixture, name: str, start: int) -> np.ndarray:
    """What the window at `start` of another run's source must hold, by the construction of `other_run`."""
    j = m.names.index(name) - m.names.index("anneal:books")
    t = np.arange(start, start + m.seq_len)
    return np.where(t % 200 == 199, m.eos_id, 1000 * j + 1 + t % 1000)


def test_a_stage_on_another_data_run_switches_to_its_sources_and_reads_on(data_run, tmp_path):
    """Before the stage: sample for sample the run without stages; from it: only the other run's sources (named
    `anneal:<source>`), at that run's manifest shares, with that run's tokens; a later stage on the same run reads
    on from the windows the first one left."""
    anneal = other_run(data_run, tmp_path / "anneal")
    plain = PackedMixture(str(data_run), 64)
    start = 1500
    staged = PackedMixture(str(data_run), 64, stages=[Stage(start, path=str(anneal))])
    assert staged.names == [*plain.names, "anneal:books", "anneal:proofs"]
    for i in range(start):
        a, b = plain.sample(i), staged.sample(i)
        assert all(torch.equal(a[k], b[k]) for k in a), i
    after = [staged.locate(i) for i in range(start, start + 2 * 1024)]
    counts = Counter(staged.names[s] for s, _ in after)
    assert counts == {"anneal:books": 1536, "anneal:proofs": 512}  # two whole blocks: the run's shares exactly
    for i in range(start, start + 200):
        s, w = staged.locate(i)
        sample = staged.sample(i)
        assert sample["input_ids"].tolist() == expected_tokens(staged, staged.names[s], w).tolist()
        assert int(sample["source"]) == s

    # Stage 1 on the anneal run, stage 2 back on the main run, stage 3 on the anneal run again: stage 3 reads the
    # windows of `anneal:proofs` that stage 1 did not.
    three = PackedMixture(
        str(data_run),
        64,
        stages=[Stage(start, path=str(anneal)), Stage(2000, {"books": 1.0}), Stage(2600, {"proofs": 1.0}, str(anneal))],
    )
    proofs = three.names.index("anneal:proofs")
    first = [w for s, w in map(three.locate, range(start, 2000)) if s == proofs]
    middle = {three.names[three.locate(i)[0]] for i in range(2000, 2600)}
    last = [w for s, w in map(three.locate, range(2600, 2900)) if s == proofs]
    assert middle == {"books"} and len(last) == 300
    assert len(first) + len(last) <= three.windows["anneal:proofs"]  # within one epoch: every window is new
    assert not set(first) & set(last) and len(set(first) | set(last)) == len(first) + len(last)

    # Two runs whose folders share a name are told apart; the main run named as a stage path is the main run.
    again = other_run(data_run, tmp_path / "elsewhere" / "anneal", shares={"books": 1.0, "proofs": 1.0})
    two = PackedMixture(
        str(data_run),
        64,
        stages=[Stage(100, path=str(anneal)), Stage(200, path=str(again)), (300, None, str(data_run))],
    )
    assert two.names[len(plain.names) :] == ["anneal:books", "anneal:proofs", "anneal-2:books", "anneal-2:proofs"]
    assert {two.names[two.locate(i)[0]] for i in range(300, 400)} <= set(plain.names)


@pytest.mark.parametrize("world_size", [1, 2, 4])
def test_a_stage_on_another_run_is_a_pure_function_of_the_sample_index(data_run, tmp_path, world_size):
    """Inside the other run's stage, sample i is the same through a fresh loader and on any rank slicing."""
    anneal = other_run(data_run, tmp_path / "anneal")
    stages = [Stage(1000, {"books": 1.0}), Stage(1100, {"proofs": 2.0, "books": 1.0}, str(anneal))]
    m = PackedMixture(str(data_run), 32, seed=3, stages=stages)
    global_batch, micro = 16, 2
    accum = global_batch // (micro * world_size)
    step = 1200 // global_batch  # inside the anneal stage
    seen = [
        i
        for rank in range(world_size)
        for micro_step in range(accum)
        for i in global_indices(step, micro_step, rank, world_size, micro, accum)
    ]
    assert sorted(seen) == list(range(step * global_batch, (step + 1) * global_batch))
    reference = PackedMixture(str(data_run), 32, seed=3, stages=stages)  # a fresh process after preemption
    for i in seen:
        a, b = m.sample(i), reference.sample(i)
        assert all(torch.equal(a[k], b[k]) for k in a)
        assert m.names[int(a["source"])].startswith("anneal:")


def test_a_stage_on_a_run_with_another_tokenizer_is_refused(data_run, tmp_path):
    import json

    from pipeline.shared.shards import MANIFEST

    anneal = other_run(data_run, tmp_path / "anneal")
    manifest = json.loads((anneal / MANIFEST).read_text())
    manifest["tokenizer"]["vocab_size"] += 1
    (anneal / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(
        MixtureError, match=r"stages\[0\]\.path: .* tokenized differently \(vocab_size \d+ vs \d+\)"
    ) as e:
        PackedMixture(str(data_run), 64, stages=[Stage(100, path=str(anneal))])
    assert e.value.field == "stages[0].path" and str(data_run) in str(e.value) and str(anneal) in str(e.value)

    # Same vocab_size and EOS, another vocabulary (two tokens swap ids): the tokenizer.json digests differ.
    manifest["tokenizer"]["vocab_size"] -= 1
    (anneal / MANIFEST).write_text(json.dumps(manifest))
    tok_json = anneal / manifest["tokenizer"]["path"] / "tokenizer.json"
    tok = json.loads(tok_json.read_text())
    vocab = tok["model"]["vocab"]
    a, b = sorted(vocab, key=vocab.get)[100:102]
    vocab[a], vocab[b] = vocab[b], vocab[a]
    tok_json.write_text(json.dumps(tok))
    with pytest.raises(MixtureError, match=r"stages\[1\]\.path: .*tokenized differently \(vocabulary '\w+' vs '\w+'\)"):
        PackedMixture(str(data_run), 64, stages=[Stage(100, {"books": 1}), Stage(200, path=str(anneal))])

    with pytest.raises(MixtureError, match=r"stages\[0\]\.path: .*not a completed data run"):
        PackedMixture(str(data_run), 64, stages=[Stage(100, path=str(tmp_path / "missing"))])
    with pytest.raises(MixtureError, match=r"stages\[0\]\.weights: .*does not have: \['web'\]"):
        PackedMixture(str(data_run), 64, stages=[Stage(100, {"web": 1.0}, str(other_run(data_run, tmp_path / "b")))])


def test_config_data_stage_with_path_needs_no_weights_without_path_it_does():
    from pipeline.config.train import load_train_config
    from pipeline.errors import ConfigError

    tiny = Path(__file__).resolve().parents[2] / "configs" / "tiny_cpu.yaml"
    cfg = load_train_config(tiny, ["data.stages=[{from_step: 3, path: runs/data/anneal}]"])
    assert cfg.data.stages[0].path == "runs/data/anneal" and cfg.data.stages[0].weights is None
    with pytest.raises(ConfigError, match=r"data\.stages\.0: .*give weights \(or path"):
        load_train_config(tiny, ["data.stages=[{from_step: 3}]"])
