"""The reward model: the listwise loss against a hand computation, its data from sampling runs and pairs, and a real
2-rank ZeRO-3 training on the toy task that beats random-of-k, exported and scored as an HF model.

    .venv/bin/python -m pytest tests/instruct/test_reward_model.py
"""

from __future__ import annotations

import json
import math

import pytest
import torch

from pipeline.config.instruct import RewardModelConfig
from pipeline.errors import ConfigError
from pipeline.instruct.reward_data import build_reward_data, majority_correct
from pipeline.sample.arithmetic import worked
from pipeline.shared.preference import GroupData
from pipeline.train.reward import group_metrics, listwise_loss
from tests.conftest import ROOT
from tests.instruct.conftest import synthetic_run


def test_listwise_loss_equals_the_hand_computation():
    scores = torch.tensor([2.0, -1.0, 0.5, 0.0])
    labels = torch.tensor([1, 0, 1, 0])
    # correct 2.0 and 0.5, wrong -1.0 and 0.0: -1/(2·2) Σ log σ(r⁺ − r⁻)
    pairs = [2.0 - -1.0, 2.0 - 0.0, 0.5 - -1.0, 0.5 - 0.0]
    hand = -sum(math.log(1 / (1 + math.exp(-d))) for d in pairs) / 4
    assert listwise_loss(scores, labels).item() == pytest.approx(hand, rel=1e-6)
    # all correct or all wrong: no pair, no loss, no gradient
    s = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = listwise_loss(s, torch.tensor([1, 1]))
    loss.backward()
    assert loss.item() == 0 and s.grad.abs().sum() == 0


def test_group_metrics_count_pairs_best_of_k_and_random():
    m = group_metrics([0.1, 0.9, 0.3, 0.3], [0, 1, 1, 0])
    assert m["pairs"] == 4 and m["pair_wins"] == pytest.approx(3.5)  # 0.3 vs 0.3 is half a win
    assert m["rm_correct"] and m["random_correct"] == 0.5
    assert not group_metrics([0.9, 0.1], [0, 1])["rm_correct"]


def test_majority_follows_equivalent_answers():
    responses = [{"answer": "12", "correct": True}, {"answer": "12.0", "correct": True},
                 {"answer": "13", "correct": False}]  # fmt: skip
    assert majority_correct(responses, "number")
    assert not majority_correct(responses[2:] + [{"answer": "13", "correct": False}] + responses[:1], "number")


def rm_config(tmp_path, samples, tokenizer, **data) -> RewardModelConfig:
    raw = json.loads(json.dumps(__import__("yaml").safe_load((ROOT / "configs/instruct/rm_tiny_cpu.yaml").read_text())))
    raw["data"].update({"samples": [str(samples)], **data})
    raw.update(output_dir=str(tmp_path / "rm"), tokenizer=str(tokenizer))
    return RewardModelConfig(**raw)


def test_reward_data_groups_held_out_problems_and_pairs(tmp_path, policy):
    samples = synthetic_run(tmp_path / "samples", policy, n=40, k=4, accuracy=0.5)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"prompt": "What is 1 + 1?", "chosen": "2", "rejected": "3"}) + "\n")
    cfg = rm_config(tmp_path, samples, policy, pairs=[str(pairs)], validation_fraction=0.25)
    meta = build_reward_data(cfg, tmp_path / "data")
    train, val = GroupData(tmp_path / "data" / "train"), GroupData(tmp_path / "data" / "validation")
    assert meta["groups"] == {"train": train.n, "validation": val.n} and train.n + val.n <= 41
    for g in range(train.n):  # every training group can teach something
        assert len({y for _, y in train.group(g)}) == 2
    left = meta["left_out"]
    assert train.n + val.n + left.get("train_groups_all_correct", 0) + left.get("train_groups_all_wrong", 0) == 41
    assert all("maj_correct" in info for info in val.info)


def test_a_tokenizer_other_than_the_policys_is_refused(tmp_path, policy):
    from tests.instruct.conftest import chat_tokenizer

    samples = synthetic_run(tmp_path / "samples", policy, n=8, k=2, accuracy=0.5)
    other = tmp_path / "other"
    tokenizer = chat_tokenizer(other)
    tokenizer.add_tokens(["<extra>"])
    tokenizer.save_pretrained(str(other))
    with pytest.raises(ConfigError, match="not the one of the policy"):
        build_reward_data(rm_config(tmp_path, samples, other), tmp_path / "data")


@pytest.mark.slow
def test_the_reward_model_learns_the_toy_task_and_exports(toy_reward_model):
    """Held-out best-of-8 clearly above random-of-8; the exported HF folder ranks correct responses above wrong
    ones it never saw in training."""
    run, model = toy_reward_model
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    final = rows[-1]
    assert final["val_rm@8"] >= final["val_random@8"] + 0.2, final
    assert final["val_pairwise_accuracy"] >= 0.75, final
    assert (model / "config.json").is_file() and not (model / "generation_config.json").exists()

    from pipeline.config.instruct import BOXED_INSTRUCTION, DEFAULT_SYSTEM
    from pipeline.shared.chat import ChatFormat
    from pipeline.shared.reward_model import RewardScorer

    scorer = RewardScorer(str(model))
    chat = ChatFormat(scorer.tokenizer, DEFAULT_SYSTEM, BOXED_INSTRUCTION)
    wins = 0
    for a, b in [(1, 2), (3, 4), (4, 0), (2, 2), (0, 3), (4, 4)]:
        q = f"What is {a} + {b}?"
        right, wrong = (chat.completion(q, worked(a, b, c))[1] for c in (a + b, a + b + 1))
        good, bad = scorer.score([chat.prompt(q)] * 2, [right, wrong])
        wins += good > bad
    assert wins >= 5
