"""General (non-math) English text: the replay source that guards a math CPT run against forgetting.

    python -m pipeline.sample OUT_DIR        # writes general/text.jsonl beside the math sources

Each document mixes sections of several everyday topics (cooking, travel, sport, reviews, gardening, ...) from the
off-topic page generators, with sentences drawn and ordered at random, so documents are varied enough to survive
near-duplicate removal as real general text would. Plain text (a replay corpus such as a FineWeb sample is usually
already extracted), labelled `clean`; `data_recipes/demo_replay.yaml` reads it as a `general` source that the math
filters do not judge.
"""

from __future__ import annotations

import random

from pipeline.sample.web.offtopic import OFFTOPIC_GENERATORS


def general_text(rng: random.Random) -> str:
    parts = []
    for fn in rng.sample(OFFTOPIC_GENERATORS, 3):
        title, sections = fn(rng)
        parts.append(title)
        for heading, sentences in rng.sample(sections, min(2, len(sections))):
            picked = rng.sample(sentences, max(1, len(sentences) - rng.randint(0, 1)))
            parts.append(f"{heading}\n\n{' '.join(picked)}")
    return "\n\n".join(parts)


def gen_general(rng: random.Random, n: dict[str, int]) -> list[dict]:
    return [{"key": f"gen{j}", "text": general_text(rng), "metadata": {"truth": {"label": "clean"}}}
            for j in range(n["clean"])]  # fmt: skip
