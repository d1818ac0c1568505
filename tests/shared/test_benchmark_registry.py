"""The benchmark registry: local folders, hub datasets (through `datasets`), field mapping and its errors."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import DataError
from pipeline.shared.benchmarks import registry
from pipeline.shared.benchmarks.registry import SPECS, HubSource, expand_names, load_benchmark


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s.local and n != "math"))
def test_every_local_test_set_maps_to_items(shared_dir, name):
    items = load_benchmark(name, shared_dir / "benchmarks")
    assert items and all(i.question.strip() for i in items)
    assert items[0].id == f"{name}/test/0" and len({i.id for i in items}) == len(items)
    if name not in ("minerva_math",):
        assert sum(bool(i.answer) for i in items) >= 0.95 * len(items)


def test_counts_match_the_published_sizes(shared_dir):
    sizes = {
        "gsm8k": 1319,
        "math500": 500,
        "mmlu_stem": 3018,
        "cmath": 1098,
        "gaokao_math_cloze": 118,
        "gaokao_math_qa": 351,
        "minerva_math": 272,
        "sat_math": 32,
        "aime24": 30,
        "amc23": 40,
        "olympiadbench": 675,
        "college_math": 2818,
        "svamp": 1000,
        "asdiv": 2215,
    }
    for name, n in sizes.items():
        assert len(load_benchmark(name, shared_dir / "benchmarks")) == n, name


def test_every_required_benchmark_is_registered():
    required = {
        "gsm8k",
        "math",
        "math500",
        "mmlu_stem",
        "cmath",
        "gaokao_math_cloze",
        "gaokao_math_qa",
        "minerva_math",
        "sat_math",
        "aime24",
        "amc23",
        "olympiadbench",
        "college_math",
        "svamp",
        "asdiv",
    }
    assert required <= set(SPECS)
    assert set(expand_names(["all"])) == set(SPECS) and expand_names(["gsm8k,cmath", "gsm8k"]) == ["gsm8k", "cmath"]


def test_missing_field_names_file_line_and_field(tmp_path):
    (tmp_path / "gsm8k").mkdir()
    (tmp_path / "gsm8k" / "test.jsonl").write_text('{"question": "q1", "answer": "r #### 1"}\n{"question": "q2"}\n')
    with pytest.raises(DataError, match=r"gsm8k/test.jsonl:2: a gsm8k record needs the field 'answer'"):
        load_benchmark("gsm8k", tmp_path)


def test_empty_benchmark_is_an_error(tmp_path):
    (tmp_path / "svamp").mkdir()
    (tmp_path / "svamp" / "test.jsonl").write_text("\n")
    with pytest.raises(DataError, match="has no items"):
        load_benchmark("svamp", tmp_path)


def test_unknown_name_lists_known():
    with pytest.raises(DataError, match="unknown benchmark 'gsm9k'; known: .*gsm8k"):
        load_benchmark("gsm9k")


def test_hub_loader_through_datasets(tmp_path, monkeypatch):
    """The hub path is `datasets.load_dataset(id, config, split)`; here the id is a local dataset repo with two
    configs (declared in its README like hub repos do), since tests have no network."""
    folder = tmp_path / "fake_hub_math"
    card = ["---", "configs:"]
    for config, rows in {
        "algebra": [("Solve $x+1=2$.", "So $x=\\boxed{1}$.")],
        "geometry": [("Find the area of a unit square.", "It is $\\boxed{\\frac{2}{2}}$.")],
    }.items():
        (folder / config).mkdir(parents=True)
        (folder / config / "test.jsonl").write_text(
            "".join(
                json.dumps({"problem": p, "solution": s, "level": "Level 1", "type": config}) + "\n" for p, s in rows
            )
        )
        card += [f"- config_name: {config}", "  data_files:", "  - split: test", f"    path: {config}/test.jsonl"]
    (folder / "README.md").write_text("\n".join(card + ["---", ""]))
    local_hub = HubSource(str(folder), "test", SPECS["math"].hub.fields, configs=("algebra", "geometry"))
    monkeypatch.setitem(registry.SPECS, "math", registry.BenchmarkSpec("math", "en", None, local_hub))
    items = load_benchmark("math")
    assert [(i.id, i.answer) for i in items] == [("math/test/0", "1"), ("math/test/1", "\\frac{2}{2}")]


def test_hub_failure_says_how_to_work_offline(monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="cannot load hub dataset openai/gsm8k .*--benchmarks-dir"):
        load_benchmark("gsm8k")
