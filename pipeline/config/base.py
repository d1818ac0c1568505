"""Strict YAML loading shared by every schema: safe load, `--set` overrides, validation errors as one paragraph.

    mathcpt data data_recipes/demo.yaml --set stages.dedup.near=false --dry-run
    mathcpt train configs/tiny_cpu.yaml --set train.max_steps=5 --dry-run

YAML goes through `yaml.safe_load` only; the result is validated by pydantic models that forbid extra keys (`Strict`),
so a misspelled key is an error naming the file and the key path (`sources.2.wieght`) instead of a silently ignored
setting. `--set a.b=c` overrides are applied to the raw mapping before validation, so they are checked exactly like
keys written in the file. A key written twice in one mapping is an error too (YAML keeps the last one silently), and
so is a document nested deeper than libyaml's limit of 1,000 levels (found by tests/fuzz/test_fuzz_config.py: the pure
Python parser took seconds and then overflowed the stack).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import ConfigError


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


M = TypeVar("M", bound=BaseModel)
MAX_PROBLEMS = 10  # a validation error lists this many problems, then how many more there are


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: C speed and a nesting limit
    """The safe loader, refusing a key repeated in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if (key_node.tag, key_node.value) in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key_node.value!r} appears twice in one mapping", key_node.start_mark
                    )
                seen.add((key_node.tag, key_node.value))
        return super().construct_mapping(node, deep)


def safe_load(text: str) -> Any:
    """yaml.safe_load through _Loader; a value no constructor can build (`seed: 2001-13-45`, an integer of more than
    4,300 digits) or a document nested too deeply is a yaml.YAMLError like any syntax error."""
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader: no arbitrary objects
    except (ValueError, OverflowError, RecursionError) as e:
        raise yaml.YAMLError(f"invalid value ({type(e).__name__}: {str(e)[:200]})") from None


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Safe-load a YAML mapping, with errors that name the file (and line for syntax errors)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read ({e})") from None
    try:
        raw = safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(raw).__name__}")
    return raw


def apply_overrides(raw: dict[str, Any], overrides: list[str], origin: str) -> dict[str, Any]:
    """Apply `a.b.c=value` overrides; the value is parsed as YAML (so `true`, `3`, `[en, zh]` work).

    List items are addressed by index (`sources.0.weight=2`). Keys that do not exist yet are created and then
    rejected by validation if the schema does not know them, so a typo in --set is caught like one in the file.
    """
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{origin}: --set {item!r}: expected KEY.PATH=VALUE")
        key, value_text = item.split("=", 1)
        parts = key.strip().split(".")
        try:
            value = safe_load(value_text)
        except yaml.YAMLError:
            value = value_text  # not YAML: the string as given (validation says whether a string is wanted)
        node: Any = raw
        for i, part in enumerate(parts[:-1]):
            node = _child(node, part, create=True, where=f"{origin}: --set {key}")
        last = parts[-1]
        if isinstance(node, list):
            node[_index(node, last, f"{origin}: --set {key}")] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ConfigError(f"{origin}: --set {key}: {'.'.join(parts[:-1])} is not a mapping or list")
    return raw


def _index(node: list, part: str, where: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ConfigError(f"{where}: {part!r} is not an index of a list of {len(node)} items")
    return int(part)


def _child(node: Any, part: str, create: bool, where: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, where)]
    if isinstance(node, dict):
        if part not in node or node[part] is None:
            if not create:
                raise ConfigError(f"{where}: no key {part!r}")
            node[part] = {}
        return node[part]
    raise ConfigError(f"{where}: cannot descend into {part!r}")


def validate(model: type[M], raw: dict[str, Any], origin: str) -> M:
    """Validate a raw mapping, turning pydantic's report into one paragraph naming file and key paths."""
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        problems = []
        errors = e.errors()
        for err in errors[:MAX_PROBLEMS]:
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            if err["type"] == "extra_forbidden":
                problems.append(f"{loc}: unknown key (check the spelling; see the recipe reference in README.md)")
            else:
                problems.append(f"{loc}: {err['msg']}")
        if len(errors) > MAX_PROBLEMS:
            problems.append(f"and {len(errors) - MAX_PROBLEMS} more")
        raise invalid(model.__name__.lower(), origin, problems) from None


def invalid(kind: str, origin: str, problems: list[str]) -> ConfigError:
    """One paragraph for every problem of a config: the schema's own, and the checks the stages add at run start."""
    return ConfigError(f"{origin}: invalid {kind}: " + "; ".join(problems))


def load(model: type[M], path: str | Path, overrides: list[str] | None = None) -> M:
    raw = apply_overrides(read_yaml(path), list(overrides or []), str(path))
    return validate(model, raw, str(path))


def dump(config: BaseModel) -> str:
    """The resolved config as YAML (what --dry-run prints and what runs record next to their outputs)."""
    return yaml.safe_dump(json.loads(config.model_dump_json()), sort_keys=False)
