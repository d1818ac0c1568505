"""Fuzzing the recipe and config loaders (pipeline/config/base.py and the schemas) and `--set` override parsing.

    .venv/bin/python -m pytest tests/fuzz/test_fuzz_config.py -q
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz/test_fuzz_config.py -q

The contract (README, "Bad input, and what is fatal"; tests/config/test_config.py): any bad YAML, unknown key, wrong
type or bad override is a ConfigError whose message names the file (and the key path); nothing else escapes.
Seeds: data_recipes/demo.yaml, configs/tiny_cpu.yaml and configs/eval/qwen2_math_base.yaml.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.config.eval import load_eval_config
from pipeline.config.recipe import load_recipe
from pipeline.config.train import load_train_config
from pipeline.errors import ConfigError
from tests.conftest import ROOT
from tests.fuzz.fuzzing import DEEP, mutated, run_item

SEEDS = {
    "recipe": (ROOT / "data_recipes" / "demo.yaml", load_recipe),
    "train": (ROOT / "configs" / "tiny_cpu.yaml", load_train_config),
    "eval": (ROOT / "configs" / "eval" / "qwen2_math_base.yaml", load_eval_config),
}
YAML_TOKENS = [
    b"[",
    b"]",
    b"{",
    b"}",
    b": ",
    b"- ",
    b"\n  ",
    b"\t",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"!!binary ",
    b"? ",
    b"'",
    b'"',
    b"#",
    b"---\n",
    b"...\n",
    b"|\n",
    b"%YAML 1.1\n",
    b"\x00",
    b"9" * 5000,
    b".nan",
    b"-.inf",
    b"~",
]
YAML_NESTS = [(b"[", b"]"), (b"{a: ", b"}"), (b"- ", b""), (b"\n" + b" " * 2 + b"a:", b"")]


def load(kind: str, path: Path, overrides: list[str] | None = None):
    return SEEDS[kind][1](path, overrides)


def expect_config_error_or_ok(kind: str, path: Path, overrides: list[str] | None = None):
    """The loader returns a config or raises a ConfigError that names the file; None for a ConfigError."""
    try:
        return run_item(f"config:{kind}", load, kind, path, overrides, nbytes=path.stat().st_size)
    except ConfigError as e:
        assert str(path) in str(e), f"the error does not name the file: {e}"
        return None


# ------------------------------------------------------------------------------------------------ mutated bytes


@pytest.mark.parametrize("kind", sorted(SEEDS))
@given(data=st.data())
def test_mutated_config_files_load_or_name_the_file(tmp_path, kind, data):
    seed = SEEDS[kind][0].read_bytes()
    raw = data.draw(mutated(seed, YAML_TOKENS, YAML_NESTS), label="yaml")
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(raw)
    expect_config_error_or_ok(kind, path)


# ------------------------------------------------------------------------------------------------ wrong types


def _deep(depth: int) -> object:
    out: object = 1
    for _ in range(depth):
        out = [out]
    return out


WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.just("x" * 2_000_000),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from([50, 500]).map(_deep),  # deeper values are built as text (yaml.safe_dump recurses)
)


def dump(raw: dict) -> str:
    return yaml.dump(raw, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))  # C speed for the 2 MB strings


def _paths(node, prefix=()) -> list[tuple]:
    """Every key path of a loaded YAML document (mapping keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _set(node, path: tuple, value) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@pytest.mark.parametrize("kind", sorted(SEEDS))
@given(data=st.data())
def test_wrong_types_are_errors_naming_the_key_path(tmp_path, kind, data):
    raw = yaml.safe_load(SEEDS[kind][0].read_text())
    key_path = data.draw(st.sampled_from(_paths(raw)), label="key path")
    value = data.draw(WRONG_VALUES, label="value")
    _set(raw, key_path, value)
    path = tmp_path / f"{kind}.yaml"
    path.write_text(dump(raw))
    try:
        run_item(f"config:{kind}", load, kind, path, nbytes=path.stat().st_size)
    except ConfigError as e:
        message = str(e)
        assert str(path) in message
        dotted = [".".join(str(p) for p in key_path[:n]) for n in range(1, len(key_path) + 1)]
        assert "(top level)" in message or any(f"{d}:" in message or f"{d}." in message for d in dotted), (
            f"the error names no part of the key path {'.'.join(map(str, key_path))}: {message[:500]}"
        )


@given(data=st.data())
def test_unknown_keys_anywhere_in_a_recipe_are_named(tmp_path, data):
    raw = yaml.safe_load(SEEDS["recipe"][0].read_text())
    mappings = [p for p in [(), *_paths(raw)] if isinstance(_get(raw, p), dict)]
    where = data.draw(st.sampled_from(mappings), label="mapping")
    key = "zz" + data.draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12), label="key")
    _get(raw, where)[key] = data.draw(WRONG_VALUES, label="value")
    path = tmp_path / "recipe.yaml"
    path.write_text(dump(raw))
    with pytest.raises(ConfigError) as e:
        run_item("config:recipe", load, "recipe", path)
    dotted = ".".join(str(p) for p in (*where, key))
    assert str(path) in str(e.value) and f"{dotted}: unknown key" in str(e.value)


