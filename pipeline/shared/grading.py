"""Answer grading: exact numeric and normalised comparison first, math-verify's symbolic equivalence second.

    mathcpt grade predictions.jsonl -o graded.jsonl
    python tests/benchmarks/bench_grading.py        # agreement with a reference and throughput vs math-verify

Order, cheapest first (most responses are settled by the first two):

1. multiple choice: letters equal;
2. numbers: both sides parse as numbers (`10{,}000`, `\\frac{3}{4}`, `-2.50`, `50\\%`, `\\$5`, `30^\\circ`, a trailing
   unit word) and are equal within a relative tolerance of 1e-6;
3. normalised strings equal (spacing, `\\left`/`\\right`, `\\dfrac`→`\\frac`, `\\text{}` wrappers, degree marks);
4. math-verify (sympy-based symbolic equivalence of the parsed LaTeX: intervals, sets, matrices, equations,
   algebraic forms). Its timeouts use SIGALRM, which Python only allows in the main thread: there they are on
   (parse and verify, `MATH_VERIFY_TIMEOUT` seconds each); in any other thread they are off and a hard case
   could run long, so `grade_many` runs in processes instead of threads. Any exception or timeout inside
   math-verify counts as not equivalent (the safe fallback: never a crash, never a false positive).

Multi-blank answers (GaoKao cloze "$5$;$10$") are graded blank by blank. Two guards run before math-verify,
from disagreements our grading benchmark found: numbers in a stated base (`52_8`) compare exactly, and stated units
must agree, exponent included (math-verify drops `\text{ inches}^2` whole).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from fractions import Fraction

from pipeline.errors import DataError
from pipeline.shared.answers import extract_answer
from pipeline.shared.atomic import atomic_write_text
from pipeline.shared.jsonl import read_jsonl

MATH_VERIFY_TIMEOUT = 5
UNIT_WORDS = re.compile(
    r"\s*(?:\\(?:text|mbox|mathrm)\{\s*)?(?:dollars?|cents?|units?|degrees?|percent|meters?|cm|km|kg|g|hours?|"
    r"minutes?|seconds?|days?|years?|inches|feet|miles?|mph|元|个|人|米|厘米|千米|千克|克|天|小时|分钟|岁|本|只|块|页|张|辆|棵|次)\}?\s*$"
)


BASE_NUMBER = re.compile(r"^\$?\s*[0-9A-Fa-f]+_\{?\d+\}?\s*\$?$")
UNIT_SUFFIX = re.compile(r"\\(?:text|mbox|mathrm)\{[^{}]*\}(?:\^\{?\d+\}?)?\s*$")


def _strip_wrappers(text: str) -> str:
    text = text.strip().strip("$").strip()
    text = re.sub(r"^\\boxed\{(.*)\}$", r"\1", text)
    text = re.sub(r"^\\text\{(.*)\}$", r"\1", text).strip()
    return text


def to_number(text: str) -> Fraction | None:
    """The number a final answer states, or None when it is not a plain number."""
    t = _strip_wrappers(text)
    t = t.replace("\\!", "").replace("{,}", "").replace("\\,", "").replace("\\ ", "").replace("\\$", "")
    t = re.sub(r"\^\s*\{?\\circ\}?|°|\\%|%", "", t)
    t = UNIT_WORDS.sub("", t).strip().lstrip("$").strip()
    t = t.replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    frac = re.fullmatch(r"(-?)\\[dt]?frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}", t) or re.fullmatch(
        r"(-?)\\[dt]?frac(\d)(\d)", t
    )
    try:
        if frac:
            value = Fraction(frac.group(2)) / Fraction(frac.group(3))
            return -value if frac.group(1) else value
        if re.fullmatch(r"-?\d+(\.\d+)?(/\d+)?|-?\.\d+", t):
            return Fraction(t)
    except (ValueError, ZeroDivisionError):
        return None
    return None


def normalise(text: str) -> str:
    t = _strip_wrappers(text)
    t = t.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\left", "").replace("\\right", "")
    t = re.sub(r"\\(?:text|mbox|mathrm)\{([^{}]*)\}", r"\1", t)
    t = re.sub(r"\^\s*\{?\\circ\}?|°", "", t)
    t = re.sub(r"\\[,;:! ]|\s+", "", t)
    return t.rstrip(".").lower()


def _math_verify_equal(predicted: str, gold: str) -> bool:
    try:
        from math_verify import parse, verify
    except ImportError:  # the optional dependency is missing: the exact checks above are all we have
        return False
    timeout = MATH_VERIFY_TIMEOUT if threading.current_thread() is threading.main_thread() else None
    try:
        g = parse(f"\\boxed{{{gold}}}", parsing_timeout=timeout)
        p = parse(f"\\boxed{{{predicted}}}", parsing_timeout=timeout)
        return bool(g and p and verify(g, p, timeout_seconds=timeout))
    except Exception:  # noqa: BLE001 - math-verify can raise from sympy on odd input; treated as not equal
        return False


def answers_match(predicted: str | None, gold: str, answer_type: str = "latex", rel_tol: float = 1e-6) -> bool:
    if predicted is None or not str(gold).strip():
        return False
    predicted, gold = str(predicted), str(gold)
    if answer_type == "choice":
        return predicted.strip().strip("()").upper() == gold.strip().strip("()").upper()
    if ";" in gold and gold.count(";") == predicted.count(";"):  # several blanks, graded one by one
        return all(answers_match(p, g, answer_type) for p, g in zip(predicted.split(";"), gold.split(";")))
    a, b = to_number(predicted), to_number(gold)
    if a is not None and b is not None:
        return abs(a - b) <= rel_tol * max(1, abs(b))
    if normalise(predicted) == normalise(gold):
        return True
    if BASE_NUMBER.search(gold) or BASE_NUMBER.search(predicted):
        # "52_8" vs "52_3": a number in a stated base; math-verify reads the subscript away. Compare exactly.
        return re.sub(r"[{}\s$]", "", predicted).lower() == re.sub(r"[{}\s$]", "", gold).lower()
    unit_p, unit_g = UNIT_SUFFIX.search(predicted.strip("$ ")), UNIT_SUFFIX.search(gold.strip("$ "))
    if unit_p and unit_g and normalise(unit_p.group(0)) != normalise(unit_g.group(0)):
        return False  # "864 inches^2" vs "864 inches^3": math-verify drops units, exponent and all
    if answer_type == "number" and b is not None:
        return False  # a numeric gold and a non-numeric prediction: nothing symbolic to check
    return _math_verify_equal(predicted, gold)


def grade_response(
    response: str, gold: str, answer_type: str = "latex", num_choices: int = 4
) -> tuple[bool, str | None]:
    predicted = extract_answer(response, answer_type, num_choices)
    return answers_match(predicted, gold, answer_type), predicted


def grade_many(rows: list[tuple[str, str, str, int]], processes: int = 1) -> list[tuple[bool, str | None]]:
    """(response, gold, answer_type, num_choices) rows → (correct, predicted); in worker processes when asked, so
    math-verify's timeouts stay on (each worker grades in its main thread)."""
    if processes <= 1 or len(rows) < 64:
        return [grade_response(*r) for r in rows]
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        return pool.starmap(grade_response, rows, chunksize=32)


ANSWER_TYPES = ("latex", "number", "choice")


def grade_file(path: str, output: str | None, answer_type: str = "latex", processes: int = 1) -> tuple[float, int]:
    rows = [row for _, row in read_jsonl(path, required={"response": str, "answer": (str, int, float)})]
    for i, row in enumerate(rows, 1):
        if row.get("answer_type", answer_type) not in ANSWER_TYPES:
            raise DataError(f"{path}:{i}: answer_type must be one of {', '.join(ANSWER_TYPES)}")
    graded = grade_many(
        [
            (r["response"], str(r["answer"]), r.get("answer_type", answer_type), int(r.get("num_choices", 4)))
            for r in rows
        ],
        processes,
    )
    for row, (correct, predicted) in zip(rows, graded):
        row["correct"], row["predicted"] = correct, predicted
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if output:
        atomic_write_text(output, text)
    else:
        sys.stdout.write(text)
    return (sum(r["correct"] for r in rows) / len(rows) if rows else 0.0), len(rows)
