"""Fuzzing answer extraction (pipeline/shared/answers.py), the grader (grading.py, answer_sets.py) and `mathcpt
grade`'s input (`grade_file`).

    .venv/bin/python -m pytest tests/fuzz/test_fuzz_answers.py -q
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz/test_fuzz_answers.py -q

Properties:

* extraction of any mutated model response (nested and unclosed boxes, `$` runs, answer phrases, megabytes of
  whitespace, 10,000-deep nesting) returns a string or None within the per-item limit; a response that ends in
  `\\boxed{X}` for a simple X gives X;
* grading never raises and never accepts what must stay wrong: a number with a digit appended, an expression with
  `+1` appended; and accepts the gold itself. The grader sets SIGALRM itself (math-verify's timeouts), so these
  items run without the alarm, against the elapsed time (`run_item(alarm=False)`, GRADE_SECONDS);
* `grade_file` on a mutated predictions file grades every line or raises a DataError naming `FILE:LINE`.
"""

from __future__ import annotations

import json
import string

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.errors import DataError
from pipeline.shared.answer_sets import compare_parts, parts_of
from pipeline.shared.answers import explicit_answer, extract_answer, extract_choice, gold_answer, last_boxed
from pipeline.shared.grading import answers_match, grade_file, grade_response, normalise, to_quantity
from tests.fuzz.fuzzing import DEEP, Blob, mutated, run_item, text_of

# Up to three math-verify calls of 5 s each (parse, parse, verify), plus the exact checks.
GRADE_SECONDS = 20.0

RESPONSES = [
    "We have $x^2 = 4$, so $x = 2$ or $x = -2$. The final answer is $\\boxed{\\pm 2}$.",
    "Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.",
    "Sarah has 3 + 4 = 7 apples.\nThe answer is 7.",
    "所以答案是 42。",
    "(a) The area is $\\boxed{12}$.\n(b) The perimeter is $\\boxed{14}$.",
    "The answer is (B).",
    "$x = \\boxed{1}$ or $x = \\boxed{2}$",
    "The solutions are \\boxed{\\{1, 2\\}} and the interval is $[0, 1)$.",
    "It costs \\$10,455 in total, i.e. $10{,}455$ dollars, or 50\\% more.",
]
ANSWER_TOKENS = [
    b"\\boxed{",
    b"\\fbox{",
    b"{",
    b"}",
    b"$",
    b"$$",
    b"\\$",
    b"\\(",
    b"\\[",
    b"The answer is ",
    b"Final Answer: ",
    b"\xe7\xad\x94\xe6\xa1\x88\xe6\x98\xaf",  # 答案是
    b"(a) ",
    b"\n(b) ",
    b" or ",
    b", ",
    b"\\text{ cm}",
    b"\\%",
    b"\\frac{1}{2}",
    b"1,234",
    b" " * 50,
    b"\n",
    b" is ",
    b"\x00",
]
ANSWER_NESTS = [(b"\\boxed{", b"}"), (b"{", b"}"), (b"(", b")"), (b"\\{", b"\\}"), (b"[", b"]"), (b"$", b"$")]


@given(raw=st.sampled_from(RESPONSES).flatmap(lambda r: mutated(r.encode(), ANSWER_TOKENS, ANSWER_NESTS)))
@example(raw=Blob(b"\\boxed{" * DEEP + b"5" + b"}" * DEEP))  # recursion: a minute, then RecursionError
@example(raw=Blob(b"$" + b"\\$ " * 100_000))  # INLINE_MATH retried from every escaped dollar: minutes
@example(raw=Blob(b"The answer is 5" + b" " * 200_000 + b"x"))
@example(raw=Blob(b"Final answer: " + b"x is " * 20_000 + b"5"))
def test_extraction_returns_a_string_or_none(raw):
    response = text_of(raw)
    for answer_type in ("latex", "number", "choice"):
        got = run_item("answers:extract", extract_answer, response, answer_type, nbytes=len(raw))
        assert got is None or isinstance(got, str)
    for fn in (explicit_answer, gold_answer, last_boxed):
        got = run_item("answers:extract", fn, response, nbytes=len(raw))
        assert got is None or isinstance(got, str)


SIMPLE = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(-1000, 1000, allow_nan=False, allow_infinity=False, places=3).map(str),
    st.text(string.ascii_lowercase + string.digits + "+-*/^_.() ", min_size=1, max_size=20),
    st.tuples(st.integers(1, 99), st.integers(1, 99)).map(lambda t: f"\\frac{{{t[0]}}}{{{t[1]}}}"),
).filter(lambda x: x.strip() and "\\boxed" not in x)
PROSE = st.text(string.ascii_letters + string.digits + " .,;:!?-\n=+()", max_size=200)


@given(prefix=PROSE, answer=SIMPLE, suffix=st.sampled_from(["", ".", "$.", " I hope it is correct."]))
def test_a_response_ending_in_a_box_gives_the_box(prefix, answer, suffix):
    response = f"{prefix} so the result is $\\boxed{{{answer}}}{suffix}"
    for answer_type in ("latex", "number"):
        assert run_item("answers:extract", extract_answer, response, answer_type) == answer.strip()


NUMBERS = st.one_of(
    st.integers(-(10**9), 10**9).map(str),
    st.decimals(-1000, 1000, allow_nan=False, allow_infinity=False, places=2).map(str),
)
FORMS = st.sampled_from(["{}", "${}$", "{}\\text{ cm}", "\\${}", "{}\\%", "{} apples"])


