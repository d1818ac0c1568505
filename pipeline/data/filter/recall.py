"""The DeepSeekMath recall loop: train a math classifier, recall pages from a pool, grow the seed by math domains.

    mathcpt classifier recall recall.yaml [--set iterations=2]

Its config (strict YAML; keys and an example in pipeline/config/classifier.py) names the seed positives, the pool,
optional negatives, the keep rule and the domain rule.

Each iteration i:
1. positives = the seed plus every pool page of the math domains found so far (DeepSeekMath had people annotate the
   URL paths of such domains; here the whole domain joins, so choose min_share with that in mind);
2. negatives = the given files, or the `negatives_sample` lowest-scoring pool pages outside the math domains, scored
   by the previous iteration's model (the first iteration has no model yet and ranks by the rule-based math_score);
3. train → `iter_i/model.bin` (+ `model.bin.json` with held-out metrics), score the whole pool, keep the top fraction
   or the pages at or above the threshold → `iter_i/kept.jsonl` (each line with `metadata.math_classifier_score`);
4. domain rule: a domain with at least `min_pages` pool pages of which a share ≥ `min_share` were kept is a math
   domain; its pages join the positives of the next iteration.
`recall_log.json` holds per-iteration counts, held-out metrics and the new domains; it is rewritten (atomically)
after every iteration and says `"complete": true` at the end. The pool is streamed from disk on every pass; memory
holds one score and one domain per pool document.
"""

from __future__ import annotations

import heapq
import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from datatrove.utils.batching import batched
from loguru import logger

from pipeline.config.base import dump
from pipeline.config.classifier import DomainRule, KeepRule, RecallConfig
from pipeline.data.filter.classifier import SCORE_KEY, load_classifier, read_texts, train_classifier
from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_open, atomic_write_text
from pipeline.shared.jsonl import read_jsonl

LOG = "recall_log.json"
SCORE_BATCH = 512


