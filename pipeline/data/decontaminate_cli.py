"""`mathcpt decontaminate`: remove documents containing benchmark test questions from a JSONL file.

    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks mini_gsm --report contamination.json

The same matcher as the recipe's decontamination stage (`NgramDecontaminationFilter.match`); outputs are written
to temporary names and renamed when complete.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from pipeline.data.decontaminate import NgramDecontaminationFilter
from pipeline.data.readers import read_documents


def decontaminate_file(input_path: str, output: str, benchmarks: list[str], benchmarks_dir: str | None,
                       ngram: int, report_path: str | None) -> dict:  # fmt: skip
    matcher = NgramDecontaminationFilter(benchmarks, ngram, benchmarks_dir)
    matcher._load()  # fail on an unknown benchmark before reading the corpus
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    removals, documents = [], 0
    with tmp.open("w", encoding="utf-8") as f:
        for record in read_documents(input_path):
            documents += 1
            found = matcher.match(record["text"])
            if found is None:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                continue
            gram, (benchmark, item_id) = found
            removals.append({"id": record.get("id"), "benchmark": benchmark, "item_id": item_id,
                             "ngram": " ".join(gram)})  # fmt: skip
    os.replace(tmp, out)
    per_benchmark = defaultdict(lambda: {"documents_removed": 0, "items": set()})
    for r in removals:
        per_benchmark[r["benchmark"]]["documents_removed"] += 1
        per_benchmark[r["benchmark"]]["items"].add(r["item_id"])
    stats = {"documents": documents, "kept": documents - len(removals), "removed": len(removals),
             "per_benchmark": {b: {"documents_removed": v["documents_removed"], "items_hit": len(v["items"])}
                               for b, v in per_benchmark.items()},
             "removals": removals}  # fmt: skip
    if report_path:
        rp = Path(report_path)
        tmp_r = rp.with_name(rp.name + ".tmp")
        tmp_r.write_text(json.dumps(stats, indent=2, ensure_ascii=False))
        os.replace(tmp_r, rp)
    return stats
