"""The recipe's `executor` section: local, Ray and Slurm runs of the demo recipe agree.

    .venv/bin/python -m pytest tests/data/test_executors.py -q

Ray runs for real on a local instance (2 CPUs, no dashboard) started by the recipe's own `start_ray`. Slurm is
checked without a cluster: the scripts are written (sbatch absent), validated, submitted to a stand-in `sbatch`
that records the dependency chain, and finally executed one array task at a time with stand-ins for `srun` and
`scontrol`, which runs the same pickled pipelines a cluster would and must end with the local run's documents.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from pipeline.config.recipe import load_recipe
from pipeline.data.recipe_run import run_recipe, submit_slurm
from pipeline.errors import ConfigError, DataError
from tests.conftest import ROOT, run_cli

DEMO = ROOT / "data_recipes" / "demo.yaml"
SLURM = [
    "executor.kind=slurm",
    "executor.slurm.partition=cpu",
    "executor.slurm.time='2:00:00'",
    "executor.slurm.cpus_per_task=4",
    "executor.slurm.mem_per_cpu_gb=3",
    "executor.slurm.account=math",
    "executor.slurm.sbatch_args={constraint: avx2}",
    "executor.tasks=3",
    "executor.workers=2",
]


def kept(run: Path) -> dict[str, set[str]]:
    """Kept document ids per source."""
    return {
        p.name: {json.loads(line)["id"] for f in sorted(p.glob("*.jsonl")) for line in f.read_text().splitlines()}
        for p in sorted((run / "kept").iterdir())
    }


# As on a machine without Slurm, whether or not this one has sbatch on PATH.
NO_SBATCH = {"MATHCPT_SBATCH": "none"}


def directives(script: Path) -> dict[str, str]:
    return dict(re.findall(r"^#SBATCH --([a-z-]+)(?:=(.*))?$", script.read_text(), re.M))


# ------------------------------------------------------------------ Ray


@pytest.mark.filterwarnings("ignore:placement_group:DeprecationWarning")  # datatrove's call into Ray, not ours
def test_ray_run_matches_the_local_run(data_run, sample_corpus, tmp_path):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'mathcpt[ray]')")
    assert not ray.is_initialized()
    # Two tasks on Ray against the one-task local run: every per-document pass splits, and the result is the same.
    overrides = ["executor.kind=ray", "executor.ray.local_cpus=2", "executor.tasks=2"]
    recipe = load_recipe(DEMO, [f"data_root={sample_corpus}", *overrides])
    try:
        run_recipe(recipe, tmp_path / "ray")
        assert ray.cluster_resources()["CPU"] == 2  # the local instance the recipe started, bounded as configured
    finally:
        ray.shutdown()
    for name in ("filter", "dedup_index", "dedup_buckets", "dedup", "tokenize_train"):
        assert len(list((tmp_path / "ray" / "logs" / name / "completions").iterdir())) == 2, name
    assert kept(tmp_path / "ray") == kept(data_run)
    ray_manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert ray_manifest == json.loads((data_run / "manifest.json").read_text())
    report = json.loads((tmp_path / "ray" / "report.json").read_text())
    local_report = json.loads((data_run / "report.json").read_text())
    assert [(s["stage"], s["in"], s["out"]) for s in report["stages"]] == [
        (s["stage"], s["in"], s["out"]) for s in local_report["stages"]
    ]


# ------------------------------------------------------------------ Slurm


def test_without_sbatch_the_scripts_are_written_and_validated(sample_corpus, tmp_path):
    run = tmp_path / "run"
    args = ["data", str(DEMO), "--out", str(run), "--set", f"data_root={sample_corpus}"]
    for item in SLURM:
        args += ["--set", item]
    result = run_cli(*args, env=NO_SBATCH)
    assert result.returncode == 2, result.stderr[-3000:]
    assert (
        "sbatch is not on PATH (or MATHCPT_SBATCH=none), nothing was submitted" in result.stderr
        and str(run / "slurm") in result.stderr
    )

    scripts = sorted((run / "slurm").glob("*.sbatch"))
    names = [s.stem.split("-", 1)[1] for s in scripts]
    assert names == [
        "mathcpt-run-filter",
        "mathcpt-run-dedup_index",
        "mathcpt-run-dedup_buckets",
        "mathcpt-run-dedup_plan",
        "mathcpt-run-decontamination_index",
        "mathcpt-run-dedup",
        "mathcpt-run-tokenizer",
        "mathcpt-run-tokenize_train",
        "mathcpt-run-finish",
    ]
    for script in [*scripts, run / "slurm" / "submit.sh"]:
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0, script
    for script in scripts:
        d = directives(script)
        assert (d["partition"], d["time"], d["cpus-per-task"], d["mem-per-cpu"]) == ("cpu", "2:00:00", "4", "3G")
        assert d["account"] == "math" and d["constraint"] == "avx2" and d["chdir"] == str(ROOT)
        pik = run / "logs" / script.stem.rsplit("-", 1)[1] / "executor.pik"
        assert re.search(rf"^srun .*launch_pickled_pipeline {re.escape(str(pik))}$", script.read_text(), re.M)
        assert pik.is_file()
    # Every per-document pass is a job array (3 tasks, 2 at once); the planner, the benchmark index and the
    # tokenizer are one task.
    arrays = {name: directives(s)["array"] for name, s in zip(names, scripts)}
    assert arrays == {
        "mathcpt-run-filter": "0-2%2",
        "mathcpt-run-dedup_index": "0-2%2",
        "mathcpt-run-dedup_buckets": "0-2%2",
        "mathcpt-run-dedup_plan": "0-0%2",
        "mathcpt-run-decontamination_index": "0-0%2",
        "mathcpt-run-dedup": "0-2%2",
        "mathcpt-run-tokenizer": "0-0%2",
        "mathcpt-run-tokenize_train": "0-2%2",
        "mathcpt-run-finish": "0-0%2",
    }

    # submit.sh submits the same chain: each job depends on the one before it.
    submit = (run / "slurm" / "submit.sh").read_text()
    calls = re.findall(r"^job_(\d+)=\$\(sbatch --parsable (.*) (\S+\.sbatch) \|", submit, re.M)
    assert [Path(c[2]) for c in calls] == scripts
    assert "--dependency" not in calls[0][1]
    for i, (_, sbatch_args, _) in enumerate(calls[1:], 1):
        assert f'"--dependency=afterok:${{job_{i}}}"' in sbatch_args

    again = run_cli(*args, "--write-scripts-only", env=NO_SBATCH)  # resumes the same run folder
    assert again.returncode == 0 and "wrote and validated 9 sbatch scripts" in again.stdout, again.stderr[-3000:]


def test_submission_chains_job_ids(sample_corpus, tmp_path, monkeypatch):
    """A stand-in sbatch answers like Slurm does; each job must depend on the id of the one before it."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "sbatch_calls"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(
        f'#!/bin/bash\necho "$@" >> {calls}\necho "Submitted batch job $((100 + $(wc -l < {calls})))"\n'
    )
    (bin_dir / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    recipe = load_recipe(DEMO, [f"data_root={sample_corpus}", *SLURM])
    scripts = submit_slurm(recipe, tmp_path / "run")
    assert scripts.submitted and [j.job_id for j in scripts.jobs] == [str(101 + i) for i in range(9)]
    lines = calls.read_text().splitlines()
    assert "--dependency" not in lines[0]
    for i, line in enumerate(lines[1:], 1):
        assert f"--dependency=afterok:{100 + i} " in line
    assert scripts.jobs[-1].steps == ["FinishRecipe"] and scripts.jobs[0].steps[0] == "SourceReader"
    recorded = json.loads((tmp_path / "run" / "slurm" / "jobs.json").read_text())
    assert [r["job_id"] for r in recorded] == [str(101 + i) for i in range(9)]


@pytest.mark.slow
def test_slurm_scripts_run_the_recipe(sample_corpus, tmp_path):
    """Execute every generated script as Slurm would (one array task at a time) and compare with a local run.

    Both split the filter pass into 2 tasks: which copy of a duplicate survives depends on document order, which
    depends on how the filter pass was split.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # srun: drop its options, run the command; scontrol: datatrove expands SLURM_NODELIST with it.
    (bin_dir / "srun").write_text(
        '#!/bin/bash\nwhile [[ $1 == -* ]]; do [[ $1 == -n ]] && shift; shift; done\nexec "$@"\n'
    )
    (bin_dir / "scontrol").write_text("#!/bin/bash\necho localhost\n")
    for tool in ("srun", "scontrol"):
        (bin_dir / tool).chmod(0o755)
    run, local_run = tmp_path / "run", tmp_path / "local"
    overrides = [f"data_root={sample_corpus}", *SLURM, "executor.tasks=2"]
    run_recipe(load_recipe(DEMO, [*overrides, "executor.kind=local", "executor.workers=1"]), local_run)
    scripts = submit_slurm(load_recipe(DEMO, overrides), run, submit=False)
    assert not scripts.submitted
    env = {
        **os.environ,
        **NO_SBATCH,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "SLURM_NODELIST": "localhost",
        "SLURM_JOB_ID": "1",
    }
    for job in scripts.jobs:
        last = int(re.search(r"^#SBATCH --array=0-(\d+)", job.script.read_text(), re.M).group(1))
        for task in range(last + 1):
            done = subprocess.run(
                ["bash", str(job.script)],
                env={**env, "SLURM_ARRAY_TASK_ID": str(task)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"{job.name}[{task}]: " + done.stdout[-2000:] + done.stderr[-4000:]
    assert len(list((run / "logs" / "filter" / "completions").iterdir())) == 2
    assert kept(run) == kept(local_run)
    assert json.loads((run / "manifest.json").read_text()) == json.loads((local_run / "manifest.json").read_text())
    # The finish job merged the stats of the passes that ran as other jobs into the report.
    stages, local_stages = (
        [(s["stage"], s["in"], s["out"]) for s in json.loads((r / "report.json").read_text())["stages"]]
        for r in (run, local_run)
    )
    assert stages == local_stages


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    "override, message",
    [
        ("executor.kind=spark", "executor.kind: Input should be 'local', 'slurm' or 'ray'"),
        ("executor.slurm.partiton=cpu", "executor.slurm.partiton: unknown key"),
        ("executor.ray.adress=auto", "executor.ray.adress: unknown key"),
        ("executor.kind=slurm", "kind: slurm needs slurm.partition"),
        ("executor.slurm.time=1h", "executor.slurm.time: Value error, '1h' is not a Slurm time limit"),
        ("executor.slurm.time=24:00:00", "write the time limit as a quoted string ('24:00:00', '90'); YAML read 86400"),
        ("executor.slurm.partition='cpu\n#SBATCH --x'", "executor.slurm.partition: String should match pattern"),
        ("executor.slurm.sbatch_args={constraint: 'a b'}", "executor.slurm.sbatch_args: Value error, ['constraint']"),
        ("executor.workers=0", "executor.workers: Input should be greater than or equal to 1"),
    ],
)
def test_executor_config_errors_name_the_key(override, message):
    with pytest.raises(ConfigError) as e:
        load_recipe(DEMO, [override])
    assert message in str(e.value) and "demo.yaml" in str(e.value)


def test_write_scripts_only_needs_a_slurm_recipe(sample_corpus, tmp_path):
    result = run_cli("data", str(DEMO), "--out", str(tmp_path / "run"), "--write-scripts-only")
    assert result.returncode == 2 and "--write-scripts-only applies to executor.kind slurm" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_pass_with_unfinished_tasks_fails_loudly(tmp_path):
    """Ray's executor only warns when a task fails; the recipe must stop there instead."""
    from pipeline.config.executor import ExecutorConfig
    from pipeline.data.executors import build_executor, check_completed

    executor = build_executor(ExecutorConfig(), [], tmp_path, "filter", tasks=2)
    executor.mark_rank_as_completed(0)
    with pytest.raises(DataError, match=r"the filter pass did not complete 1 of its 2 tasks \(ranks \[1\]\)"):
        check_completed(executor, tmp_path, "filter")
    with pytest.raises(DataError, match="executor.kind slurm submits jobs"):
        run_recipe(load_recipe(DEMO, SLURM), tmp_path / "run")


def test_killing_mathcpt_data_with_sigkill_leaves_no_worker_behind_and_the_run_resumes(sample_corpus, tmp_path):
    """Forked local workers die with the process that forked them (PR_SET_PDEATHSIG): a `kill -9` of `mathcpt data`
    mid-pass leaves no orphan holding its files, and the same command completes the run."""
    import signal
    import sys
    import time

    import psutil

    argv = [sys.executable, "-m", "pipeline.cli", "data", str(ROOT / "data_recipes" / "demo.yaml"), "--out",
            str(tmp_path / "run"), "--set", f"data_root={sample_corpus}", "--set", "executor.tasks=2", "--set",
            "executor.workers=2"]  # fmt: skip
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent, workers, deadline = psutil.Process(proc.pid), [], time.time() + 120
    while not workers and proc.poll() is None and time.time() < deadline:
        workers = [c for c in parent.children() if c.cmdline()[-1:] == argv[-1:]]  # forked: the same command line
        time.sleep(0.005)
    assert workers, "no forked worker was seen while the run went on"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, f"workers outlived the killed mathcpt data: {[p.pid for p in alive]}"
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "run" / "manifest.json").is_file()
