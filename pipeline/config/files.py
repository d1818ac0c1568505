"""Which schema a YAML file of the repository follows, by its folder: data_recipes/ → Recipe, configs/eval/ →
EvalConfig, configs/instruct/ → by name (`sample_*` SampleConfig, `sft_data_*` SFTDataConfig, `rm_*`
RewardModelConfig, `grpo_*` GRPOConfig), configs/ → TrainConfig.

    python -m pytest tests/config/test_config.py -k every_yaml     # validates every YAML in the repository
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from pipeline.config.eval import load_eval_config
from pipeline.config.instruct import (
    load_grpo_config,
    load_reward_model_config,
    load_sample_config,
    load_sft_data_config,
)
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
    if "configs" in parts and parts[parts.index("configs") + 1] == "instruct":
        loaders = {"sample_": load_sample_config, "sft_data_": load_sft_data_config, "rm_": load_reward_model_config,
                   "grpo_": load_grpo_config}  # fmt: skip
        for prefix, loader in loaders.items():
            if path.name.startswith(prefix):
                return loader(path, overrides)
        raise ConfigError(f"{path}: configs/instruct/ files are named sample_*, sft_data_*, rm_* or grpo_*")
    if "configs" in parts and parts[parts.index("configs") + 1] == "ablations":
        from pipeline.config.ablation import load_ablation_config

        return load_ablation_config(path, overrides)
    if "configs" in parts:
        return load_train_config(path, overrides)
    raise ConfigError(f"{path}: not under data_recipes/ or configs/, cannot tell which schema applies")
