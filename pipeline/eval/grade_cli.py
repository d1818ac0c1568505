"""`mathcpt grade`: grade lines {"response": ..., "answer": ...}, adding "predicted" and "correct".

    mathcpt grade predictions.jsonl -o graded.jsonl
"""

from __future__ import annotations

import json
import sys

from pipeline.atomic import atomic_write_text
from pipeline.jsonl import read_jsonl
from pipeline.eval.grading import grade_response


def grade_file(path: str, output: str | None) -> tuple[float, int]:
    rows = []
    for _, row in read_jsonl(path, required={"response": str, "answer": (str, int, float)}):
        row["correct"], row["predicted"] = grade_response(row["response"], str(row["answer"]))
        rows.append(row)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)
    return (sum(r["correct"] for r in rows) / len(rows) if rows else 0.0), len(rows)