def domain_of(record: dict) -> str | None:
    """Host name of `url` (or `metadata.url`), lowercased, without a leading `www.`."""
    url = record.get("url")
    if not isinstance(url, str):
        metadata = record.get("metadata")
        url = metadata.get("url") if isinstance(metadata, dict) else None
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    try:
        host = urlsplit(url if "://" in url else "//" + url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


class Pool:
    """The pool files, read again on every pass, with each document's domain kept in memory."""

    def __init__(self, files: list[str], text_key: str):
        self.files, self.text_key = files, text_key
        self.domains: list[str | None] = [domain_of(record) for record in self.records()]
        if not self.domains:
            raise DataError(f"the pool ({', '.join(files)}) holds no documents")

    def records(self) -> Iterator[dict]:
        for path in self.files:
            for _, record in read_jsonl(path, required={self.text_key: str}):
                yield record

    def texts(self, wanted: set[int]) -> Iterator[str]:
        if not wanted:
            return  # the first iteration has no domain pages: no need to read the pool
        last = max(wanted)
        for i, record in enumerate(self.records()):
            if i in wanted:
                yield record[self.text_key]
            if i >= last:
                return

    def scores(self, score_batch) -> list[float]:
        texts = (record[self.text_key] for record in self.records())
        return [p for batch in batched(texts, SCORE_BATCH) for p in score_batch(batch)]


def _rule_scores(texts: list[str]) -> list[float]:
    from pipeline.data.filter.math_score import math_score

    return [math_score(t) for t in texts]


def _kept(scores: list[float], keep: KeepRule) -> tuple[set[int], float]:
    """Indices recalled by the keep rule and the lowest kept score (the effective threshold)."""
    if keep.threshold is not None:
        kept = {i for i, s in enumerate(scores) if s >= keep.threshold}
        return kept, keep.threshold
    k = max(1, round(keep.top_fraction * len(scores)))
    kept = set(heapq.nlargest(k, range(len(scores)), key=lambda i: (scores[i], -i)))
    return kept, min(scores[i] for i in kept)


def _math_domains(domains: list[str | None], kept: set[int], rule: DomainRule) -> dict[str, dict]:
    pages = Counter(d for d in domains if d)
    hits = Counter(domains[i] for i in kept if domains[i])
    return {
        d: {"pages": n, "kept": hits[d], "share": round(hits[d] / n, 4)}
        for d, n in pages.items()
        if n >= rule.min_pages and hits[d] / n >= rule.min_share
    }


def prepare_output(out: Path) -> None:
    """A recall run writes into an empty folder or over its own earlier run, never over someone else's files."""
    if out.exists() and any(out.iterdir()) and not (out / LOG).is_file():
        raise DataError(f"output folder {out} is not empty and holds no {LOG}; choose an empty folder")
    out.mkdir(parents=True, exist_ok=True)


def run_recall(cfg: RecallConfig) -> dict:
    """Run every iteration; returns the log dict (also written to output_dir/recall_log.json)."""
    out = Path(cfg.output_dir)
    prepare_output(out)
    pool = Pool(cfg.pool, cfg.text_key)
    n_seed = sum(1 for _ in read_texts(cfg.positives, cfg.text_key))
    log: dict = {
        "config": json.loads(cfg.model_dump_json()),
        "pool_documents": len(pool.domains),
        "seed_positives": n_seed,
        "iterations": [],
        "complete": False,
    }
    math_domains: dict[str, dict] = {}
    scores: list[float] | None = None
    for it in range(1, cfg.iterations + 1):
        started = time.time()
        folder = out / f"iter_{it}"
        domain_pages = {i for i, d in enumerate(pool.domains) if d in math_domains}
        positives = itertools.chain(read_texts(cfg.positives, cfg.text_key), pool.texts(domain_pages))
        if cfg.negatives:
            negatives, negatives_from = read_texts(cfg.negatives, cfg.text_key), "given"
        else:
            if scores is None:
                scores = pool.scores(_rule_scores)
            candidates = [i for i in range(len(scores)) if i not in domain_pages]
            lowest = set(heapq.nsmallest(cfg.negatives_sample, candidates, key=lambda i: (scores[i], i)))
            negatives = pool.texts(lowest)
            negatives_from = "pool_rule_score" if it == 1 else f"pool_iter_{it - 1}_model"
        logger.info(
            f"recall iteration {it}/{cfg.iterations}: training on the seed + {len(domain_pages)} pages of "
            f"{len(math_domains)} math domains"
        )
        model_path = folder / "model.bin"
        sidecar = train_classifier(
            positives,
            negatives,
            model_path,
            cfg.train,
            {
                "iteration": it,
                "positives": cfg.positives,
                "math_domains": sorted(math_domains),
                "negatives": cfg.negatives or negatives_from,
            },
        )
        scores = pool.scores(load_classifier(model_path).score_batch)
        kept, effective = _kept(scores, cfg.keep)
        with atomic_open(folder / "kept.jsonl") as f:
            for i, record in enumerate(pool.records()):
                if i in kept:
                    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
                    record["metadata"] = {**metadata, SCORE_KEY: round(scores[i], 6)}
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
        found = _math_domains(pool.domains, kept, cfg.domains)
        new = {d: v for d, v in found.items() if d not in math_domains}
        math_domains.update(new)
        log["iterations"].append(
            {
                "iteration": it,
                "positives": {"seed": n_seed, "from_math_domains": len(domain_pages)},
                "negatives": {
                    "source": negatives_from,
                    "documents": sum(sidecar["counts"][s]["negative"] for s in ("train", "heldout")),
                },
                "train_counts": sidecar["counts"],
                "heldout": sidecar["heldout"],
                "kept": len(kept),
                "keep_threshold": round(effective, 6),
                "new_math_domains": dict(sorted(new.items(), key=lambda kv: -kv[1]["share"])),
                "math_domains": sorted(math_domains),
                "model": str(model_path.relative_to(out)),
                "kept_path": str((folder / "kept.jsonl").relative_to(out)),
                "seconds": round(time.time() - started, 2),
            }
        )
        atomic_write_text(out / LOG, json.dumps(log, indent=2) + "\n")
        logger.info(
            f"recall iteration {it}: kept {len(kept)} of {len(scores)} pool pages (score ≥ {effective:.3f}), "
            f"{len(new)} new math domains, held-out {sidecar['heldout']}"
        )
    log["complete"] = True
    atomic_write_text(out / LOG, json.dumps(log, indent=2) + "\n")
    atomic_write_text(out / "recall.resolved.yaml", dump(cfg))
    return log
