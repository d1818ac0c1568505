"""Grading agreement with labels known by construction, and throughput vs math-verify alone.

    .venv/bin/python tests/benchmarks/bench_grading.py --benchmarks-dir ../shared/benchmarks [--out DIR] [--show 40]
    .venv/bin/python tests/benchmarks/bench_grading.py --quick        # seconds: 4 + 4 cases a class, no ../shared

Two sources of responses, each labelled by how it was made, never by a grader:

* MATH-500 (skipped with `--quick` or without `../shared/benchmarks/math500`): for every gold answer, rewrites
  that keep it equal (the gold boxed as is; "Final Answer: The final answer is $X$. I hope it is correct.";
  `\\frac` ↔ `\\dfrac`; a terminating fraction as a decimal; `a/b`; `10{,}000` / `10,000`; `^\\circ` dropped; a
  `\\text{ unit}` dropped; spacing and `\\left`/`\\right`; `.0` on an integer) and rewrites that break it (one digit
  changed; the sign flipped; an interval's bracket flipped; a fraction inverted; `+1` appended);
* classes of response that graders get wrong, generated here from templates and random values we wrote (no
  copied text), half equivalent to the gold and half not: `multi_box` (several boxes that together are the
  answer: solution sets, sets of pairs, one box per coordinate or per part; wrong: a part changed, dropped or
  added, coordinates swapped, a hedge boxing two answers to a one-answer question), `noun_phrase` ("Final Answer:
  The volume of the box is 120."; wrong: 12 for 120), `bare_expression` (the response is `\\frac{10}{9}` or
  `(9+1)` and nothing else; wrong: `\\frac{9}{10}`), `thousands_units` (`$10,455$`, `10{,}455`, `$5\\text{ cm}$`;
  wrong: `1,2` for 12, `10,45` for 1045, `1.000` for 1,000, cm for m, cm^2 for cm^3), `percent` (`50\\%`, 50,
  "increases by 50%", 0.5 for `50\\%`; wrong: 51%, 5000, 0.5 for a gold of 50, `0.5\\%` for `50\\%`),
  `gold_solution` (the gold is a worked solution: its final boxes, or its answer phrase, even with an intermediate
  result boxed too or words after the box; wrong: its intermediate results) and
  `empty_phrase` ("The answer is ." after the value; wrong: after another value).

Agreement = share of responses where `grade_response` (answer_type latex) equals the label; wrong acceptances =
non-equivalent responses graded correct. Throughput = responses graded per second in one process, ours vs
math-verify alone (`parse` both, `verify`) on the same responses. Prints one JSON line per source and class and a
total line, and writes them with every disagreement to `--out` (default: a temporary folder, removed). Exits 1 when
the total misses its targets (agreement >= 0.995, no wrong acceptance).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from fractions import Fraction
from math import gcd
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FRAC = re.compile(r"^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$")
TARGET_AGREEMENT = 0.995


def wrap(answer: str, style: int) -> str:
    steps = "We simplify step by step and check the result against the conditions of the problem."
    if style == 0:
        return f"{steps} Therefore the answer is $\\boxed{{{answer}}}$."
    return f"{steps}\nFinal Answer: The final answer is ${answer}$. I hope it is correct."


def equivalents(gold: str) -> list[str]:
    out = [gold]
    g = gold.strip()
    if "\\frac" in g:
        out.append(g.replace("\\frac", "\\dfrac"))
    m = FRAC.match(g)
    if m:
        sign, a, b = m.group(1), int(m.group(2)), int(m.group(3))
        out.append(f"{sign}{a}/{b}")
        value = Fraction(a, b)
        if b and all(p in (2, 5) for p in _prime_factors(value.denominator)) and value.denominator <= 1000:
            out.append(f"{sign}{float(value):g}" if "e" not in f"{float(value):g}" else f"{sign}{float(value)}")
    if re.fullmatch(r"-?\d{4,}", g):
        n = int(g)
        out += [f"{n:,}".replace(",", "{,}"), f"{n:,}"]
    if re.fullmatch(r"-?\d+", g):
        out.append(g + ".0")
    if "^\\circ" in g:
        out.append(g.replace("^\\circ", ""))
    m = re.fullmatch(r"(.+?)\s*\\(?:text|mbox)\{\s*[a-zA-Z ]+\}", g)
    if m and re.fullmatch(r"-?[\d.]+", m.group(1).strip()):
        out.append(m.group(1).strip())
    if g[:1] in "([" and g[-1:] in ")]" and "," in g:
        inner = g[1:-1]
        out.append(f"\\left{g[0]} {inner.replace(',', ', ')} \\right{g[-1]}")
    if " " not in g and len(g) > 3 and "\\" in g:
        out.append(re.sub(r"([=+-])", r" \1 ", g))
    return list(dict.fromkeys(out))


def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while p * p <= n:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out + ([n] if n > 1 else [])


def wrongs(gold: str, rng: random.Random) -> list[str]:
    out = []
    digits = [i for i, ch in enumerate(gold) if ch.isdigit()]
    if digits:
        i = rng.choice(digits)
        out.append(gold[:i] + str((int(gold[i]) + rng.randint(1, 8)) % 10) + gold[i + 1 :])
    if re.fullmatch(r"\d[\d.]*|\\frac\{\d+\}\{\d+\}", gold) and gold not in ("0", "0.0"):
        out.append("-" + gold)
    if gold[:1] in "([" and gold[-1:] in ")]" and "," in gold and gold.count(",") == 1 and "\\infty" not in gold:
        out.append({"(": "[", "[": "("}[gold[0]] + gold[1:])
    m = FRAC.match(gold)
    if m and m.group(2) != m.group(3):
        out.append(f"{m.group(1)}\\frac{{{m.group(3)}}}{{{m.group(2)}}}")
    if re.fullmatch(r"[a-z0-9^{}\\ +\-]+", gold) and "x" in gold:
        out.append(gold + "+1")
    return [w for w in dict.fromkeys(out) if w != gold]


def math500_cases(benchmarks_dir: str) -> list[tuple[str, str, bool, str, str]]:
    from pipeline.shared.benchmarks.registry import load_benchmark

    rng, cases = random.Random(0), []
    for item in load_benchmark("math500", benchmarks_dir):
        gold = item.answer
        for k, eq in enumerate(equivalents(gold)):
            cases.append((wrap(eq, k % 2), gold, True, "math500", f"equivalent {eq!r}"))
        for k, wrong in enumerate(wrongs(gold, rng)):
            cases.append((wrap(wrong, k % 2), gold, False, "math500", f"wrong {wrong!r}"))
    return cases


# ---- generated classes: each generator returns (response, gold, label, how) with as many True as False -------------

STEPS = (
    "We write down what the statement gives us and work through it carefully.",
    "Setting up the relation from the problem and simplifying, we reach the result below.",
    "Checking every case against the conditions leaves only the following.",
)


def _value(rng: random.Random) -> tuple[str, Fraction]:
    """A random exact value as LaTeX: an integer or a reduced fraction."""
    if rng.random() < 0.7:
        n = rng.randint(-30, 60)
        return str(n), Fraction(n)
    b = rng.randint(2, 12)
    a = rng.choice([k for k in range(1, 3 * b) if gcd(k, b) == 1])
    sign = rng.choice(["", "-"])
    return f"{sign}\\frac{{{a}}}{{{b}}}", Fraction(int(f"{sign}{a}"), b)


def _distinct(rng: random.Random, k: int, avoid: set[Fraction] = frozenset()) -> list[tuple[str, Fraction]]:
    out: list[tuple[str, Fraction]] = []
    while len(out) < k:
        v = _value(rng)
        if v[1] not in avoid and all(v[1] != o[1] for o in out):
            out.append(v)
    return out


def _boxes(items: list[str], style: int) -> str:
    if style == 0:
        return " or ".join(f"$x = \\boxed{{{v}}}$" for v in items)
    if style == 1:
        return ", ".join(f"$\\boxed{{{v}}}$" for v in items)
    if style == 2:
        return "$" + " \\text{ and } ".join(f"\\boxed{{{v}}}" for v in items) + "$"
    if style == 3:
        return "$" + ", \\quad ".join(f"x_{j + 1} = \\boxed{{{v}}}" for j, v in enumerate(items)) + "$"
    if style == 4:
        return "".join(f"\n- $\\boxed{{{v}}}$" for v in items)
    return " and ".join(f"\\(\\boxed{{{v}}}\\)" for v in items)


def _set_gold(items: list[str], style: int) -> str:
    return [
        ", ".join(items),
        "\\{" + ", ".join(items) + "\\}",
        " \\text{ or } ".join(f"x = {v}" for v in items),
        ", ".join(f"x={v}" for v in items),
    ][style % 4]


def gen_multi_box(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    step, sub = rng.choice(STEPS), i % 5
    if sub == 0:  # a set of solutions, boxed one by one in any order
        vals = _distinct(rng, rng.choice([2, 2, 3]))
        items = [v for v, _ in vals]
        gold, shown = _set_gold(items, i // 5), rng.sample(items, len(items))
        eq = f"{step} The solutions are {_boxes(shown, i // 5 % 6)}."
        wrong_items = list(shown)
        kind = i // 5 % 3
        if kind == 0:
            wrong_items[rng.randrange(len(items))] = _distinct(rng, 1, {f for _, f in vals})[0][0]
        elif kind == 1:
            wrong_items.pop()
        else:
            wrong_items.append(_distinct(rng, 1, {f for _, f in vals})[0][0])
        wrong = f"{step} The solutions are {_boxes(wrong_items, i // 5 % 6)}."
        return [(eq, gold, True, "solution set"), (wrong, gold, False, ["a part changed", "dropped", "added"][kind])]
    if sub == 1:  # a set of ordered pairs, one box per pair
        a, b, c, d = (v for v, _ in _distinct(rng, 4))
        gold = f"({a}, {b}), ({c}, {d})" if i % 2 else f"\\{{({a},{b}), ({c},{d})\\}}"
        eq = f"{step} The pairs are $\\boxed{{({c}, {d})}}$ and $\\boxed{{({a}, {b})}}$."
        wrong = f"{step} The pairs are $\\boxed{{({c}, {d})}}$ and $\\boxed{{({b}, {a})}}$."
        return [(eq, gold, True, "pairs"), (wrong, gold, False, "a pair's coordinates swapped")]
    if sub == 2:  # a point, one box per coordinate: ordered
        (a, fa), (b, fb) = sorted(_distinct(rng, 2), key=lambda v: v[1])
        gold = f"({a}, {b})" if i % 2 else f"\\left( {a}, {b} \\right)"
        eq = f"{step} Solving the system gives $x = \\boxed{{{a}}}$ and $y = \\boxed{{{b}}}$."
        if i // 5 % 2:
            return [(eq, gold, True, "coordinates"), (eq, f"[{a}, {b}]", False, "two values for an interval")]
        wrong = f"{step} Solving the system gives $x = \\boxed{{{b}}}$ and $y = \\boxed{{{a}}}$."
        return [(eq, gold, True, "coordinates"), (wrong, gold, False, "coordinates swapped")]
    if sub == 3:  # one box per labelled part, with reasoning between them
        (u, fu), (v, fv) = _distinct(rng, 2)
        other = _distinct(rng, 1, {fu, fv})[0][0]
        a, b = [("Part (a):", "Part (b):"), ("**(a)**", "**(b)**"), ("(i)", "(ii)"), ("Part 1:", "Part 2:")][i // 5 % 4]

        def parts(second: str) -> str:
            return f"{a} {step} So the first value is $\\boxed{{{u}}}$.\n\n{b} {step} Hence $\\boxed{{{second}}}$."

        return [(parts(v), f"{u}, {v}", True, "per part"), (parts(other), f"{u}, {v}", False, "part (b) changed")]
    (r1, f1), (r2, f2) = _distinct(rng, 2)
    disc = _distinct(rng, 1, {f1, f2})[0][0]
    roots = f"$\\boxed{{{r1}}}$ and $\\boxed{{{r2}}}$"
    eq = f"The discriminant is $\\boxed{{{disc}}}$, which we use below. Hence the roots are {roots}."
    hedge = f"{step} The answer is $\\boxed{{{r1}}}$ or $\\boxed{{{r2}}}$."
    return [(eq, f"{r2}, {r1}", True, "intermediate box, then the roots"), (hedge, r1, False, "hedge: two answers")]


NOUNS = (  # (noun phrase, unit or "", value kind, its verb or "" for any of LINKS)
    ("the volume of the box", "cubic units", "int", ""),
    ("the area of the garden", "square meters", "int", ""),
    ("the number of apples in the basket", "", "int", ""),
    ("the number of students who passed", "", "int", ""),
    ("the total cost", "$", "money", ""),
    ("the price of one ticket", "$", "money", ""),
    ("the probability that both marbles are red", "", "frac", ""),
    ("the sum of the roots", "", "int", ""),
    ("her average speed", "miles per hour", "int", ""),
    ("the length of the ladder", "feet", "int", ""),
    ("Sarah", "marbles", "int", "has"),
    ("the whole trip", "hours", "int", "takes"),
    ("one bag of flour", "$", "money", "costs"),
)
PHRASES = ("Final Answer: ", "**Final Answer:** ", "The final answer is: ", "Answer: ", "The answer is: ", "")
LINKS = ("is", "equals", "comes to", "was", "would be", ", which is")


def gen_noun_phrase(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    noun, unit, kind, verb = NOUNS[i % len(NOUNS)]
    phrase, link = PHRASES[i % len(PHRASES)], verb or LINKS[i // 2 % len(LINKS)]
    if kind == "frac":
        b = rng.randint(3, 20)
        a = rng.choice([k for k in range(1, b) if gcd(k, b) == 1])
        gold, shown, wrong_v = f"\\frac{{{a}}}{{{b}}}", f"$\\frac{{{a}}}{{{b}}}$", f"$\\frac{{{b}}}{{{a}}}$"
    elif kind == "money":
        cents = rng.choice([0, 0, 50, 25])
        dollars = rng.randint(11, 400)
        gold = f"{dollars}.{cents:02d}" if cents else str(dollars)
        shown, wrong_v = f"${gold}", f"${dollars // 10}" + (f".{cents:02d}" if cents else "")
    else:
        n = rng.randint(12, 999)
        gold, shown = str(n), f"{n} {unit}".strip()
        wrong_v = f"{n // 10 if n >= 100 else n + 1} {unit}".strip()
    sentence = noun[0].upper() + noun[1:] if phrase.endswith(": ") or not phrase else noun
    pre = f"{rng.choice(STEPS)} We use 4 rows of 7 and then add the 3 extra ones."
    link = link if link.startswith(",") else f" {link}"
    if not phrase:  # no answer phrase at all: the final sentence states it
        return [
            (f"{pre}\nTherefore {noun}{link} {shown}.", gold, True, "final sentence"),
            (f"{pre}\nTherefore {noun}{link} {wrong_v}.", gold, False, "final sentence, wrong value"),
        ]
    return [
        (f"{pre}\n{phrase}{sentence}{link} {shown}.", gold, True, f"{phrase.strip()}{link}"),
        (f"{pre}\n{phrase}{sentence}{link} {wrong_v}.", gold, False, f"{phrase.strip()}{link}, wrong value"),
    ]


def gen_bare_expression(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    a, b = rng.randint(2, 40), rng.randint(2, 40)
    while gcd(a, b) != 1 or a == b:
        a, b = rng.randint(2, 40), rng.randint(2, 40)
    k, c, r, m = rng.randint(2, 12), rng.randint(2, 6), rng.choice([2, 3, 5, 6, 7]), rng.randint(1, 9)
    forms = [  # (equivalent response, gold, non-equivalent response)
        (f"\\frac{{{a}}}{{{b}}}", f"\\dfrac{{{a}}}{{{b}}}", f"\\frac{{{b}}}{{{a}}}"),
        (f"({a}+{b})", str(a + b), f"({a}+{b + 1})"),
        (f"{a} \\cdot {b}", str(a * b), f"{a} \\cdot {b + 1}"),
        (f"2^{{{k}}}", str(2**k), f"2^{{{k + 1}}}"),
        (f"\\sqrt{{{c * c * r}}}", f"{c}\\sqrt{{{r}}}", f"\\sqrt{{{c * c * r + 1}}}"),
        (f"-\\frac{{{a}}}{{{b}}}", f"-\\frac{{{a}}}{{{b}}}", f"\\frac{{{a}}}{{{b}}}"),
        (f"x^2 + {2 * m}x + {m * m}", f"(x+{m})^2", f"x^2 + {2 * m}x + {m * m + 1}"),
    ]
    eq, gold, wrong = forms[i % len(forms)]
    delimit = ["{}", "${}$", "\\[ {} \\]", "\\({}\\)", "{}.", "  {}\n"][i // len(forms) % 6]
    return [
        (delimit.format(eq), gold, True, f"bare {delimit!r}"),
        (delimit.format(wrong), gold, False, f"bare {delimit!r}, wrong"),
    ]


def _grouped(n: int, style: int) -> str:
    plain = f"{n:,}"
    return [plain, plain.replace(",", "{,}"), plain.replace(",", ",\\!"), plain.replace(",", "\\,")][style % 4]


UNITS = (  # (as the response writes it, as the gold writes it, a different unit)
    ("\\text{ cm}", "\\text{ centimeters}", "\\text{ m}"),
    ("\\mathrm{km}", "\\text{ km}", "\\text{ cm}"),
    ("\\text{ square feet}", "\\text{ ft}^2", "\\text{ ft}^3"),
    ("\\text{ cm}^2", "\\text{ cm}^{2}", "\\text{ cm}^3"),
    ("\\,\\text{kg}", "\\text{ kilograms}", "\\text{ g}"),
    ("\\text{ dollars}", "", "\\text{ cents}"),
)


def gen_thousands_units(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    sub, step = i % 4, rng.choice(STEPS)
    if sub == 0:  # digit groups inside math
        n = rng.randint(1000, 9_999_999)
        gold = [str(n), f"{n:,}", _grouped(n, 1)][i // 4 % 3]
        templates = ["So there are ${}$ ways.", "The answer is ${}$.", "$\\boxed{{{}}}$", "We get ${}$ in total."]
        t = templates[i // 4 % len(templates)]
        off = [n + rng.randint(1, 9), n * 10, n // 10][i // 4 % 3]
        return [
            (f"{step} {t.format(_grouped(n, i // 4))}", gold, True, "grouped"),
            (f"{step} {t.format(_grouped(off, i // 4))}", gold, False, "grouped, other value"),
        ]
    if sub == 1:  # a unit inside the math: agrees with the gold's unit, or the gold states none
        v = rng.randint(2, 999)
        said, gold_unit, other = UNITS[i // 4 % len(UNITS)]
        gold = f"\\${v}" if said == "\\text{ dollars}" else f"{v}{gold_unit if i // 4 % 2 else ''}"
        return [
            (f"{step} The answer is ${v}{said}$.", gold, True, f"unit {said!r}"),
            (f"{step} The answer is ${v}{other}$.", f"{v}{said}" if said else gold, False, f"unit {other!r}"),
        ]
    if sub == 2:  # thousands and a unit together
        n = rng.randint(1000, 999_999)
        said, gold_unit, other = UNITS[i // 4 % len(UNITS)]
        gold = f"{n}{gold_unit}" if gold_unit else str(n)
        return [
            (f"{step} So we need ${_grouped(n, i // 4)}{said}$.", gold, True, f"grouped with {said!r}"),
            (f"{step} So we need ${_grouped(n, i // 4)}{other}$.", f"{n}{said}", False, f"grouped, {other!r}"),
        ]
    # a comma that is not a thousands separator: two numbers, a short group, a decimal point
    a, b = rng.randint(1, 9), rng.randint(1, 9)
    n, kind = rng.randint(1, 9) * 1000 + rng.randint(0, 999), i // 4 % 3
    said = f"{step} The answer is ${{}}$."
    if kind == 0:
        pair = said.format(f"{a},{b}")
        return [(pair, f"{a}, {b}", True, "a list"), (pair, f"{a}{b}", False, "a,b is not ab")]
    if kind == 1:
        short = said.format(f"{n // 100},{n % 100:02d}")
        return [(said.format(f"{n:,}"), str(n), True, "thousands"), (short, str(n), False, "a two-digit group")]
    point = said.format(f"{n / 1000:.3f}")
    return [(said.format(f"{n:,}"), f"{n:,}", True, "thousands"), (point, f"{n:,}", False, "a decimal point")]


def gen_percent(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    p, step = rng.choice([rng.randint(1, 99), rng.randint(1, 99), 100, rng.randint(101, 300)]), rng.choice(STEPS)
    dec = f"{p / 100:g}"
    gold = [f"{p}\\%", f"{p}%"][i % 2]
    right = [
        f"{step} The answer is ${p}\\%$.",
        f"{step} So the answer is $\\boxed{{{p}}}$.",
        f"{step} The price increases by {p}%.",
        f"{step}\nThe answer is: it increases by {p}%.",
        f"{step} That is {p} percent. The answer is {p} percent.",
        f"{step} As a fraction of the whole, the answer is $\\boxed{{{dec}}}$.",
        f"{step} The answer is $\\boxed{{\\frac{{{p}}}{{100}}}}$.",
    ]
    wrong = [
        (f"{step} The answer is ${p + 1}\\%$.", gold, "one more"),
        (f"{step} So the answer is $\\boxed{{{p * 100}}}$.", gold, "times 100"),
        (f"{step} The price increases by {p + 10}%.", gold, "ten more"),
        (f"{step} As a fraction, the answer is $\\boxed{{{dec}}}$.", str(p), "a fraction for a plain gold"),
        (f"{step} The answer is ${dec}\\%$.", gold, "both percent, a hundredth"),
        (f"{step} The answer is $\\boxed{{{p}}}$.", dec, "a percent number for a plain fraction gold"),
        (f"{step}\nThe answer is: it increases by {p + 2}%.", gold, "phrase, two more"),
    ]
    k = i % len(right)
    return [(right[k], gold, True, f"form {k}"), (wrong[k][0], wrong[k][1], False, wrong[k][2])]


def gen_gold_solution(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    a, b, c = rng.randint(3, 30), rng.randint(3, 30), rng.randint(2, 9)
    sub = i % 6
    if sub == 0:
        final, mid = a * b + c, a * b
        gold = (
            f"Each row holds {a} chairs and there are {b} rows, so the hall seats ${a} \\cdot {b} = {mid}$ people. "
            f"Adding the {c} reserved seats gives $\\boxed{{{final}}}$."
        )
        right, wrong = str(final), str(mid)
    elif sub == 1:
        n = rng.randint(6, 40)
        k = rng.choice([j for j in range(1, n) if Fraction(j, n).denominator > 1])
        f = Fraction(k, n)
        reduced = f"\\frac{{{f.numerator}}}{{{f.denominator}}}"
        gold = f"Of the {n} marbles, {k} are red, so the probability is $\\frac{{{k}}}{{{n}}} = \\boxed{{{reduced}}}$."
        right, wrong = f"\\frac{{{k}}}{{{n}}}", f"\\frac{{{f.denominator}}}{{{f.numerator}}}"
    elif sub == 2:
        r1, r2 = rng.sample([j for j in range(-12, 13) if j], 2)
        gold = (
            f"Factoring, $x^2 - ({r1 + r2})x + ({r1 * r2}) = (x - ({r1}))(x - ({r2})) = 0$, "
            f"so $x = \\boxed{{{r1}}}$ or $x = \\boxed{{{r2}}}$."
        )
        right, wrong = f"{r2}, {r1}", str(r1)
    elif sub == 3:  # no box: the answer phrase of the solution
        gold = (
            f"We count {a} blue beads and {b} green beads. Together they make {a + b} beads, {c} more are added, "
            f"so the answer is {a + b + c}."
        )
        right, wrong = str(a + b + c), str(a + b)
    elif sub == 4:  # an intermediate result boxed too
        gold = f"First, the width is $\\boxed{{{a}}}$. The length is {b} more, so the answer is $\\boxed{{{a + b}}}$."
        right, wrong = str(a + b), str(a)
    else:  # digit groups in the box, words after it
        m = rng.randint(1000, 9999)
        gold = f"Each of the {c} crates holds {m:,} bolts: $\\boxed{{{c * m:,}}}$ bolts in all, checked by counting."
        right, wrong = str(c * m), str(m)
    style = i // 6 % 3
    respond = [
        lambda v: f"{rng.choice(STEPS)} Therefore the answer is $\\boxed{{{v}}}$.",
        lambda v: f"{rng.choice(STEPS)}\nFinal Answer: The final answer is ${v}$. I hope it is correct.",
        lambda v: f"{rng.choice(STEPS)} The answer is {v}.",
    ][style]
    return [(respond(right), gold, True, f"solution {sub}"), (respond(wrong), gold, False, f"solution {sub}, wrong")]


def gen_empty_phrase(rng: random.Random, i: int) -> list[tuple[str, str, bool, str]]:
    a, b = rng.randint(2, 60), rng.randint(2, 60)
    p, q = sorted(rng.sample(range(2, 30), 2))
    while gcd(p, q) != 1:
        p, q = sorted(rng.sample(range(2, 30), 2))
    sub = i % 5
    if sub == 0:  # the phrase is empty: the last number decides
        tail = rng.choice(["The answer is .", "The final answer is .", "Final answer: .", "The answer is: ."])
        return [
            (f"We add {a} and {b} to get {a + b} apples in all. {tail}", str(a + b), True, "last number"),
            (f"We add {a} and {b} to get the apples in all. {tail}", str(a + b), False, "last number is b"),
        ]
    if sub == 1:  # an earlier phrase states it
        return [
            (f"So the answer is {a + b}.\nTo restate it: the final answer is .", str(a + b), True, "earlier phrase"),
            (f"So the answer is {a + b + 1}.\nTo restate it: the final answer is .", str(a + b), False, "earlier, +1"),
        ]
    if sub == 2:  # the formula on the last line
        said, gold = "Simplifying gives ${}$, and the answer is .", f"\\frac{{{p}}}{{{q}}}"
        return [
            (said.format(gold), gold, True, "formula"),
            (said.format(f"\\frac{{{q}}}{{{p}}}"), gold, False, "inverted"),
        ]
    if sub == 4:  # an empty box
        said = "We found {} in the end. The answer is $\\boxed{{}}$."
        return [(said.format(a), str(a), True, "empty box"), (said.format(a + b), str(a), False, "empty box, other")]
    said = "Hence $x = {}$.\nFinal Answer: The final answer is $$. I hope it is correct."
    return [(said.format(a), str(a), True, "empty $$"), (said.format(a + b), str(a), False, "$$, another value")]


CLASSES = {
    "multi_box": gen_multi_box,
    "noun_phrase": gen_noun_phrase,
    "bare_expression": gen_bare_expression,
    "thousands_units": gen_thousands_units,
    "percent": gen_percent,
    "gold_solution": gen_gold_solution,
    "empty_phrase": gen_empty_phrase,
}


def generated_cases(per_class: int, seed: int = 0) -> list[tuple[str, str, bool, str, str]]:
    """per_class equivalent and per_class non-equivalent responses for every class."""
    rng, cases = random.Random(seed), []
    for name, gen in CLASSES.items():
        for i in range(per_class):
            cases += [(resp, gold, label, name, how) for resp, gold, label, how in gen(rng, i)]
    return cases


def math_verify_alone(resp: str, gold: str) -> bool:
    from math_verify import parse, verify

    try:  # a gold solution is given as it is: math-verify finds its last box itself
        return bool(verify(parse(gold if "\\boxed" in gold else f"${gold}$"), parse(resp)))
    except Exception:  # noqa: BLE001 - counted as not equal, like our fallback
        return False


def figures(cases: list, ours: list[bool], theirs: list[bool]) -> dict:
    labels = [c[2] for c in cases]
    return {
        "n": len(cases),
        "equivalent": sum(labels),
        "not_equivalent": len(labels) - sum(labels),
        "agreement": round(sum(o == lab for o, lab in zip(ours, labels)) / max(len(cases), 1), 4),
        "wrong_acceptances": sum(o and not lab for o, lab in zip(ours, labels)),
        "wrong_rejections": sum(lab and not o for o, lab in zip(ours, labels)),
        "math_verify_agreement": round(sum(t == lab for t, lab in zip(theirs, labels)) / max(len(cases), 1), 4),
        "math_verify_wrong_acceptances": sum(t and not lab for t, lab in zip(theirs, labels)),
    }


def run(args: argparse.Namespace, out: Path) -> int:
    from pipeline.shared.grading import grade_response

    math500 = not args.quick and (Path(args.benchmarks_dir) / "math500").is_dir()
    if not args.quick and not math500:
        print(f"{args.benchmarks_dir}/math500 not found: MATH-500 skipped", file=sys.stderr)
    cases = (math500_cases(args.benchmarks_dir) if math500 else []) + generated_cases(args.per_class, args.seed)
    math_verify_alone(cases[0][0], cases[0][1])  # import math-verify outside the timing

    t0 = time.perf_counter()
    graded = [grade_response(resp, gold, "latex") for resp, gold, _, _, _ in cases]
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = [math_verify_alone(resp, gold) for resp, gold, _, _, _ in cases]
    mv_s = time.perf_counter() - t0
    ours = [ok for ok, _ in graded]

    rows = []
    for name in (["math500"] if math500 else []) + list(CLASSES):
        idx = [k for k, c in enumerate(cases) if c[3] == name]
        sub = [cases[k] for k in idx]
        row = figures(sub, [ours[k] for k in idx], [theirs[k] for k in idx])
        rows.append({"figure": "grading_class", "class": name} | row)
    total = figures(cases, ours, theirs)
    met = total["agreement"] >= TARGET_AGREEMENT and total["wrong_acceptances"] == 0
    rows.append(
        {"figure": "grading_total", "quick": args.quick, "math500": math500}
        | total
        | {
            "target_agreement": TARGET_AGREEMENT,
            "target_met": met,
            "ours_responses_per_s": round(len(cases) / ours_s, 1),
            "math_verify_responses_per_s": round(len(cases) / mv_s, 1),
            "speed_ratio": round(mv_s / ours_s, 2),
        }
    )
    disagree = [
        {"class": c[3], "how": c[4], "label": c[2], "ours": o, "extracted": pred, "gold": c[1], "response": c[0]}
        for c, (o, pred) in zip(cases, graded)
        if o != c[2]
    ]
    for d in disagree[: args.show]:
        what = f"gold={d['gold'][:80]!r} {d['how']} label={d['label']} ours={d['ours']} extracted={d['extracted']!r}"
        print(f"DISAGREE {d['class']} {what}", file=sys.stderr)
    for row in rows:
        print(json.dumps(row), flush=True)
    (out / "grading.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (out / "disagreements.jsonl").write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in disagree))
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks-dir", default=str(ROOT.parent / "shared" / "benchmarks"))
    parser.add_argument("--per-class", type=int, default=40, help="equivalent (and as many wrong) cases per class")
    parser.add_argument("--seed", type=int, default=0, help="of the generated classes' values")
    parser.add_argument("--quick", action="store_true", help="seconds: 4 + 4 cases a class, no MATH-500")
    parser.add_argument("--show", type=int, default=50, help="disagreements to print")
    parser.add_argument("--out", type=Path, default=None, help="where outputs go (default: a temporary folder)")
    args = parser.parse_args()
    if args.quick:
        args.per_class = min(args.per_class, 4)
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="bench_grading_") as tmp:
            return run(args, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    return run(args, args.out)


if __name__ == "__main__":
    sys.exit(main())
