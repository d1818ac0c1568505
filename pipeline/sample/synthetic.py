"""The synthetic source: template tutorials and problem sets, with near duplicates and contamination."""

from __future__ import annotations

import random

from pipeline.sample.document import Builder, iter_math
from pipeline.sample.markdown import render_markdown
from pipeline.sample.planting import make_near_duplicate, pick_originals
from pipeline.sample.problems import AREA_EXAMS, EXAM_GENERATORS
from pipeline.sample.text import lower_title, pick, title_case, unique_in_order, word_count
from pipeline.sample.topics.catalog import AREAS, TOPICS


def _synthetic_tutorial(rng: random.Random, fn) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    topic = fn(rng)
    t = topic["title"]
    title = S(
        f"Understanding {t}",
        f"{t}: A Step-by-Step Guide",
        f"A Beginner's Guide to {t}",
        f"Mastering {t}",
        f"Everything You Need to Know About {t}",
        f"{t} Made Simple",
    )
    b = Builder()
    b.p(
        S(
            f"In this tutorial, we'll explore {lower_title(t)}.",
            f"Let's take a closer look at {lower_title(t)}.",
            f"Welcome! Today we're going to break down {lower_title(t)} into simple, manageable steps.",
            f"{t} is a key topic in {topic['area']}, and in this guide we'll walk through it together.",
        ),
        S(
            "By the end, you'll understand the core definitions and be able to solve typical problems on your own.",
            "We'll start with the basic ideas, then work through concrete examples step by step.",
            "Don't worry if it seems abstract at first; everything will become clearer with examples.",
            "Each step builds on the previous one, so take your time.",
        ),
    )
    for i, (heading, blocks) in enumerate(topic["sections"]):
        b.h(f"Step {i + 1}: {heading[0].upper()}{heading[1:]}")
        b.blocks.extend(blocks)
    b.h(S("Key Takeaways", "Summary", "Quick Recap"))
    b.ul(topic["summary"])
    prob = rng.choice(AREA_EXAMS[topic["area"]])(rng)
    b.h(S("Practice Problem", "Test Your Understanding", "Try It Yourself"))
    b.p(f"Problem: {prob['question']}")
    b.p("Solution: " + " ".join(prob["steps"]))
    b.p(f"Final answer: {prob['answer']}")
    b.p(
        S(
            "I hope this guide helped you build intuition. Keep practicing and it will become second nature!",
            "Great job making it to the end! Practice a few more problems to solidify your understanding.",
            "Remember: understanding why a method works matters more than memorizing it. Happy learning!",
            "That's it for this topic. Try changing the numbers in the examples and solving them again.",
        )
    )
    return {"title": title, "blocks": b.blocks, "area": topic["area"], "style": "tutorial"}


def _synthetic_problem_set(rng: random.Random, area: str, contaminate: dict | None = None) -> dict:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    k = rng.randint(4, 5)
    gens = list(AREA_EXAMS[area])
    rng.shuffle(gens)
    if len(gens) < k:
        gens += rng.sample([g for g in EXAM_GENERATORS if g not in gens], k - len(gens))
    probs = [gens[i % len(gens)](rng) for i in range(k)]
    if contaminate is not None:
        pos = rng.randrange(k)
        probs[pos] = {
            "question": contaminate["question"],
            "steps": [contaminate["solution"]],
            "answer": contaminate["answer"],
        }
    title = S(
        f"{k} Practice Problems in {title_case(area)} (with Solutions)",
        f"{title_case(area)} Problem Set with Worked Answers",
        f"Solved Exercises: {title_case(area)}",
        f"{title_case(area)}: Practice Questions and Step-by-Step Solutions",
    )
    b = Builder()
    b.p(
        S(
            f"Below are {k} practice problems covering {area}, each followed by a detailed solution.",
            f"Here is a set of {k} problems to sharpen your {area} skills. Try each one before reading the solution.",
            f"The following {k} exercises were generated to practice {area}. Solutions explain every step.",
        ),
        S(
            "Work through them in order, since later problems are slightly harder.",
            "Check your final answers against the ones given.",
            "Each solution ends with the final answer on its own line.",
        ),
    )
    for i, prob in enumerate(probs):
        b.h(f"Problem {i + 1}", 3)
        b.p(f"Problem: {prob['question']}")
        b.p(S("Solution:", "Solution: Let's think step by step.", "Solution:") + " " + " ".join(prob["steps"]))
        b.p(f"Final answer: {prob['answer']}")
    b.p(
        S(
            "If you got all of them right, well done!",
            "Keep practicing with similar problems to build fluency.",
            "Review any problem you missed and try a variant with different numbers.",
        )
    )
    return {"title": title, "blocks": b.blocks, "area": area, "style": "problem_set"}


def gen_synthetic(rng: random.Random, n: dict[str, int], items: list[dict]) -> list[dict]:
    """Unshuffled synthetic records: tutorials and problem sets, contaminated problem sets, then near duplicates."""
    records, docs = [], []
    topic_order: list = []
    while len(topic_order) < n["clean"]:
        block = list(TOPICS)
        rng.shuffle(block)
        topic_order.extend(block)
    for j in range(n["clean"]):
        if j % 2 == 0:
            doc = _synthetic_tutorial(rng, topic_order[j])
        else:
            doc = _synthetic_problem_set(rng, AREAS[(j // 2) % len(AREAS)])
        docs.append(doc)
    for j, item in enumerate(items):
        docs.append(_synthetic_problem_set(rng, rng.choice(AREAS), contaminate=item))
    for j, doc in enumerate(docs):
        label, extra = "clean", {}
        if j >= n["clean"]:
            item = items[j - n["clean"]]
            label, extra = "contaminated", {"benchmark": "mini_gsm", "benchmark_item": item["id"]}
        formulas = unique_in_order(latex for latex, _ in iter_math(doc["blocks"]))
        records.append(
            {
                "key": f"syn{j}",
                "text": render_markdown(doc["blocks"], doc["title"]),
                "metadata": {
                    "generator": "template",
                    "style": doc["style"],
                    "truth": {"label": label, **extra, "formulas": formulas, "area": doc["area"]},
                },
            }
        )
    clean_pairs = list(zip(records[: n["clean"]], docs[: n["clean"]]))
    longest = sorted(clean_pairs, key=lambda p: -word_count(p[0]["text"]))[: max(3 * n["near_dup"], 1)]
    for j, (rec, doc) in enumerate(pick_originals(rng, longest, n["near_dup"], [])):
        new_doc, info = make_near_duplicate(rng, doc)
        truth = {
            **rec["metadata"]["truth"],
            "label": "near_dup",
            "dup_of": rec["key"],
            "edit": info,
            "formulas": unique_in_order(latex for latex, _ in iter_math(new_doc["blocks"])),
        }
        records.append(
            {
                "key": f"synnear{j}",
                "text": render_markdown(new_doc["blocks"], new_doc["title"]),
                "metadata": {**rec["metadata"], "truth": truth},
            }
        )
    return records
