"""`mathcpt eval --protocol instruct`: zero-shot in the chat template, greedy and maj@k, RM@k with a trained reward
model, the Qwen2-Math-Instruct figures beside ours.

    .venv/bin/python -m pytest tests/instruct/test_instruct_eval.py
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.config.eval import EvalConfig
from pipeline.eval.evaluate import run_eval
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_instruct_protocol_prompts_in_the_chat_template(tmp_path, policy):
    cfg = EvalConfig(model=str(policy), benchmarks=["mini_gsm"], limit=3, protocol="instruct",
                     max_new_tokens=8, output=str(tmp_path / "r.json"))  # fmt: skip
    results = run_eval(cfg)
    rows = [json.loads(line) for line in (tmp_path / "r.samples.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and results["tasks"]["mini_gsm"]["shots"] == 0
    for row in rows:
        assert row["prompt"].startswith(
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
        )
        assert row["prompt"].endswith(
            "Please reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n"
        )
        assert "Question:" not in row["prompt"]  # no few-shot exemplars
    table = (tmp_path / "r.md").read_text()
    assert "Qwen2-Math-7B-Instruct (reported)" in table and "arXiv:2409.12122" in table


def test_instruct_eval_end_to_end_with_a_trained_reward_model(tmp_path, toy_policy, toy_reward_model):
    """The CLI as a user runs it: greedy is pass@1 of the first sample, maj@4 and rm@4 from 4 samples each."""
    _, rm = toy_reward_model
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", str(toy_policy), "--protocol", "instruct",
                           "--benchmarks", "mini_gsm", "--limit", "4", "--samples", "4", "--temperature", "0.8",
                           "--max-new-tokens", "24", "--reward-model", str(rm), "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(out.read_text())["tasks"]["mini_gsm"]
    assert r["n"] == 4 and {"accuracy", "maj@4", "rm@4"} <= set(r)
    rows = [json.loads(line) for line in out.with_suffix(".samples.jsonl").read_text().splitlines()]
    assert all(len(row["rm_scores"]) == 4 for row in rows)
    # A reward model trained on another tokenizer's text is refused, naming the flag.
    wrong = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", str(ROOT / "nonexistent"), "--protocol",
                            "fewshot", "--benchmarks", "mini_gsm", "--reward-model", str(rm)],
                           cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert wrong.returncode == 2 and "use protocol instruct" in wrong.stderr
