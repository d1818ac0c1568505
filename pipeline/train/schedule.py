"""Learning-rate schedules as multipliers of the peak LR (what torch's LambdaLR takes).

python -c "from pipeline.train.schedule import lr_multiplier; print([round(lr_multiplier(s, 'cosine', 5, 50, 0.1), 3) for s in range(0, 50, 5)])"
"""

from __future__ import annotations

import math


def lr_multiplier(
    step: int, schedule: str, warmup_steps: int, max_steps: int, min_ratio: float, decay_fraction: float = 0.2
) -> float:
    """Linear warmup from 1/warmup to 1, then: `cosine` decay to min_ratio at max_steps; `wsd` (warmup-stable-decay)
    holds 1 until the last `decay_fraction` of the steps and decays linearly to min_ratio; or `constant`."""
    if warmup_steps and step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    if schedule == "wsd":
        decay_start = max_steps - max(1, round(decay_fraction * max_steps))
        if step < decay_start:
            return 1.0
        return 1.0 - (1.0 - min_ratio) * min(1.0, (step - decay_start) / max(1, max_steps - decay_start))
    progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))
