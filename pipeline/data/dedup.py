"""Exact and MinHash near-duplicate removal across all sources of a recipe (datatrove steps).

    mathcpt data data_recipes/demo.yaml      # stages.dedup in the recipe

Both steps keep the first document of each duplicate group in reading order and drop later ones with
`metadata.duplicate_of` naming the kept document. They run in one process over the whole filtered corpus, which is
what a single-node recipe needs and keeps the semantics exact (no cross-task bookkeeping); datatrove's multi-stage
MinhashDedup* blocks are the path for multi-node corpora, which the curation issue measures against this one.

Near-dup: word n-gram shingles of the normalised text, `num_bands × rows_per_band` MinHash values from 32-bit
xxhash shingle hashes and universal hashing modulo a prime, LSH banding. A document is a near duplicate when any
band equals a band of a kept document; the threshold is about (1/bands)^(1/rows) (≈0.72 for 14×8).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import xxhash
from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter

_PRIME = np.uint64((1 << 32) + 15)  # > every 32-bit hash; a*h + b stays below 2**63 with a < 2**31


def normalize_for_dedup(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class ExactDedupFilter(BaseFilter):
    """Drops documents whose normalised text (case, punctuation and whitespace folded) was seen before."""

    name = "🫂 exact dedup"

    def __init__(self, exclusion_writer=None):
        super().__init__(exclusion_writer=exclusion_writer)
        self.seen: dict[bytes, str] = {}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        key = hashlib.blake2b(normalize_for_dedup(doc.text).encode(), digest_size=16).digest()
        if key in self.seen:
            doc.metadata["duplicate_of"] = self.seen[key]
            return False, "exact_duplicate"
        self.seen[key] = str(doc.id)
        return True


class MinhashNearDedupFilter(BaseFilter):
    """Drops documents that share a MinHash LSH band with an earlier kept document."""

    name = "🫂 MinHash near-dedup"

    def __init__(self, ngram: int = 5, num_bands: int = 14, rows_per_band: int = 8, seed: int = 1,
                 exclusion_writer=None):  # fmt: skip
        super().__init__(exclusion_writer=exclusion_writer)
        self.ngram, self.num_bands, self.rows_per_band = ngram, num_bands, rows_per_band
        rng = np.random.default_rng(seed)
        n = num_bands * rows_per_band
        self.a = rng.integers(1, 1 << 31, size=n, dtype=np.uint64)
        self.b = rng.integers(0, 1 << 32, size=n, dtype=np.uint64)
        self.buckets: list[dict[bytes, str]] = [{} for _ in range(num_bands)]

    def signature(self, text: str) -> np.ndarray:
        words = normalize_for_dedup(text).split()
        n = self.ngram
        shingles = {" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 1))}
        hashes = np.fromiter((xxhash.xxh32_intdigest(s) for s in shingles), dtype=np.uint64, count=len(shingles))
        # (len(shingles), num_hashes) permuted hashes, min over shingles.
        return ((hashes[:, None] * self.a[None, :] + self.b[None, :]) % _PRIME).min(axis=0)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        sig = self.signature(doc.text)
        bands = [sig[i * self.rows_per_band : (i + 1) * self.rows_per_band].tobytes() for i in range(self.num_bands)]
        for bucket, band in zip(self.buckets, bands):
            if band in bucket:
                doc.metadata["duplicate_of"] = bucket[band]
                return False, "near_duplicate"
        for bucket, band in zip(self.buckets, bands):
            bucket[band] = str(doc.id)
        return True
