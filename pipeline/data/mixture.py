"""The mixture manifest: tokens available per source and the plan the trainer samples by.

    mathcpt data data_recipes/demo.yaml      # writes OUT/manifest.json last

Per source: tokens and documents in its shards, normalised weight (= planned share of training tokens), planned
tokens and the epochs that plan implies. With `mixture.total_tokens` unset the plan is one pass worth of tokens
(the sum of all sources) split by weight. A plan that repeats a source more than its `max_epochs` is an error or a
warning (`mixture.on_exceeding_max_epochs`), never silently clipped.
"""

from __future__ import annotations

from loguru import logger

from pipeline.config import Recipe
from pipeline.errors import ConfigError


def plan_mixture(recipe: Recipe, available: dict[str, dict]) -> dict[str, dict]:
    """available: source → {"tokens", "documents"}; returns source → manifest entry."""
    total_weight = sum(s.weight for s in recipe.sources)
    total_tokens = recipe.mixture.total_tokens or sum(a["tokens"] for a in available.values())
    plan = {}
    for s in recipe.sources:
        have = available[s.name]["tokens"]
        share = s.weight / total_weight
        planned = int(round(total_tokens * share))
        if have == 0:
            raise ConfigError(
                f"sources.{s.name}: no tokens left after filtering; drop the source or lower its filters' thresholds"
            )
        epochs = planned / have
        if epochs > s.max_epochs:
            msg = (
                f"sources.{s.name}: the mixture plans {planned:,} tokens = {epochs:.2f} epochs of its {have:,} tokens, "
                f"over max_epochs={s.max_epochs}; lower its weight or mixture.total_tokens, or raise max_epochs"
            )
            if recipe.mixture.on_exceeding_max_epochs == "error":
                raise ConfigError(msg)
            logger.warning(msg)
        plan[s.name] = {
            "kind": s.kind,
            "weight": s.weight,
            "share": round(share, 6),
            "tokens": have,
            "documents": available[s.name]["documents"],
            "planned_tokens": planned,
            "epochs": round(epochs, 4),
            "max_epochs": s.max_epochs,
        }
    return plan
