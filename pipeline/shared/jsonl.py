"""Strict JSON-lines reading for inputs that must be well formed (benchmarks, `decontaminate`, `grade` inputs).

    for line_no, record in read_jsonl("in.jsonl", required={"text": str}): ...

A missing file, a malformed line or a record without a required field is a DataError naming file and line. (Recipe
sources are read leniently instead: there a bad line is a counted skip, see pipeline/data/sources/readers.py.) Both
parse a line with `json_object`: besides malformed JSON, a line that is not UTF-8, nested deeper than the JSON
parser's stack, holding an integer of more than 4,300 digits, or holding a lone surrogate escape (`"\\ud800"`: no
UTF-8 writer can write it back) is a bad line, never a traceback (tests/fuzz/test_fuzz_readers.py).
"""

from __future__ import annotations

import json
import re
from datetime import date, time
from pathlib import Path
from typing import Iterator

import orjson

from pipeline.errors import DataError

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BadLine(ValueError):
    """Why one JSON line is not a record: the message (what a strict reader raises), the reader's skip reason
    (malformed_json or invalid_utf8) and what a lenient reader logs."""

    def __init__(self, message: str, reason: str = "malformed_json", skipped: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.skipped = skipped or f"skipped a line: {message}"


def json_object(line: str | bytes) -> dict:
    """One JSON-lines record (a UTF-8 byte-order mark before it is ignored), or BadLine saying why it is none."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as e:
            detail = f"{e.reason} at byte {e.start}"
            raise BadLine(
                f"not valid UTF-8 ({detail})", "invalid_utf8", f"skipped a line that is not valid UTF-8 ({detail})"
            ) from None
    line = line.removeprefix("\ufeff")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as e:
        raise _malformed(e.msg) from None
    except RecursionError:
        raise _malformed("nested too deeply") from None
    except ValueError as e:  # an integer literal past Python's 4,300-digit conversion limit
        raise _malformed(str(e)[:80]) from None
    if not isinstance(record, dict):
        raise BadLine(
            f"expected a JSON object, found {type(record).__name__}",
            skipped="skipped a JSON line that is not an object",
        )
    if _SURROGATE_ESCAPE.search(line) and _holds_surrogate(record):
        detail = "a lone surrogate escape, \\ud800-\\udfff"
        raise BadLine(
            f"not valid Unicode ({detail})", "invalid_utf8", f"skipped a line that is not valid Unicode ({detail})"
        )
    return record


def _malformed(detail: str) -> BadLine:
    return BadLine(
        f"malformed JSON ({detail}); expected one object per line", skipped=f"skipped malformed JSON line ({detail})"
    )


def _encodable(obj):
    # What datatrove's JsonlWriter writes besides JSON's own types: dates and times as ISO strings.
    if isinstance(obj, (date, time)):
        return obj.isoformat()
    raise TypeError(type(obj).__name__)


def json_writable(obj) -> bool:
    """Whether the JSONL writer of the next stage (orjson) can write obj: JSON types with integers within 64 bits
    (what Python's json reads has no such limit), no bytes or decimals (what a Parquet struct column can hold)."""
    try:
        orjson.dumps(obj, default=_encodable)
    except (TypeError, orjson.JSONEncodeError):
        return False
    return True


def _holds_surrogate(record: dict) -> bool:
    """Whether any key or string value holds a lone surrogate (escaped pairs decode to one character each)."""
    stack: list = [record]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def read_jsonl(
    path: str | Path, required: dict[str, type | tuple[type, ...]] | None = None
) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; `required` maps field names to the type they must have."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with path.open("rb") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json_object(line)
            except BadLine as e:
                raise DataError(f"{path}:{line_no}: {e}") from None
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
