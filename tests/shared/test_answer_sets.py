"""Answers in parts: how `pipeline/shared/answer_sets.py` splits them and which kinds compare in order."""

from __future__ import annotations

import pytest

from pipeline.shared.answer_sets import Parts, compare_parts, parts_of, split_top_level
from pipeline.shared.grading import answers_match


@pytest.mark.parametrize(
    "answer, parts",
    [
        ("1, 2", Parts("list", ("1", "2"))),
        ("x = 1 \\text{ or } x = 2", Parts("list", ("1", "2"))),  # one unknown: its values
        ("a = 1, b = 2", Parts("list", ("a = 1", "b = 2"))),  # two unknowns: named, kept
        ("\\{1, 2\\}", Parts("set", ("1", "2"))),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", Parts("seq", ("3", "\\frac{\\pi}{2}"), "()")),
        ("[2, \\infty)", Parts("seq", ("2", "\\infty"), "[)")),
        ("(1,2), (3,4)", Parts("list", ("(1,2)", "(3,4)"))),
        ("\\langle 1, 2 \\rangle", Parts("seq", ("1", "2"), "⟨⟩")),
        ("1,2", Parts("list", ("1", "2"))),  # a group of one digit: two numbers
        ("10,455", None),  # thousands: one number
        ("10{,}455", None),
        ("(-\\infty, 2) \\cup (3, \\infty)", None),  # one set written as a union
        ("x \\in [-2, 7]", None),
        ("5", None),
    ],
)
def test_parts_of(answer, parts):
    assert parts_of(answer) == parts


def test_split_top_level_keeps_brackets_and_braces_whole():
    assert split_top_level("f(1, 2), \\frac{1}{2}, [3, 4)") == ["f(1, 2)", "\\frac{1}{2}", "[3, 4)"]
    assert split_top_level("(1, 2") is None  # unbalanced: no parts


def _equal(p: str, g: str) -> bool:
    return answers_match(p, g, "latex")


@pytest.mark.parametrize(
    "pred, gold, verdict",
    [
        ("2, 1", "1, 2", True),  # a set: any order
        ("\\{2, 1\\}", "1, 2", True),
        ("(2, 1)", "1, 2", True),  # parentheses around a list of solutions
        ("[1, 2]", "1, 2", False),  # an interval is not a set of solutions
        ("1, 1, 2", "1, 2", True),  # repeats do not count
        ("1, 3", "1, 2", False),
        ("1, 2", "(1, 2)", True),  # a bare list gives a point's coordinates in order
        ("2, 1", "(1, 2)", False),
        ("\\{1, 2\\}", "(1, 2)", False),  # a set is not a point
        ("(1, 2]", "(1, 2)", False),
        ("(3,4), (1,2)", "\\{(1,2), (3,4)\\}", True),
        ("(4,3), (1,2)", "\\{(1,2), (3,4)\\}", False),
        ("1, 2", "12", None),  # two parts against one: left to math-verify (which says no)
        ("1 + \\sqrt{5}, 1 - \\sqrt{5}", "1 \\pm \\sqrt{5}", None),
        ("5", "5", None),
    ],
)
def test_compare_parts(pred, gold, verdict):
    assert compare_parts(pred, gold, _equal) is verdict
