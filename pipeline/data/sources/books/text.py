"""Markdown and plain-text books (for example text extracted from PDFs) → documents per chapter or section.

    mathcpt books notes.md scanned-book.txt -o books.jsonl --format text --split section

Text extracted from a PDF carries the page layout with it. Three repairs, none of which touches a formula
(`$..$`, `\\[..\\]`, math environments: BOOK_MATH_SPANS) or a fenced code block:

* **page furniture** — pages are the form-feed separated parts of the file or, without form feeds, inferred
  from a run of bare page-number lines (12, 13, 14, ...). One of the first two or last two lines of a page is a
  running head or foot when, with its digits masked, it recurs at the same edge on at least three pages (and a
  fifth of all pages); bare page numbers (`12`, `- 12 -`, `Page 12 of 300`, roman numerals) there always are.
  They are dropped and counted (`furniture_lines_dropped`);
* **hyphenation** — `com-\\npute` at a line end becomes `compute`, unless the book writes the hyphenated form
  elsewhere and never the joined one (`well-\\nknown` stays `well-known`); counted (`hyphenations_joined`);
* blank-line runs are collapsed; LaTeX is kept as it is.

Headings split the book: Markdown `#` headings (the shallowest level used is the chapter level, the next one
the section level), or in plain text lines such as `Chapter 3 ...` (chapter) and `3.2 Title` (section).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from loguru import logger

from pipeline.data.sources.books.markup import slug
from pipeline.data.sources.books.records import BookDocuments
from pipeline.data.sources.books.scan import read_source

# A fence left open runs to the end of the book, as in CommonMark (and each open one no longer scans to the end
# again: quadratic, tests/fuzz/test_fuzz_books.py).
FENCE = re.compile(r"^(```|~~~).*?(?:^\1[ \t]*$|\Z)", re.M | re.S)
ROMAN = r"(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
PAGE_NUMBER = re.compile(
    r"^(?:[-–—(\[]\s*)?(?:page\s+)?(?:\d{1,4}|" + ROMAN + r")(?:\s+of\s+\d{1,4})?"
    r"(?:\s*[-–—)\]])?$",
    re.I,
)
BARE_NUMBER = re.compile(r"^[ \t]*(?:[-–—]\s*)?(\d{1,4})(?:\s*[-–—])?[ \t]*$")
HYPHEN_BREAK = re.compile(r"(?<![A-Za-z])([A-Za-z]{2,})-\n[ \t]*([a-z][A-Za-z]*)")  # whole words: linear
# Bounded: a heading line with 200,000 spaces in it took seconds per lazy step (tests/fuzz/test_fuzz_books.py).
MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.{1,300}?)[ \t]{0,300}#{0,300}[ \t]{0,300}$", re.M)
TEXT_CHAPTER = re.compile(r"^[ \t]*((?:chapter|CHAPTER|Chapter)[ \t]+(\d+|[IVXLC]+)\b.{0,100})$", re.M)
TEXT_SECTION = re.compile(r"^[ \t]*((\d+\.\d+)[ \t]+[A-Z][^\n]{0,100})$", re.M)
NUMBER_PREFIX = re.compile(r"^(?:chapter\s+|section\s+)?(\d+(?:\.\d+)*|[IVXLC]+)\b[.:]?\s*", re.I)
# pipeline.data.mathtext.MATH_SPANS, except that a `\\[`, `\\(` or math environment left open runs to the end of the
# book: there every open one scanned to the end again (quadratic; a book of `\\[` lines hung the reader,
# tests/fuzz/test_fuzz_books.py). Here a span only protects text from the furniture and hyphenation repairs.
BOOK_MATH_SPANS = re.compile(
    r"\$\$.+?\$\$|\\\[.+?(?:\\\]|\Z)|\\\(.+?(?:\\\)|\Z)|(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$|"
    r"\\begin\{(equation|align|gather|multline|eqnarray)\*?\}.+?(?:\\end\{\1\*?\}|\Z)",
    re.S,
)
EDGE_LINES = 2
MIN_REPEATS = 3


def _protected_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in FENCE.finditer(text)] + [m.span() for m in BOOK_MATH_SPANS.finditer(text)]
    return sorted(spans)


def _outside(text: str, fn) -> str:
    """Apply fn to the parts of text outside formulas and code fences."""
    out, pos = [], 0
    for start, end in _protected_spans(text):
        if start < pos:
            continue
        out += [fn(text[pos:start]), text[start:end]]
        pos = end
    out.append(fn(text[pos:]))
    return "".join(out)


def _pages(text: str) -> list[list[str]]:
    if "\f" in text:
        return [page.split("\n") for page in text.split("\f")]
    lines = text.split("\n")
    # Without form feeds, a rising run of bare numbers on their own lines marks where pages ended.
    numbered = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := BARE_NUMBER.match(line))]
    rising = sum(1 for (_, a), (_, b) in zip(numbered, numbered[1:]) if 0 < b - a <= 2)
    if len(numbered) < MIN_REPEATS or rising < 0.7 * (len(numbered) - 1):
        return [lines]
    pages, start = [], 0
    for i, _ in numbered:
        pages.append(lines[start : i + 1])
        start = i + 1
    pages.append(lines[start:])
    return pages


def _mask(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def _edges(page: list[str]) -> list[tuple[str, int]]:
    """("top" | "bottom", line index) of the first and last non-empty lines of a page."""
    filled = [i for i, line in enumerate(page) if line.strip()]
    top = filled[:EDGE_LINES]
    return [("top", i) for i in top] + [("bottom", i) for i in filled[-EDGE_LINES:] if i not in top]


def drop_page_furniture(text: str) -> tuple[str, int]:
    pages = _pages(text)
    if len(pages) < MIN_REPEATS:
        return text.replace("\f", "\n"), 0
    seen: Counter = Counter()
    for page in pages:
        seen.update({(edge, _mask(page[i])) for edge, i in _edges(page)})
    threshold = max(MIN_REPEATS, len(pages) // 5)
    dropped = 0
    kept_pages = []
    for page in pages:
        drop = set()
        edges = _edges(page)
        # from each edge inwards, stop at the first line that is text: furniture sits outside the text
        for side in (edges, edges[::-1]):
            for edge, i in side:
                line = page[i].strip()
                repeated = (
                    seen[edge, _mask(line)] >= threshold
                    and len(line) <= 80
                    and not line.endswith("-")
                    and "$" not in line
                    and "\\" not in line
                )
                if not (PAGE_NUMBER.match(line) or repeated):
                    break
                drop.add(i)
        dropped += len(drop)
        # blank lines around the dropped furniture go too, so a word hyphenated across pages can be joined
        kept_pages.append("\n".join(line for i, line in enumerate(page) if i not in drop).strip("\n"))
    return "\n".join(kept_pages), dropped


def join_hyphenation(text: str) -> tuple[str, int]:
    words = set(re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text))
    joined = 0

    def repl(m: re.Match) -> str:
        nonlocal joined
        a, b = m.group(1), m.group(2)
        if f"{a}-{b}" in words and f"{a}{b}" not in words:
            return f"{a}-{b}"  # a compound the book also hyphenates mid-line
        joined += 1
        return a + b

    return _outside(text, lambda part: HYPHEN_BREAK.sub(repl, part)), joined


def clean_book_text(text: str) -> tuple[str, Counter]:
    counts: Counter = Counter()
    text, counts["furniture_lines_dropped"] = drop_page_furniture(text)
    text, counts["hyphenations_joined"] = join_hyphenation(text)
    text = re.sub(r"(?<![ \t])[ \t]+\n", "\n", text)  # from where a run of spaces starts: linear
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), counts


def _headings(text: str) -> list[tuple[int, int, str]]:
    """(position, level: 1 chapter / 2 section, heading text) outside code fences."""
    fences = [m.span() for m in FENCE.finditer(text)]

    def in_fence(pos: int) -> bool:
        return any(a <= pos < b for a, b in fences)

    md = [(m.start(), len(m.group(1)), m.group(2)) for m in MD_HEADING.finditer(text) if not in_fence(m.start())]
    if md:
        top = min(level for _, level, _ in md)
        return [(pos, level - top + 1, title) for pos, level, title in md if level - top + 1 <= 2]
    found = [(m.start(), 1, m.group(1).strip()) for m in TEXT_CHAPTER.finditer(text)]
    found += [(m.start(), 2, m.group(1).strip()) for m in TEXT_SECTION.finditer(text)]
    return sorted(found)


def _number(title: str) -> str | None:
    m = NUMBER_PREFIX.match(title)
    return m.group(1) if m else None


def convert_text_book(
    path: Path, split: str = "chapter", max_file_bytes: int = 8_000_000, given: str | None = None
) -> tuple[list[dict], Counter]:
    """One Markdown or plain-text book → (records, counts by reason)."""
    given = given or str(path)
    counts: Counter = Counter()
    raw, reason = read_source(path, max_file_bytes)
    if raw is None:
        counts[f"skipped_{reason}"] += 1
        logger.warning(f"{given}: skipped ({reason})")
        return [], counts
    text, cleaned = clean_book_text(raw)
    counts.update({k: v for k, v in cleaned.items() if v})
    cuts = [] if split == "file" else [h for h in _headings(text) if h[1] <= (1 if split == "chapter" else 2)]
    bounds = [(0, 0, "")] + cuts
    chapter, chapter_title, chapter_path, carry = None, "", "", ""
    docs = BookDocuments(given, "text")
    for i, (start, level, title) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(text)
        body = text[start:end].strip()
        number = _number(title) if title else None
        if level == 1:
            chapter, chapter_title = number, title
            chapter_path = number or slug(title)
        path_id = (
            ""
            if split == "file"
            else (
                "front"
                if level == 0
                else chapter_path
                if level == 1
                else f"{chapter_path}/{number or slug(title)}"
                if chapter_path
                else number or slug(title)
            )
        )
        if level != 2:
            carry = ""  # a chapter heading carries only into the chapter's first section
        if not body or (title and body.lstrip("#").strip() == title):
            carry = body + "\n\n" if level == 1 else carry  # a chapter heading opens its first section
            continue
        body, carry = carry + body, ""
        docs.add(
            path_id,
            body,
            title=title or path.stem,
            level={0: "front", 1: "chapter", 2: "section"}[level] if cuts else "book",
            chapter=chapter,
            chapter_title=chapter_title,
            section=number if level == 2 else None,
            source_files=[path.name],
            furniture_lines_dropped=cleaned["furniture_lines_dropped"],
            hyphenations_joined=cleaned["hyphenations_joined"],
        )
    return docs.records, counts
