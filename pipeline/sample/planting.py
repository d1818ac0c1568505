"""Planted problems: exact-duplicate originals, near duplicates (small prose edits) and benchmark contamination."""

from __future__ import annotations

import random
import re

from pipeline.sample.document import doc_words
from pipeline.sample.markdown import plain_view
from pipeline.sample.text import pick

_NEAR_DUP_ADDITIONS = [
    "Share this page with anyone who might find it useful.",
    "Thanks for reading, and come back next week for more.",
    "Leave a comment below if you spot a typo somewhere.",
    "Bookmark this page so you can return to it later.",
    "This article was updated to fix small formatting issues.",
    "Subscribe to our newsletter for more lessons like this one.",
]
# Small word edits applied to prose by near-duplicates: (old phrase, new phrase).
_EDITS = [
    ("for example", "for instance"),
    ("For example", "For instance"),
    ("for instance", "for example"),
    ("For instance", "For example"),
    ("gives", "yields"),
    ("we get", "we obtain"),
    ("we obtain", "we get"),
    ("Consider", "Take"),
    ("Take", "Consider"),
    ("Suppose", "Assume"),
    ("exactly", "precisely"),
    ("easy", "simple"),
    ("shows", "demonstrates"),
    ("quickly", "rapidly"),
    ("Therefore", "Hence"),
    ("therefore", "hence"),
    ("is called", "is known as"),
    ("often", "frequently"),
    ("a few", "several"),
    ("every", "each"),
    ("useful", "helpful"),
    ("important", "essential"),
    ("method", "technique"),
    ("compute", "calculate"),
    ("computation", "calculation"),
    ("find", "determine"),
    ("Find", "Determine"),
    ("usually", "typically"),
    ("Note that", "Observe that"),
    ("in particular", "especially"),
    ("start", "begin"),
    ("quick", "fast"),
    ("simple", "basic"),
    ("works", "succeeds"),
    ("always", "invariably"),
]


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = shingles(a, n), shingles(b, n)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def _copy_blocks(blocks: list[tuple]) -> list[tuple]:
    out = []
    for b in blocks:
        if b[0] in ("p", "proof"):
            out.append((b[0], list(b[1])))
        elif b[0] == "thm":
            out.append((b[0], b[1], b[2], list(b[3])))
        elif b[0] in ("ul", "ol"):
            out.append((b[0], [list(item) for item in b[1]]))
        else:
            out.append(b)
    return out


def _text_slots(blocks: list[tuple]) -> list[tuple[list, int]]:
    """(segment list, index) of every prose text segment that near-duplicate edits may touch."""
    slots = []
    for b in blocks:
        lists = [b[1]] if b[0] in ("p", "proof") else [b[3]] if b[0] == "thm" else b[1] if b[0] in ("ul", "ol") else []
        for seglist in lists:
            for i, s in enumerate(seglist):
                if s[0] == "t":
                    slots.append((seglist, i))
    return slots


def make_near_duplicate(
    rng: random.Random, doc: dict, title_in_text: bool = True, target_fraction: float = 0.025, min_jaccard: float = 0.87
) -> tuple[dict, dict]:
    """Copy a document with small prose edits: reworded phrases, one changed number, one added sentence.

    Edits are added one at a time until about target_fraction of the prose words changed, never letting the
    word 5-gram Jaccard similarity with the original (on the plain text) drop below min_jaccard.
    Returns (new_doc, info) with info = {"changed_words", "prose_words", "jaccard"}.
    """
    title = doc["title"] if title_in_text else ""
    original = plain_view(doc["blocks"], title)
    blocks = _copy_blocks(doc["blocks"])
    prose = doc_words(blocks)
    changed = 0
    candidates = []
    for seglist, i in _text_slots(blocks):
        text = seglist[i][1]
        if not text.lstrip().startswith(("Final answer", "Answer")):  # keep stated answers intact
            for m in re.finditer(r"(?<![\w.])\d{1,4}(?![\w.])", text):
                candidates.append(("num", seglist, i, m.group(0)))
        for old, new in _EDITS:
            if re.search(rf"\b{re.escape(old)}\b", text):
                candidates.append(("word", seglist, i, (old, new)))
    # The added sentence goes at the end of the last paragraph, as a segment of its own that word edits never touch.
    last_p = max(i for i, b in enumerate(blocks) if b[0] == "p")
    addition = rng.choice(_NEAR_DUP_ADDITIONS)
    blocks[last_p][1].append(("t", " " + addition))
    rng.shuffle(candidates)
    # Prefer exactly one number change, placed first.
    candidates.sort(key=lambda c: c[0] != "num")
    num_done = False
    sim = jaccard(original, plain_view(blocks, title))
    for kind, seglist, i, what in candidates:
        if changed >= target_fraction * prose:
            break
        if kind == "num" and num_done:
            continue
        before = seglist[i]
        text = before[1]
        if kind == "num":
            newnum = str(int(what) + rng.choice([1, 2, 3, 5, 10]))
            ms = [m for m in re.finditer(rf"(?<![\w.]){re.escape(what)}(?![\w.])", text)]
            m = rng.choice(ms)
            new_text = text[: m.start()] + newnum + text[m.end() :]
            cost = 1
        else:
            old, new = what
            ms = list(re.finditer(rf"\b{re.escape(old)}\b", text))
            if not ms:
                continue
            m = rng.choice(ms)
            new_text = text[: m.start()] + new + text[m.end() :]
            cost = len(old.split())
        seglist[i] = ("t", new_text)
        new_sim = jaccard(original, plain_view(blocks, title))
        if new_sim < min_jaccard:
            seglist[i] = before
            continue
        sim = new_sim
        changed += cost
        if kind == "num":
            num_done = True
    return {**doc, "blocks": blocks}, {
        "changed_words": changed + len(addition.split()),
        "prose_words": prose,
        "jaccard": round(sim, 4),
    }


def contaminate_doc(rng: random.Random, doc: dict, item: dict) -> dict:
    """Insert a practice problem quoting a benchmark question verbatim before the closing paragraph."""
    blocks = _copy_blocks(doc["blocks"])
    intro = pick(rng, "Practice problem:", "Warm-up exercise:", "Quick check:", "Try this one:")
    extra = [
        ("h2", pick(rng, "Practice problem", "A word problem to try", "Warm-up", "Bonus question")),
        ("p", [("t", f"{intro} {item['question']}")]),
    ]
    if rng.random() < 0.5:
        extra.append(("p", [("t", f"Answer: {item['answer']}.")]))
    blocks[-1:-1] = extra
    return {**doc, "blocks": blocks}


def pick_originals(rng: random.Random, pool: list, k: int, avoid: list) -> list:
    """k items of pool for duplication, preferring items not in avoid; repeats only if the pool is tiny."""
    cands = [p for p in pool if p not in avoid]
    if len(cands) < k:
        cands = list(pool)
    if not cands:
        return []
    out = rng.sample(cands, min(k, len(cands)))
    while len(out) < k:
        out.append(rng.choice(cands))
    return out
