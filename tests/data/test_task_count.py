"""The data run does not depend on how many tasks ran it: 1 task against 3 on the sample corpus.

.venv/bin/python -m pytest tests/data/test_task_count.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config.recipe import load_recipe
from pipeline.data.recipe_run import run_recipe
from pipeline.errors import DataError
from pipeline.train.data_loader import PackedMixture
from tests.conftest import ROOT

DEMO = ROOT / "data_recipes" / "demo.yaml"


def records(folder: Path) -> list[dict]:
    """Every document of a folder of task files, in the order the next pass reads them (file name order)."""
    return [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.read_text().splitlines()]


def run_folder(run: Path) -> dict:
    kept = {s.name: records(s) for s in sorted((run / "kept").iterdir())}
    dropped = {d.name: records(d) for d in sorted((run / "dropped").iterdir())}
    report = json.loads((run / "report.json").read_text())
    return {
        "kept": kept,
        "dropped": dropped,
        "manifest": json.loads((run / "manifest.json").read_text()),
        "stages": [(s["stage"], s["in"], s["out"], s["dropped"], s["skipped"]) for s in report["stages"]],
        "contamination": report["contamination"],
        "ground_truth": report["ground_truth"],
    }


@pytest.fixture(scope="module")
def runs(sample_corpus, tmp_path_factory) -> dict[int, Path]:
    out = {}
    for tasks, workers in ((1, 1), (3, 2)):
        run = tmp_path_factory.mktemp(f"tasks{tasks}") / "run"
        overrides = [f"data_root={sample_corpus}", f"executor.tasks={tasks}", f"executor.workers={workers}"]
        run_recipe(load_recipe(DEMO, overrides), run)
        out[tasks] = run
    return out


def test_every_per_document_pass_ran_on_every_task(runs):
    logs = runs[3] / "logs"
    for name in ["filter", "dedup_index", "dedup_buckets", "dedup", *(p.name for p in logs.glob("tokenize_*"))]:
        assert len(list((logs / name / "completions").iterdir())) == 3, name
    for name in ("dedup_plan", "decontamination_index", "tokenizer"):
        assert len(list((logs / name / "completions").iterdir())) == 1, name
    assert len(list((runs[3] / "tokens" / "web").glob("*.ds"))) > 1  # the stream really comes from several shards


def test_kept_dropped_and_manifest_are_the_same_documents_in_the_same_order(runs):
    one, three = run_folder(runs[1]), run_folder(runs[3])
    assert one["kept"] == three["kept"]  # ids, text and metadata, in order
    assert one["dropped"] == three["dropped"]  # the same drops, reasons and duplicate_of
    assert any(d["metadata"].get("duplicate_of") for d in one["dropped"]["near_dedup"])
    assert one["contamination"] == three["contamination"] and one["contamination"]["removals"]
    assert one["manifest"] == three["manifest"]
    assert one["stages"] == three["stages"] and one["ground_truth"] == three["ground_truth"]


def test_the_loader_gives_the_same_training_samples(runs):
    one, three = (PackedMixture(str(runs[n]), seq_len=64, seed=3) for n in (1, 3))
    for i in range(0, 400, 7):
        a, b = one.sample(i), three.sample(i)
        assert all(bool((a[k] == b[k]).all()) for k in a), i


def test_the_report_has_wall_cpu_and_memory_per_pass(runs):
    report = json.loads((runs[3] / "report.json").read_text())
    passes = report["passes"]
    assert list(passes)[:2] == ["filter", "dedup_index"] and passes["filter"]["tasks"] == 3
    assert passes["filter"]["wall_seconds"] > 0 and passes["filter"]["cpu_seconds"] > 0
    assert all(p["wall_seconds"] >= 0 and p["peak_rss_mb"] > 10 for p in passes.values())
    assert "| filter | 3 |" in (runs[3] / "report.md").read_text()


def test_resuming_with_another_task_count_is_refused_naming_executor_tasks(runs, sample_corpus):
    recipe = load_recipe(DEMO, [f"data_root={sample_corpus}", "executor.tasks=2"])
    with pytest.raises(DataError, match=r"was run with executor.tasks=3: resume it with executor.tasks=3"):
        run_recipe(recipe, runs[3])
