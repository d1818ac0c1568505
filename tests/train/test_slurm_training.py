"""launch/slurm_train.sbatch on a real Slurm cluster: 2 CPU ranks of the tiny config, preempted and resumed.

    bash tests/slurm/start-slurm.sh && .venv/bin/python -m pytest tests/train/test_slurm_training.py

The job runs exactly the script users submit (torchrun under srun, through launch/torchrun_graceful.sh); only the
GPU request is turned off. Without a cluster the tests skip (the `slurm_cluster` fixture, tests/conftest.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, free_port, losses, queued, wait_for_jobs


def submit_training(data_run: Path, out: Path, *overrides: str) -> str:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "MATHCPT_PYTHON": sys.executable,
        "GPUS_PER_NODE": "2",  # two CPU ranks
        "MASTER_PORT": str(free_port()),
        "OMP_NUM_THREADS": "1",
        "WANDB_MODE": "offline",
        "TOKENIZERS_PARALLELISM": "false",
    }
    command = ["sbatch", "--parsable", "--gpus-per-node=0", "--cpus-per-task=2", "--time=20"]
    command += [f"--output={out}.slurm.log", "launch/slurm_train.sbatch", "configs/tiny_cpu.yaml"]
    for item in (f"data.path={data_run}", f"output_dir={out}", "train.max_steps=12", *overrides):
        command += ["--set", item]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split(";")[0]


def test_the_training_script_runs_on_the_cluster_with_the_local_losses(slurm_cluster, data_run, train_run, tmp_path):
    job = submit_training(data_run, tmp_path / "run", "train.save_every=6")
    state = wait_for_jobs([job])[job]
    log = Path(f"{tmp_path / 'run'}.slurm.log").read_text()
    assert state == "COMPLETED", log[-4000:]
    assert losses(tmp_path / "run") == losses(train_run)  # the torchrun run of the same config, bit-exact on CPU


def test_scancel_term_saves_the_step_exits_0_and_the_resubmitted_job_resumes_exactly(
    slurm_cluster, data_run, train_run, tmp_path
):
    run = tmp_path / "run"
    job = submit_training(data_run, run, "train.save_every=1000")  # the only save is the one the signal asks for
    metrics, deadline = run / "metrics.jsonl", time.time() + 300
    while not (metrics.is_file() and len(metrics.read_text().splitlines()) >= 3):
        assert time.time() < deadline and queued([job]), Path(f"{run}.slurm.log").read_text()[-4000:]
        time.sleep(0.2)
    subprocess.run(["scancel", "--signal=TERM", job], check=True)  # what preemption and Ctrl-C deliver
    state = wait_for_jobs([job])[job]
    log = Path(f"{run}.slurm.log").read_text()
    assert state == "COMPLETED", log[-4000:]  # exit 0: the job ended cleanly, with its save
    assert "forwarding it to the training ranks" in log
    saved = int((run / "checkpoints" / "latest").read_text().removeprefix("step_"))
    assert 3 <= saved < 12, saved

    again = submit_training(data_run, run, "train.save_every=1000")  # a resubmission (or --requeue) resumes
    assert wait_for_jobs([again])[again] == "COMPLETED", Path(f"{run}.slurm.log").read_text()[-4000:]
    assert losses(run) == losses(train_run)  # every step, before and after the preemption, as uninterrupted
