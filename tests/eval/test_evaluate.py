"""`mathcpt eval` runs few-shot generation on an HF model folder and writes results with every prediction."""

from __future__ import annotations

import json

from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

from pipeline.benchmarks.registry import load_benchmark
from pipeline.eval.tasks import TASKS, build_prompt
from tests.conftest import run_cli


def test_prompt_uses_exemplars_never_test_items():
    task = TASKS["mini_gsm"]
    test_items = load_benchmark("mini_gsm")
    prompt = build_prompt(task, test_items[0], shots=4)
    assert prompt.count("Question:") == 5 and prompt.endswith(f"Question: {test_items[0].question}\nAnswer:")
    for other in test_items[1:]:
        assert other.question not in prompt


def test_eval_cli_on_a_tiny_random_model(tmp_path, data_run):
    tokenizer = AutoTokenizer.from_pretrained(str(data_run / "tokenizer"))
    config = Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096)  # fmt: skip
    Qwen2ForCausalLM(config).save_pretrained(str(tmp_path / "m"))
    tokenizer.save_pretrained(str(tmp_path / "m"))
    out = tmp_path / "results.json"
    r = run_cli("eval", str(tmp_path / "m"), "--benchmarks", "mini_gsm", "--limit", "3", "--max-new-tokens", "8",
                "--shots", "2", "-o", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["tasks"]["mini_gsm"]["n"] == 3 and results["tasks"]["mini_gsm"]["shots"] == 2
    assert len(results["predictions"]) == 3
    assert {"id", "response", "predicted", "answer", "correct"} <= set(results["predictions"][0])
    r = run_cli("eval", str(tmp_path / "m"), "--benchmarks", "nosuch", "-o", str(out))
    assert r.returncode == 2 and "unknown task" in r.stderr
