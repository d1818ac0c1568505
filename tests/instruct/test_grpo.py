"""GRPO: advantages and the loss against hand computations, zero-signal groups, the KL at the reference, ungradable
queries, and real runs on 2 ZeRO-3 ranks: the toy reward rises, and a run killed with -9 resumes exactly.

    .venv/bin/python -m pytest tests/instruct/test_grpo.py
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from pipeline.config.instruct import BOXED_INSTRUCTION, DEFAULT_SYSTEM
from pipeline.shared.chat import ChatFormat
from pipeline.shared.rewards import Rewards, combine
from pipeline.train.grpo import load_queries
from pipeline.train.grpo_loss import aggregate, group_advantages, token_losses
from tests.conftest import ROOT
from tests.instruct.conftest import TOY_LIMIT, torchrun_cli


def test_group_advantages_by_hand():
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0], [0.5, 0.0, 0.0, 0.0]])
    adv, zero = group_advantages(rewards, "group")
    std = math.sqrt(((0.5**2) * 4) / 3)  # Bessel: deviations ±0.5, 4 rewards
    assert adv[0].tolist() == pytest.approx([d / (std + 1e-4) for d in (0.5, -0.5, -0.5, 0.5)])
    assert zero.tolist() == [False, True, False] and adv[1].tolist() == [0, 0, 0, 0]
    mean = 0.125
    std3 = math.sqrt(((0.5 - mean) ** 2 + 3 * mean**2) / 3)
    assert adv[2, 0].item() == pytest.approx((0.5 - mean) / (std3 + 1e-4))
    raw, _ = group_advantages(rewards, "none")
    assert raw[2].tolist() == pytest.approx([0.375, -0.125, -0.125, -0.125])


def test_clipped_ratio_loss_and_k3_kl_by_hand():
    logp = torch.tensor([[math.log(0.5), math.log(0.2)]])
    old = torch.tensor([[math.log(0.25), math.log(0.2)]])  # ratios 2.0 and 1.0
    ref = torch.tensor([[math.log(0.4), math.log(0.2)]])
    loss, kl, clipped = token_losses(logp, old, ref, torch.tensor([1.5]), 0.2, None, 0.1)
    # token 0: ratio 2 clipped to 1.2 (positive advantage): -min(3.0, 1.8) = -1.8; k3 with q = log(0.4/0.5)
    q = math.log(0.4 / 0.5)
    assert kl[0, 0].item() == pytest.approx(math.exp(q) - q - 1)
    assert loss[0, 0].item() == pytest.approx(-1.8 + 0.1 * (math.exp(q) - q - 1))
    assert loss[0, 1].item() == pytest.approx(-1.5) and kl[0, 1].item() == pytest.approx(0.0, abs=1e-7)
    assert clipped.tolist() == [[True, False]]
    # a negative advantage: -min(2·(-1), 1.2·(-1)) = 2, not clipped (the unclipped term is the smaller)
    loss, _, clipped = token_losses(logp, old, None, torch.tensor([-1.0]), 0.2, 0.28, 0.0)
    assert loss[0, 0].item() == pytest.approx(2.0) and not clipped[0, 0]
    # epsilon_high widens only the upper side
    loss, _, _ = token_losses(logp, old, None, torch.tensor([1.0]), 0.2, 0.5, 0.0)
    assert loss[0, 0].item() == pytest.approx(-1.5)


def test_kl_is_zero_where_the_policy_is_the_reference():
    logp = torch.log(torch.tensor([[0.1, 0.7, 0.2]]))
    _, kl, _ = token_losses(logp, logp, logp.clone(), torch.tensor([0.3]), 0.2, None, 0.04)
    assert torch.equal(kl, torch.zeros_like(kl))


def test_zero_signal_groups_leave_the_denominator():
    values = torch.tensor([[1.0, 1.0, 0.0], [5.0, 5.0, 5.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])  # second sequence: its group had no signal
    assert aggregate(values, mask, total_tokens=2).item() == pytest.approx(1.0)


def test_qwen_shaping_puts_every_correct_answer_above_every_wrong_one():
    assert combine(1.0, -50.0, "qwen", 0.5) > combine(0.0, 50.0, "qwen", 0.5)
    assert combine(1.0, 2.0, "qwen", 0.5) > combine(1.0, 1.0, "qwen", 0.5)
    assert combine(1.0, None, "qwen", 0.5) == 1.0 and combine(0.0, None, "qwen", 0.5) == 0.0
    rewards, parts = Rewards(rule=True)(["p"] * 2, ["so \\boxed{7}", "so \\boxed{8}"], ["7", "7"], ["number"] * 2)
    assert rewards == [1.0, 0.0] and parts == {"rule": [1.0, 0.0]}


def test_a_hook_that_returns_nonsense_is_an_error_not_a_reward(monkeypatch):
    from pipeline.errors import DataError

    with pytest.raises(DataError, match="one float per response"):
        Rewards(rule=True, hook=lambda p, r, g: [1.0])(["p"] * 2, ["a", "b"], ["1", "1"], ["number"] * 2)
    with pytest.raises(DataError, match="not finite"):
        Rewards(rule=False, hook=lambda p, r, g: [float("nan")])(["p"], ["a"], ["1"], ["number"])


def test_ungradable_and_too_long_queries_are_skipped_and_counted(tmp_path, policy):
    from pipeline.shared.tokenizer import load_tokenizer

    path = tmp_path / "q.jsonl"
    rows = [{"id": "ok", "question": "What is 1 + 2?", "gold": "3"},
            {"id": "prose", "question": "Why?", "gold": "because it is the way these things usually turn out"},
            {"id": "empty", "question": "What is 2 + 2?", "answer": ""},
            {"id": "long", "question": "What is " + " + ".join(["1"] * 400) + "?", "gold": "400"}]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    chat = ChatFormat(load_tokenizer(policy), DEFAULT_SYSTEM, BOXED_INSTRUCTION)
    queries, skipped = load_queries([str(path)], chat, max_prompt_tokens=256)
    assert [q["id"] for q in queries] == ["ok"] and skipped == {"ungradable": 2, "prompt_too_long": 1}


def grpo_args(toy_policy, queries, out, *extra: str) -> list[str]:
    sets = [f"model.name_or_path={toy_policy}", f"data.queries=[{queries}]", f"output_dir={out}",
            "wandb.enabled=false", *extra]  # fmt: skip
    return ["grpo", str(ROOT / "configs/instruct/grpo_tiny_cpu.yaml"), *(a for s in sets for a in ("--set", s))]


def toy_queries(path):
    rows = [{"id": f"q{a}{b}", "question": f"What is {a} + {b}?", "gold": str(a + b), "source": "toy"}
            for a in range(TOY_LIMIT) for b in range(TOY_LIMIT)]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.slow
def test_grpo_raises_the_toy_reward_with_the_kl_bounded(tmp_path, toy_policy):
    queries = toy_queries(tmp_path / "q.jsonl")
    done = torchrun_cli(*grpo_args(toy_policy, queries, tmp_path / "run", "train.max_steps=60", "optim.lr=5e-4",
                                   "optim.warmup_steps=10", "grpo.beta=0.001"))  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in rows if "accuracy" in r]
    assert len(steps) == 60 and steps[0]["kl"] == 0  # step 1 is rolled out and scored before any update
    first, last = (sum(r["reward/total/mean"] for r in part) / 10 for part in (steps[:10], steps[-10:]))
    assert last >= first + 0.04, (first, last)
    assert max(r["kl"] for r in steps) < 1.0
    for key in ("entropy", "clip_fraction", "response_length", "zero_signal_share", "generation_s", "training_s",
                "reward/rule/std", "reward/source/toy"):  # fmt: skip
        assert key in steps[-1]


@pytest.mark.slow
def test_grpo_resumes_exactly_after_kill_9(tmp_path, toy_policy):
    queries = toy_queries(tmp_path / "q.jsonl")
    common = ("train.max_steps=6", "train.save_every=3", "optim.lr=5e-4")
    straight = torchrun_cli(*grpo_args(toy_policy, queries, tmp_path / "straight", *common))
    assert straight.returncode == 0, straight.stderr[-3000:]

    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m",
               "pipeline.cli", *grpo_args(toy_policy, queries, tmp_path / "killed", *common)]  # fmt: skip
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    latest = tmp_path / "killed" / "checkpoints" / "latest"
    deadline = time.time() + 300
    while not (latest.is_file() and latest.read_text() == "step_00000003"):
        assert proc.poll() is None and time.time() < deadline, proc.stdout.read().decode()[-3000:]
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed = torchrun_cli(*grpo_args(toy_policy, queries, tmp_path / "killed", *common))
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    def by_step(run):
        rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
        return {r["step"]: (r["loss"], r["reward/total/mean"]) for r in rows if "loss" in r}

    a, b = by_step(tmp_path / "straight"), by_step(tmp_path / "killed")
    assert sorted(a) == sorted(b) == list(range(1, 7))
    assert [a[s] for s in range(4, 7)] == [b[s] for s in range(4, 7)]  # bit-exact on CPU: rollouts, rewards, loss


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="vLLM rollouts need a CUDA GPU")
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vLLM rollouts need the vllm package")
def test_vllm_rollouts_sample_from_the_updated_policy():
    """vLLM's log-probs follow the ZeRO-3 weights after a sync (not before), and `mathcpt grpo` runs with
    `rollout.backend: vllm` as with hf (tests/benchmarks/gpu_grpo.py, small)."""
    done = subprocess.run([sys.executable, str(ROOT / "tests/benchmarks/gpu_grpo.py"), "--shape", "tiny", "--steps",
                           "2", "--new-tokens", "16"], cwd=ROOT, capture_output=True, text=True, timeout=900)  # fmt: skip
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    sync = next(x for x in lines if x["figure"] == "grpo_vllm_sync")
    assert sync["status"] == "ok" and sync["max_logprob_diff_after_sync"] < 0.15
    assert {x["backend"] for x in lines if x["figure"] == "grpo_step" and x["status"] == "ok"} == {"hf", "vllm"}
