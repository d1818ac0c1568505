"""Answer grading: numeric equality with tolerance, else normalised string equality.

    mathcpt grade predictions.jsonl -o graded.jsonl

The evaluation issue adds symbolic equivalence through math-verify; this grader is the exact numeric core.
"""

from __future__ import annotations

import re
from fractions import Fraction

from pipeline.eval.answers import NUMBER, extract_answer


def to_number(text: str) -> Fraction | None:
    text = text.strip().strip("$").replace("\\!", "").replace("{,}", "")
    text = re.sub(r"^\\text\{(.*)\}$", r"\1", text).strip()
    text = re.sub(r"\\?%$", "", text).strip()
    m = NUMBER.fullmatch(text.replace(" ", ""))
    if not m:
        frac = re.fullmatch(r"-?\\[dt]?frac\{(-?\d+)\}\{(-?\d+)\}", text.replace(" ", ""))
        if frac and int(frac.group(2)) != 0:
            sign = -1 if text.strip().startswith("-") else 1
            return sign * Fraction(int(frac.group(1)), int(frac.group(2)))
        return None
    s = m.group(0).replace(",", "")
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None


def normalise(text: str) -> str:
    return re.sub(r"\s+|\$|\\[,;!]|\\text\{|\}|\{", "", text).lower().rstrip(".")


def answers_match(predicted: str | None, gold: str, rel_tol: float = 1e-6) -> bool:
    if predicted is None:
        return False
    a, b = to_number(predicted), to_number(gold)
    if a is not None and b is not None:
        return abs(a - b) <= rel_tol * max(1, abs(b))
    return normalise(predicted) == normalise(gold)


def grade_response(response: str, gold: str) -> tuple[bool, str | None]:
    predicted = extract_answer(response)
    return answers_match(predicted, gold), predicted
