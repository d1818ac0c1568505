"""`mathcpt sft-data` and SFT training: correct responses only, deduplicated, loss-masked, bin-packed, and trained on 2
ZeRO-3 ranks with exact resume.

    .venv/bin/python -m pytest tests/instruct/test_sft_data.py
"""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest
import torch

from pipeline.config.instruct import SFTDataConfig
from pipeline.errors import ConfigError, DataError
from pipeline.instruct.sft_data import build_sft_data
from pipeline.train.data_loader import IGNORE, PackedMixture
from pipeline.train.trainer import token_cross_entropy
from tests.conftest import losses
from tests.instruct.conftest import chat_tokenizer, synthetic_run
from tests.train.test_resume import launch, wait_for

SEQ = 160


@pytest.fixture(scope="module")
def sft_run(policy, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sft")
    samples = synthetic_run(tmp / "samples", policy, n=60, k=4, accuracy=0.5)
    cfg = SFTDataConfig(output_dir=str(tmp / "data"), samples=[str(samples)], seq_len=SEQ,
                        selection={"top_n": 2}, validation_fraction=0.2)  # fmt: skip
    return tmp / "data", build_sft_data(cfg), samples


def test_only_correct_deduplicated_responses_are_kept(sft_run):
    data, report, samples = sft_run
    rows = [json.loads(line) for line in (samples / "chunks" / "chunk_00000.jsonl").read_text().splitlines()]
    with_correct = sum(r["n_correct"] > 0 for r in rows)
    # The toy's correct responses to one problem are one text: top_n=2 keeps one, the other copies are duplicates.
    assert sum(report["examples"].values()) == with_correct
    left = report["left_out"]
    assert left["wrong"] == sum(4 - r["n_correct"] for r in rows)
    assert left["near_duplicate"] == sum(max(r["n_correct"] - 1, 0) for r in rows)
    assert left["problems_without_a_correct_response"] == len(rows) - with_correct
    manifest = json.loads((data / "manifest.json").read_text())
    assert manifest["sources"]["sft"]["bin_tokens"] == SEQ + 1 and "validation" in manifest["sources"]["sft"]


def test_windows_are_whole_examples_and_only_response_tokens_are_targets(sft_run, policy):
    data, report, _ = sft_run
    tokenizer = chat_tokenizer(policy)
    mixture = PackedMixture(str(data), SEQ)
    assert mixture.masked and mixture.windows["sft"] == report["splits"]["train"]["bins"]
    targets = 0
    for i in range(mixture.windows["sft"]):
        s = mixture.sample(i)
        labels, inputs = s["labels"].numpy(), s["input_ids"].numpy()
        trained = tokenizer.decode(labels[labels != IGNORE])
        # Each trained run is one whole response and its end of turn, never a prompt.
        assert "<|im_start|>" not in trained and "You are a helpful" not in trained and "What is" not in trained
        assert trained.count("\\boxed{") == trained.count("<|im_end|>") >= 1
        # Position ids restart at every example (each opens with its system turn) and at the bin's padding.
        for p in np.flatnonzero(s["position_ids"].numpy() == 0):
            assert tokenizer.decode(inputs[p : p + 3]).startswith(("<|im_start|>system", "<|endoftext|>"))
        targets += int((labels != IGNORE).sum())
    assert targets == report["splits"]["train"]["target_tokens"]


def test_prompt_tokens_contribute_nothing_to_the_loss(sft_run):
    """The trainer's per-token loss on a real SFT batch: any label behind the mask can change, the loss cannot, and
    no gradient reaches the logits of prompt positions."""
    data, _, _ = sft_run
    from transformers import Qwen2Config, Qwen2ForCausalLM

    mixture = PackedMixture(str(data), SEQ)
    batch = mixture.batch([0, 1])
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(vocab_size=mixture.vocab_size, hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1))  # fmt: skip
    logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False).logits
    logits.retain_grad()
    loss = token_cross_entropy(logits, batch["labels"])
    masked = batch["labels"] == IGNORE
    assert masked.any() and (~masked).any() and (loss[masked] == 0).all()
    # What the masked labels were does not matter: replace them with arbitrary ids, mask again, same loss.
    scrambled = torch.where(masked, torch.randint(0, mixture.vocab_size, masked.shape), batch["labels"])
    again = token_cross_entropy(logits, torch.where(masked, IGNORE, scrambled))
    assert torch.equal(loss, again)
    (loss.sum() / (~masked).sum()).backward()
    assert logits.grad[masked].abs().max() == 0 and logits.grad[~masked].abs().max() > 0


def test_a_tokenizer_other_than_the_policys_is_refused(sft_run, tmp_path):
    _, _, samples = sft_run
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel()
    bpe.train_from_iterator(["other text entirely"] * 10, trainers.BpeTrainer(vocab_size=300, special_tokens=["<e>"],
                                                                           show_progress=False))  # fmt: skip
    PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<e>").save_pretrained(str(tmp_path / "tok"))
    cfg = SFTDataConfig(output_dir=str(tmp_path / "o"), samples=[str(samples)], tokenizer=str(tmp_path / "tok"))
    with pytest.raises(ConfigError, match="not the sampling policy's"):
        build_sft_data(cfg)


def test_examples_longer_than_a_bin_are_dropped_and_counted(sft_run, tmp_path):
    _, _, samples = sft_run
    with pytest.raises(DataError, match="no SFT example left .*longer_than_seq_len"):
        build_sft_data(SFTDataConfig(output_dir=str(tmp_path / "s"), samples=[str(samples)], seq_len=20))
    assert not (tmp_path / "s").exists()


@pytest.mark.slow
def test_sft_on_two_zero3_ranks_resumes_exactly(sft_run, tmp_path):
    data, _, _ = sft_run
    common = ("train.objective=sft", f"data.seq_len={SEQ}", "train.max_steps=6", "train.save_every=3",
              "batch.micro_batch_size=2", "batch.global_batch_size=8", "optim.lr=1e-3")  # fmt: skip
    straight = launch(data, tmp_path / "straight", *common)
    assert straight.wait(timeout=300) == 0, straight.stdout.read()[-4000:]
    killed = launch(data, tmp_path / "killed", *common)
    latest = tmp_path / "killed" / "checkpoints" / "latest"
    wait_for(lambda: latest.is_file() and latest.read_text() == "step_00000003", killed)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    resumed = launch(data, tmp_path / "killed", *common)
    assert resumed.wait(timeout=300) == 0, resumed.stdout.read()[-4000:]
    a, b = losses(tmp_path / "straight"), losses(tmp_path / "killed")
    assert sorted(a) == sorted(b) == list(range(1, 7))
    assert [a[s] for s in range(4, 7)] == [b[s] for s in range(4, 7)]
    assert a[6] < a[1]

    # CPT on SFT shards is refused, with the setting to change.
    wrong = launch(data, tmp_path / "cpt", f"data.seq_len={SEQ}", "train.max_steps=2")
    assert wrong.wait(timeout=300) != 0
    assert "set train.objective: sft" in wrong.stdout.read()
