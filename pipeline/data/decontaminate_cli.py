"""`mathcpt decontaminate`: remove documents containing benchmark test questions from a JSONL file.

    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks mini_gsm --report contamination.json

The same matcher as the recipe's decontamination stage (`NgramDecontaminationFilter.match`); outputs are written
to temporary names and renamed when complete.
"""

from __future__ import annotations

import json
from collections import defaultdict

from pipeline.atomic import atomic_open, atomic_write_text
from pipeline.data.decontaminate import NgramDecontaminationFilter
from pipeline.data.readers import read_documents


def decontaminate_file(input_path: str, output: str, benchmarks: list[str], benchmarks_dir: str | None,
                       ngram: int, report_path: str | None) -> dict:  # fmt: skip
    matcher = NgramDecontaminationFilter(benchmarks, ngram, benchmarks_dir)
    matcher._load()  # fail on an unknown benchmark before reading the corpus
    removals, documents = [], 0
    with atomic_open(output) as f:
        for record in read_documents(input_path):
            documents += 1
            found = matcher.match(record["text"])
            if found is None:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                continue
            gram, (benchmark, item_id) = found
            removals.append({"id": record.get("id"), "benchmark": benchmark, "item_id": item_id,
                             "ngram": " ".join(gram)})  # fmt: skip
    per_benchmark = defaultdict(lambda: {"documents_removed": 0, "items": set()})
    for r in removals:
        per_benchmark[r["benchmark"]]["documents_removed"] += 1
        per_benchmark[r["benchmark"]]["items"].add(r["item_id"])
    stats = {"documents": documents, "kept": documents - len(removals), "removed": len(removals),
             "per_benchmark": {b: {"documents_removed": v["documents_removed"], "items_hit": len(v["items"])}
                               for b, v in per_benchmark.items()},
             "removals": removals}  # fmt: skip
    if report_path:
        atomic_write_text(report_path, json.dumps(stats, indent=2, ensure_ascii=False))
    return stats
