"""The GPU check script on CPU: its arguments, its no-GPU exit, the shape of its lines, and each check's code path.

    .venv/bin/python -m pytest tests/test_gpu_check.py

The checks themselves measure only on a GPU (tests/benchmarks/gpu_check.sh); here every check script runs its CPU
path (the same comparison on CPU kernels), so a GPU session does not spend its minutes finding a typo.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT

BENCH = ROOT / "tests" / "benchmarks"
sys.path.insert(0, str(BENCH))

import gpu_check  # noqa: E402

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")


def run_script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(BENCH / "gpu_check.sh"), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


@no_cuda
def test_without_cuda_it_exits_2_at_once_with_one_line():
    done = run_script()
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no CUDA GPU" in lines[0] and "nothing was measured" in lines[0]


@pytest.mark.parametrize(
    "args, says",
    [
        (["--only", "mfu,bogus"], "unknown check 'bogus'"),
        (["--limit", "mfu=soon"], "not a number"),
        (["--limit", "warp=10"], "NAME=SECONDS"),
        (["--wheels", "/nonexistent/wheels"], "is not a folder"),
        (["--frobnicate"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_64_naming_the_problem(args, says):
    done = run_script(*args)
    assert done.returncode == 64, done.stderr
    assert says in done.stderr


def test_list_gives_the_checks_in_priority_order():
    done = run_script("--list", "--limit", "resume=99")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["check"] for r in rows] == ["mfu", "packing", "resume", "generation", "grpo", "memory"]
    assert {r["check"]: r["limit_s"] for r in rows}["resume"] == 99
    assert "deepspeed" in rows[0]["needs"]


def test_a_check_line_carries_status_and_figures(tmp_path):
    ok = gpu_check.run_check(
        "demo", [sys.executable, "-c", 'print(\'noise\'); print(\'{"figure": "x", "tokens_per_s": 5}\')'], 30, tmp_path
    )
    assert ok["check"] == "demo" and ok["status"] == "ok" and ok["tokens_per_s"] == 5 and ok["figure"] == "x"
    assert "log_tail" not in ok

    bad = gpu_check.run_check("bad", [sys.executable, "-c", "import sys; sys.exit('broken here')"], 30, tmp_path)
    assert bad["status"] == "failed" and bad["returncode"] == 1 and "broken here" in "\n".join(bad["log_tail"])

    hung = gpu_check.run_check("hung", [sys.executable, "-c", "import time; time.sleep(60)"], 1, tmp_path)
    assert hung["status"] == "timeout" and hung["seconds"] < 30


def transformers_parameters(shape: dict, vocab: int) -> int:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    with torch.device("meta"):
        model = Qwen2ForCausalLM(Qwen2Config(vocab_size=vocab, **shape))
    return sum(p.numel() for p in model.parameters())


def test_parameter_counts_match_transformers_qwen2():
    from bench_gpu_mfu import QWEN2_1_5B

    assert gpu_check.parameters(QWEN2_1_5B, 151936) == transformers_parameters(QWEN2_1_5B, 151936) == 1_543_714_304
    seven = {k: v for k, v in gpu_check.QWEN2_7B.items() if k != "vocab_size"}
    assert gpu_check.parameters(gpu_check.QWEN2_7B) == transformers_parameters(seven, 152064)


def test_memory_prediction_splits_the_measured_peak():
    line = {"devices": 1, "seq_len": 4096, "micro_batch": 4, "max_memory_gib": 60.0}
    p = gpu_check.memory_prediction(line)
    assert p["prediction"] is True
    assert p["model_states_1_5b_gib"] == pytest.approx(16 * 1_543_714_304 / 2**30, abs=0.01)
    assert p["model_states_7b_per_gpu_gib"] == pytest.approx(
        16 * gpu_check.parameters(gpu_check.QWEN2_7B) / 8 / 2**30, abs=0.01
    )
    parts = p["model_states_1_5b_gib"] + p["logits_1_5b_gib"] + p["activations_and_buffers_1_5b_gib"]
    assert parts == pytest.approx(60.0, abs=0.05)
    assert p["split_consistent"]
    assert p["predicted_7b_per_gpu_on_8_gib"] > p["model_states_7b_per_gpu_gib"] + p["activations_7b_gib"]
    assert not gpu_check.memory_prediction({**line, "max_memory_gib": 20.0})["split_consistent"]


def test_packing_check_holds_on_cpu(capsys):
    import gpu_packing

    assert gpu_packing.main(["--device", "cpu"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["ok"] and set(line["implementations"]) == {"sdpa", "eager"}
    for figures in line["implementations"].values():
        assert figures["holds"] and figures["control_moves"]
    assert line["between_implementations"]["max_abs"] <= line["atol"]


def test_generation_check_runs_the_hf_backend_on_cpu(capsys):
    import gpu_generation

    assert gpu_generation.main(["--device", "cpu", "--backends", "hf", "vllm"]) == 0
    lines = {r["backend"]: r for r in gpu_check.json_lines(capsys.readouterr().out)}
    assert lines["hf"]["status"] == "ok" and lines["hf"]["tokens"] > 0 and lines["hf"]["tokens_per_s"] > 0
    try:
        import vllm  # noqa: F401
    except ImportError:
        assert lines["vllm"]["status"].startswith("missing")


@pytest.mark.slow
def test_resume_check_is_bit_exact_on_cpu(tmp_path, capsys):
    import gpu_resume

    assert gpu_resume.main(["--device", "cpu", "--work", str(tmp_path)]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["ok"] and line["loss_fell"] and line["bit_exact"] and line["loss_last"] < line["loss_first"]
