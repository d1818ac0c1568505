"""Fuzzing the book readers (pipeline/data/sources/books/): the LaTeX converter and the Markdown / PDF-text one.

    .venv/bin/python -m pytest tests/fuzz/test_fuzz_books.py -q
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz/test_fuzz_books.py -q

Properties: `convert_book` on a mutated book (its main file or an `\\input` chapter: unbalanced braces, `\\begin`
without `\\end`, `$` without its closer, macros defined in terms of themselves, NUL and invalid UTF-8, 10,000-deep
nesting, megabytes of one token) returns records and counts, never a traceback, within the per-item limit; every
skip is one of the documented reasons; no converter marker (`\\x00`-`\\x06`) leaks into a record; and a formula
planted in a valid book comes out verbatim.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.config.formats import BookSettings
from pipeline.data.sources.books.convert import convert_book
from tests.fuzz.fuzzing import DEEP, Blob, mutated, run_item

MAIN = r"""\documentclass{book}
\usepackage[utf8]{inputenc}
\usepackage{mymacros}
\newcommand{\R}{\mathbb{R}}
\newcommand{\norm}[1]{\lVert #1 \rVert}
\def\half#1{\frac{#1}{2}}
\DeclareMathOperator{\rank}{rank}
\newtheorem{theorem}{Theorem}[chapter]
\newif\ifdraft \draftfalse
\begin{document}
\title{Fuzzed Algebra}\maketitle
\chapter{Vectors}\label{ch:vec}
A vector $v \in \R^n$ has norm $\norm{v}$ and half $\half{x}$. % a comment
\begin{theorem}[Cauchy]\label{thm:cs}
$|\langle u, v \rangle| \le \norm{u}\,\norm{v}$.
\end{theorem}
\begin{equation}\label{eq:one} \rank A = n \end{equation}
See \eqref{eq:one} and Theorem~\ref{thm:cs}.
\ifdraft Draft only. \else Final text. \fi
\section{Lists}
\begin{itemize}\item one \textbf{bold} \item two \emph{$x^2$}\end{itemize}
\begin{tabular}{cc} a & b \\ c & d \end{tabular}
\input{chapter2}
\begin{figure}\includegraphics{x.png}\caption{A figure $y$.}\end{figure}
\verb|x%y| and \url{http://a.b/c%d}
\end{document}
"""
CHAPTER = r"""\chapter{Matrices}
\begin{align} a &= b \\ c &= d \end{align}
$$\sum_{k=1}^n k = \frac{n(n+1)}{2}$$ and \[ \int_0^1 x\,dx \] and \( \sqrt{2} \).
\begin{enumerate}\item first \item second\end{enumerate}
"""
STY = r"\newcommand{\C}{\mathbb{C}}" + "\n"
TEXT_BOOK = """# Chapter 1. Numbers

Let $x^2 = 2$. Then $$x = \\pm\\sqrt{2}.$$

12

## 1.1 Primes

A prime is divi-
sible only by 1 and itself.

Page 3 of 10
"""
LATEX_TOKENS = [
    b"{",
    b"}",
    b"$",
    b"$$",
    b"\\[",
    b"\\]",
    b"\\(",
    b"\\)",
    b"\\begin{itemize}",
    b"\\end{itemize}",
    b"\\begin{equation}",
    b"\\end{document}",
    b"\\begin{theorem}",
    b"\\item",
    b"&",
    b"\\\\",
    b"%",
    b"\\verb",
    b"\\verb|",
    b"\\input{chapter2}",
    b"\\input{main}",
    b"\\input{../x}",
    b"\\include{",
    b"\\newcommand{\\a}{\\a\\a}\\a",
    b"\\def\\b#1{\\b{#1}#1}\\b{x}",
    b"\\newcommand{\\c}[99]{#9}",
    b"\\let\\x=",
    b"\\label{",
    b"\\ref{",
    b"\\section{",
    b"\\chapter*{",
    b"\\caption",
    b"\\iftrue",
    b"\\fi",
    b"\\else",
    b"\\begin{comment}",
    b"\\textbf{",
    b"\\'",
    b"\x00",
    b"\x01",
    b"\x02",
    b"\x04ref:x\x04",
    b"\x00" + b"7" + b"\x00",
    b"\xff\xfe",
]
LATEX_NESTS = [
    (b"{", b"}"),
    (b"\\begin{itemize}\\item ", b"\\end{itemize}"),
    (b"\\begin{foo}", b"\\end{foo}"),
    (b"\\textbf{", b"}"),
    (b"\\emph{", b"}"),
    (b"\\section{", b"}"),
    (b"$", b"$"),
    (b"\\input{main}", b""),
]
TEXT_TOKENS = [
    b"#",
    b"# ",
    b"\n",
    b"-\n",
    b"$",
    b"$$",
    b"\\[",
    b"\\(",
    b"Page 1",
    b"\x00",
    b"\xff",
    b"```x\n",
    b"\\begin{",
]
TEXT_TOKENS += [b"\\begin{align}", b" " * 64, b"word", b"\f", b"Chapter 2 ", b"1.1 A"]
DOCUMENTED_SKIPS = {
    "skipped_missing_input",
    "skipped_binary",
    "skipped_too_large",
    "skipped_undecodable",
    "skipped_unreadable",
    "skipped_input_cycle",
    "skipped_input_too_deep",
    "skipped_too_deeply_nested",
    "skipped_empty",
}
MARKERS = set("\x00\x01\x02\x03\x04\x05\x06")


def write_book(tmp_path, main: bytes, chapter: bytes = CHAPTER.encode()):
    root = tmp_path / "book"
    root.mkdir(exist_ok=True)
    (root / "main.tex").write_bytes(main)
    (root / "chapter2.tex").write_bytes(chapter)
    (root / "mymacros.sty").write_bytes(STY.encode())
    return root / "main.tex"


def check(records: list[dict], counts, latex: bool = True) -> None:
    for what, n in counts.items():
        assert isinstance(n, int) and n >= 0, (what, n)
        if what.startswith("skipped_") and n:
            assert what in DOCUMENTED_SKIPS, what
    for r in records:
        assert set(r) == {"id", "text", "metadata"} and isinstance(r["text"], str) and r["text"]
        if latex:  # the LaTeX converter's own markers; a text book's control characters are its own text
            assert not MARKERS & set(r["text"]), f"a converter marker leaked into {r['id']}: {r['text'][:300]!r}"
            assert not MARKERS & set(str(r["metadata"].get("title", ""))), r["metadata"]
        r["text"].encode("utf-8")


def convert(path, fmt="latex", **settings):
    nbytes = sum(p.stat().st_size for p in path.parent.iterdir())
    return run_item(f"books:{fmt}", convert_book, path, fmt, BookSettings(**settings), "main.tex", nbytes=nbytes)


@pytest.mark.parametrize("split", ["chapter", "section", "file"])
@given(raw=mutated(MAIN.encode(), LATEX_TOKENS, LATEX_NESTS))
@example(raw=Blob(MAIN.encode().replace(b"Vectors}", b"Vectors}" + b"{" * DEEP + b"}" * DEEP)))
@example(raw=Blob(MAIN.encode().replace(b"Vectors}", b"Vectors}" + b"\\textbf{" * 3000)))
@example(raw=Blob(MAIN.encode().replace(b"Vectors}", b"Vectors}" + b"\\begin{foo}" * 3000)))
@example(raw=Blob(MAIN.encode().replace(b"\\begin{document}", b"\\newcommand{\\a}{\\a\\a}\\begin{document}\\a")))
@example(raw=Blob(MAIN.encode().replace(b"A vector", b"x" * 9000 + b"\x007\x00 \x04ref:z\x04")))
@example(raw=Blob(MAIN.encode().replace(b"[utf8]{inputenc}", b"[utf8]{\n" * 300)))  # OSError: file name too long
def test_mutated_main_file(tmp_path, split, raw):
    records, counts = convert(write_book(tmp_path, raw), split=split)
    check(records, counts)


@given(raw=mutated(CHAPTER.encode(), LATEX_TOKENS, LATEX_NESTS))
def test_mutated_input_file(tmp_path, raw):
    records, counts = convert(write_book(tmp_path, MAIN.encode(), raw), split="section")
    check(records, counts)


@given(raw=mutated(MAIN.encode(), LATEX_TOKENS, LATEX_NESTS), expand=st.booleans())
def test_mutated_book_without_macro_expansion(tmp_path, raw, expand):
    records, counts = convert(write_book(tmp_path, raw), split="chapter", expand_macros=expand)
    check(records, counts)


@given(
    raw=mutated(TEXT_BOOK.encode(), TEXT_TOKENS, [(b"#", b""), (b"$", b"$")]),
    split=st.sampled_from(["chapter", "section", "file"]),
)
def test_mutated_text_book(tmp_path, raw, split):
    path = tmp_path / "book.md"
    path.write_bytes(raw)
    records, counts = run_item(
        "books:book_text", convert_book, path, "book_text", BookSettings(split=split), "b.md", nbytes=len(raw)
    )
    check(records, counts, latex=False)


# ------------------------------------------------------------------------------------------------ no silent loss

FORMULA = st.text("abcxyz0123456789+-=^_()|,.<>", min_size=1, max_size=20).map(str.strip).filter(bool)


@given(formulas=st.lists(FORMULA, min_size=1, max_size=5), display=st.booleans())
def test_a_planted_formula_comes_out_verbatim(tmp_path, formulas, display):
    delim = ("\\[", "\\]") if display else ("$", "$")
    planted = " and ".join(f"{delim[0]}{f}{delim[1]}" for f in formulas)
    main = MAIN.replace("Final text.", f"Final text with {planted}.")
    records, counts = convert(write_book(tmp_path, main.encode()), split="chapter")
    text = "\n".join(r["text"] for r in records)
    for f in formulas:
        assert f"{delim[0]}{f}{delim[1]}" in text, (f, text)


# ------------------------------------------------------------------------------------------------ regressions


def test_regression_deep_braces_skip_the_book_and_count_it(tmp_path):
    main = MAIN.replace("A vector", "{" * DEEP + "x" + "}" * DEEP + " A vector")
    records, counts = convert(write_book(tmp_path, main.encode()))
    assert records == [] and counts["skipped_too_deeply_nested"] == 1


def test_regression_source_markers_are_not_read_as_formulas(tmp_path):
    # past the first 8 KB (where NUL bytes mean "binary"), `\x00N\x00` was formula N: an IndexError or a wrong formula
    main = MAIN.replace("A vector", "word " * 2000 + "\x000\x00 \x0099\x00 A vector")
    records, counts = convert(write_book(tmp_path, main.encode()))
    check(records, counts)
    assert "A vector $v \\in \\mathbb{R}^n$" in "\n".join(r["text"] for r in records)


def test_regression_self_doubling_macro_stays_within_the_limit(tmp_path):
    main = MAIN.replace("\\begin{document}", "\\newcommand{\\a}{\\a\\a}\n\\begin{document}\\a")
    records, counts = convert(write_book(tmp_path, main.encode()))
    assert counts["macros_not_expanded"] > 0 and counts["macros_expanded"] < 25_000


@pytest.mark.parametrize(
    "name, raw",
    [
        ("spaces.tex", MAIN.replace("A vector", " " * 1_000_000 + "A vector")),  # layout(): PARA from every space
        ("usepackage.tex", MAIN.replace("\\usepackage[utf8]", "\\usepackage[" * 16_000)),  # INPUTENC per `[`
        ("docclass.tex", MAIN.replace("\\documentclass{book}", "\\documentclass[\n" * 20_000)),
        ("brackets.md", TEXT_BOOK + "\\[\n" * 100_000),  # every open `\\[` scanned to the end of the book
        ("fences.md", TEXT_BOOK + "```x\n" * 50_000),  # every open code fence likewise
        ("word.md", TEXT_BOOK + "a" * 1_000_000 + "\n"),  # HYPHEN_BREAK from every letter of a long word
        ("heading.md", "# " + " " * 200_000 + "x\n" + TEXT_BOOK),  # MD_HEADING over a long run of spaces
    ],
    ids=[
        "latex_spaces",
        "latex_usepackage",
        "latex_documentclass",
        "text_brackets",
        "text_fences",
        "text_word",
        "text_heading",
    ],
)
def test_regression_quadratic_books_convert_within_the_limit(tmp_path, name, raw):
    if name.endswith(".tex"):
        records, counts = convert(write_book(tmp_path, raw.encode()))
    else:
        path = tmp_path / name
        path.write_text(raw)
        records, counts = run_item("books:book_text", convert_book, path, "book_text", BookSettings(), name)
    check(records, counts, latex=name.endswith(".tex"))
