"""`mathcpt grade`: grade lines {"response": ..., "answer": ...}, adding "predicted" and "correct".

    mathcpt grade predictions.jsonl -o graded.jsonl [--answer-type latex|number|choice] [--processes 4]

A line may carry its own "answer_type" (and "num_choices" for multiple choice); otherwise --answer-type applies.
Grading is pipeline.eval.grading: exact numeric/normalised checks, then math-verify with timeouts.
"""

from __future__ import annotations

import json
import sys

from pipeline.atomic import atomic_write_text
from pipeline.errors import DataError
from pipeline.eval.grading import grade_many
from pipeline.jsonl import read_jsonl

ANSWER_TYPES = ("latex", "number", "choice")


def grade_file(path: str, output: str | None, answer_type: str = "latex", processes: int = 1) -> tuple[float, int]:
    rows = [row for _, row in read_jsonl(path, required={"response": str, "answer": (str, int, float)})]
    for i, row in enumerate(rows, 1):
        if row.get("answer_type", answer_type) not in ANSWER_TYPES:
            raise DataError(f"{path}:{i}: answer_type must be one of {', '.join(ANSWER_TYPES)}")
    graded = grade_many(
        [
            (r["response"], str(r["answer"]), r.get("answer_type", answer_type), int(r.get("num_choices", 4)))
            for r in rows
        ],
        processes,
    )
    for row, (correct, predicted) in zip(rows, graded):
        row["correct"], row["predicted"] = correct, predicted
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)
    return (sum(r["correct"] for r in rows) / len(rows) if rows else 0.0), len(rows)
