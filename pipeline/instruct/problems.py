"""Problems with gold answers for sampling: read, checked for a gradable gold, decontaminated.

    mathcpt sample configs/instruct/sample_toy.yaml      # `problems:` and `decontamination:` of the config

A problem comes from a `qa_jsonl` file (question, answer, solution, choices fields named in the config) or from a
registered benchmark's split (pipeline.shared.benchmarks). Every problem that cannot take part is counted, never
dropped silently: `no_question`, `no_gold` (neither an answer nor a solution), `ungradable` (the gold states no
answer our grader can compare with: pipeline.shared.grading.gradable_gold), `duplicate_id`, and `contaminated`
(its question, or question and solution, matches a registered test set: the data recipe's own decontamination,
pipeline.data.decontaminate, with its n-gram + LCS rule), the last with the benchmark item it matched.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config.instruct import ProblemSource
from pipeline.config.stages import DecontaminationStage
from pipeline.errors import DataError
from pipeline.shared.benchmarks.registry import load_benchmark
from pipeline.shared.grading import gradable_gold, to_quantity
from pipeline.shared.jsonl import read_jsonl

LETTERS = "ABCDEFGHIJ"


@dataclass
class Problem:
    id: str
    source: str
    question: str
    gold: str  # the final answer, as gradable_gold read it
    answer_type: str  # number, latex or choice
    choices: list[str] = field(default_factory=list)

    def record(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "question": self.question,
            "gold": self.gold,
            "answer_type": self.answer_type,
        }


def _question_text(question: str, choices: list[str]) -> str:
    if not choices:
        return question.strip()
    options = "\n".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(choices))
    return f"{question.strip()}\n{options}"


def _choices(value) -> list[str]:
    if isinstance(value, dict):
        return [str(value[k]) for k in sorted(value)]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _answer_type(source: ProblemSource, gold: str, choices: list[str]) -> str:
    if choices:
        return "choice"
    if source.answer_type != "auto":
        return source.answer_type
    return "number" if to_quantity(gold) is not None else "latex"


def raw_records(source: ProblemSource, data_root: str | Path) -> list[tuple[str, str, str, list[str]]]:
    """(id, question, gold field, choices) of every record of a source, in file order."""
    out = []
    if source.benchmark:
        for item in load_benchmark(source.benchmark, source.benchmarks_dir, source.split):
            out.append((item.id, item.question, item.answer or item.solution, list(item.choices)))
    else:
        path = Path(source.path) if Path(source.path).is_absolute() else Path(data_root) / source.path
        if not path.is_file():
            raise DataError(f"problems {source.name!r}: {path} does not exist")
        f = source.fields
        for line_no, record in read_jsonl(path):
            gold = record.get(f.answer)
            if gold is None or not str(gold).strip():
                gold = record.get(f.solution)
            rid = str(record.get("id") or f"{path.name}:{line_no}")
            question = record.get(f.question)
            out.append((rid, question if isinstance(question, str) else "", "" if gold is None else str(gold),
                        _choices(record.get(f.choices))))  # fmt: skip
    return out[: source.limit] if source.limit else out


def load_problems(sources: list[ProblemSource], data_root: str | Path) -> tuple[list[Problem], Counter]:
    """Every usable problem in config order, and the counts of those left out (by reason and source)."""
    problems, skipped, seen = [], Counter(), set()
    for source in sources:
        for rid, question, gold_field, choices in raw_records(source, data_root):
            pid = f"{source.name}/{rid}"
            if not question.strip():
                skipped[f"no_question/{source.name}"] += 1
                continue
            if not gold_field.strip():
                skipped[f"no_gold/{source.name}"] += 1
                continue
            if pid in seen:
                skipped[f"duplicate_id/{source.name}"] += 1
                continue
            kind = _answer_type(source, gold_field, choices)
            gold = gradable_gold(gold_field, kind)
            if gold is None or (kind == "choice" and gold not in LETTERS[: len(choices)]):
                skipped[f"ungradable/{source.name}"] += 1
                continue
            if kind != "choice" and source.answer_type == "auto":
                kind = "number" if to_quantity(gold) is not None else "latex"
            seen.add(pid)
            problems.append(Problem(pid, source.name, _question_text(question, choices), gold, kind, choices))
    return problems, skipped


def decontaminate(problems: list[Problem], stage: DecontaminationStage) -> tuple[list[Problem], list[dict]]:
    """Problems whose question matches a registered test set are removed; the removals name the item matched."""
    if not stage.enabled or not problems:
        return problems, []
    from pipeline.data.decontaminate import load_index, tokenize

    index = load_index(stage)
    kept, removed = [], []
    for p in problems:
        matches = index.find(tokenize(p.question))
        if matches:
            removed.append({"id": p.id, "source": p.source, "matches": [m.record() for m in matches]})
        else:
            kept.append(p)
    return kept, removed
