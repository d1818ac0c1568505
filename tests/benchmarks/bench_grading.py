"""Grading agreement with labels known by construction, and throughput vs math-verify alone, on MATH-500 answers.

    .venv/bin/python tests/benchmarks/bench_grading.py --benchmarks-dir ../shared/benchmarks [--show 40]

For every MATH-500 gold answer we write responses whose correctness we know without any grader, because we made
them by rewrites that preserve or break equality:

* equivalent (label correct): the gold boxed as is; in the "Final Answer: The final answer is $X$. I hope it is
  correct." form; `\\frac` ↔ `\\dfrac`; a terminating fraction as a decimal; `a/b` for `\\frac{a}{b}`; thousands
  written `10{,}000` / `10,000`; `^\\circ` added to an angle or dropped from one; a `\\text{ unit}` dropped; extra
  spaces and `\\left`/`\\right` around brackets; both sides of an interval spaced; a trailing `.0` on an integer;
* not equivalent (label wrong): one digit changed; the sign flipped; an interval's bracket flipped; a fraction
  inverted; an extra term `+1` appended.

Agreement = share of responses where `grade_response` (answer_type latex) equals the label; every disagreement is
printed. Throughput = responses graded per second in one process, ours vs math-verify alone (`parse` both, `verify`)
on the same responses. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FRAC = re.compile(r"^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$")


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
    elif re.fullmatch(r"\d+", g) and 0 < int(g) < 360:
        pass  # an integer gold is not necessarily an angle: adding ^\circ is not a safe rewrite
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmarks-dir", default=str(ROOT.parent / "shared" / "benchmarks"))
    parser.add_argument("--show", type=int, default=50, help="disagreements to print")
    args = parser.parse_args()
    if not (Path(args.benchmarks_dir) / "math500").is_dir():
        sys.exit(f"{args.benchmarks_dir}: needs math500/test.jsonl (../shared/benchmarks)")

    from math_verify import parse, verify

    from pipeline.shared.benchmarks.registry import load_benchmark
    from pipeline.shared.grading import grade_response

    rng = random.Random(0)
    cases = []  # (response, gold, label, how)
    for item in load_benchmark("math500", args.benchmarks_dir):
        gold = item.answer
        for k, eq in enumerate(equivalents(gold)):
            cases.append((wrap(eq, k % 2), gold, True, f"equivalent {eq!r}"))
        for k, wrong in enumerate(wrongs(gold, rng)):
            cases.append((wrap(wrong, k % 2), gold, False, f"wrong {wrong!r}"))

    t0 = time.perf_counter()
    ours = [grade_response(resp, gold, "latex")[0] for resp, gold, _, _ in cases]
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = []
    for resp, gold, _, _ in cases:
        try:
            theirs.append(bool(verify(parse(f"${gold}$"), parse(resp))))
        except Exception:  # noqa: BLE001 - counted as not equal, like our fallback
            theirs.append(False)
    mv_s = time.perf_counter() - t0

    labels = [c[2] for c in cases]
    disagree = [(c, o) for c, o in zip(cases, ours) if o != c[2]]
    mv_disagree = sum(1 for c, t in zip(cases, theirs) if t != c[2])
    for (resp, gold, label, how), o in disagree[: args.show]:
        print(f"DISAGREE gold={gold!r} {how} label={label} ours={o}", file=sys.stderr)
    print(
        json.dumps(
            {
                "figure": "grading",
                "responses": len(cases),
                "equivalent": sum(labels),
                "not_equivalent": len(labels) - sum(labels),
                "ours_agreement": round(1 - len(disagree) / len(cases), 4),
                "target_agreement": 0.995,
                "ours_disagreements": len(disagree),
                "math_verify_agreement": round(1 - mv_disagree / len(cases), 4),
                "ours_responses_per_s": round(len(cases) / ours_s, 1),
                "math_verify_responses_per_s": round(len(cases) / mv_s, 1),
                "speed_ratio": round(mv_s / ours_s, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
