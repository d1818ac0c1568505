"""Strict configuration: every YAML in the repository validates; typos and bad values name file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ablation.plan import plan_ablation
from pipeline.config.ablation import AblationConfig
from pipeline.config.eval import EvalConfig
from pipeline.config.files import load_any
from pipeline.config.instruct import GRPOConfig, RewardModelConfig, SampleConfig, SFTDataConfig
from pipeline.config.recipe import Recipe, load_recipe
from pipeline.config.train import TrainConfig, load_train_config
from pipeline.data.recipe_run import check_recipe
from pipeline.errors import ConfigError
from pipeline.eval.tasks import check_tasks
from pipeline.shared.benchmarks.registry import expand_names, known
from tests.conftest import ROOT, run_cli

YAML_FILES = sorted(p for d in ("data_recipes", "configs") for p in (ROOT / d).rglob("*.yaml"))


def test_repository_has_recipes_and_configs():
    names = {p.relative_to(ROOT).as_posix() for p in YAML_FILES}
    assert "data_recipes/demo.yaml" in names and "configs/tiny_cpu.yaml" in names


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_yaml_validates(path: Path):
    config = load_any(path)
    kinds = (
        Recipe,
        TrainConfig,
        EvalConfig,
        SampleConfig,
        SFTDataConfig,
        RewardModelConfig,
        GRPOConfig,
        AblationConfig,
    )
    assert isinstance(config, kinds)
    # ... and passes the checks against the stages' tables that runs do at start (benchmarks, templates, tasks)
    if isinstance(config, Recipe):
        check_recipe(config, str(path))
    elif isinstance(config, (TrainConfig, EvalConfig)):
        check_tasks(config.train.task_eval if isinstance(config, TrainConfig) else config.benchmarks)
    elif isinstance(config, AblationConfig):
        plan_ablation(config)  # every variant's recipe and training config resolve and validate
    elif isinstance(config, SampleConfig):
        expand_names(config.decontamination.benchmarks)
        for source in config.problems:
            assert source.benchmark is None or source.benchmark in known()


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "recipe.yaml"
    p.write_text(text)
    return p


MINIMAL = "name: t\nsources:\n  - {name: web, kind: web, path: x.jsonl, weight: 1}\n"


def test_misspelled_key_names_file_and_path(tmp_path):
    p = write(tmp_path, MINIMAL.replace("weight: 1", "wieght: 1"))
    with pytest.raises(ConfigError) as e:
        load_recipe(p)
    msg = str(e.value)
    assert str(p) in msg and "sources.0.wieght: unknown key" in msg


def test_nested_unknown_key(tmp_path):
    p = write(tmp_path, MINIMAL + "stages:\n  dedup:\n    nearr: true\n")
    with pytest.raises(ConfigError, match=r"stages\.dedup\.nearr: unknown key"):
        load_recipe(p)


def test_invalid_value_is_named(tmp_path):
    p = write(tmp_path, MINIMAL.replace("weight: 1", "weight: -2"))
    with pytest.raises(ConfigError, match=r"sources\.0\.weight: Input should be greater than 0"):
        load_recipe(p)


def test_unknown_benchmark_in_recipe(tmp_path):
    p = write(tmp_path, MINIMAL + "stages:\n  decontamination:\n    benchmarks: [gsm8k, gsm9k]\n")
    with pytest.raises(ConfigError, match=r"stages\.decontamination\.benchmarks: .*unknown benchmark\(s\) \['gsm9k'\]"):
        check_recipe(load_recipe(p), str(p))


def test_duplicate_source_names(tmp_path):
    p = write(tmp_path, MINIMAL + "  - {name: web, kind: books, path: y.jsonl, weight: 1}\n")
    with pytest.raises(ConfigError, match="source names must be unique"):
        load_recipe(p)


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "{name: s, kind: code, path: x, format: jsonl, code: {max_file_bytes: 10}, weight: 1}",
            r"sources\.0: .*code: settings apply to format: code_repos, this source's format is jsonl",
        ),
        (
            "{name: s, kind: books, path: x, format: jsonl, book: {split: file}, weight: 1}",
            r"book: settings apply to format: latex or book_text",
        ),
        (
            "{name: s, kind: exams, path: x, format: jsonl, qa_format: {}, weight: 1}",
            r"qa_format: settings apply to format: qa_jsonl",
        ),
        (
            "{name: s, kind: books, path: x, format: latex, content: html, weight: 1}",
            r"format: latex reads its files as text .*remove content: html",
        ),
        (
            "{name: s, kind: web, path: x, format: code_repos, content: html, weight: 1}",
            r"format: code_repos reads its files as text",
        ),
    ],
)
def test_format_settings_only_on_their_format(tmp_path, source, message):
    """A settings section on a format that ignores it is an error, not silently dropped."""
    with pytest.raises(ConfigError, match=message):
        load_recipe(write(tmp_path, f"name: t\nsources:\n  - {source}\n"))


def test_format_settings_are_filled_with_defaults(tmp_path):
    recipe = load_recipe(
        write(
            tmp_path,
            "name: t\nsources:\n"
            "  - {name: b, kind: books, path: x, format: latex, weight: 1}\n"
            "  - {name: c, kind: code, path: y, format: code_repos, weight: 1}\n"
            "  - {name: q, kind: exams, path: z, format: qa_jsonl, weight: 1}\n",
        )
    )
    b, c, q = recipe.sources
    assert b.book.split == "chapter" and c.code is not None and q.qa_format is not None
    assert b.code is None and c.book is None and b.resolved_content == c.resolved_content == "text"


def test_yaml_syntax_error_names_line(tmp_path):
    p = write(tmp_path, "name: t\nsources: [\n")
    with pytest.raises(ConfigError, match=r"line \d+"):
        load_recipe(p)


def test_unsafe_yaml_tag_is_rejected(tmp_path):
    p = write(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_recipe(p)


def test_set_overrides_are_parsed_and_validated(tmp_path):
    p = write(tmp_path, MINIMAL)
    r = load_recipe(p, ["stages.language.languages=[en, zh]", "sources.0.weight=2.5", "stages.dedup.near=false"])
    assert r.stages.language.languages == ["en", "zh"] and r.sources[0].weight == 2.5 and not r.stages.dedup.near
    with pytest.raises(ConfigError, match=r"stages\.dedup\.nearr: unknown key"):
        load_recipe(p, ["stages.dedup.nearr=false"])
    with pytest.raises(ConfigError, match="not an index"):
        load_recipe(p, ["sources.5.weight=1"])
    with pytest.raises(ConfigError, match="expected KEY.PATH=VALUE"):
        load_recipe(p, ["stages.dedup.near"])


def test_train_config_cross_field_checks(tmp_path):
    cfg = (ROOT / "configs" / "tiny_cpu.yaml").read_text().replace("num_key_value_heads: 2", "num_key_value_heads: 3")
    p = tmp_path / "bad.yaml"
    p.write_text(cfg)
    with pytest.raises(ConfigError, match="divisible by num_key_value_heads"):
        load_train_config(p)


def test_dry_run_prints_resolved_config():
    r = run_cli("data", "data_recipes/demo.yaml", "--set", "stages.math.min_score=0.3", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "min_score: 0.3" in r.stdout and "name: demo" in r.stdout


def test_cli_config_error_is_one_paragraph_exit_2(tmp_path):
    p = write(tmp_path, MINIMAL.replace("kind: web", "kind: podcasts"))
    r = run_cli("data", str(p), "--dry-run")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and str(p) in r.stderr and "sources.0.kind" in r.stderr


@pytest.mark.parametrize(
    "name, hidden, world_sizes",
    [
        ("qwen2_1.5b", 1536, [8, 16, 32]),
        ("qwen2_7b", 3584, [8, 16, 64]),
        ("qwen2_72b", 8192, [64, 128, 256]),
    ],
)
def test_qwen2_configs_plan_batches_and_deepspeed_without_weights(name, hidden, world_sizes):
    from pipeline.train.trainer import batch_plan, deepspeed_config

    cfg = load_train_config(ROOT / "configs" / f"{name}.yaml")
    assert cfg.model.init == "pretrained" and cfg.data.seq_len == 4096 and cfg.deepspeed.precision == "bf16"
    for world in world_sizes:
        plan = batch_plan(cfg, world)
        assert plan.global_batch_size * plan.seq_len == 1024 * 4096
        ds = deepspeed_config(cfg, plan, ROOT / "configs", hidden)
        assert ds["zero_optimization"]["stage"] == 3 and ds["bf16"] == {"enabled": True}
        assert ds["zero_optimization"]["reduce_bucket_size"] == hidden * hidden
        assert ds["optimizer"]["params"]["betas"] == [0.9, 0.95] and ds["optimizer"]["params"]["weight_decay"] == 0.1
        assert ds["train_batch_size"] == plan.micro_batch_size * world * plan.grad_accum
