"""Which schema a YAML file of the repository follows, by its folder: data_recipes/ → Recipe, configs/eval/ →
EvalConfig, configs/ → TrainConfig.

    python -m pytest tests/config/test_config.py -k every_yaml     # validates every YAML in the repository
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from pipeline.config.eval import load_eval_config
from pipeline.config.recipe import load_recipe
from pipeline.config.train import load_train_config
from pipeline.errors import ConfigError


def load_any(path: str | Path, overrides: list[str] | None = None) -> BaseModel:
    """Validate any YAML in the repository by the kind its location says (used by the validate-all test)."""
    path = Path(path)
    parts = path.resolve().parts
    if "data_recipes" in parts:
        return load_recipe(path, overrides)
    if "configs" in parts and parts[parts.index("configs") + 1] == "eval":
        return load_eval_config(path, overrides)
    if "configs" in parts:
        return load_train_config(path, overrides)
    raise ConfigError(f"{path}: not under data_recipes/ or configs/, cannot tell which schema applies")
