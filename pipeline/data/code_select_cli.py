"""`mathcpt code-select`: repositories, folders and source files → one JSONL record per selected math-code file.

    mathcpt code-select repos/ Basic.lean -o code.jsonl [--languages coq python] [--min-score 0.6 --min-score r=0.3]

The same selection as a recipe's `format: code_repos` source (pipeline.data.code_select.select_file): `id` is the
input as given joined with the file's path inside it; `metadata` holds language, path (inside its repository),
repo, licence and code_math_score. Every file not selected is counted under its reason; an input that does not
exist is an error before anything is written; the output appears only when complete.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from pipeline.atomic import atomic_open
from pipeline.config import CodeSettings, validate
from pipeline.data.code_select import iter_code_files, select_file
from pipeline.errors import ConfigError, require_inputs


def code_settings(
    languages: list[str] | None, min_scores: list[str], max_file_bytes: int | None, score_formal: bool
) -> CodeSettings:
    """The CLI's flags as the recipe's `code:` settings, validated the same way (a bad language is a ConfigError)."""
    raw: dict = {"keep_formal_math_always": not score_formal}
    if languages:
        raw["languages"] = [lang.strip().lower() for item in languages for lang in item.split(",") if lang.strip()]
    if max_file_bytes is not None:
        raw["max_file_bytes"] = max_file_bytes
    thresholds: dict = {}
    for item in min_scores:
        language, _, value = item.rpartition("=")
        try:
            thresholds[language.strip().lower() or "default"] = float(value)
        except ValueError:
            raise ConfigError(f"--min-score {item!r}: expected a number or LANGUAGE=NUMBER") from None
    if thresholds:
        raw["min_math_score"] = thresholds
    return validate(CodeSettings, raw, "command-line flags (--languages, --min-score, --max-file-bytes)")


def select_code_inputs(inputs: list[str], output: str, settings: CodeSettings = CodeSettings()) -> dict:
    """Select from every input into `output`; returns {"written": n, "languages": {...}, "skipped": {reason: n}}."""
    require_inputs(inputs)
    written, languages, skipped = 0, Counter(), Counter()
    with atomic_open(output) as f:
        for given in inputs:
            for item in iter_code_files(given):
                verdict = select_file(item, settings)
                if not verdict.kept:
                    skipped[verdict.reason] += 1
                    continue
                doc_id = os.path.join(given, item.input_rel) if Path(given).is_dir() else given
                f.write(
                    json.dumps({"id": doc_id, "text": verdict.text, "metadata": verdict.metadata}, ensure_ascii=False)
                    + "\n"
                )
                written += 1
                languages[verdict.language] += 1
    return {"written": written, "languages": dict(sorted(languages.items())), "skipped": dict(sorted(skipped.items()))}
