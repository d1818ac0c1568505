"""`mathcpt grade`: grade lines {"response": ..., "answer": ...}, adding "predicted" and "correct".

    mathcpt grade predictions.jsonl -o graded.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.atomic import atomic_write_text
from pipeline.errors import DataError
from pipeline.eval.grading import grade_response


def grade_file(path: str, output: str | None) -> tuple[float, int]:
    src = Path(path)
    if not src.is_file():
        raise DataError(f"{src}: file not found")
    rows = []
    with src.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{src}:{line_no}: malformed JSON ({e.msg})") from None
            if not isinstance(row, dict) or "response" not in row or "answer" not in row:
                raise DataError(f'{src}:{line_no}: expected an object with "response" and "answer" fields')
            row["correct"], row["predicted"] = grade_response(str(row["response"]), str(row["answer"]))
            rows.append(row)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)
    return (sum(r["correct"] for r in rows) / len(rows) if rows else 0.0), len(rows)
