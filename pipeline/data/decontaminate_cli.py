"""`mathcpt decontaminate`: remove benchmark test items from a JSONL corpus, with a report of every removal.

    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks mini_gsm --report contamination.json
    mathcpt decontaminate corpus.jsonl -o clean.jsonl --benchmarks all --benchmarks-dir ../shared/benchmarks --mode span

The same filter as the recipe's decontamination stage (`BenchmarkDecontaminationFilter`); outputs are written to
temporary names and renamed when complete.
"""

from __future__ import annotations

import json

from datatrove.data import Document

from pipeline.atomic import atomic_open, atomic_write_text
from pipeline.benchmarks.registry import expand_names
from pipeline.data.decontaminate import BenchmarkDecontaminationFilter
from pipeline.data.readers import read_documents
from pipeline.data.report import contamination_summary


def decontaminate_file(
    input_path: str,
    output: str,
    benchmarks: list[str],
    benchmarks_dir: str | None,
    ngram: int,
    report_path: str | None,
    lcs_threshold: float = 0.6,
    mode: str = "document",
    include_solutions: bool = False,
) -> dict:
    step = BenchmarkDecontaminationFilter(
        expand_names(benchmarks), ngram, lcs_threshold, benchmarks_dir, include_solutions, mode=mode
    )
    step.index  # noqa: B018 - build the index (and fail on a bad benchmark) before reading the corpus
    removals, documents, kept = [], 0, 0
    with atomic_open(output) as f:
        for record in read_documents(input_path):
            documents += 1
            doc = Document(
                text=record["text"], id=str(record.get("id", documents)), metadata=dict(record.get("metadata") or {})
            )
            keep = step.filter(doc) is True
            for match in doc.metadata.get("contamination", []):
                removals.append({"id": doc.id, "action": "span_removed" if keep else "document_removed", **match})
            if keep:
                kept += 1
                f.write(json.dumps({**record, "text": doc.text, "metadata": doc.metadata}, ensure_ascii=False) + "\n")
    stats = {"documents": documents, "kept": kept, "removed": documents - kept, **contamination_summary(removals)}
    if report_path:
        atomic_write_text(report_path, json.dumps(stats, indent=2, ensure_ascii=False))
    return stats