@given(number=NUMBERS, digit=st.sampled_from("123456789"), form=FORMS, answer_type=st.sampled_from(["latex", "number"]))
def test_a_digit_appended_to_the_gold_is_never_accepted(number, digit, form, answer_type):
    stated = form.replace("{}", number)
    response = f"Adding up, we get \\boxed{{{stated}}}."
    correct, _ = run_item("grading", grade_response, response, number, answer_type, alarm=False, limit=GRADE_SECONDS)
    assert correct, (response, number)
    wrong_gold = form.replace("{}", number + digit)
    correct, predicted = run_item(
        "grading", grade_response, response, wrong_gold, answer_type, alarm=False, limit=GRADE_SECONDS
    )
    assert not correct, (response, wrong_gold, predicted)


EXPRESSIONS = st.from_regex(r"\A[a-z](?:[+*-][a-z0-9]){0,3}\Z", fullmatch=True)


@given(expr=EXPRESSIONS)
def test_plus_one_appended_is_never_accepted(expr):
    response = f"The final answer is $\\boxed{{{expr}}}$."
    assert run_item("grading", grade_response, response, expr, alarm=False, limit=GRADE_SECONDS)[0]
    wrong = run_item("grading", grade_response, response, f"{expr}+1", alarm=False, limit=GRADE_SECONDS)
    assert not wrong[0], (expr, wrong)


@given(
    pred=st.sampled_from(RESPONSES).flatmap(lambda r: mutated(r.encode(), ANSWER_TOKENS, ANSWER_NESTS, max_ops=2)),
    gold=st.sampled_from(RESPONSES + ["7", "\\{1, 2\\}", "(1, 2)", "[0, 1)", "50\\%", "\\frac{1}{2}", "B"]).flatmap(
        lambda g: mutated(g.encode(), ANSWER_TOKENS, ANSWER_NESTS, max_ops=2)
    ),
    answer_type=st.sampled_from(["latex", "number", "choice"]),
)
@example(
    pred=Blob(b"(" * 400 + b"1, 2" + b")" * 400), gold=Blob(b"(" * 400 + b"1, 3" + b")" * 400), answer_type="latex"
)
@example(
    pred=Blob(b"\\{" * 3000 + b"1" + b"\\}" * 3000),
    gold=Blob(b"\\{" * 3000 + b"1" + b"\\}" * 3000),
    answer_type="latex",
)
@example(pred=Blob(b"5" + b" " * 50_000 + b"x"), gold=Blob(b"5"), answer_type="number")
def test_grading_any_pair_returns_a_verdict(pred, gold, answer_type):
    p, g = text_of(pred), text_of(gold)
    ok = run_item("grading", answers_match, p, g, answer_type, alarm=False, limit=GRADE_SECONDS)
    assert ok in (True, False)
    for fn in (to_quantity, normalise, parts_of):
        run_item("grading", fn, p, alarm=False, limit=GRADE_SECONDS)
    run_item("grading", compare_parts, p, g, lambda a, b: a == b, alarm=False, limit=GRADE_SECONDS)
    run_item("grading", extract_choice, p, 4)


# ------------------------------------------------------------------------------------------------ `mathcpt grade`

ROWS = [
    {"response": "The answer is 5.", "answer": "5"},
    {"response": "I think \\boxed{B}", "answer": "B", "answer_type": "choice", "num_choices": 5},
    {"response": "so $x=\\frac12$", "answer": 0.5, "answer_type": "number"},
]
JSON_TOKENS = [b"{", b"}", b'"', b":", b",", b"\n", b'"num_choices": 0', b'"num_choices": "4"', b'"answer_type": 3']
JSON_TOKENS += [b'"num_choices": 99999999999999999999', b'"answer": null', b'"response": []', b"\xff", b"[", b"]"]


@given(raw=mutated(b"".join(json.dumps(r).encode() + b"\n" for r in ROWS), JSON_TOKENS, [(b"[", b"]")]))
@example(raw=Blob(b'{"response": "answer is (B)", "answer": "B", "num_choices": "4"}\n'))  # int("x") ValueError
@example(raw=Blob(b'{"response": "answer is (B)", "answer": "B", "answer_type": "choice", "num_choices": 0}\n'))
@example(raw=Blob(b'{"response": "x", "answer": "1", "num_choices": null}\n'))  # int(None) TypeError
def test_grade_file_grades_every_line_or_names_it(tmp_path, raw):
    src, out = tmp_path / "p.jsonl", tmp_path / "g.jsonl"
    src.write_bytes(raw)
    try:
        accuracy, n = run_item("grading:file", grade_file, str(src), str(out), alarm=False, limit=GRADE_SECONDS * 3)
    except DataError as e:
        assert str(e).startswith(f"{src}:"), e
        return
    assert 0 <= accuracy <= 1 and n == sum(1 for line in raw.split(b"\n") if line.strip())
    assert len(out.read_text(encoding="utf-8").splitlines()) == n


# ------------------------------------------------------------------------------------------------ regressions


def test_regression_choice_count_outside_the_letters_is_clamped():
    assert extract_choice("the answer is (B)", 0) is None  # was "B": an empty class read as a literal `]`
    assert extract_choice("the answer is (H)", 99) == "H"


@pytest.mark.parametrize("n", [0, -1, 9, "4", None, 2.5, True])
def test_regression_bad_num_choices_is_a_data_error(tmp_path, n):
    src = tmp_path / "p.jsonl"
    src.write_text("\n" + json.dumps({"response": "(B)", "answer": "B", "answer_type": "choice", "num_choices": n}))
    with pytest.raises(DataError, match=f"{src}:2: num_choices"):
        grade_file(str(src), None)
