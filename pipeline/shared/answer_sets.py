"""Answers with several parts: sets of solutions, tuples, intervals, one box per part.

    mathcpt grade predictions.jsonl          # `answers_match` compares "x=1 or x=2" with "\\{2, 1\\}" through here

An answer splits into parts at its top-level separators (commas, "or", "and", `\\text{ or }`), never inside brackets
or braces and never inside a number with thousands separators (`10,455` is one number; `1,2` is two). Its kind
decides how parts compare:

* `\\{a, b\\}` and a bare list `a, b` (also "x = 1 or x = 2", "x=1, x=2": a shared variable name is dropped) are
  sets: order-insensitive, repeats ignored;
* `(a, b)`, `[a, b)`, `\\langle a, b \\rangle` are ordered: same brackets, parts equal in order. A bare list gives
  a parenthesised gold's parts in order (`x = \\boxed{1}, y = \\boxed{2}` for the point `(1, 2)`), but never an
  interval in square brackets (`[1, 2]`);
* a set gold accepts a set, a bare list or a parenthesised list of the same parts in any order; an ordered gold
  accepts no braced set (`\\{1, 2\\}` is not the point `(1, 2)`).

Parts compare with the full grader (`answers_match`), so a set of tuples compares tuple by tuple. `compare_parts`
answers None where parts do not decide (one part on each side, a `\\pm` inside, too many parts): the grader goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_PARTS = 12
# Parts are compared by the full grader, which splits them again: an answer nested deeper than this is not split
# (thousands of nested sets recursed past Python's stack, tests/fuzz/test_fuzz_answers.py).
MAX_DEPTH = 8
OPENERS, CLOSERS = "([{⟨⦃", ")]}⟩⦄"
# Canonical one-character brackets for the multi-character LaTeX ones, so depth counting sees one symbol each.
_CANON = (("\\{", "⦃"), ("\\}", "⦄"), ("\\langle", "⟨"), ("\\rangle", "⟩"))
_SEPARATOR = re.compile(  # whitespace before a separator is matched from where the run starts, not from each space
    r"(?:(?<!\s)\s+)?(?:,|\\(?:text|mbox|textrm)\{\s*(?:or|and|,)\s*\}|(?<![A-Za-z\\])(?:or|and)(?![A-Za-z]))\s*", re.I
)
# Spacing around a part: whitespace, `\\quad`, `\\,` and friends, `~`. The trailing run is found by matching the
# reversed text from its start: searching for `(?:...)+$` retried from every space of a long run that ends before
# the end (quadratic: 50,000 spaces took minutes, tests/fuzz/test_fuzz_answers.py).
_LEADING_SPACING = re.compile(r"(?:\s|\\q?quad(?![A-Za-z])|\\[,;: ]|~)+")
_TRAILING_SPACING_REVERSED = re.compile(r"(?:[,;: ]\\|(?<![A-Za-z])dauqq?\\|\s|~)+")
_ASSIGNED = re.compile(r"^\s*((?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?\w+\}?)?)\s*=(?!=)\s*")
THOUSANDS = re.compile(r"-?\d{1,3}(?:(?:,|\{,\}|,\\!)\s*\d{3})+(?:\.\d+)?")


@dataclass(frozen=True)
class Parts:
    kind: str  # "set" (`\\{a, b\\}`), "list" (bare `a, b`: a set too) or "seq" (ordered, in brackets)
    items: tuple[str, ...]
    brackets: str = ""  # a seq's first and last character: "()", "[)", "⟨⟩"


def _canonical(text: str) -> str:
    t = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg)(?![A-Za-z])\s*\.?", "", text.strip())
    for latex, char in _CANON:
        t = t.replace(latex, char)
    return t.strip().strip("$").strip().rstrip(".").strip()


def _latex(text: str) -> str:
    for latex, char in _CANON:
        text = text.replace(char, latex)
    return text


def _depths(text: str) -> list[int] | None:
    """Bracket depth before each character; None when the brackets do not balance."""
    out, depth = [], 0
    for ch in text:
        out.append(depth)
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth -= 1
            if depth < 0:
                return None
    return out if depth == 0 else None


def split_top_level(text: str) -> list[str] | None:
    """Parts of text at its depth-0 separators (empty parts dropped); None when brackets do not balance."""
    depths = _depths(text)
    if depths is None:
        return None
    parts, start = [], 0
    for m in _SEPARATOR.finditer(text):
        if depths[m.start()] == 0 and (m.group().strip() or m.start() > start):
            parts.append(text[start : m.start()])
            start = m.end()
    parts.append(text[start:])
    return [p for p in map(_strip_spacing, parts) if p]


def _strip_spacing(part: str) -> str:
    if m := _LEADING_SPACING.match(part):
        part = part[m.end() :]
    if m := _TRAILING_SPACING_REVERSED.match(part[::-1]):
        part = part[: len(part) - m.end()]
    return part


def _wrapped(t: str) -> bool:
    """Whether t's first character opens a bracket that its last character closes."""
    if len(t) < 2 or t[0] not in OPENERS or t[-1] not in CLOSERS:
        return False
    depths = _depths(t)
    return depths is not None and all(d > 0 for d in depths[1:])


