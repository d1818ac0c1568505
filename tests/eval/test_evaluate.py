"""`mathcpt eval`: prompts from exemplars (never test items), a real tiny model through transformers, results,
samples and table files, maj@k with sampling, and training checkpoints as input."""

from __future__ import annotations

import json

import pytest
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

from pipeline.eval.evaluate import majority
from pipeline.eval.tasks import TASKS, build_prompt, exemplars
from pipeline.shared.benchmarks.registry import load_benchmark
from tests.conftest import run_cli


def test_prompt_uses_exemplars_never_test_items():
    task = TASKS["mini_gsm"]
    test_items = load_benchmark("mini_gsm")
    prompt = build_prompt(task, test_items[0], shots=4)
    assert prompt.count("Question:") == 5 and prompt.endswith(f"Question: {test_items[0].question}\nAnswer:")
    for other in test_items[1:]:
        assert other.question not in prompt


def test_every_task_has_its_default_shots_of_exemplars():
    expected = {"gsm8k": 8, "math": 4, "mmlu_stem": 4, "cmath": 6, "gaokao_math_cloze": 5, "gaokao_math_qa": 4}
    for name, shots in expected.items():
        assert TASKS[name].shots == shots
    for task in TASKS.values():
        pool = exemplars(task.exemplars)
        assert len(pool) >= task.shots, task.name
        for ex in pool:
            if task.answer_type == "choice":
                assert len(ex.choices) >= 2 and ex.answer in "ABCDEFGH"[: len(ex.choices)], (task.name, ex.id)


def test_exemplars_share_no_13_gram_with_any_test_set(shared_dir):
    from pipeline.data.decontaminate import ContaminationIndex, tokenize

    names = [
        "gsm8k",
        "math500",
        "mmlu_stem",
        "cmath",
        "gaokao_math_cloze",
        "gaokao_math_qa",
        "minerva_math",
        "sat_math",
        "svamp",
        "asdiv",
    ]
    index = ContaminationIndex({n: load_benchmark(n, shared_dir / "benchmarks") for n in names}, n=13)
    for task in TASKS.values():
        for ex in exemplars(task.exemplars):
            assert not index.find(tokenize(ex.question)), (task.name, ex.id)


def test_choice_prompt_letters_the_options():
    item = load_benchmark("mini_gsm")[0]
    item.choices = ["1", "2", "3", "4"]
    prompt = build_prompt(TASKS["mmlu_stem"], item, shots=1)
    assert "(A) 1\n(B) 2\n(C) 3\n(D) 4\nAnswer:" in prompt and prompt.count("Question: ") == 2


def test_majority_groups_equivalent_answers():
    assert majority(["0.5", "\\frac{1}{2}", "3", None, "3", "1/2"], "latex") == "0.5"
    assert majority([None, None], "number") is None


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, data_run):
    path = tmp_path_factory.mktemp("tiny") / "m"
    tokenizer = AutoTokenizer.from_pretrained(str(data_run / "tokenizer"))
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
    )
    Qwen2ForCausalLM(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


def test_eval_cli_writes_results_samples_and_table(tiny_model, tmp_path):
    out = tmp_path / "results.json"
    r = run_cli(
        "eval",
        str(tiny_model),
        "--benchmarks",
        "mini_gsm",
        "--limit",
        "3",
        "--max-new-tokens",
        "8",
        "--shots",
        "2",
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads(out.read_text())
    task = results["tasks"]["mini_gsm"]
    assert task["n"] == 3 and task["shots"] == 2 and task["answer_type"] == "number"
    samples = [json.loads(line) for line in (tmp_path / "results.samples.jsonl").read_text().splitlines()]
    assert len(samples) == 3 and {"prompt", "responses", "extracted", "answer", "correct"} <= set(samples[0])
    assert samples[0]["prompt"].endswith("Answer:")
    table = (tmp_path / "results.md").read_text()
    assert "| model | mini_gsm" in table and "Qwen2-Math-7B (reported)" in table and "80.4" in table
    r = run_cli("eval", str(tiny_model), "--benchmarks", "nosuch", "-o", str(out))
    assert r.returncode == 2 and "unknown eval task" in r.stderr


def longest(prompt: str, response: str) -> float:
    """A reward function for the rm@k test: prefers the longest response."""
    return float(len(response))


def test_sampling_gives_maj_and_rm_at_k(tiny_model, tmp_path):
    out = tmp_path / "r.json"
    r = run_cli(
        "eval",
        str(tiny_model),
        "--benchmarks",
        "mini_gsm",
        "--limit",
        "2",
        "--max-new-tokens",
        "6",
        "--shots",
        "1",
        "--samples",
        "3",
        "--temperature",
        "1.0",
        "--reward",
        "tests.eval.test_evaluate:longest",
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    task = json.loads(out.read_text())["tasks"]["mini_gsm"]
    assert "maj@3" in task and "rm@3" in task and task["samples"] == 3
    rows = [json.loads(line) for line in (tmp_path / "r.samples.jsonl").read_text().splitlines()]
    assert all(len(row["responses"]) == 3 and "maj_answer" in row for row in rows)
    for row in rows:
        best = max(range(3), key=lambda i: len(row["responses"][i]))
        assert row["rm_scores"][best] == max(row["rm_scores"])
    r = run_cli(
        "eval",
        str(tiny_model),
        "--benchmarks",
        "mini_gsm",
        "--samples",
        "2",
        "--temperature",
        "1",
        "--reward",
        "nosuch_module:fn",
        "-o",
        str(out),
    )
    assert r.returncode == 2 and "--reward nosuch_module:fn" in r.stderr
    r = run_cli("eval", str(tiny_model), "--benchmarks", "mini_gsm", "--samples", "3", "-o", str(out))
    assert r.returncode == 2 and "needs --temperature" in r.stderr


@pytest.mark.slow
def test_eval_takes_a_training_checkpoint(train_run, tmp_path):
    out = tmp_path / "r.json"
    r = run_cli(
        "eval",
        str(train_run),
        "--benchmarks",
        "mini_gsm",
        "--limit",
        "2",
        "--max-new-tokens",
        "4",
        "--shots",
        "1",
        "-o",
        str(out),
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "exported" in r.stderr and json.loads(out.read_text())["tasks"]["mini_gsm"]["n"] == 2
