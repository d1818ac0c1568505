"""Books as documents: LaTeX sources (`format: latex`) and Markdown / plain-text books (`format: book_text`).

    mathcpt books book/main.tex notes.md -o books.jsonl --split section
    mathcpt data RECIPE.yaml          # a source with `format: latex` or `book_text` reads through `convert_book`

`convert_book` turns one book into Document-shaped records (`{"id", "text", "metadata"}`), one per chapter,
section or book (`split`), and a Counter of what happened on the way: `skipped_<reason>` for every file or input
that was not read (missing_input, binary, too_large, undecodable, unreadable, input_cycle) and counters such as
`unbalanced_fixed`, `macros_expanded`, `pictures_dropped`, `furniture_lines_dropped`. Record ids are the
top-level file as given plus the section path (`book/main.tex#4/4.2`). The LaTeX converter is
pipeline.data.books.latex, the text one pipeline.data.books.text.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipeline.config import BookSettings
from pipeline.data.books.latex import convert_latex
from pipeline.data.books.scan import find_main_files, is_main_file
from pipeline.data.books.text import convert_text_book

TEXT_SUFFIXES = (".md", ".markdown", ".mdown", ".txt", ".text")
# Counters (not skips) a book source reports; the data report lists them next to its skip reasons.
BOOK_COUNTERS = (
    "unbalanced_fixed",
    "macros_expanded",
    "pictures_dropped",
    "furniture_lines_dropped",
    "hyphenations_joined",
)

__all__ = ["BOOK_COUNTERS", "TEXT_SUFFIXES", "convert_book", "find_main_files", "is_main_file"]


def convert_book(
    path: Path, fmt: str, settings: BookSettings | None = None, given: str | None = None
) -> tuple[list[dict], Counter]:
    """One book (a top-level .tex file, or a Markdown / text file) → (records, counts by reason)."""
    s = settings or BookSettings()
    if fmt == "latex":
        records, counts, _ = convert_latex(path, s.split, s.expand_macros, s.max_file_bytes, given)
        return records, counts
    if fmt in ("book_text", "text"):
        return convert_text_book(path, s.split, s.max_file_bytes, given)
    raise ValueError(f"unknown book format {fmt!r} (latex or book_text)")
