"""Strict JSON-lines reading for inputs that must be well formed (benchmarks, `decontaminate`, `grade` inputs).

    for line_no, record in read_jsonl("in.jsonl", required={"text": str}): ...

A missing file, a malformed line or a record without a required field is a DataError naming file and line. (Recipe
sources are read leniently instead: there a bad line is a counted skip, see pipeline/data/sources/readers.py.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.errors import DataError


def read_jsonl(
    path: str | Path, required: dict[str, type | tuple[type, ...]] | None = None
) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; `required` maps field names to the type they must have."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with path.open(encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{line_no}: malformed JSON ({e.msg}); expected one object per line") from None
            if not isinstance(record, dict):
                raise DataError(f"{path}:{line_no}: expected a JSON object, found {type(record).__name__}")
            for field, kind in (required or {}).items():
                if not isinstance(record.get(field), kind):
                    names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
                    raise DataError(f"{path}:{line_no}: expected a {names} field {field!r}")
            yield line_no, record


def iter_folder(folder: str | Path) -> Iterator[dict]:
    """Every record of every `*.jsonl` file below `folder` (sorted by path; none if the folder is absent): the
    outputs this project wrote itself (kept/, dropped/, work/), read back for reports."""
    folder = Path(folder)
    for path in sorted(folder.glob("**/*.jsonl")) if folder.is_dir() else []:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
