"""Shared pieces of the LaTeX converter: text markers and their layout, token sentinels, small records.

    mathcpt books book/main.tex -o book.jsonl       # pipeline.data.sources.books.latex puts these together

While converting, text is written with markers instead of final whitespace so that source line breaks can be
re-flowed without touching formulas: formulas and code are parked as `\\x00N\\x00` placeholders (restored verbatim
at the end), `\\x02` is a paragraph break, `\\x01` a line break, `\\x03` an indentation space, `\\x04cmd:key\\x04` a
cross-reference resolved once every label of the book is known, and `\\x05`/`\\x06` are a table's cell and row
separators.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

STOP = "stop"  # sentinel token kind that ends the conversion of a captured argument
MAX_EXPANSION_DEPTH = 32  # a macro whose expansion keeps expanding (\def\a{\a}) stops here and stays as written
# Macro expansions per book: this many, plus two per token of the book's sources. A real textbook needs a few hundred
# to a few tens of thousands; a definition that doubles itself (`\\newcommand{\\a}{\\a\\a}`) would otherwise spend
# the whole allowance on a line of input (500,000 expansions took 9 s: tests/fuzz/test_fuzz_books.py).
MAX_EXPANSIONS = 20_000
MAX_INPUT_DEPTH = 40
# Groups, environments and arguments converted inside each other (each level is a few Python frames of the
# recursive converter); real books stay under 20. Deeper, the book is skipped as `too_deeply_nested` instead of
# overflowing Python's stack (tests/fuzz/test_fuzz_books.py: 300 nested `{` did).
MAX_NESTING = 64
# Characters TeX rejects in its input (catcode "invalid"/"ignored") that the converter uses as its own markers: a
# source's own would be read as markers (`\x00N\x00` as formula N), so they are removed when a file is read.
MARKER_CHARS = re.compile("[\x00-\x06]")
ARTICLE_CLASSES = {
    "article",
    "amsart",
    "scrartcl",
    "revtex4",
    "revtex4-1",
    "revtex4-2",
    "elsarticle",
    "llncs",
    "IEEEtran",
    "acmart",
    "jsarticle",
    "ltxdoc",
    "proc",
}
PARAM = re.compile(r"#([1-9])")
LABEL_LIKE = re.compile(r"^[\w:.\-/+]+$")
SIMPLE_BODY_BREAKERS = re.compile(
    r"\\(?:def|gdef|edef|xdef|let|newcommand|renewcommand|providecommand|"
    r"makeatletter|csname|expandafter)\b|##|@"
)
PARA = re.compile(r"(?<![ \t])[ \t]*\n[ \t]*\n\s*")  # from where a run of spaces starts: linear on long runs
WS = re.compile(r"[ \t\n\r\f\v]+")
BREAKS = re.compile(r" *([\x01\x02][\x01\x02 ]*)")
SPACE_PUNCT = re.compile(r" +([.,;:])(?=[\s\x01\x02]|$)")
PROTECTED = re.compile(r"\x00(\d+)\x00")
REF = re.compile(r"\x04([^\x04:]+):([^\x04]*)\x04")
LAYOUT_MARKERS = re.compile(r"[\x01\x02\x03]")


@dataclass
class Macro:
    nargs: int
    default: str | None  # the optional first argument's default, when it has one
    body: str


@dataclass
class Unit:
    """One output document: a chapter or section (or the front matter, or the whole book)."""

    path: str
    level: str
    number: str | None = None
    title: str = ""
    chapter: str | None = None
    chapter_title: str = ""
    parts: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    missing_inputs: list[str] = field(default_factory=list)
    heading_only: str = ""  # the heading that opened this unit, to detect a unit with nothing else in it


@dataclass
class ListState:
    style: str
    depth: int
    label_format: str | None = None
    n: int = 0


def layout(s: str) -> str:
    """Markers → text: \\x02 paragraph break, \\x01 line break, \\x03 an indentation space; whitespace collapsed."""
    s = PARA.sub("\x02", s)
    s = WS.sub(" ", s)
    s = BREAKS.sub(lambda m: "\n\n" if "\x02" in m.group(1) else "\n", s)
    s = SPACE_PUNCT.sub(r"\1", s)  # "shown in ." once a \cite or \index between them is gone
    return s.replace("\x03", " ").strip()


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", text).lower()).strip("-")
    return s[:48] or "untitled"


def roman(n: int) -> str:
    out = ""
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out, n = out + letters, n - value
    return out


def alph(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26)
