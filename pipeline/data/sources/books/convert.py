"""One book → records (`convert_book`), and many inputs → one JSONL file (`books_to_jsonl`, `mathcpt books`).

    mathcpt books ../shared/books/linear-algebra-first-course/baseText/LinearAlgebra.tex -o la.jsonl --split section
    mathcpt books notes/ pdf-text/book.txt -o books.jsonl --format text

An input is a top-level .tex file, a Markdown/text file, or a folder: its top-level .tex files (`\\documentclass` +
`\\begin{document}`) are books, or, when it has none (or with `--format text`), its .md/.txt files are. `id` is
the book's path as given (a folder as given joined with the file's path inside it) plus `#` and the section path.
An input that does not exist is an error before anything is written; inside a book, what cannot be read is
skipped, counted per reason and printed; the output appears only when complete.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from pipeline.config.formats import BookSettings
from pipeline.data.sources.books.latex import convert_latex
from pipeline.data.sources.books.scan import find_main_files, is_main_file
from pipeline.data.sources.books.text import convert_text_book
from pipeline.errors import DataError, require_inputs
from pipeline.shared.atomic import atomic_open

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


def book_inputs(inputs: list[str], fmt: str | None, max_file_bytes: int) -> list[tuple[Path, str, str]]:
    """(path, format, id prefix) of every book in the inputs, in the order given (folders sorted)."""
    require_inputs(inputs)
    books = []
    for given in inputs:
        path = Path(given)
        if path.is_file():
            books.append((path, fmt or ("latex" if path.suffix.lower() == ".tex" else "book_text"), given))
            continue
        mains = [] if fmt == "book_text" else find_main_files(path, max_file_bytes)
        if mains:
            found = [(p, "latex") for p in mains]
        elif fmt == "latex":
            raise DataError(f"{given}: no top-level .tex file (one with \\documentclass and \\begin{{document}})")
        else:
            found = [
                (p, "book_text") for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
            ]
            if not found:
                raise DataError(
                    f"{given}: no top-level .tex file and no Markdown or text file ({', '.join(TEXT_SUFFIXES)})"
                )
        books += [(p, f, os.path.join(given, str(p.relative_to(path)))) for p, f in found]
    return books


def books_to_jsonl(inputs: list[str], output: str, fmt: str | None, settings: BookSettings) -> dict:
    """Convert every book into `output`; returns {"books", "written", "skipped": {reason: n}, "counted": {..}}."""
    books = book_inputs(inputs, fmt, settings.max_file_bytes)
    written, counts = 0, Counter()
    with atomic_open(output) as f:
        for path, book_format, given in books:
            records, book_counts = convert_book(path, book_format, settings, given)
            counts.update(book_counts)
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += len(records)
    skipped = {k.removeprefix("skipped_"): v for k, v in sorted(counts.items()) if k.startswith("skipped_") and v}
    counted = {k: v for k, v in sorted(counts.items()) if not k.startswith("skipped_") and v}
    return {"books": len(books), "written": written, "skipped": skipped, "counted": counted}
