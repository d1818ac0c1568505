"""The exams source: question / solution / answer records with exam names, contamination and duplicates."""

from __future__ import annotations

import random

from pipeline.sample.document import segs
from pipeline.sample.planting import pick_originals, shingles
from pipeline.sample.problems import EXAM_GENERATORS
from pipeline.sample.text import unique_in_order

_EXAM_NAMES = [
    "Regional Mathematics Olympiad",
    "University Entrance Examination",
    "State Algebra Final",
    "Calculus Midterm",
    "Open Qualifying Round",
    "College Placement Test",
    "Discrete Mathematics Final",
    "Probability and Statistics Quiz",
]


def _formulas_of(*texts: str) -> list[str]:
    out = []
    for t in texts:
        out.extend(v for k, v in segs(t) if k == "m")
    return unique_in_order(out)


def _exam_name(rng: random.Random) -> str:
    return (
        f"{rng.choice(_EXAM_NAMES)} {rng.randint(2008, 2024)}, Paper {rng.randint(1, 3)}, Problem {rng.randint(1, 20)}"
    )


def gen_exams(rng: random.Random, n: dict[str, int], items: list[dict]) -> list[dict]:
    """Unshuffled exam records: clean problems, contaminated benchmark items, then exact duplicates."""
    records = []
    order: list = []
    while len(order) < n["clean"]:
        block = list(EXAM_GENERATORS)
        rng.shuffle(block)
        order.extend(block)
    kept: list[set] = []
    j = 0
    while j < n["clean"]:
        # Draw a few candidates and keep the one least similar to the problems already chosen, so that two
        # instances of one template never look like near duplicates of each other.
        best = None
        for _attempt in range(12):
            prob = order[j](rng)
            sh = shingles(prob["question"] + " " + " ".join(prob["steps"]))
            worst = max((len(sh & o) / len(sh | o) for o in kept), default=0.0)
            if best is None or worst < best[0]:
                best = (worst, prob, sh)
            if worst < 0.25:
                break
        _, prob, sh = best
        kept.append(sh)
        solution = " ".join(prob["steps"])
        records.append(
            {
                "key": f"ex{j}",
                "question": prob["question"],
                "solution": solution,
                "answer": prob["answer"],
                "metadata": {
                    "exam": _exam_name(rng),
                    "truth": {"label": "clean", "formulas": _formulas_of(prob["question"], solution)},
                },
            }
        )
        j += 1
    for j, item in enumerate(items):
        records.append(
            {
                "key": f"excont{j}",
                "question": item["question"],
                "solution": item["solution"],
                "answer": item["answer"],
                "metadata": {
                    "exam": _exam_name(rng),
                    "truth": {
                        "label": "contaminated",
                        "formulas": [],
                        "benchmark": "mini_gsm",
                        "benchmark_item": item["id"],
                    },
                },
            }
        )
    clean = [r for r in records if r["metadata"]["truth"]["label"] == "clean"]
    for j, orig in enumerate(pick_originals(rng, clean, n["exact_dup"], [])):
        truth = {**orig["metadata"]["truth"], "label": "exact_dup", "dup_of": orig["key"]}
        records.append(
            {
                "key": f"exdup{j}",
                "question": orig["question"],
                "solution": orig["solution"],
                "answer": orig["answer"],
                "metadata": {"exam": orig["metadata"]["exam"], "truth": truth},
            }
        )
    return records
