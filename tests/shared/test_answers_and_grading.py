"""Answer extraction and grading, and the `mathcpt grade` command."""

from __future__ import annotations

import json

import pytest

from pipeline.shared.answers import explicit_answer, extract_answer, last_boxed
from pipeline.shared.grading import answers_match, grade_response
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


# ---- the classes the peer project's regression cases found (every rule with cases that must stay wrong) ----------


@pytest.mark.parametrize(
    "response, expected",
    [
        ("The solutions are $x = \\boxed{1}$ and $x = \\boxed{2}$.", "1, 2"),
        ("$\\boxed{(1,2)}$, $\\boxed{(3,4)}$", "(1,2), (3,4)"),
        ("(a) \\boxed{3}\n(b) \\boxed{4}", "3, 4"),
        ("Part (a): first we count. So \\boxed{3}.\n\nPart (b): then we add them up, \\boxed{4}.", "3, 4"),
        ("$x_1 = \\boxed{-2}, \\quad x_2 = \\boxed{\\frac{1}{3}}$", "-2, \\frac{1}{3}"),
        ("The answers:\n- $\\boxed{6}$\n- $\\boxed{8}$", "6, 8"),
        ("The roots are \\(\\boxed{2}\\) and \\(\\boxed{5}\\).", "2, 5"),
        # an earlier box followed by words is an intermediate result, not a part of the answer
        ("The discriminant is $\\boxed{9}$, so the root is $\\boxed{3}$.", "3"),
        ("Step 1: $\\boxed{3}$\nStep 2: $\\boxed{5}$", "5"),
        ("\\boxed{\\boxed{5}}", "5"),
        ("\\boxed{3} and then \\boxed{unclosed", "3"),  # cut off in its final box: no box, the last number
    ],
)
def test_final_boxes_together_are_the_answer(response, expected):
    assert extract_answer(response, "latex") == expected


@pytest.mark.parametrize(
    "response, gold, ok",
    [
        ("$x = \\boxed{1}$ or $x = \\boxed{2}$", "x=1 \\text{ or } x=2", True),
        ("$x = \\boxed{2}$ or $x = \\boxed{1}$", "\\{1, 2\\}", True),
        ("$x = \\boxed{1}$ or $x = \\boxed{3}$", "1, 2", False),
        ("$x = \\boxed{1}$", "1, 2", False),  # a part missing
        ("$\\boxed{1}$, $\\boxed{2}$, $\\boxed{3}$", "1, 2", False),  # a part too many
        ("$\\boxed{(3,4)}$ and $\\boxed{(1,2)}$", "(1,2), (3,4)", True),
        ("$\\boxed{(3,4)}$ and $\\boxed{(2,1)}$", "(1,2), (3,4)", False),  # a pair is ordered
        ("$x = \\boxed{1}$, $y = \\boxed{2}$", "(1, 2)", True),
        ("$x = \\boxed{2}$, $y = \\boxed{1}$", "(1, 2)", False),  # coordinates in order
        ("$x = \\boxed{1}$, $y = \\boxed{2}$", "[1, 2]", False),  # two values are not an interval
        ("The answer is $\\boxed{2}$ or $\\boxed{3}$.", "2", False),  # a hedge is not an answer
        ("$\\boxed{3}$ $\\boxed{3}$", "3", True),  # the same answer boxed twice
    ],
)
def test_multi_box_grading(response, gold, ok):
    assert grade_response(response, gold)[0] is ok


@pytest.mark.parametrize(
    "response, gold, ok",
    [
        ("Final Answer: The volume of the box is 120.", "120", True),
        ("Final Answer: The volume of the box is 12.", "120", False),
        ("The answer is: the total cost is $45.", "45", True),
        ("The answer is: the total cost is $54.", "45", False),
        ("**Final Answer:** the number of apples in the basket comes to 12 apples.", "12", True),
        ("Answer: The probability that both marbles are red is $\\frac{3}{8}$.", "\\frac38", True),
        ("Answer: The probability that both marbles are red is $\\frac{8}{3}$.", "\\frac38", False),
        ("The final answer is: the sum of the roots equals 7 cubic units.", "7", True),
        ("Final Answer: Sarah has 15 marbles.", "15", True),
        ("Final Answer: Sarah has 16 marbles.", "15", False),
        ("The answer is the volume, which is 120.", "120", True),
        ("The answer is the volume, which is 12.", "120", False),
        ("We find 3 more. So the number of apples is 12.", "12", True),
        # a sentence that is not "<noun phrase> is <value>" stays as it is, and wrong
        ("Final Answer: There are 7 red and 5 blue, so 12.", "12", False),
        ("Let me check my answer: 2+2=4. So the total is 9.", "9", True),  # "answer:" mid-sentence is no phrase
    ],
)
def test_answer_phrase_with_a_noun_phrase_before_the_value(response, gold, ok):
    assert grade_response(response, gold)[0] is ok


