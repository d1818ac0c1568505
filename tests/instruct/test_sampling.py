"""`mathcpt sample`: problems checked and decontaminated, responses graded, a report, and resume after `kill -9`.

.venv/bin/python -m pytest tests/instruct/test_sampling.py
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from pipeline.config.instruct import SampleConfig
from pipeline.errors import DataError
from pipeline.instruct.problems import load_problems
from pipeline.instruct.sampling import chunk_path, read_samples, run_sampling
from pipeline.shared.benchmarks.registry import load_benchmark
from tests.conftest import ROOT
from tests.instruct.conftest import write_problems


def config(tmp_path: Path, policy: Path, out: str = "out", **extra) -> dict:
    problems = write_problems(tmp_path / "toy.jsonl", 6)
    with problems.open("a") as f:
        f.write(json.dumps({"id": "no-gold", "question": "What is 2 + 2?"}) + "\n")
        f.write(
            json.dumps({"id": "prose", "question": "Why?", "answer": "Because the numbers add up nicely here"}) + "\n"
        )
        f.write(json.dumps({"id": "leak", "question": load_benchmark("mini_gsm")[0].question, "answer": "21"}) + "\n")
    raw = {
        "output_dir": str(tmp_path / out),
        "policy": str(policy),
        "problems": [{"name": "toy", "path": str(problems)}],
        "generation": {"k": 2, "temperature": 1.0, "max_new_tokens": 12, "batch_size": 4, "seed": 3},
        "decontamination": {"benchmarks": ["mini_gsm"]},
        "chunk_size": 2,
        "query_filter": {"min_correct": 0, "max_correct": 1},
    }
    raw.update(extra)
    return raw


def test_problems_without_a_gradable_gold_are_counted_not_rewarded(tmp_path, policy):
    cfg = SampleConfig(**config(tmp_path, policy))
    problems, skipped = load_problems(cfg.problems, ".")
    assert skipped == {"no_gold/toy": 1, "ungradable/toy": 1}
    assert [p.gold for p in problems[:6]] == [
        json.loads(x)["answer"] for x in (tmp_path / "toy.jsonl").read_text().splitlines()[:6]
    ]
    assert all(p.answer_type == "number" for p in problems)


def test_sampling_grades_every_response_and_reports(tmp_path, policy):
    report = run_sampling(SampleConfig(**config(tmp_path, policy)))
    out = tmp_path / "out"
    meta, rows = read_samples(out)
    assert report["problems"] == len(rows) == 6  # 9 lines: no gold, ungradable, contaminated left out
    assert report["left_out"] == {"no_gold/toy": 1, "ungradable/toy": 1} and report["contaminated"] == 1
    removed = [json.loads(line) for line in (out / "decontamination.jsonl").read_text().splitlines()]
    assert removed[0]["id"] == "toy/leak" and removed[0]["matches"][0]["benchmark"] == "mini_gsm"
    for row in rows:
        assert row["prompt"].startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>")
        assert row["prompt"].endswith("<|im_start|>assistant\n") and "\\boxed{}" in row["prompt"]
        assert len(row["responses"]) == 2 and row["n_correct"] == sum(r["correct"] for r in row["responses"])
        for r in row["responses"]:
            assert set(r) == {"text", "tokens", "finished", "answer", "correct"}
            assert r["correct"] is False or r["answer"] is not None
    assert 0 <= report["pass@1"] <= report["pass@2"] <= 1
    assert report["generated_tokens"] > 0 and report["generated_tokens_per_s"] > 0
    assert meta["tokenizer_fingerprint"] and "<|im_start|>" in meta["chat_template"]
    queries = (out / "queries.jsonl").read_text().splitlines()
    assert len(queries) == report["queries"] == sum(row["n_correct"] <= 1 for row in rows)
    assert "pass@1" in (out / "report.md").read_text()

    with pytest.raises(DataError, match="another config"):
        run_sampling(SampleConfig(**config(tmp_path, policy, generation={"k": 3, "max_new_tokens": 12})))


def test_a_run_killed_mid_way_resumes_to_the_same_samples(tmp_path, policy):
    straight = config(tmp_path, policy, out="straight")
    run_sampling(SampleConfig(**straight))

    killed = config(tmp_path, policy, out="killed")
    path = tmp_path / "killed.yaml"
    path.write_text(yaml.safe_dump(killed))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pipeline.cli", "sample", str(path)]
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    deadline = time.time() + 120
    while not chunk_path(tmp_path / "killed", 0).is_file():
        assert proc.poll() is None and time.time() < deadline, proc.stdout.read().decode()[-2000:]
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "killed" / "report.json").is_file()
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]

    _, a = read_samples(tmp_path / "straight")
    _, b = read_samples(tmp_path / "killed")
    assert a == b


def test_prompts_longer_than_the_context_are_counted_not_sampled(tmp_path, policy):
    report = run_sampling(SampleConfig(**config(tmp_path, policy, prompt={"max_prompt_tokens": 8})))
    assert report["problems"] == 0 and report["responses"] == 0
    assert report["left_out"]["prompt_too_long"] == 6