def _get(node, path: tuple):
    for part in path:
        node = node[part]
    return node


# ------------------------------------------------------------------------------------------------ --set overrides

KEY_PARTS = st.one_of(
    st.sampled_from(["name", "seed", "sources", "0", "1", "99", "-1", "weight", "stages", "dedup", "near", "executor"]),
    st.text(max_size=8),
)
OVERRIDE_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["[" * DEEP, "{a: " * 2000, "9" * 5000, "&a [*a]", "!!python/object:os.system x", "2001-13-45"]),
    st.sampled_from(["true", "null", "[en, zh]", "{a: 1}", "1e999", ".nan", "0x1F", "'unclosed"]),
)


@st.composite
def overrides(draw) -> str:
    key = ".".join(draw(st.lists(KEY_PARTS, min_size=1, max_size=4)))
    if draw(st.integers(0, 9)) == 0:
        return key  # no "="
    return f"{key}={draw(OVERRIDE_VALUES)}"


@given(sets=st.lists(overrides(), min_size=1, max_size=3))
@example(sets=["seed=" + "[" * DEEP])
@example(sets=["seed=" + "9" * 5000])
@example(sets=["seed=2001-13-45"])
def test_overrides_load_or_name_the_file(tmp_path, sets):
    path = tmp_path / "recipe.yaml"
    path.write_bytes(SEEDS["recipe"][0].read_bytes())
    recipe = expect_config_error_or_ok("recipe", path, sets)
    if recipe is not None and isinstance(recipe.seed, float):
        assert not math.isnan(recipe.seed)


# ------------------------------------------------------------------------------------------------ regressions
# Inputs the fuzzer found crashing (a traceback instead of a ConfigError), kept as plain tests.


@pytest.mark.parametrize(
    "text",
    [
        "name: x\nsources: " + "[" * DEEP + "]" * DEEP + "\n",  # RecursionError in the YAML composer
        "name: x\nsources: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
        "name: x\nseed: " + "9" * 5000 + "\nsources: []\n",  # ValueError: int() over 4,300 digits
        "name: x\nseed: 2001-13-45\nsources: []\n",  # ValueError from the timestamp constructor
    ],
    ids=["deep_flow_list", "deep_flow_map", "huge_int", "bad_timestamp"],
)
def test_regression_yaml_that_crashed_the_loader(tmp_path, text):
    path = tmp_path / "recipe.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=str(path)):
        load_recipe(path)


def test_regression_a_key_written_twice_is_an_error_not_the_last_one_silently(tmp_path):
    # YAML keeps the last of two equal keys: a second `stages:` section silently replaced the first
    path = tmp_path / "recipe.yaml"
    path.write_text(SEEDS["recipe"][0].read_text() + "stages: {}\n")
    with pytest.raises(ConfigError, match=r"line \d+, column 1 invalid YAML: key 'stages' appears twice"):
        load_recipe(path)
