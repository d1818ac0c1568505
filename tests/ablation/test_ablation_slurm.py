"""mathcpt ablate with `launcher.kind: slurm` on a real Slurm cluster: a data-run array, a training array (one job per
training run), the report job after them; the same runs and report as the local launcher.

    bash tests/slurm/start-slurm.sh && .venv/bin/python -m pytest tests/ablation/test_ablation_slurm.py

Without a cluster the cluster test skips (the `slurm_cluster` fixture, tests/conftest.py); the script checks run anywhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.ablation.slurm import job_script
from pipeline.config.ablation import load_ablation_config
from pipeline.errors import ConfigError
from tests.ablation.test_ablation import ablation_file, corpus  # noqa: F401  (the module-scoped corpus fixture)
from tests.conftest import ROOT

VARIANTS = [{"name": "base"}, {"name": "wider_lr", "train": {"optim.lr": 0.003}}]
# A variant with data of its own, made by the recipe's own Slurm chain (its executor), not by the ablation's data job.
CHAIN = {"name": "no_math_filter", "recipe": {"stages.math.apply_to": [], "executor.kind": "slurm",
                                              "executor.slurm.partition": "debug", "executor.slurm.time": "20"}}  # fmt: skip


def slurm_ablation(tmp_path, corpus, variants=VARIANTS, **launcher) -> str:  # noqa: F811
    path = ablation_file(tmp_path, corpus, variants=variants, tokens=3 * 2048,
                         launcher={"kind": "slurm", "slurm": {"partition": "debug", "time": "20"}, **launcher})  # fmt: skip
    return path


def directives(script: str) -> dict[str, str]:
    return dict(re.findall(r"^#SBATCH --([a-z-]+)=(.*)$", script, re.M))


def test_job_scripts_carry_the_launcher_settings_and_run_one_step(tmp_path, corpus):  # noqa: F811
    cfg = load_ablation_config(slurm_ablation(tmp_path, corpus, gpus_per_run=4, slurm={
        "partition": "gpu", "time": "90", "cpus_per_task": 8, "account": "math", "sbatch_args": {"constraint": "h100"}}))  # fmt: skip
    resolved = tmp_path / "with space" / "ablation.resolved.yaml"
    train = job_script(cfg, "train", resolved, array=True)
    d = directives(train)
    assert (d["partition"], d["time"], d["cpus-per-task"], d["account"], d["constraint"]) == (
        "gpu",
        "90",
        "8",
        "math",
        "h100",
    )
    assert d["gpus-per-node"] == "4" and d["output"].endswith("%x-%A_%a.out")
    assert f"ablate '{resolved}' --step train" in train  # a path with a space stays one argument
    report = job_script(cfg, "report", resolved, array=False)
    assert "gpus-per-node" not in directives(report) and directives(report)["output"].endswith("%x-%j.out")
    for script in (train, report):
        assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0


def test_slurm_needs_a_partition_and_a_step_needs_an_index(tmp_path, corpus):  # noqa: F811
    path = slurm_ablation(tmp_path, corpus)
    with pytest.raises(ConfigError, match="slurm.partition"):
        load_ablation_config(path, ["launcher.slurm.partition=null"])
    cli = [sys.executable, "-m", "pipeline.cli", "ablate", path, "--step", "train"]
    env = {k: v for k, v in os.environ.items() if k != "SLURM_ARRAY_TASK_ID"}
    done = subprocess.run(cli + ["--index", "7"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.returncode == 2 and "in 0..1, got 7" in done.stderr


def test_the_ablation_runs_as_job_arrays_and_reports_like_the_local_launcher(slurm_cluster, tmp_path, corpus):  # noqa: F811
    path = slurm_ablation(tmp_path, corpus, [*VARIANTS, CHAIN], gpus_per_run=0)  # a CPU cluster
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "OMP_NUM_THREADS": "1"}  # fmt: skip
    cli = [sys.executable, "-m", "pipeline.cli", "ablate", path, "--wait"]
    done = subprocess.run(cli, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    out = tmp_path / "abl"
    logs = "".join(p.read_text()[-1500:] for p in sorted((out / "logs").rglob("*.out")))
    assert done.returncode == 0, done.stderr[-3000:] + logs
    jobs = json.loads((out / "slurm" / "jobs.json").read_text())
    steps = {j["step"]: j for j in jobs["jobs"]}
    # base and wider_lr share one data run (they differ only in training); no_math_filter's, which tokenizes with its
    # tokenizer, runs after it, by the recipe's own chain of jobs; one array job per training run after both; then
    # the report
    assert steps["data"]["indices"] == [0] and steps["data_after_reference"]["indices"] == [1]
    assert steps["data_after_reference"]["after"] == [steps["data"]["job_id"]]
    assert (Path(jobs["data_runs"][1]) / "slurm" / "jobs.json").is_file()  # the chain's
    assert steps["train"]["indices"] == [0, 1, 2]
    assert steps["train"]["after"] == [steps["data"]["job_id"], steps["data_after_reference"]["job_id"]]
    assert steps["report"]["after"] == [steps["train"]["job_id"]]
    array_logs = sorted(p.name for p in (out / "logs" / "slurm").glob("*train*.out"))
    assert array_logs == [f"mathcpt-ablate-t-train-{steps['train']['job_id']}_{i}.out" for i in (0, 1, 2)]
    summary = json.loads((out / "ablation.json").read_text())
    assert summary["launcher"] == "slurm"
    assert set(summary["comparison"]["variants"]) == {"base", "wider_lr", "no_math_filter"}
    base_data = f"data/{summary['plan']['data_runs'][0]['key']}"
    chain_data = f"data/{summary['plan']['data_runs'][1]['key']}"
    assert set(summary["runs"]) == {base_data, chain_data, "base/seed0", "wider_lr/seed0", "no_math_filter/seed0"}
    assert summary["seconds"]["train"] > 0 and (out / "report.md").is_file()
    # the local launcher on the same output (the launcher is not part of the ablation's identity) finds every run
    # complete: nothing is rerun, the scores are the same
    local = subprocess.run([sys.executable, "-m", "pipeline.cli", "ablate", path, "--set", "launcher.kind=local"],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)  # fmt: skip
    assert local.returncode == 0, local.stderr[-3000:]
    again = json.loads((out / "ablation.json").read_text())
    assert again["comparison"] == summary["comparison"] and again["seconds"]["train"] == 0
    assert again["launcher"] == "local" and again["runs"] == {}
