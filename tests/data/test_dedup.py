"""Exact and MinHash near-duplicate removal keep the first copy and name it in the dropped one."""

from __future__ import annotations

import random

from datatrove.data import Document

from pipeline.data.dedup import ExactDedupFilter, MinhashNearDedupFilter


def essay(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    return " ".join(rng.choice(vocab) for _ in range(n))


def test_exact_dedup_folds_case_and_whitespace():
    f = ExactDedupFilter()
    a, b = Document(text="The Sum  of $x$.", id="a"), Document(text="the sum of $x$ .", id="b")
    assert f.filter(a) is True
    assert f.filter(b) == (False, "exact_duplicate") and b.metadata["duplicate_of"] == "a"


def test_near_dedup_catches_small_edits_not_distinct_docs():
    f = MinhashNearDedupFilter(ngram=5, num_bands=14, rows_per_band=8)
    original = essay(1)
    words = original.split()
    edited = " ".join(words[:100] + ["changed"] + words[101:200] + ["also", "changed"] + words[202:]) + " one more line"
    assert f.filter(Document(text=original, id="orig")) is True
    near = Document(text=edited, id="near")
    assert f.filter(near) == (False, "near_duplicate") and near.metadata["duplicate_of"] == "orig"
    for seed in range(2, 30):
        assert f.filter(Document(text=essay(seed), id=str(seed))) is True