@pytest.mark.parametrize(
    "response, gold, ok",
    [
        ("\\frac{10}{9}", "\\frac{10}{9}", True),
        ("\\frac{9}{10}", "\\frac{10}{9}", False),
        ("(9+1)", "10", True),
        ("(9+2)", "10", False),
        ("$7 \\cdot 22$", "154", True),
        ("\\[ 2^{5} \\]", "32", True),
        ("\\[ 2^{6} \\]", "32", False),
        ("\\sqrt{8}.", "2\\sqrt{2}", True),
        ("3 4", "12", False),  # two numbers, not one expression: the last number, as before
        ("I think 4", "4", True),  # prose: the last number, as before
    ],
)
def test_bare_expression_responses(response, gold, ok):
    assert grade_response(response, gold)[0] is ok


@pytest.mark.parametrize(
    "pred, gold, ok",
    [
        ("$10,455$", "10455", True),
        ("10{,}455", "10,455", True),
        ("11,\\! 111,\\! 100", "11111100", True),
        ("10\\,455", "10455", True),
        ("\\$10,455", "10455", True),
        ("1,2", "12", False),  # two numbers
        ("10,45", "1045", False),  # a group of two digits is no thousands group
        ("1, 234", "1234", False),  # a list
        ("1.000", "1,000", False),  # a decimal point
        ("9182002", "9181997", False),  # exact integers: no relative tolerance
        ("0.3333333", "\\frac{1}{3}", True),  # a rounded decimal: within 1e-6
        ("5\\text{ cm}", "5", True),
        ("5 \\mathrm{cm}", "5\\text{ centimeters}", True),
        ("12 \\text{ square feet}", "12 \\text{ ft}^2", True),
        ("5 \\text{ m}", "5 \\text{ cm}", False),
        ("12 \\text{ cm}^3", "12 \\text{ cm}^2", False),
        ("5 \\text{ cents}", "\\$5", False),
        ("45 \\text{ dollars}", "\\$45", True),
        ("3 \\text{ or } 4", "3", False),  # "or" is no unit: two answers
    ],
)
def test_thousands_separators_and_units(pred, gold, ok):
    assert answers_match(pred, gold) is ok


@pytest.mark.parametrize(
    "response, gold, ok",
    [
        ("The price increases by 100%.", "100%", True),
        ("The answer is: it increases by 100%.", "100\\%", True),
        ("The answer is: it increases by 110%.", "100\\%", False),
        ("\\boxed{100}", "100\\%", True),
        ("\\boxed{0.5}", "50\\%", True),  # a percent equals its fraction when one side carries the sign
        ("\\boxed{50\\%}", "0.5", True),
        ("\\boxed{\\frac{1}{2}}", "50\\%", True),
        ("\\boxed{0.5}", "50", False),  # no sign: 0.5 is not 50
        ("\\boxed{0.5\\%}", "50\\%", False),  # both signed: compared as they are
        ("\\boxed{5000}", "50\\%", False),  # never times 100
        ("The answer is 50 percent.", "50\\%", True),
    ],
)
def test_percent_equivalences(response, gold, ok):
    assert grade_response(response, gold)[0] is ok


@pytest.mark.parametrize(
    "response, ok",
    [("\\boxed{146}", True), ("\\boxed{140}", False), ("The answer is 141.", False)],
)
def test_gold_that_is_a_worked_solution(response, ok):
    gold = "There are 20 rows of 7 chairs, so $20 \\cdot 7 = 140$ seats; with 6 more we get $\\boxed{146}$."
    assert grade_response(response, gold)[0] is ok


def test_gold_solutions_give_their_final_answer():
    roots = "Factoring, $(x-2)(x+3)=0$, so $x = \\boxed{2}$ or $x = \\boxed{-3}$."
    assert answers_match("-3, 2", roots) and not answers_match("2", roots)
    prose = "We count 4 blue beads and 5 green beads. Together with 3 more, the answer is 12."
    assert answers_match("12", prose) and not answers_match("9", prose)


@pytest.mark.parametrize(
    "response, expected",
    [
        ("We add 3 and 4 to get 7 apples. The answer is .", "7"),
        ("So the answer is 12.\nTo restate it: the final answer is .", "12"),
        ("Hence $x = 5$.\nFinal Answer: The final answer is $$. I hope it is correct.", "5"),
        ("Simplifying gives $\\frac{2}{3}$, and the answer is .", "\\frac{2}{3}"),
        ("We found 7. The answer is $\\boxed{}$.", "7"),
        ("The answer is .", None),
    ],
)
def test_empty_answer_phrase_falls_back(response, expected):
    assert extract_answer(response, "latex") == expected


def test_empty_answer_phrase_falls_back_to_the_right_value_only():
    assert not grade_response("We add 3 and 4. The answer is .", "7")[0]  # the last number is 4
    assert not grade_response("So the answer is 13.\nThe final answer is .", "12")[0]
    assert explicit_answer("The answer is .") is None  # no explicit answer: a post-filter drops it as unfinished
