"""A data recipe: name, seed, data_root, sources, stages, mixture, executor.

    mathcpt data data_recipes/demo.yaml --dry-run

`load_recipe` fills `data_root` with the recipe's folder when unset, so relative source paths resolve against it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from pipeline.config.base import Strict, load
from pipeline.config.executor import ExecutorConfig
from pipeline.config.sources import SourceConfig
from pipeline.config.stages import MixtureConfig, Stages


class Recipe(Strict):
    name: str
    seed: int = 0
    data_root: str | None = Field(default=None, description="base for relative source paths; default recipe folder")
    sources: list[SourceConfig] = Field(min_length=1)
    stages: Stages = Stages()
    mixture: MixtureConfig = MixtureConfig()
    executor: ExecutorConfig = ExecutorConfig()

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in sources]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"source names must be unique, repeated: {dup}")
        return sources


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    recipe = load(Recipe, path, overrides)
    if recipe.data_root is None:
        recipe.data_root = str(Path(path).resolve().parent)
    return recipe
