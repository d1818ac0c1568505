"""Answer extraction and grading, and the `mathcpt grade` command."""

from __future__ import annotations

import json

import pytest

from pipeline.eval.answers import extract_answer, last_boxed
from pipeline.eval.grading import answers_match
from tests.conftest import run_cli


@pytest.mark.parametrize("response, expected", [
    ("so 3 + 4 = 7. The answer is 7.", "7"),
    ("Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}"),
    ("We get \\boxed{\\frac{\\sqrt{3}}{2}} at the end", "\\frac{\\sqrt{3}}{2}"),
    ("所以答案是 42。", "42"),
    ("First 12 apples, then 1,250 pears", "1,250"),
    ("no numbers here", None),
])  # fmt: skip
def test_extract_answer(response, expected):
    assert extract_answer(response) == expected


def test_last_boxed_handles_nesting_and_unbalanced():
    assert last_boxed("\\boxed{1} and \\boxed{a^{2}}") == "a^{2}"
    assert last_boxed("\\boxed{unclosed") is None


@pytest.mark.parametrize("pred, gold, ok", [
    ("1,250", "1250", True), ("0.5", "\\frac{1}{2}", True), ("$18$", "18", True), ("18.0", "18", True),
    ("17", "18", False), (None, "18", False), ("x+1", "x + 1", True), ("50\\%", "50", True),
])  # fmt: skip
def test_answers_match(pred, gold, ok):
    assert answers_match(pred, gold) is ok


def test_grade_cli(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text(json.dumps({"response": "The answer is 5.", "answer": "5"}) + "\n"
                   + json.dumps({"response": "I think 4", "answer": "5"}) + "\n")  # fmt: skip
    out = tmp_path / "g.jsonl"
    r = run_cli("grade", str(src), "-o", str(out))
    assert r.returncode == 0 and "accuracy 0.5000 over 2 lines" in r.stderr
    assert [json.loads(line)["correct"] for line in out.read_text().splitlines()] == [True, False]
    src.write_text('{"response": "x"}\n')
    r = run_cli("grade", str(src), "-o", str(out))
    assert r.returncode == 2 and f"{src}:1" in r.stderr
