"""The mixture plan: tokens available per source, tokens planned, epochs, effective share (manifest.json).

    mathcpt data data_recipes/demo.yaml      # writes OUT/manifest.json last

Per source a `weight` (share of training tokens) or an explicit `tokens` budget, and `max_epochs`. The total is
`mixture.total_tokens`, or one pass (the sum of all sources' tokens) when unset. Budgets are taken first; the rest
of the total is split by weight. A plan that repeats a source more than its `max_epochs` is an error or a warning
(`mixture.on_exceeding_max_epochs`), never silently clipped. The trainer samples by `share` (planned / total).
"""

from __future__ import annotations

from loguru import logger

from pipeline.config.recipe import Recipe
from pipeline.errors import ConfigError


def plan_mixture(recipe: Recipe, available: dict[str, dict]) -> dict[str, dict]:
    """available: source → {"tokens", "documents"}; returns source → manifest entry."""
    empty = [s.name for s in recipe.sources if available[s.name]["tokens"] == 0]
    if empty:
        raise ConfigError(f"sources {empty}: no tokens left after filtering; drop them or loosen their filters")
    total = recipe.mixture.total_tokens or sum(a["tokens"] for a in available.values())
    budgets = sum(s.tokens for s in recipe.sources if s.tokens is not None)
    weighted = [s for s in recipe.sources if s.weight is not None]
    if budgets > total or (budgets == total and weighted):
        raise ConfigError(
            f"mixture: token budgets add up to {budgets:,}, which leaves nothing of mixture.total_tokens={total:,} "
            f"for the weighted sources {[s.name for s in weighted]}"
        )
    total_weight = sum(s.weight for s in weighted)
    plan = {}
    for s in recipe.sources:
        have = available[s.name]["tokens"]
        planned = s.tokens if s.tokens is not None else int(round((total - budgets) * s.weight / total_weight))
        epochs = planned / have
        if epochs > s.max_epochs:
            knob = "its tokens budget" if s.tokens is not None else "its weight or mixture.total_tokens"
            msg = (
                f"sources.{s.name}: the mixture plans {planned:,} tokens = {epochs:.2f} epochs of its {have:,} "
                f"tokens, over max_epochs={s.max_epochs}; lower {knob}, or raise max_epochs"
            )
            if recipe.mixture.on_exceeding_max_epochs == "error":
                raise ConfigError(msg)
            logger.warning(msg)
        plan[s.name] = {
            "kind": s.kind,
            "weight": s.weight,
            "budget": s.tokens,
            "tokens": have,
            "documents": available[s.name]["documents"],
            "planned_tokens": planned,
            "epochs": round(epochs, 4),
            "max_epochs": s.max_epochs,
        }
    planned_total = sum(p["planned_tokens"] for p in plan.values())
    for p in plan.values():
        p["share"] = round(p["planned_tokens"] / planned_total, 6)  # the effective share the trainer samples by
    return plan
