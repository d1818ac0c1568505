"""Answer extraction and grading, and the `mathcpt grade` command."""

from __future__ import annotations

import json

import pytest

from pipeline.shared.answers import extract_answer, last_boxed
from pipeline.shared.grading import answers_match
from tests.conftest import run_cli


@pytest.mark.parametrize(
    "response, expected",
    [
        ("so 3 + 4 = 7. The answer is 7.", "7"),
        ("Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}"),
        ("We get \\boxed{\\frac{\\sqrt{3}}{2}} at the end", "\\frac{\\sqrt{3}}{2}"),
        ("所以答案是 42。", "42"),
        ("First 12 apples, then 1,250 pears", "1,250"),
        ("no numbers here", None),
    ],
)
def test_extract_answer(response, expected):
    assert extract_answer(response) == expected


def test_last_boxed_handles_nesting_and_unbalanced():
    assert last_boxed("\\boxed{1} and \\boxed{a^{2}}") == "a^{2}"
    assert last_boxed("\\boxed{unclosed") is None


@pytest.mark.parametrize(
    "pred, gold, ok",
    [
        ("1,250", "1250", True),
        ("0.5", "\\frac{1}{2}", True),
        ("$18$", "18", True),
        ("18.0", "18", True),
        ("17", "18", False),
        (None, "18", False),
        ("x+1", "x + 1", True),
        ("50\\%", "50", True),
    ],
)
def test_answers_match(pred, gold, ok):
    assert answers_match(pred, gold) is ok


def test_grade_cli(tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text(
        json.dumps({"response": "The answer is 5.", "answer": "5"})
        + "\n"
        + json.dumps({"response": "I think 4", "answer": "5"})
        + "\n"
    )
    out = tmp_path / "g.jsonl"
    r = run_cli("grade", str(src), "-o", str(out))
    assert r.returncode == 0 and "accuracy 0.5000 over 2 lines" in r.stderr
    assert [json.loads(line)["correct"] for line in out.read_text().splitlines()] == [True, False]
    src.write_text('{"response": "x"}\n')
    r = run_cli("grade", str(src), "-o", str(out))
    assert r.returncode == 2 and f"{src}:1" in r.stderr


@pytest.mark.parametrize(
    "response, answer_type, expected",
    [
        (
            "Thus the probability is $\\frac{3}{8}$.\nFinal Answer: The final answer is $\\frac{3}{8}$. I hope it is correct.",
            "latex",
            "\\frac{3}{8}",
        ),
        ("The interval is \\boxed{[2, \\infty)}.", "latex", "[2, \\infty)"),
        ("Therefore the answer is $3.5$.", "latex", "3.5"),
        ("so we have\n$x = \\sqrt{2}$", "latex", "x = \\sqrt{2}"),
        ("Force is 3 N. The answer is (B).", "choice", "B"),
        ("故选 C。", "choice", "C"),
        ("答案是 D。", "choice", "D"),
        ("Only (A) fits the data, since (B) is too small.", "choice", "B"),
        ("the answer is a prime number, so A", "choice", "A"),
        ("\\boxed{\\text{(C)}}", "choice", "C"),
        ("所以一共有 18 包茶叶。答案是 18。", "number", "18"),
    ],
)
def test_extraction_by_answer_type(response, answer_type, expected):
    assert extract_answer(response, answer_type) == expected


@pytest.mark.parametrize(
    "pred, gold, answer_type, ok",
    [
        ("\\dfrac{3}{4}", "\\frac34", "latex", True),
        ("10000", "10{,}000", "number", True),
        ("[2,5)", "[2, 5)", "latex", True),
        ("(2,5]", "[2, 5)", "latex", False),
        ("30^\\circ", "30", "latex", True),
        ("5 \\text{ cm}", "5", "latex", True),
        ("2\\sqrt{2}", "\\sqrt{8}", "latex", True),
        ("\\{1,2\\}", "\\{2,1\\}", "latex", True),
        ("\\frac{\\pi}{2}", "\\pi/2", "latex", True),
        ("x^2+2x+1", "(x+1)^2", "latex", True),
        ("x^2+2x", "(x+1)^2", "latex", False),
        ("1/3", "0.333", "number", False),
        ("b", "B", "choice", True),
        ("C", "B", "choice", False),
        ("$5$;$10$", "$5$;$10$", "latex", True),
        ("5;11", "$5$;$10$", "latex", False),
    ],
)
def test_grading_by_answer_type(pred, gold, answer_type, ok):
    assert answers_match(pred, gold, answer_type) is ok


def test_math_verify_grading_works_off_the_main_thread():
    """math-verify's SIGALRM timeouts only work in the main thread; elsewhere they are off, not an error."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda p: answers_match(*p), [("x^2+2x+1", "(x+1)^2", "latex"), ("[1,2]", "[1,3]", "latex")])
        )
    assert results == [True, False]


def test_grade_cli_answer_types_and_processes(tmp_path):
    lines = [
        {"response": "The answer is (C).", "answer": "C", "answer_type": "choice"},
        {"response": "\\boxed{\\dfrac{1}{2}}", "answer": "0.5"},
        {"response": "\\boxed{[0, 1)}", "answer": "[0,1]"},
    ] * 30
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    r = run_cli("grade", str(src), "-o", str(tmp_path / "g.jsonl"), "--processes", "2")
    assert r.returncode == 0 and "accuracy 0.6667 over 90 lines" in r.stderr, r.stderr
    src.write_text(json.dumps({"response": "x", "answer": "1", "answer_type": "fraction"}) + "\n")
    r = run_cli("grade", str(src))
    assert r.returncode == 2 and "answer_type must be one of" in r.stderr


@pytest.mark.parametrize(
    "pred, gold, ok",
    [
        ("52_3", "52_8", False),
        ("52_{8}", "52_8", True),
        ("864 \\mbox{ inches}^3", "864 \\mbox{ inches}^2", False),
        ("864", "864 \\mbox{ inches}^2", True),
    ],
)
def test_guards_found_by_the_grading_benchmark(pred, gold, ok):
    assert answers_match(pred, gold, "latex") is ok
