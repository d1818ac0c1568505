"""Book documents as records: one id scheme and one metadata schema for LaTeX and text books.

    docs = BookDocuments("book/main.tex", "latex")
    docs.add("4/4.2", text, title="Eigenvalues", level="section", chapter="4", section="4.2", source_files=[...])
    docs.records   # [{"id": "book/main.tex#4/4.2", "text": ..., "metadata": {...}}]

Ids are the book as given plus the section path; a path seen again (two unnumbered sections with one title) gets
`-2`, `-3`, so ids stay unique within a book.
"""

from __future__ import annotations

from collections import Counter


class BookDocuments:
    def __init__(self, given: str, book_format: str):
        self.given, self.book_format = given, book_format
        self.seen: Counter = Counter()
        self.records: list[dict] = []

    def add(
        self,
        path: str,
        text: str,
        *,
        title: str,
        level: str,
        chapter: str | None,
        chapter_title: str | None,
        section: str | None,
        source_files: list[str],
        macros_expanded: int = 0,
        unbalanced_fixed: int = 0,
        missing_inputs: list[str] | None = None,
        **extra,
    ) -> None:
        """One document; `extra` holds format-specific counters (furniture lines dropped, hyphenations joined)."""
        self.seen[path] += 1
        if self.seen[path] > 1:
            path = f"{path}-{self.seen[path]}"
        meta = {
            "title": title,
            "level": level,
            "chapter": chapter,
            "chapter_title": chapter_title or None,
            "section": section,
            "source_files": source_files,
            "macros_expanded": macros_expanded,
            "unbalanced_fixed": unbalanced_fixed,
            "missing_inputs": missing_inputs or [],
            **extra,
            "book": self.given,
            "book_format": self.book_format,
        }
        self.records.append({"id": f"{self.given}#{path}" if path else self.given, "text": text, "metadata": meta})
