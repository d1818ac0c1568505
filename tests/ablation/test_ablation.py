"""mathcpt ablate: shared data runs, strict variant keys, the comparison's statistics, and a real small ablation
(2 data runs, 3 trained proxies, scoring, report with plots, resume that reruns nothing).

    .venv/bin/python -m pytest tests/ablation
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from pipeline.ablation.plan import plan_ablation
from pipeline.ablation.score import compare
from pipeline.config.ablation import load_ablation_config
from pipeline.errors import ConfigError
from tests.conftest import ROOT

VARIANTS = [
    {"name": "base"},
    {"name": "no_math_filter", "recipe": {"stages.math.apply_to": []}},
    {"name": "no_replay", "train": {"data.weights": {"web": 0.5, "books": 0.15, "code": 0.1, "exams": 0.15,
                                                     "synthetic": 0.1}}},
]  # fmt: skip


def ablation_file(tmp_path, corpus, **extra) -> str:
    cfg = {"name": "t", "output_dir": str(tmp_path / "abl"), "recipe": str(ROOT / "data_recipes/demo_replay.yaml"),
           "train": str(ROOT / "configs/tiny_cpu.yaml"), "data_root": str(corpus), "variants": VARIANTS,
           "seeds": [0], "tokens": 5 * 2048, "nproc": 1,
           "scoring": {"reference": "base", "max_documents": 20, "bootstrap": 200}, **extra}  # fmt: skip
    path = tmp_path / "ablation.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return str(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from pipeline.sample.corpus import generate_sample_corpus

    out = tmp_path_factory.mktemp("corpus")
    generate_sample_corpus(out, seed=0, scale=0.5)
    return out


def test_variants_that_differ_only_in_training_share_one_data_run(tmp_path, corpus):
    plan = plan_ablation(load_ablation_config(ablation_file(tmp_path, corpus, seeds=[0, 1])))
    runs = {tuple(d.variants): d for d in plan.data_runs}
    assert set(runs) == {("base", "no_replay"), ("no_math_filter",)}
    # the variant with its own data tokenizes with the reference run's tokenizer, so the models compare per token
    base = runs[("base", "no_replay")]
    assert any(s.startswith("stages.tokenizer.path=") and str(base.folder) in s for s in runs[("no_math_filter",)].sets)
    assert not any(s.startswith("stages.tokenizer.path=") for s in base.sets)
    assert len(plan.train_runs) == 6 and {t.max_steps for t in plan.train_runs} == {5}
    assert {t.tokens for t in plan.train_runs} == {5 * 2048}


@pytest.mark.parametrize("variant, message", [
    ({"name": "x", "recipe": {"stages.math.min_scor": 1}}, "variant x, recipe.*stages.math.min_scor: unknown key"),
    ({"name": "x", "train": {"data.weight": {"web": 1}}}, "variant x, train.*data.weight"),
])  # fmt: skip
def test_a_misspelled_variant_key_names_the_variant_and_the_key(tmp_path, corpus, variant, message):
    with pytest.raises(ConfigError, match=message):
        plan_ablation(load_ablation_config(ablation_file(tmp_path, corpus, variants=[VARIANTS[0], variant])))


def fake_scores(bpb_per_seed: list[float], n: int = 50, noise: float = 0.0, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    nbytes = rng.integers(200, 400, size=n)
    out = {}
    for s, bpb in enumerate(bpb_per_seed):
        nll = nbytes * np.log(2) * (bpb + noise * rng.standard_normal(n))
        out[s] = {"web": {"nll": nll, "bytes": nbytes, "tokens": nbytes // 4}}
    return out


def test_a_difference_beyond_the_seed_spread_is_called_so_and_one_within_it_is_not():
    clear = compare({"a": fake_scores([1.00, 1.01, 0.99]), "b": fake_scores([0.90, 0.91, 0.89])}, 500)
    (d,) = clear["differences"]
    assert d["bpb_b_minus_a"] == pytest.approx(-0.1, abs=1e-6) and d["ci95"][1] < 0 and d["beyond_seed_spread"]
    assert clear["variants"]["a"]["web"]["seed_std"] == pytest.approx(0.01, abs=1e-6)
    within = compare({"a": fake_scores([1.00, 1.05, 0.95]), "b": fake_scores([0.99, 1.04, 0.94])}, 500)
    assert not within["differences"][0]["beyond_seed_spread"]  # 0.01 apart, seeds 0.05 apart


@pytest.mark.slow
def test_a_small_ablation_trains_scores_reports_and_resumes_without_rerunning(tmp_path, corpus):
    config = ablation_file(tmp_path, corpus)
    run = lambda: subprocess.run([sys.executable, "-m", "pipeline.cli", "ablate", config], cwd=ROOT,  # noqa: E731
                                 capture_output=True, text=True, timeout=900)  # fmt: skip
    first = run()
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = tmp_path / "abl"
    summary = json.loads((out / "ablation.json").read_text())
    assert len(summary["plan"]["data_runs"]) == 2 and len(list((out / "logs").glob("data_*.log"))) == 2
    for png in ("loss_curves.png", "bpb_by_source.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.md").read_text()
    assert "| general" in report and "bench/mini_gsm" in report and "no_math_filter" in report
    table = summary["comparison"]["variants"]
    assert set(table) == {"base", "no_math_filter", "no_replay"}
    assert {"general", "web", "bench/mini_gsm"} <= set(table["base"])
    for v in table.values():
        for cell in v.values():
            assert 0 < cell["bpb_ci95"][0] <= cell["bpb"] <= cell["bpb_ci95"][1] < 20
    # one tokenizer for every variant: the data run without the math filter used the reference's
    tokenizers = {hashlib.sha256((out / "data" / d["key"] / "tokenizer" / "tokenizer.json").read_bytes()).hexdigest()
                  for d in summary["plan"]["data_runs"]}  # fmt: skip
    assert len(tokenizers) == 1
    # the same command again: every run is complete, nothing is retrained, the comparison is the same
    again = run()
    assert again.returncode == 0, again.stderr[-3000:]
    resumed = json.loads((out / "ablation.json").read_text())
    assert resumed["seconds"]["train"] == 0 and resumed["seconds"]["data"] == 0
    assert resumed["comparison"] == summary["comparison"]
