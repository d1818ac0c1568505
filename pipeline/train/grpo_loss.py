"""GRPO's arithmetic, apart from the trainer so it can be checked by hand: group advantages, the clipped-ratio token
loss with a k3 KL, and the token-level aggregation.

    python -m pytest tests/instruct/test_grpo.py -k hand     # these against hand computations on fixed numbers

* Advantages (DeepSeekMath's GRPO): per query, A_i = (r_i − mean(r)) / (std(r) + 1e-4) with `scale_rewards: group`
  (std of the G rewards, with Bessel's correction as torch computes it), or r_i − mean(r) with `none`. A group whose
  rewards are all equal carries no signal: its advantages are 0 and it is flagged, so its tokens leave the loss's
  denominator instead of diluting the others (and the share of such groups is logged).
* Per token t of response i: ratio = exp(log π(t) − log π_old(t)); the policy term is
  −min(ratio·A_i, clip(ratio, 1 − ε, 1 + ε_high)·A_i); the KL term is β·(exp(q) − q − 1) with q = log π_ref(t) −
  log π(t) (Schulman's k3: unbiased, ≥ 0, and 0 where the policy equals the reference).
* Aggregation is token-level: the sum over every response token of the step's groups with signal, divided by their
  number (DAPO's choice: a long response counts by its tokens, not as one sample).
"""

from __future__ import annotations

import torch

ADVANTAGE_EPS = 1e-4


def group_advantages(rewards: torch.Tensor, scale: str = "group") -> tuple[torch.Tensor, torch.Tensor]:
    """(advantages, zero_signal) of (queries, G) rewards: advantages shaped like rewards, zero_signal (queries,)."""
    centered = rewards - rewards.mean(dim=1, keepdim=True)
    zero_signal = (rewards.max(dim=1).values - rewards.min(dim=1).values) == 0
    if scale == "group":
        centered = centered / (rewards.std(dim=1, keepdim=True) + ADVANTAGE_EPS)
    return torch.where(zero_signal[:, None], torch.zeros_like(centered), centered), zero_signal


def token_losses(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    ref_logp: torch.Tensor | None,
    advantages: torch.Tensor,
    epsilon: float,
    epsilon_high: float | None,
    beta: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-token (loss, kl, clipped) for (sequences, tokens) log-probs and per-sequence advantages (sequences,)."""
    adv = advantages[:, None]
    ratio = torch.exp(logp - old_logp)
    low, high = 1 - epsilon, 1 + (epsilon_high if epsilon_high is not None else epsilon)
    unclipped, clipped = ratio * adv, torch.clamp(ratio, low, high) * adv
    loss = -torch.minimum(unclipped, clipped)
    is_clipped = clipped < unclipped  # the clip decided the term
    if ref_logp is None or beta == 0:
        return loss, torch.zeros_like(loss), is_clipped
    q = ref_logp - logp
    kl = torch.exp(q) - q - 1
    return loss + beta * kl, kl, is_clipped


def aggregate(values: torch.Tensor, mask: torch.Tensor, total_tokens: float) -> torch.Tensor:
    """Token-level sum of `values` over `mask` divided by the step's total count of such tokens."""
    return (values * mask).sum() / max(total_tokens, 1.0)
