"""Shared fixtures: a generated sample corpus, one data run over it, one 2-rank ZeRO-3 training run, ../shared.

Session-scoped so the expensive real runs happen once per test session; tests only read their outputs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 600):
    """Run `mathcpt ARGS` in a subprocess, as a user would; returns CompletedProcess with text output."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def torchrun(nproc: int, *args: str, timeout: int = 600):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "WANDB_MODE": "offline", "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(nproc), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)


def losses(run: Path) -> dict[int, float]:
    """Loss per step of a training run; a step logged twice (before a kill and after the resume) keeps its last
    value."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (a user's fresh clone has none)")
    return SHARED


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory) -> Path:
    from pipeline.sample.corpus import generate_sample_corpus

    out = tmp_path_factory.mktemp("corpus")
    generate_sample_corpus(out, seed=0, scale=0.5)
    return out


@pytest.fixture(scope="session")
def data_run(sample_corpus, tmp_path_factory) -> Path:
    """The demo recipe run on the sample corpus with the real datatrove executor."""
    from pipeline.config.recipe import load_recipe
    from pipeline.data.recipe_run import run_recipe

    out = tmp_path_factory.mktemp("data_run") / "run"
    recipe = load_recipe(ROOT / "data_recipes" / "demo.yaml", [f"data_root={sample_corpus}"])
    run_recipe(recipe, out)
    return out


@pytest.fixture(scope="session")
def train_run(data_run, tmp_path_factory) -> Path:
    """A real 2-rank DeepSpeed ZeRO-3 run (gloo) of the tiny config under torchrun."""
    out = tmp_path_factory.mktemp("train_run") / "run"
    result = torchrun(
        2,
        "-m",
        "pipeline.cli",
        "train",
        str(ROOT / "configs" / "tiny_cpu.yaml"),
        "--set",
        f"data.path={data_run}",
        "--set",
        f"output_dir={out}",
        "--set",
        "train.max_steps=12",
        "--set",
        "train.save_every=6",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out


# ------------------------------------------------------------------ a real Slurm cluster (tests/slurm/start-slurm.sh)
# Jobs are followed as a user would: `squeue` until they leave the queue, then `scontrol show job` for their final
# state (the test cluster has no accounting database, so no `sacct`).


def cluster_is_up() -> bool:
    if not shutil.which("sbatch") or not shutil.which("sinfo"):
        return False
    try:
        states = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(s.strip() in ("idle", "mix", "alloc") for s in states.splitlines())


@pytest.fixture(scope="session")
def slurm_cluster():
    if not cluster_is_up():
        pytest.skip("no Slurm cluster answers here (start one: bash tests/slurm/start-slurm.sh)")


def job_state(job_id: str) -> str:
    shown = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True).stdout
    states = re.findall(r"JobState=(\S+)", shown)  # one per array task
    return ",".join(sorted(set(states))) or "UNKNOWN"


def queued(job_ids: list[str]) -> list[str]:
    """The jobs of job_ids still pending or running."""
    listed = subprocess.run(["squeue", "-h", "-o", "%A", "-j", ",".join(job_ids)], capture_output=True, text=True)
    return listed.stdout.split()


def wait_for_jobs(job_ids: list[str], timeout: float = 600) -> dict[str, str]:
    """Poll squeue until every job left the queue; their final states from scontrol."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not queued(job_ids):
            return {j: job_state(j) for j in job_ids}
        time.sleep(1)
    subprocess.run(["scancel", *job_ids])
    raise AssertionError(f"jobs {job_ids} still queued after {timeout} s")
