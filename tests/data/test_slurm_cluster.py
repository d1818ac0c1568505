"""The recipe's Slurm chain on a real Slurm cluster: job arrays, `--dependency=afterok`, the finish job.

    bash tests/slurm/start-slurm.sh && .venv/bin/python -m pytest tests/data/test_slurm_cluster.py

The cluster is the single node tests/slurm/start-slurm.sh brings up (.ci/run starts and stops it); without one the
tests skip (the `slurm_cluster` fixture, tests/conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.config.recipe import load_recipe
from pipeline.data.recipe_run import submit_slurm
from tests.conftest import ROOT, wait_for_jobs

DEMO = ROOT / "data_recipes" / "demo.yaml"
ON_CLUSTER = [
    "executor.kind=slurm",
    "executor.slurm.partition=debug",
    "executor.slurm.cpus_per_task=1",
    "executor.slurm.mem_per_cpu_gb=2",
    "executor.slurm.time='20'",
    "executor.tasks=2",
]


def kept_records(run: Path) -> list[dict]:
    return [json.loads(line) for f in sorted((run / "kept").glob("*/*.jsonl")) for line in f.read_text().splitlines()]


def test_the_chain_runs_on_the_cluster_and_matches_the_local_run(slurm_cluster, data_run, sample_corpus, tmp_path):
    run = tmp_path / "run"
    scripts = submit_slurm(load_recipe(DEMO, [f"data_root={sample_corpus}", *ON_CLUSTER]), run)
    assert scripts.submitted
    states = wait_for_jobs([j.job_id for j in scripts.jobs])
    assert set(states.values()) == {"COMPLETED"}, states
    # Two array tasks for each per-document pass, as the recipe asked (tokenization too, in a job of its own before
    # the finish job); one for the planner, the benchmark index and the tokenizer.
    for name in ("filter", "dedup_index", "dedup_buckets", "dedup", "tokenize_train"):
        assert len(list((run / "logs" / name / "completions").iterdir())) == 2, name
    for name in ("dedup_plan", "decontamination_index", "tokenizer"):
        assert len(list((run / "logs" / name / "completions").iterdir())) == 1, name
    names = [j.name.rsplit("-", 1)[-1] for j in scripts.jobs]
    assert names[-3:] == ["tokenizer", "tokenize_train", "finish"]
    # The same corpus as the local one-task run: the result does not depend on the executor or the task count.
    assert kept_records(run) == kept_records(data_run)
    manifest, local = (json.loads((r / "manifest.json").read_text()) for r in (run, data_run))
    assert manifest == local


def test_a_failed_pass_stops_the_chain_with_its_error_in_the_log(slurm_cluster, sample_corpus, tmp_path):
    run = tmp_path / "run"
    # Nothing survives: every prose document needs a million words, and the code source is left out. The first
    # dedup job must stop the chain with the reason.
    recipe = load_recipe(DEMO, [f"data_root={sample_corpus}", *ON_CLUSTER, "stages.quality.min_words=1000000"])
    recipe = recipe.model_copy(update={"sources": [s for s in recipe.sources if s.kind != "code"]})
    scripts = submit_slurm(recipe, run)
    states = wait_for_jobs([j.job_id for j in scripts.jobs])
    names = [j.name.rsplit("-", 1)[-1] for j in scripts.jobs]
    assert states[scripts.jobs[0].job_id] == "COMPLETED"  # the filter pass itself ran
    failed = states[scripts.jobs[names.index("dedup_index")].job_id]
    assert failed == "FAILED", states
    # Every later job was cancelled for its unmet dependency, none ran.
    assert all(states[j.job_id] == "CANCELLED" for j in scripts.jobs[names.index("dedup_index") + 1 :]), states
    logs = "".join(p.read_text() for p in (run / "slurm" / "logs" / "dedup_index").rglob("*.out"))
    assert "no documents survived" in logs
    assert not (run / "manifest.json").exists()