def parts_of(answer: str) -> Parts | None:
    """The parts of an answer with two or more (see the module docstring); None for a single answer."""
    t = _canonical(answer)
    if re.fullmatch(r"\\boxed\{.*\}", t):
        t = _canonical(t[len("\\boxed{") : -1])
    if not t or THOUSANDS.fullmatch(t):
        return None
    depths = _depths(t)
    if depths and max(depths) > MAX_DEPTH:
        return None
    if _wrapped(t):
        items = split_top_level(t[1:-1])
        if items is None:
            return None
        if t[0] == "⦃":
            return Parts("set", tuple(_latex(i) for i in items)) if items else None
        if len(items) >= 2:
            return Parts("seq", tuple(_latex(i) for i in items), t[0] + t[-1])
        return None
    items = split_top_level(t)
    if not items or len(items) < 2:
        return None
    names = {m.group(1) if (m := _ASSIGNED.match(i)) else None for i in items}
    if len(names) == 1 and None not in names:  # "x = 1 or x = 2": the values of one unknown
        items = [_ASSIGNED.sub("", i, count=1) for i in items]
    return Parts("list", tuple(_latex(i) for i in items))


def compare_parts(predicted: str, gold: str, equal: Callable[[str, str], bool]) -> bool | None:
    """Whether predicted states gold's parts (True/False), or None when parts do not decide."""
    g, p = parts_of(gold), parts_of(predicted)
    if g is None:
        if p is not None and p.kind == "list" and len({re.sub(r"\s", "", i) for i in p.items}) == 1:
            return equal(p.items[0], gold)  # the same answer boxed twice
        return None
    if p is None or len(g.items) > MAX_PARTS or len(p.items) > MAX_PARTS:
        return None
    if any("\\pm" in i or "\\mp" in i for i in g.items + p.items):
        return None  # "1 \pm \sqrt{5}" is two parts in one: math-verify expands it
    if g.kind == "seq":
        if (
            p.kind == "set"
            or (p.kind == "list" and g.brackets != "()")
            or (p.kind == "seq" and p.brackets != g.brackets)
        ):
            return False
        return len(p.items) == len(g.items) and all(equal(a, b) for a, b in zip(p.items, g.items))
    if p.kind == "seq" and p.brackets != "()":
        return False  # an interval or a list in square brackets is not a set of solutions
    return _same_set(list(p.items), list(g.items), equal)


def _distinct(items: list[str], equal: Callable[[str, str], bool]) -> list[str]:
    out: list[str] = []
    for item in items:
        if not any(re.sub(r"\s", "", item) == re.sub(r"\s", "", o) or equal(item, o) for o in out):
            out.append(item)
    return out


def _same_set(predicted: list[str], gold: list[str], equal: Callable[[str, str], bool]) -> bool:
    predicted, gold = _distinct(predicted, equal), _distinct(gold, equal)
    if len(predicted) != len(gold):
        return False
    unmatched = list(predicted)
    for g in gold:
        hit = next((i for i, p in enumerate(unmatched) if equal(p, g)), None)
        if hit is None:
            return False
        unmatched.pop(hit)
    return True
