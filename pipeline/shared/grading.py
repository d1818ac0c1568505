"""Answer grading: exact numeric and normalised comparison first, math-verify's symbolic equivalence second.

    mathcpt grade predictions.jsonl -o graded.jsonl
    python tests/benchmarks/bench_grading.py        # agreement with labels known by construction; vs math-verify

Order, cheapest first (most responses are settled by the first two):

1. multiple choice: letters equal;
2. the gold: a gold field that is a worked solution is read for its final answer first (its final boxes, or its
   "the answer is" phrase; `pipeline/shared/answers.py`);
3. numbers: both sides parse as quantities (digit groups `10{,}000`, `10,\\!000`, `10\\,000` or `10,000` with
   groups of exactly three digits, so `1,2` is no number; `\\frac{3}{4}`, `-2.50`, `\\$5`, `30^\\circ`, a percent
   sign, a unit in `\\text{}`/`\\mathrm{}` or in words after the number) and the values are equal: exactly, or
   within a relative 1e-6 when a side is a rounded decimal of six or more places. A unit may be left out on either
   side, but two stated units must agree (`cm` = `centimeters`, `\\text{ ft}^2` = "square feet"; cm is not m, cents
   are not `\\$`). Percent: the sign may be left out (`50` for `50\\%`) and a percent equals its fraction (`0.5`
   for `50\\%`, as the Qwen2.5-Math evaluation accepts), only when exactly one side carries the sign: `0.5` is not
   `50` and `0.5\\%` is not `50\\%`; never x100 (`5000` is not `50\\%`);
4. normalised strings equal (spacing, `\\left`/`\\right`, `\\dfrac`→`\\frac`, `\\text{}` wrappers, degree marks);
5. parts (`pipeline/shared/answer_sets.py`): sets of solutions in any order, tuples, intervals and points in order,
   each part compared by this same grader; the several final boxes of a response arrive here joined by ", ";
6. math-verify (sympy-based symbolic equivalence of the parsed LaTeX: intervals, sets, matrices, equations,
   algebraic forms). Its timeouts use SIGALRM, which Python only allows in the main thread: there they are on
   (parse and verify, `MATH_VERIFY_TIMEOUT` seconds each); in any other thread they are off and a hard case
   could run long, so `grade_many` runs in processes instead of threads. Any exception or timeout inside
   math-verify counts as not equivalent (the safe fallback: never a crash, never a false positive).

Multi-blank answers (GaoKao cloze "$5$;$10$") are graded blank by blank. Two guards run before math-verify,
from disagreements our grading benchmark found: numbers in a stated base (`52_8`) compare exactly, and stated units
must agree, exponent included (math-verify drops `\\text{ inches}^2` whole).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass
from fractions import Fraction

from pipeline.errors import DataError
from pipeline.shared.answer_sets import compare_parts
from pipeline.shared.answers import LETTERS, extract_answer, gold_answer
from pipeline.shared.atomic import atomic_write_text
from pipeline.shared.jsonl import read_jsonl

MATH_VERIFY_TIMEOUT = 5
# Answers longer or deeper than this are not given to math-verify (the exact checks still apply): 400 nested
# parentheses ran both of its 5 s timeouts out (tests/fuzz/test_fuzz_answers.py); real final answers are far shorter.
MAX_VERIFY_CHARS = 1_000
MAX_VERIFY_NESTING = 24
# Units: any words inside `\text{}`/`\mathrm{}` after a number, or plain words after it ("12 apples", "5 square
# feet"), except the words below, which after a number mean something else ("3 or 4", "2 times larger", "3 pi").
NOT_UNITS = frozenset(
    "and or to by of is are than times plus minus over from for the a an in on at as pi sqrt sin cos tan log ln exp "
    "mod infinity inf".split()
)
UNIT_ALIASES = {
    "centimeter": "cm", "centimetre": "cm", "meter": "m", "metre": "m", "kilometer": "km", "kilometre": "km",
    "millimeter": "mm", "millimetre": "mm", "inch": "in", "foot": "ft", "feet": "ft", "yard": "yd", "mile": "mi",
    "gram": "g", "kilogram": "kg", "pound": "lb", "lbs": "lb", "ounce": "oz", "second": "s", "sec": "s",
    "minute": "min", "hour": "h", "hr": "h", "liter": "l", "litre": "l", "milliliter": "ml", "dollar": "$",
    "cent": "¢", "sq": "square",
}  # fmt: skip
# These search for a suffix; a leading `\s*` starts only where a whitespace run starts (`(?<!\s)`), words are whole
# (`(?![A-Za-z])`): otherwise the engine retried from every space of a long run, and split long words every way
# (5 + 8,000 spaces took 9 s: tests/fuzz/test_fuzz_answers.py). The matches are the same.
_TEXT_UNIT = re.compile(
    r"(?<!\s)\s*\\(?:text|mbox|mathrm|textrm|rm)\s*\{\s*([^{}\d\\]*?)\s*\}(?:\s*\^\s*\{?(\d)\}?)?\s*$"
)
_WORD_UNIT = re.compile(r"(?<=[\d}])\s+((?:[A-Za-z]{2,}(?![A-Za-z])\.?\s*){1,3}?)(?:\^\s*\{?(\d)\}?)?\s*$")
_CJK_UNIT = re.compile(r"(?<!\s)\s*(元|个|人|米|厘米|千米|千克|克|天|小时|分钟|岁|本|只|块|页|张|辆|棵|次)\s*$")
_PERCENT = re.compile(r"(?<!\s)\s*(?:\\%|%|\\text\{\s*percent\s*\}|(?<![A-Za-z])percent(?![A-Za-z]))\s*$")
_DEGREES = re.compile(r"\^\s*\{?\\circ\}?|°|\\circ|\\text\{\s*degrees?\s*\}|(?<![A-Za-z])degrees?(?![A-Za-z])")
# Digit-group separators that are unambiguous in LaTeX; a plain comma must be followed by its group directly.
_GROUP_MARK = re.compile(r"\{,\}\s*|,\s*\\!\s*|(?<=\d)(?:\\,|\\;|\\ )(?=\d{3}(?!\d))")


BASE_NUMBER = re.compile(r"^\$?\s*[0-9A-Fa-f]+_\{?\d+\}?\s*\$?$")
UNIT_SUFFIX = re.compile(r"\\(?:text|mbox|mathrm)\{[^{}]*\}(?:\^\{?\d+\}?)?\s*$")


@dataclass(frozen=True)
class Quantity:
    """A number as an answer states it: `120\\text{ cm}^3` is (120, "cm^3"), `50\\%` is (50, None, percent)."""

    value: Fraction
    unit: str | None = None
    percent: bool = False
    decimals: int = 0  # digits written after the decimal point: 6 or more read as a rounded value


def _strip_wrappers(text: str) -> str:
    text = text.strip().strip("$").strip()
    text = re.sub(r"^\\boxed\{(.*)\}$", r"\1", text)
    text = re.sub(r"^\\text\{(.*)\}$", r"\1", text).strip()
    return text


def _unit(words: str, power: str | None) -> str:
    """One spelling per unit: lower case, singular, aliases folded, "square"/"cubic" as powers."""
    out = []
    for w in re.findall(r"[^\W\d_]+|\$|¢", words.lower()):
        if len(w) > 3:
            w = re.sub(r"ies$", "y", w)
            w = (
                re.sub(r"([sxz]|ch|sh)es$", r"\1", w)
                if re.search(r"(?:[sxz]|ch|sh)es$", w)
                else re.sub(r"(?<!s)s$", "", w)
            )
        out.append(UNIT_ALIASES.get(w, w))
    if out[:1] in (["square"], ["cubic"]) and len(out) > 1:
        out, power = out[1:], "2" if out[0] == "square" else "3"
    return " ".join(out) + (f"^{power}" if power and power != "1" else "")


def to_quantity(text: str) -> Quantity | None:
    """The number, unit and percent sign a final answer states, or None when it is not a plain number."""
    t = _strip_wrappers(text)
    t = _GROUP_MARK.sub(",", t).replace("\\!", "")
    unit, percent = None, False
    if "\\$" in t or t.startswith("$"):
        t, unit = t.replace("\\$", "").lstrip("$"), "$"
    t = _DEGREES.sub("", t).strip()
    if m := _PERCENT.search(t):
        t, percent = t[: m.start()], True
    for pattern in (_TEXT_UNIT, _WORD_UNIT, _CJK_UNIT):
        m = pattern.search(t)
        if m and not set(m.group(1).lower().replace(".", " ").split()) & NOT_UNITS:
            stated = _unit(m.group(1), m.group(2) if m.re is not _CJK_UNIT else None)
            t, unit = t[: m.start()], stated or unit
            break
    if not percent and (m := _PERCENT.search(t)):
        t, percent = t[: m.start()], True
    t = t.replace("\\,", "").replace("\\ ", "").strip().rstrip(".").strip()
    if re.search(r",\s", t):
        return None  # "1, 234" is a list of two numbers, not 1234
    t = t.replace(" ", "")
    if "," in t:
        if not re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", t):
            return None  # "1,2" is two numbers; thousands groups have exactly three digits
        t = t.replace(",", "")
    frac = re.fullmatch(r"(-?)\\[dt]?frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}", t) or re.fullmatch(
        r"(-?)\\[dt]?frac(\d)(\d)", t
    )
    try:
        if frac:
            value = Fraction(frac.group(2)) / Fraction(frac.group(3))
            return Quantity(-value if frac.group(1) else value, unit, percent)
        if re.fullmatch(r"-?\d+(\.\d+)?(/\d+)?|-?\.\d+", t):
            return Quantity(Fraction(t), unit, percent, len(t.partition(".")[2].partition("/")[0]))
    except (ValueError, ZeroDivisionError):
        return None
    return None


def to_number(text: str) -> Fraction | None:
    """The number a final answer states (units, percent and degree signs aside), or None when it is not one."""
    q = to_quantity(text)
    return q.value if q else None


def quantities_match(a: Quantity, b: Quantity, rel_tol: float = 1e-6) -> bool:
    """Equal values (within rel_tol only when a side is a rounded decimal); units, when both sides state one, equal
    too. Percent: a percent sign may be left out (`50` for
    `50\\%`), and a percent equals its fraction (`0.5` for `50\\%`, as in the Qwen2.5-Math evaluation), but only
    when exactly one side carries the sign: `0.5` is not `50`, `0.5\\%` is not `50\\%`."""
    if a.unit and b.unit and a.unit != b.unit:
        return False

    # Exact, unless a side is written rounded ("0.3333333" for 1/3): a tolerance on exact values would take
    # 9,182,002 for 9,181,997.
    rounded = max(a.decimals, b.decimals) >= 6

    def close(x: Fraction, y: Fraction) -> bool:
        return x == y or (rounded and abs(x - y) <= rel_tol * max(1, abs(y)))

    if close(a.value, b.value):
        return True
    if a.percent != b.percent:
        pct, plain = (a, b) if a.percent else (b, a)
        return close(plain.value, pct.value / 100)
    return False


def normalise(text: str) -> str:
    t = _strip_wrappers(text)
    t = t.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\left", "").replace("\\right", "")
    t = re.sub(r"\\(?:text|mbox|mathrm)\{([^{}]*)\}", r"\1", t)
    t = re.sub(r"\^\s*\{?\\circ\}?|°", "", t)
    t = re.sub(r"\\[,;:! ]|\s+", "", t)
    return t.rstrip(".").lower()


def _math_verify_equal(predicted: str, gold: str) -> bool:
    if (
        max(len(predicted), len(gold)) > MAX_VERIFY_CHARS
        or max(_nesting(predicted), _nesting(gold)) > MAX_VERIFY_NESTING
    ):
        return False  # no final answer is that long or that deep; sympy would spend its timeouts on it
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


def _nesting(text: str) -> int:
    """The deepest bracket nesting of text (`(`, `[`, `{`; unbalanced closers ignored)."""
    depth = deepest = 0
    for m in _BRACKET.finditer(text):
        if m.group() in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


_BRACKET = re.compile(r"[()\[\]{}]")


def answers_match(predicted: str | None, gold: str, answer_type: str = "latex", rel_tol: float = 1e-6) -> bool:
    if predicted is None or not str(gold).strip() or not str(predicted).strip():
        return False
    predicted, gold = str(predicted), str(gold)
    if answer_type == "choice":
        return predicted.strip().strip("()").upper() == gold.strip().strip("()").upper()
    gold = gold_answer(gold)  # a worked solution given as the gold: its final answer
    if ";" in gold and gold.count(";") == predicted.count(";"):  # several blanks, graded one by one
        return all(answers_match(p, g, answer_type) for p, g in zip(predicted.split(";"), gold.split(";")))
    a, b = to_quantity(predicted), to_quantity(gold)
    if a is not None and b is not None:
        return quantities_match(a, b, rel_tol)
    if normalise(predicted) == normalise(gold):
        return True
    if BASE_NUMBER.search(gold) or BASE_NUMBER.search(predicted):
        # "52_8" vs "52_3": a number in a stated base; math-verify reads the subscript away. Compare exactly.
        return re.sub(r"[{}\s$]", "", predicted).lower() == re.sub(r"[{}\s$]", "", gold).lower()
    parts = compare_parts(predicted, gold, lambda p, g: answers_match(p, g, answer_type, rel_tol))
    if parts is not None:  # sets, tuples, several boxes: decided part by part
        return parts
    unit_p, unit_g = UNIT_SUFFIX.search(predicted.strip("$ ")), UNIT_SUFFIX.search(gold.strip("$ "))
    if unit_p and unit_g and normalise(unit_p.group(0)) != normalise(unit_g.group(0)):
        return False  # "864 inches^2" vs "864 inches^3": math-verify drops units, exponent and all
    if answer_type == "number" and b is not None:
        return False  # a numeric gold and a non-numeric prediction: nothing symbolic to check
    return _math_verify_equal(predicted, gold)


def gradable_gold(gold, answer_type: str = "latex") -> str | None:
    """The answer a gold field states, when it can be graded against; None when it cannot: empty, prose without
    a stated final answer, a `number` gold that is no number, a `latex` gold neither a number nor LaTeX that
    math-verify parses, a `choice` gold that is no letter. Callers count such a problem (`ungradable`) instead of
    rewarding anything against it: a reward of 1 for an unparsable gold is the failure this guards against."""
    text = str(gold if gold is not None else "").strip()
    if not text:
        return None
    if answer_type == "choice":
        m = re.fullmatch(r"\(?\s*([A-Za-z])\s*\)?", text)
        return m.group(1).upper() if m else None
    answer = gold_answer(text).strip().strip("$").strip()
    if not answer or len(re.findall(r"[A-Za-z]{3,}", re.sub(r"\\[A-Za-z]+", " ", answer))) >= 6:
        return None  # nothing stated, or a worked solution whose final answer could not be found
    if to_quantity(answer) is not None:
        return answer
    if answer_type == "number":
        return None
    try:
        from math_verify import parse
    except ImportError:
        return answer  # normalised-string comparison is all there is: a non-empty gold is gradable by it
    timeout = MATH_VERIFY_TIMEOUT if threading.current_thread() is threading.main_thread() else None
    try:
        return answer if parse(f"\\boxed{{{answer}}}", parsing_timeout=timeout) else None
    except Exception:  # noqa: BLE001 - math-verify raises from sympy on odd input: not gradable
        return None


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
    numbered = list(read_jsonl(path, required={"response": str, "answer": (str, int, float)}))
    rows = [row for _, row in numbered]
    for line_no, row in numbered:
        if row.get("answer_type", answer_type) not in ANSWER_TYPES:
            raise DataError(f"{path}:{line_no}: answer_type must be one of {', '.join(ANSWER_TYPES)}")
        n = row.get("num_choices", 4)
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(LETTERS):
            raise DataError(f"{path}:{line_no}: num_choices must be a whole number from 1 to {len(LETTERS)}, not {n!r}")
    graded = grade_many(
        [(r["response"], str(r["answer"]), r.get("answer_type", answer_type), r.get("num_choices", 4)) for r in rows],
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
