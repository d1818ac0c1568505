"""A toy arithmetic task for the instruct stage's tests and benchmarks: problems, worked answers, wrong answers.

    python -c "from pipeline.sample.arithmetic import problems; print(problems(3, seed=0))"

Problems are additions `a + b` of operands below `limit` ("What is 7 + 5?"), each with its gold answer and a
worked answer in the boxed format the instruct prompt asks for ("7 + 5 = 12. The answer is \\boxed{12}."). A
tiny model learns this format in a few hundred steps and then gets some sums right and others wrong, which is what
sampling, the reward model and rejection-sampled SFT need to show they work. `worked(a, b, c)` writes the same
answer with any result c, so tests can build responses whose correctness is known by construction.
"""

from __future__ import annotations

import random


def worked(a: int, b: int, c: int) -> str:
    return f"{a} + {b} = {c}. The answer is \\boxed{{{c}}}."


def problems(n: int, seed: int = 0, limit: int = 10) -> list[dict]:
    """n problems in a seeded order (repeating the a, b pairs only once all have been used)."""
    rng = random.Random(seed)
    pairs = [(a, b) for a in range(limit) for b in range(limit)]
    out = []
    while len(out) < n:
        rng.shuffle(pairs)
        for a, b in pairs[: n - len(out)]:
            i = len(out)
            out.append({"id": f"add-{i}", "question": f"What is {a} + {b}?", "answer": str(a + b),
                        "solution": worked(a, b, a + b), "a": a, "b": b})  # fmt: skip
    return out


def wrong_result(a: int, b: int, rng: random.Random) -> int:
    """A plausible wrong sum: off by one to three either way, never negative, never the sum."""
    c = a + b + rng.choice([-3, -2, -1, 1, 2, 3])
    return c if c >= 0 and c != a + b else a + b + 1
