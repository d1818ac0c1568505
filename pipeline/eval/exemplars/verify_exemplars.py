"""Developer check of the few-shot exemplar files in this folder (not imported by the package).

    .venv/bin/python pipeline/eval/exemplars/verify_exemplars.py [--benchmarks-dir ../shared/benchmarks]

1. Format: the fields, counts and answer endings each task's prompt relies on (see README.md).
2. Correctness: every answer is recomputed here with sympy, independently of the solution text, and asserted
   equal to the `answer` field; for multiple choice exactly one option holds the computed value and its letter is
   the answer. The inline arithmetic of the GSM8K and CMATH solutions ("12 + 3 = 15", "180÷3=60") is re-evaluated.
3. CMATH: question and answer equal the cited row of the CMATH dev split (when the benchmarks folder is there).
4. Contamination: no exemplar question (with its options) shares a 13-gram of words, or for Chinese text 13
   consecutive non-space characters, with any record of any test set in the benchmarks folder. CMATH exemplars are
   dev rows by design, so the cmath_dev file is skipped for them only. Solutions are checked too, for information.

Exits non-zero on the first failed assertion.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

import sympy as sp
from sympy.parsing.sympy_parser import implicit_multiplication_application, parse_expr, standard_transformations

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
R = sp.Rational
x = sp.Symbol("x", real=True)

COUNTS = {
    "gsm8k": 8,
    "math": 4,
    "mmlu_stem": 4,
    "cmath": 6,
    "gaokao_math_cloze": 5,
    "gaokao_math_qa": 4,
    "sat_math": 4,
    "minerva_math": 4,
}
MULTIPLE_CHOICE = {"mmlu_stem", "gaokao_math_qa", "sat_math"}
MAX_WORDS = 130  # English solutions; Chinese ones are held to MAX_CHARS characters
MAX_CHARS = 260
FINAL = "\nFinal Answer: The final answer is ${}$. I hope it is correct."


# ---------------------------------------------------------------- answer recomputation (one function per exemplar)


def sig(value, digits: int) -> float:
    return float(f"{float(value):.{digits}g}")


def solve_one(eq, var):
    roots = sp.solve(eq, var)
    assert len(roots) == 1, roots
    return roots[0]


def _min_on(f, lo, hi):
    crit = [c for c in sp.solve(sp.diff(f, x), x) if c.is_real and lo <= c <= hi]
    return min(f.subs(x, p) for p in [lo, hi, *crit])


def _local_min(f):
    crit = [c for c in sp.solve(sp.diff(f, x), x) if sp.diff(f, x, 2).subs(x, c) > 0]
    assert len(crit) == 1, crit
    return f.subs(x, crit[0])


def _cmath_557():
    y = sp.Symbol("y", positive=True)  # days for 乙 alone
    return solve_one(sp.Eq(8 * (R(1, 30) + 1 / y) + 10 * R(1, 30), 1), y)


def _cloze_arith():
    a1, d = sp.symbols("a1 d")
    s = sp.solve([sp.Eq(a1 + d, 3), sp.Eq(5 * a1 + 10 * d, 40)], [a1, d], dict=True)[0]
    return s[a1] + 9 * s[d]


def _binomial_constant():
    return sp.expand((x**2 - 2 / x) ** 6).as_coefficients_dict().get(sp.S.One, 0)


def _sin2a():
    alpha = sp.atan(3)  # tan(alpha) = 3; sin 2alpha does not depend on which branch
    return sp.nsimplify(sp.simplify(sp.sin(2 * alpha)))


def _two_colors():
    jar = ["r"] * 5 + ["g"] * 3
    pairs = list(itertools.combinations(range(len(jar)), 2))
    return R(sum(1 for a, b in pairs if jar[a] != jar[b]), len(pairs))


def _product_even():
    pairs = list(itertools.combinations(range(1, 7), 2))
    return R(sum(1 for a, b in pairs if (a * b) % 2 == 0), len(pairs))


def _triangle_perimeter():
    s = sp.Symbol("s", positive=True)
    return 3 * solve_one(sp.Eq(sp.sqrt(3) / 4 * s**2, 12 * sp.sqrt(3)), s)


def _two_complement(bits: str) -> int:
    v = int(bits, 2)
    return v - (1 << len(bits)) if bits[0] == "1" else v


def _rectangle_area():
    w = sp.Symbol("w")
    width = solve_one(sp.Eq(2 * (w + w + 5), 46), w)
    return width * (width + 5)


CHECKS = {
    # gsm8k: exact rational arithmetic
    "gsm8k-1": lambda: 20 - (3 * 4 + 2 * R(3, 2)),
    "gsm8k-2": lambda: (14 - R(13, 2)) * 6,  # 6:30 = 6.5 h, 2:00 p.m. = 14 h, six days
    "gsm8k-3": lambda: (256 - 12 * 8) / R(12 + 8),
    "gsm8k-4": lambda: (360 - R(360, 3)) * (1 - R(1, 4)),
    "gsm8k-5": lambda: 80 * (1 - R(25, 100)) * (1 + R(10, 100)),
    "gsm8k-6": lambda: R((5 * 3 + 5) * 2 * 400, 1000),
    "gsm8k-7": lambda: 18 + (18 + 7) + 2 * (18 + 7),
    "gsm8k-8": lambda: R(45 + 38 + 52, 5) * 7,
    # math
    "math-1": lambda: sp.solve_univariate_inequality(sp.Abs(2 * x - 3) <= 5, x, relational=False),
    "math-2": _two_colors,
    "math-3": _triangle_perimeter,
    "math-4": lambda: pow(7, 100, 13),
    # mmlu_stem (value of the correct option)
    "mmlu_stem-1": lambda: R(2 * 3, 2 + 1),  # momentum 2.0*3.0 over 3.0 kg
    "mmlu_stem-2": lambda: round(4.0 / 2.016, 1),  # mol H2 = mol H2O (2H2 + O2 -> 2H2O), two significant figures
    "mmlu_stem-3": lambda: _two_complement("11110110"),
    "mmlu_stem-4": lambda: _min_on(x**3 - 3 * x, 0, 2),
    # cmath (dev rows)
    "cmath-g1": lambda: 67 - (14 + 6),
    "cmath-g2": lambda: 5 * 9 - 32,
    "cmath-g3": lambda: R(5 * 36, 3) - 36,
    "cmath-g4": lambda: R(1200, R(1200, 15) + 20),
    "cmath-g5": lambda: 7 * 3 * R("0.8"),
    "cmath-g6": _cmath_557,
    # gaokao_math_cloze
    "gaokao_math_cloze-1": lambda: sp.Abs(sp.simplify(5 * sp.I / (2 + sp.I))),
    "gaokao_math_cloze-2": _binomial_constant,
    "gaokao_math_cloze-3": _cloze_arith,
    "gaokao_math_cloze-4": _sin2a,
    "gaokao_math_cloze-5": lambda: solve_one(sp.Eq(1 * (1 + sp.Symbol("m")) + 2 * 1, 0), sp.Symbol("m")),
    # gaokao_math_qa
    "gaokao_math_qa-1": lambda: sp.Intersection(
        sp.solve_univariate_inequality(x**2 - 3 * x - 4 < 0, x, relational=False), sp.FiniteSet(-2, 0, 2, 4)
    ),
    "gaokao_math_qa-2": lambda: _local_min(x**3 - 3 * x**2 + 1),
    "gaokao_math_qa-3": _product_even,
    "gaokao_math_qa-4": lambda: sp.sqrt(2**2 + 3**2 - 2 * 2 * 3 * sp.cos(sp.pi / 3)),
    # sat_math
    "sat_math-1": lambda: solve_one(sp.Eq(3 * x - 7, 2 * x + 5), x) + 4,
    "sat_math-2": lambda: R(52 - 40, 40) * 100,
    "sat_math-3": lambda: sp.minimum(x**2 - 4 * x + 7, x),
    "sat_math-4": _rectangle_area,
    # minerva_math (answers rounded to the precision the question asks for)
    "minerva_math-1": lambda: sig(R("2.898e-3") / 6000 / R("1e-9"), 3),
    "minerva_math-2": lambda: round(float(R("13.6") * (R(1, 4) - R(1, 16))), 2),
    "minerva_math-3": lambda: sig(50 * R("9.8") * R("2.0") / (R("1.0e-6") * R("2.0e11")) * 1000, 2),
    "minerva_math-4": lambda: sig(R("2.00") * R("10.0") / (R("0.08206") * 300), 3),
}


# ---------------------------------------------------------------- parsing answers and options

_TRANSFORMS = standard_transformations + (implicit_multiplication_application,)


def parse_value(text: str):
    """A number, LaTeX fraction/radical, interval [a,b] or set {a,b} as written in an answer or option."""
    t = text.strip().strip("$").strip()
    t = re.sub(r"\s*(m/s|mol|\\%|%)$", "", t).strip()
    m = re.fullmatch(r"\\\{(.*)\\\}", t)
    if m:
        return sp.FiniteSet(*(parse_value(p) for p in m.group(1).split(",")))
    m = re.fullmatch(r"([\[(])(.*),(.*)([\])])", t)
    if m:
        return sp.Interval(parse_value(m.group(2)), parse_value(m.group(3)), m.group(1) == "(", m.group(4) == ")")
    t = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", t)
    t = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", t)
    assert "\\" not in t and "{" not in t, f"cannot parse {text!r}"
    if re.fullmatch(r"-?\d+\.\d+", t):
        return R(t)
    return parse_expr(t, transformations=_TRANSFORMS, evaluate=True)


def same(a, b) -> bool:
    if isinstance(a, sp.Set) or isinstance(b, sp.Set):
        return a == b
    return sp.simplify(sp.nsimplify(a, rational=True) - sp.nsimplify(b, rational=True)) == 0


# ---------------------------------------------------------------- inline arithmetic of the word-problem solutions

_NUM = r"\d+(?:\.\d+)?"
GSM_EQ = re.compile(rf"((?:{_NUM}\s*[-+*/]\s*)+{_NUM})\s*=\s*({_NUM})")
CN_EQ = re.compile(rf"((?:{_NUM}(?:/\d+)?\s*[-+×÷]\s*)+{_NUM}(?:/\d+)?)\s*=\s*({_NUM}(?:/\d+)?)")


def _group_fractions(expr: str) -> str:
    return re.sub(r"Rational\('(\d+(?:\.\d+)?)'\)/Rational\('(\d+)'\)", r"(Rational('\1')/Rational('\2'))", expr)


def check_arithmetic(task: str, ex: dict) -> int:
    text = ex["solution"]
    n = 0
    if task == "gsm8k":
        for lhs, rhs in GSM_EQ.findall(text):
            assert sp.sympify(re.sub(_NUM, lambda m: f"Rational('{m.group(0)}')", lhs)) == R(rhs), (ex["id"], lhs, rhs)
            n += 1
    elif task == "cmath":
        for lhs, rhs in CN_EQ.findall(text):
            expr = re.sub(rf"(?<![\d.])({_NUM})(?![\d.])", r"Rational('\1')", lhs)
            expr = _group_fractions(expr).replace("×", "*").replace("÷", "/")
            value = sp.sympify(expr)
            assert value == R(rhs), (ex["id"], lhs, rhs, value)
            n += 1
    return n


# ---------------------------------------------------------------- format checks


def check_format(task: str, ex: dict) -> None:
    fields = {"id", "question", "solution", "answer", "source"} | ({"choices"} if task in MULTIPLE_CHOICE else set())
    assert set(ex) == fields, (ex["id"], sorted(ex))
    assert all(isinstance(ex[k], str) and ex[k] for k in fields - {"choices"}), ex["id"]
    sol, ans = ex["solution"], ex["answer"]
    assert "\n\n" not in sol and "Question:" not in sol + ex["question"], ex["id"]  # prompt separator/stop string
    chinese = bool(re.search(r"[\u4e00-\u9fff]", sol))
    if chinese:
        assert len(re.sub(r"\s", "", sol)) <= MAX_CHARS, (ex["id"], len(sol))
    else:
        assert len(sol.split()) <= MAX_WORDS, (ex["id"], len(sol.split()))
    if task in MULTIPLE_CHOICE:
        assert len(ex["choices"]) == 4 and len(set(ex["choices"])) == 4, ex["id"]
        assert ans in "ABCD" and len(ans) == 1, ex["id"]
    if task in ("gsm8k", "mmlu_stem", "sat_math"):
        ending = f"The answer is {ans}." if task == "gsm8k" else f"The answer is ({ans})."
        assert sol.endswith(ending), ex["id"]
    if task == "gsm8k":
        assert re.fullmatch(r"-?\d+", ans), ex["id"]
    if task in ("cmath", "gaokao_math_qa"):
        assert sol.endswith(f"答案是 {ans}。"), ex["id"]
    if task == "gaokao_math_cloze":
        assert sol.endswith(f"答案是 ${ans}$。"), ex["id"]
        assert ex["question"].count("(\\quad)") + ex["question"].count("______") == 1, ex["id"]  # one blank
    if task in ("math", "minerva_math"):
        assert sol.endswith(FINAL.format(ans)), ex["id"]
        last = sol[: -len(FINAL.format(ans))].rsplit("\n", 1)[-1]
        assert f"\\boxed{{{ans}}}" in last, ex["id"]  # boxed in the last sentence before the Final Answer line
    src = ex["source"]
    assert src == "written by mathcpt" if task != "cmath" else re.fullmatch(r"cmath_dev row \d+", src), ex["id"]


# ---------------------------------------------------------------- contamination (13-gram overlap)

N = 13
CJK = re.compile(r"[\u3400-\u9fff]")


def word_grams(text: str) -> set[tuple[str, ...]]:
    """13-grams of tokens: a word (run of letters/digits, LaTeX command names included) or one CJK character."""
    tokens = re.findall(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+", text.lower())
    return {tuple(tokens[i : i + N]) for i in range(len(tokens) - N + 1)}


def char_grams(text: str) -> set[str]:
    """13 consecutive non-space characters that include at least one CJK character (LaTeX-only runs such as
    `$\\triangleabc$` are common notation, not text, and are left to the token check)."""
    chars = re.sub(r"\s+", "", text.lower())
    return {g for i in range(len(chars) - N + 1) if CJK.search(g := chars[i : i + N])}


def strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def overlap_check(examples: list[tuple[str, dict]], bench_dir: Path) -> tuple[int, int]:
    """Returns (question hits, solution hits); prints each hit."""
    probes = []  # (kind, task, ex, word grams, char grams)
    for task, ex in examples:
        for kind, text in (
            ("question", " ".join([ex["question"], *ex.get("choices", [])])),
            ("solution", ex["solution"]),
        ):
            probes.append((kind, task, ex, word_grams(text), char_grams(text) if CJK.search(text) else set()))
    all_words = set().union(*(p[3] for p in probes))
    all_chars = set().union(*(p[4] for p in probes))
    hits = {"question": 0, "solution": 0}
    sets = sorted(p.parent.name for p in bench_dir.glob("*/test.jsonl"))
    records = 0
    for name in sets:
        for line_no, line in enumerate((bench_dir / name / "test.jsonl").open(encoding="utf-8")):
            if not line.strip():
                continue
            records += 1
            text = "\n".join(strings(json.loads(line)))
            wg = word_grams(text) & all_words
            cg = char_grams(text) & all_chars if all_chars else set()
            if not wg and not cg:
                continue
            for kind, task, ex, pw, pc in probes:
                if task == "cmath" and name == "cmath_dev":
                    continue  # CMATH exemplars are dev rows on purpose
                shared = (wg & pw) | (cg & pc)
                if shared:
                    hits[kind] += 1
                    print(f"  OVERLAP {kind} of {ex['id']} with {name} line {line_no}: {sorted(map(str, shared))[:2]}")
    print(
        f"13-gram check: {len(sets)} test sets, {records} records; "
        f"question overlaps: {hits['question']}, solution overlaps: {hits['solution']}"
    )
    return hits["question"], hits["solution"]


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--benchmarks-dir", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    ap.add_argument("--no-overlap", action="store_true", help="skip the 13-gram contamination check")
    args = ap.parse_args()

    examples: list[tuple[str, dict]] = []
    for task, count in COUNTS.items():
        rows = [json.loads(line) for line in (HERE / f"{task}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert len(rows) == count, (task, len(rows))
        assert len({r["id"] for r in rows}) == count, task
        if task in MULTIPLE_CHOICE:
            assert {r["answer"] for r in rows} == set("ABCD"), f"{task}: correct letters should vary"
        examples += [(task, r) for r in rows]
    assert set(CHECKS) == {ex["id"] for _, ex in examples}, "one check per exemplar"

    n_eq = 0
    for task, ex in examples:
        check_format(task, ex)
        value = CHECKS[ex["id"]]()
        if task in MULTIPLE_CHOICE:
            matching = [i for i, c in enumerate(ex["choices"]) if same(parse_value(c), value)]
            assert matching == ["ABCD".index(ex["answer"])], (ex["id"], value, matching)
            shown = f"{value} = option {ex['answer']}"
        else:
            assert same(parse_value(ex["answer"]), value), (ex["id"], value, ex["answer"])
            shown = str(value)
        n_eq += check_arithmetic(task, ex)
        print(f"ok  {ex['id']:<22} answer {ex['answer']!s:<12} recomputed {shown}")
    print(f"all {len(examples)} answers recomputed; {n_eq} inline equations in GSM8K/CMATH solutions re-evaluated")

    dev = args.benchmarks_dir / "cmath_dev" / "test.jsonl"
    if dev.exists():
        dev_rows = dev.read_text(encoding="utf-8").splitlines()
        for task, ex in examples:
            if task == "cmath":
                row = json.loads(dev_rows[int(ex["source"].rsplit(" ", 1)[1])])
                assert (row["question"], str(row["answer"])) == (ex["question"], ex["answer"]), ex["id"]
        print("cmath: questions and answers equal the cited cmath_dev rows")
    else:
        print(f"cmath_dev not found under {args.benchmarks_dir}: row check skipped")

    if args.no_overlap:
        return 0
    if not args.benchmarks_dir.is_dir():
        print(f"benchmarks folder {args.benchmarks_dir} not found: 13-gram check skipped")
        return 0
    q_hits, _ = overlap_check(examples, args.benchmarks_dir)
    assert q_hits == 0, "exemplar questions overlap test items"
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
