"""Exact and MinHash near-dedup through the real datatrove executor: duplicates go, the copy the recipe's keep rule
prefers stays and is named in the dropped ones, distinct documents survive."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor

from pipeline.config.stages import DedupStage
from pipeline.data import dedup_plan
from pipeline.data.dedup import (
    DedupDecisionTagger,
    DedupIndex,
    DedupIndexWriter,
    ExactDedupFilter,
    MinHasher,
    MinhashNearDedupFilter,
    exact_key,
)
from pipeline.data.dedup_plan import DedupBuckets, DedupPlanner, plan_dedup


def essay(seed: int, n: int = 300) -> str:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(2000)]
    return " ".join(rng.choice(vocab) for _ in range(n))


def edit(text: str, seed: int, changes: int) -> str:
    rng = random.Random(seed)
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = f"edit{rng.randrange(10**6)}"
    return " ".join(words)


def run_dedup(
    tmp_path, docs: list[Document], keep: str = "first", exact: bool = True, near: bool = True, dropped=None
) -> list:
    """The four steps on one task; returns the kept documents (and appends the tagged ones to `dropped`)."""
    index = tmp_path / "index"
    common = dict(tasks=1, workers=1, skip_completed=False)
    settings = DedupStage(
        exact=exact, near=near, ngram=5, num_bands=20, rows_per_band=5, seed=1, keep=keep, threshold=0.7
    )
    LocalPipelineExecutor(
        [docs, DedupIndexWriter(index, settings)],
        logging_dir=str(tmp_path / "l1"),
        **common,
    ).run()
    LocalPipelineExecutor([DedupBuckets(index, settings)], logging_dir=str(tmp_path / "lb"), **common).run()
    LocalPipelineExecutor([DedupPlanner(index, settings)], logging_dir=str(tmp_path / "l2"), **common).run()
    kept = []

    def tagged(data, rank, world_size):
        for d in data:
            if "duplicate_of" in d.metadata and dropped is not None:
                dropped.append((d.id, d.metadata["duplicate_of"], d.metadata["_dedup_decision"]))
            yield d

    steps = [docs, DedupDecisionTagger(index), tagged, ExactDedupFilter(), MinhashNearDedupFilter()]
    pipeline = LocalPipelineExecutor(
        steps + [lambda data, rank, ws: (kept.append(d) for d in data)], logging_dir=str(tmp_path / "l3"), **common
    )
    pipeline.run()
    return kept


def test_exact_key_folds_case_punctuation_and_whitespace():
    assert exact_key("The Sum  of $x$.") == exact_key("the sum of $x$ .") != exact_key("the sum of $y$")


def test_near_duplicates_go_distinct_documents_stay(tmp_path):
    docs = [Document(text=essay(s), id=f"orig{s}") for s in range(30)]
    docs += [Document(text=edit(essay(s), s, 4), id=f"near{s}") for s in range(10)]  # Jaccard ≈ 0.87
    docs += [Document(text=essay(3).upper(), id="exact3")]
    kept = run_dedup(tmp_path, docs)
    assert sorted(d.id for d in kept) == sorted(f"orig{s}" for s in range(30))


def test_dropped_documents_name_the_kept_copy_and_reason(tmp_path):
    docs = [
        Document(text=essay(1), id="a"),
        Document(text=essay(1) + " !", id="b"),
        Document(text=edit(essay(1), 0, 4), id="c"),
    ]
    index = tmp_path / "index"
    dropped = []
    kept = run_dedup(tmp_path, docs, dropped=dropped)
    assert [d.id for d in kept] == ["a"]
    assert dropped == [("b", "a", 1), ("c", "a", 2)]  # named kept copy, exact then near
    assert list(np.load(index / "00000.decision.npy")) == [0, 1, 2]  # keep, exact, near
    assert list(np.load(index / "00000.keeper.npy")) == [0, 0]  # the kept copy of each dropped one, by number
    assert all("_dedup_decision" not in d.metadata for d in kept)


@pytest.mark.parametrize("keep, expected", [("first", "a"), ("longest", "c"), ("highest_score", "b"), ("oldest", "c")])
def test_keep_rule_chooses_the_surviving_copy(tmp_path, keep, expected):
    base = essay(7)
    docs = [
        Document(text=base, id="a", metadata={"math_score": 0.2, "date": "2020-05-01"}),
        Document(text=edit(base, 1, 5), id="b", metadata={"math_score": 0.9, "date": "2021-01-01"}),
        Document(
            text=base + " with a longer tail of words here", id="c", metadata={"math_score": 0.5, "date": "2019-12-31"}
        ),
    ]
    kept = run_dedup(tmp_path, docs, keep=keep)
    assert [d.id for d in kept] == [expected]


def test_exact_only_leaves_near_duplicates(tmp_path):
    docs = [
        Document(text=essay(1), id="a"),
        Document(text=essay(1), id="b"),
        Document(text=edit(essay(1), 2, 4), id="c"),
    ]
    kept = run_dedup(tmp_path, docs, near=False)
    assert [d.id for d in kept] == ["a", "c"]


def test_minhash_agreement_estimates_jaccard():
    hasher = MinHasher(ngram=5, num_perm=256, seed=3)
    a = essay(11, 2000)
    words = a.split()
    b = " ".join(words[:1500] + essay(12, 500).split())  # shares 1496 of ~2000 5-grams each side: J ≈ 0.6
    sa, sb = set(zip(*[words[i:] for i in range(5)])), set(zip(*[b.split()[i:] for i in range(5)]))
    jaccard = len(sa & sb) / len(sa | sb)
    estimate = np.mean(hasher.signature(a) == hasher.signature(b))
    assert abs(estimate - jaccard) < 0.08, (estimate, jaccard)
    zh = "解方程的步骤是先移项再合并同类项最后求出未知数的值" * 3
    assert np.mean(hasher.signature(zh) == hasher.signature(zh + "。")) == 1.0


def bucket_all(folder, ranks: int, num_bands: int = 20) -> None:
    """The buckets pass's units, all in this process."""
    index = DedupIndex(folder, ranks)
    (folder / "buckets").mkdir(exist_ok=True)
    for unit in dedup_plan.bucket_units(index.n, True, True, num_bands):
        np.save(folder / "buckets" / f"{unit}.npy", dedup_plan.unit_pairs(index, unit, num_bands))


