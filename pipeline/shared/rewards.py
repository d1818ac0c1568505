"""Rewards of responses to math queries: the rule reward (our grader), a trained reward model, a user hook, and
their combination.

    mathcpt grpo configs/instruct/grpo_tiny_cpu.yaml       # `rewards:` of a GRPO config (pipeline.config.instruct)

* `rule`: 1.0 when the response's final answer grades equal to the gold (pipeline.shared.grading), else 0.0. A
  query whose gold cannot be graded never gets here: GRPO skips and counts it when it loads the queries
  (`gradable_gold`), so no response is ever rewarded against an unparsable gold.
* `reward_model`: the scalar a `mathcpt rm train` model gives the prompt and the response with its end of turn
  (pipeline.shared.reward_model), the text it was trained on.
* `shaping: qwen` (the default, Qwen2.5-Math's): r = σ(α·r_rm) + (r_rule − 1): σ lies in (0, 1), so every correct
  response outscores every wrong one and the reward model orders responses within each class. Without a reward
  model, r = r_rule. `shaping: sum`: r = r_rule + α·r_rm.
* `hook`: `module:function(prompts, responses, golds) -> [float]`, added to the total; its output is checked (one
  finite float per response), never trusted silently.

Every component is returned too, so GRPO logs each reward function's mean and spread per data source.
"""

from __future__ import annotations

import math
from typing import Callable

from pipeline.errors import DataError
from pipeline.shared.callables import import_callable
from pipeline.shared.grading import grade_response


def load_hook(spec: str | None) -> Callable | None:
    return import_callable(spec, "rewards.hook")


def combine(rule: float | None, rm: float | None, shaping: str, alpha: float) -> float:
    """The shaped reward of one response from its rule reward (0/1 or None) and reward-model score (or None)."""
    if rm is None:
        return float(rule or 0.0)
    if rule is None:
        return alpha * rm if shaping == "sum" else 1.0 / (1.0 + math.exp(-alpha * rm))
    if shaping == "sum":
        return rule + alpha * rm
    return 1.0 / (1.0 + math.exp(-alpha * rm)) + (rule - 1.0)


class Rewards:
    """Scores a batch of (prompt, response, gold, answer type); `scorer` is a RewardScorer (or None) and
    `end_of_turn` what generation stopped before (the reward model reads the response with it)."""

    def __init__(self, rule: bool, scorer=None, shaping: str = "qwen", alpha: float = 0.5, hook=None, end_of_turn=""):
        self.rule, self.scorer, self.shaping, self.alpha, self.hook = rule, scorer, shaping, alpha, hook
        self.end_of_turn = end_of_turn

    def __call__(self, prompts: list[str], responses: list[str], golds: list[str], answer_types: list[str]):
        """(total rewards, {component: values}) for every response."""
        parts: dict[str, list[float]] = {}
        if self.rule:
            parts["rule"] = [
                float(grade_response(r, g, t)[0]) if r.strip() else 0.0
                for r, g, t in zip(responses, golds, answer_types)
            ]
        if self.scorer is not None:
            parts["reward_model"] = self.scorer.score(prompts, [r.strip() + self.end_of_turn for r in responses])
        totals = [
            combine(parts["rule"][i] if self.rule else None, parts["reward_model"][i] if self.scorer else None,
                    self.shaping, self.alpha)
            for i in range(len(responses))
        ]  # fmt: skip
        if self.hook is not None:
            extra = self.hook(prompts, responses, golds)
            if not isinstance(extra, (list, tuple)) or len(extra) != len(responses):
                raise DataError(f"rewards.hook returned {type(extra).__name__}, not one float per response")
            try:
                extra = [float(x) for x in extra]
            except (TypeError, ValueError):
                raise DataError("rewards.hook returned a value that is not a number") from None
            if not all(math.isfinite(x) for x in extra):
                raise DataError("rewards.hook returned a value that is not finite")
            parts["hook"] = extra
            totals = [t + x for t, x in zip(totals, extra)]
        return totals, parts
