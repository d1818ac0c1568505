"""The mixture plan: weights and budgets to planned tokens, epochs and effective shares; its errors."""

from __future__ import annotations

import pytest

from pipeline.config.recipe import Recipe
from pipeline.data.mixture import plan_mixture
from pipeline.errors import ConfigError


def recipe(*sources: dict, **mixture) -> Recipe:
    return Recipe.model_validate(
        {"name": "t", "sources": [{"kind": "web", "path": "x", **s} for s in sources], "mixture": mixture}
    )


def test_weights_and_budgets():
    r = recipe({"name": "a", "weight": 3}, {"name": "b", "weight": 1}, {"name": "c", "tokens": 200}, total_tokens=1000)
    plan = plan_mixture(
        r,
        {
            "a": {"tokens": 1000, "documents": 5},
            "b": {"tokens": 100, "documents": 1},
            "c": {"tokens": 400, "documents": 2},
        },
    )
    assert [plan[n]["planned_tokens"] for n in "abc"] == [600, 200, 200]
    assert [plan[n]["epochs"] for n in "abc"] == [0.6, 2.0, 0.5]
    assert [plan[n]["share"] for n in "abc"] == [0.6, 0.2, 0.2]


def test_source_without_tokens_is_named():
    r = recipe({"name": "a", "weight": 1}, {"name": "empty", "weight": 1})
    with pytest.raises(ConfigError, match=r"sources \['empty'\]: no tokens left"):
        plan_mixture(r, {"a": {"tokens": 10, "documents": 1}, "empty": {"tokens": 0, "documents": 0}})


def test_epoch_cap_error_or_warning():
    available = {"a": {"tokens": 100, "documents": 1}}
    with pytest.raises(ConfigError, match=r"sources\.a: .* = 5\.00 epochs .* over max_epochs=4\.0"):
        plan_mixture(recipe({"name": "a", "weight": 1}, total_tokens=500), available)
    plan = plan_mixture(recipe({"name": "a", "weight": 1}, total_tokens=500, on_exceeding_max_epochs="warn"), available)
    assert plan["a"]["epochs"] == 5.0


def test_budgets_that_leave_nothing_for_weighted_sources():
    r = recipe({"name": "a", "weight": 1}, {"name": "b", "tokens": 1000}, total_tokens=1000)
    with pytest.raises(ConfigError, match="leaves nothing"):
        plan_mixture(r, {"a": {"tokens": 10, "documents": 1}, "b": {"tokens": 1000, "documents": 1}})


def test_zero_or_negative_weight_is_rejected():
    with pytest.raises(Exception, match="greater than 0"):
        recipe({"name": "a", "weight": 0})
