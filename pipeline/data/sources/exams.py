"""Exam questions as pretraining text: `qa_jsonl` records (question, answer, optional solution and choices).

    mathcpt data data_recipes/demo.yaml        # the `exams` source is read through this module

The recipe maps field names (`qa_fields`: question, solution, answer, choices) and picks a layout (`qa_format`):

* `worked_solution` — one document per item: problem (with its choices), solution, final answer;
* `problem_set`     — `problems_per_set` consecutive items of one file per document, numbered, with the answers
                      (and solutions, when the items have them) at the end, as in an exercise section of a book.

Labels come in English or Chinese (`language: en|zh`, or `auto`: Chinese when the question holds CJK characters),
so Chinese exam sets (GaoKao-style) read as Chinese text. Choices may be a list (lettered A, B, C, … in order), a
mapping letter → option, or a preformatted string.
"""

from __future__ import annotations

import re
from typing import Iterator

from pipeline.config.formats import QAFields
from pipeline.config.sources import SourceConfig

CJK = re.compile(r"[\u3400-\u9fff]")
LETTERS = "ABCDEFGHIJ"
LABELS = {
    "en": {
        "problem": "Problem: ",
        "solution": "Solution: ",
        "answer": "Final answer: ",
        "set": "Problem set",
        "answers": "Answers",
        "short_answer": "Answer: ",
    },
    "zh": {
        "problem": "题目：",
        "solution": "解答：",
        "answer": "答案：",
        "set": "练习题",
        "answers": "参考答案",
        "short_answer": "答案：",
    },
}
# The key of a group's records in a ProblemSet.
PROBLEM_SET = "_problem_set"


class ProblemSet(dict):
    """A group of records that `group_problem_sets` made, rendered as one document. Its own type, not a key alone:
    an input record that happens to hold a `_problem_set` field is still one item."""


def render_choices(choices) -> str:
    if isinstance(choices, dict):
        return "\n".join(f"({k}) {str(v).strip()}" for k, v in choices.items())
    if isinstance(choices, (list, tuple)):
        return "\n".join(f"({LETTERS[i]}) {str(c).strip()}" for i, c in enumerate(choices[: len(LETTERS)]))
    return str(choices or "").strip()


def qa_parts(record: dict, fields: QAFields) -> dict[str, str]:
    """question (choices appended), solution, answer, choices of a record: stripped strings, empty when absent."""
    question = str(record.get(fields.question) or "").strip()
    choices = render_choices(record.get(fields.choices))
    return {
        "question": f"{question}\n{choices}" if question and choices else question,
        "solution": str(record.get(fields.solution) or "").strip(),
        "answer": str(record.get(fields.answer) or "").strip(),
        "choices": choices,
    }


def _language(setting: str, question: str) -> str:
    return ("zh" if CJK.search(question) else "en") if setting == "auto" else setting


def render_worked(record: dict, source: SourceConfig) -> str:
    p = qa_parts(record, source.qa_fields)
    if not p["question"]:
        return ""
    labels = LABELS[_language(source.qa_format.language, p["question"])]
    parts = [labels["problem"] + p["question"]]
    if p["solution"]:
        parts.append(labels["solution"] + p["solution"])
    if p["answer"]:
        parts.append(labels["answer"] + p["answer"])
    return "\n\n".join(parts)


def render_problem_set(records: list[dict], source: SourceConfig) -> str:
    items = [p for p in (qa_parts(r, source.qa_fields) for r in records) if p["question"]]
    if not items:
        return ""
    labels = LABELS[_language(source.qa_format.language, items[0]["question"])]
    problems = [f"{i}. {p['question']}" for i, p in enumerate(items, 1)]
    answers = []
    for i, p in enumerate(items, 1):
        body = [p["solution"]] if p["solution"] else []
        body += [labels["short_answer"] + p["answer"]] if p["answer"] else []
        answers.append(f"{i}. " + "\n".join(body) if body else f"{i}. –")
    return "\n\n".join([labels["set"], *problems, labels["answers"], *answers])


def render_qa(record: dict, source: SourceConfig) -> str:
    """The text of one reader record of a `qa_jsonl` source: an item, or a group made by group_problem_sets."""
    if isinstance(record, ProblemSet):
        return render_problem_set(record[PROBLEM_SET], source)
    return render_worked(record, source)


def group_problem_sets(records: Iterator[tuple[str, int, dict]], size: int) -> Iterator[tuple[str, int, dict]]:
    """Consecutive records of one file in groups of `size` (the last group of a file may be smaller).

    Grouping happens before the reader splits records over tasks, so a group is the same whatever the task count.
    """
    group: list[dict] = []
    path, first, last = "", 0, 0
    for rec_path, line_no, record in records:
        if group and (rec_path != path or len(group) == size):
            yield path, first, ProblemSet({"id": f"{path}:{first}-{last}", PROBLEM_SET: group})
            group = []
        if not group:
            path, first = rec_path, line_no
        group.append(record)
        last = line_no
    if group:
        yield path, first, ProblemSet({"id": f"{path}:{first}-{last}", PROBLEM_SET: group})
