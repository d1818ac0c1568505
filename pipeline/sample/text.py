"""Shared text helpers: seeded choice among phrasings, word counts, titles and slugs, LaTeX of numbers and polynomials."""

from __future__ import annotations

import random
import re
from fractions import Fraction


def pick(rng: random.Random, *options):
    """One of the options (the building block of every sentence pool)."""
    return options[rng.randrange(len(options))]


def word_count(text: str) -> int:
    return len(text.split())


def with_article(word: str) -> str:
    """Word with its indefinite article."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def signed(n: int) -> str:
    return f"+ {n}" if n >= 0 else f"- {-n}"


def paren(n: int | Fraction) -> str:
    s = num(n)
    return f"({s})" if s.startswith("-") else s


def num(x: int | Fraction) -> str:
    """Plain LaTeX of an integer or a fraction."""
    if isinstance(x, Fraction):
        if x.denominator == 1:
            return str(x.numerator)
        sign = "-" if x < 0 else ""
        return f"{sign}\\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
    return str(x)


def plain_frac(x: Fraction) -> str:
    """A fraction as prose/answer text: 3/4, -2, 7."""
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def poly(coeffs: list[int], var: str = "x") -> str:
    """LaTeX of a polynomial from its coefficients, highest power first: [3, -5, 2] -> 3x^2 - 5x + 2."""
    deg = len(coeffs) - 1
    out: list[str] = []
    for i, c in enumerate(coeffs):
        p = deg - i
        if c == 0:
            continue
        mag = abs(c)
        if p == 0:
            body = str(mag)
        else:
            body = ("" if mag == 1 else str(mag)) + var + ("" if p == 1 else f"^{p}")
        if not out:
            out.append(("-" if c < 0 else "") + body)
        else:
            out.append(("- " if c < 0 else "+ ") + body)
    return " ".join(out) if out else "0"


def lin_factor(r: int, var: str = "x") -> str:
    """(x - r) written nicely."""
    return f"({var} - {r})" if r > 0 else (f"({var} + {-r})" if r < 0 else var)


def eval_poly(coeffs: list[int], x) -> int | Fraction:
    v = 0
    for c in coeffs:
        v = v * x + c
    return v


def deriv(coeffs: list[int]) -> list[int]:
    deg = len(coeffs) - 1
    return [c * (deg - i) for i, c in enumerate(coeffs[:-1])]


def unique_in_order(items):
    seen: set = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


_PROPER = {
    "Bayes'",
    "Fermat's",
    "Bernoulli",
    "Pythagorean",
    "Euclidean",
    "Cramer's",
    "Heron's",
    "Chinese",
    "Bezout's",
    "Vieta's",
    "GCD",
    "GCDs",
    "LCM",
    "CRT",
    "Pythagoras",
}


def lower_title(title: str) -> str:
    """Lowercase a title for use inside a sentence, keeping proper names and acronyms."""
    return " ".join(
        w if w in _PROPER or (w.isupper() and len(w) > 1) or any(c.isdigit() for c in w) else w.lower()
        for w in title.split()
    )


_SMALL_WORDS = {"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with"}


def title_case(text: str) -> str:
    words = text.split()
    return " ".join(w if (i and w in _SMALL_WORDS) else w[:1].upper() + w[1:] for i, w in enumerate(words))