def test_plan_over_several_index_ranks_equals_one_rank(tmp_path):
    """Signatures stay in one memmap per rank; planning across ranks decides exactly as over one file."""
    docs = [Document(text=essay(s), id=f"o{s}") for s in range(12)]
    docs += [Document(text=edit(essay(s), s, 4), id=f"n{s}") for s in range(0, 12, 3)] + [
        Document(text=essay(5), id="x5")
    ]
    decisions = {}
    for ranks in (1, 2):
        folder = tmp_path / f"r{ranks}"
        parts = [docs[: len(docs) // 2], docs[len(docs) // 2 :]] if ranks == 2 else [docs]
        for rank, part in enumerate(parts):
            list(DedupIndexWriter(folder, DedupStage(num_bands=20, rows_per_band=5)).run(iter(part), rank=rank))
        bucket_all(folder, ranks)
        plan_dedup(folder, ranks, True, True, 100, 20, 0.7)
        decisions[ranks] = np.concatenate([np.load(folder / f"{r:05d}.decision.npy") for r in range(ranks)]).tolist()
    assert decisions[1] == decisions[2] and decisions[1].count(2) == 4 and decisions[1].count(1) == 1


def test_plan_is_the_same_whatever_the_number_of_hash_ranges(tmp_path, monkeypatch):
    """A corpus too big for one bucket unit is cut into hash ranges; the pairs are applied in the same order, so
    1 range and 7 give the same decisions and the same kept copies (groups of 2 to 4 near and exact copies,
    spread over 3 index ranks, across every range boundary)."""
    rng = random.Random(5)
    docs = []
    for s in range(40):
        docs.append(Document(text=essay(s), id=f"o{s}"))
        for c in range(rng.randrange(0, 4)):
            docs.append(Document(text=edit(essay(s), 100 * s + c, rng.randrange(0, 5)), id=f"c{s}-{c}"))
    rng.shuffle(docs)
    third = len(docs) // 3
    results = {}
    for ranges_docs in (10**6, 20):  # 1 range; then ceil(n / 20) ranges
        folder = tmp_path / f"r{ranges_docs}"
        for rank, part in enumerate([docs[:third], docs[third : 2 * third], docs[2 * third :]]):
            list(DedupIndexWriter(folder, DedupStage(num_bands=20, rows_per_band=5)).run(iter(part), rank=rank))
        monkeypatch.setattr(dedup_plan, "RANGE_DOCS", ranges_docs)
        units = dedup_plan.bucket_units(len(docs), True, True, 20)
        bucket_all(folder, 3)
        summary = plan_dedup(folder, 3, True, True, 100, 20, 0.7)
        results[ranges_docs] = (
            len(units),
            summary,
            [np.load(folder / f"{r:05d}.decision.npy").tolist() for r in range(3)],
            [np.load(folder / f"{r:05d}.keeper.npy").tolist() for r in range(3)],
        )
    (one_units, *one), (many_units, *many) = results[10**6], results[20]
    assert one_units == 21 and many_units > 21 * 5
    assert one == many
    assert one[0]["exact_duplicates"] > 3 and one[0]["near_duplicates"] > 20


def test_index_written_in_chunks_across_blocks_reads_back_every_band_in_order(tmp_path):
    """The index writer hashes chunks and writes band hashes a whole BLOCK at a time (bounded memory); chunks of
    any size crossing block boundaries give the same bands, in document order, as hashing everything at once."""
    from pipeline.data.dedup import BLOCK, DedupIndex, IndexRankWriter, band_hashes

    rng = np.random.default_rng(0)
    n, bands = 2 * BLOCK + 777, 4
    sigs = rng.integers(0, 2**32, size=(n, 8), dtype=np.uint32)
    with IndexRankWriter(tmp_path, 0, bands) as index:
        start = 0
        for size in [1, 1023, BLOCK - 1024, 5000, BLOCK, n]:  # the last chunk takes the rest
            part = sigs[start : start + size]
            if len(part):
                index.add(
                    part, rng.bytes(16 * len(part)), np.zeros(len(part)), [f"d{start + i}" for i in range(len(part))]
                )
            start += len(part)
    assert start == n
    read, expected = DedupIndex(tmp_path, 1), band_hashes(sigs, bands)
    assert read.n == n and read.doc_id(n - 1) == f"d{n - 1}"
    for b in range(bands):
        assert np.array_equal(read.band(0, b, bands), expected[:, b])
    assert np.array_equal(read.array(0, "sig", np.uint32, 8), sigs)
