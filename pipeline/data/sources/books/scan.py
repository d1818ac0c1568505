"""LaTeX sources → tokens: decoding, comment removal, a brace-aware tokenizer and an input-following token stream.

    mathcpt books book/main.tex -o book.jsonl        # the converter (pipeline.data.sources.books.latex) reads through this

The scanner does what TeX's eyes and mouth do before any macro is looked at, so that the converter never runs a
regex over a whole file:

* **decoding** — `read_source` applies the crawl rules of pipeline.data.sources.html_input (`decode_page`): a file over
  `max_bytes`, one with a binary signature or NUL bytes, or one no charset decodes is not read, and the reason is
  returned for counting;
* **comments** — `strip_comments` removes `%` to the end of the line the way TeX does: a line that is only a
  comment disappears with its line break, a comment after text also eats the line break and the next line's
  indentation (so `word%` glues to what follows), except before a blank line, which still ends the paragraph.
  `\\%` is a percent sign, `\\\\%` is a line break followed by a comment; `verbatim`-like environments and `\\verb`
  keep their `%`; a `comment` environment is dropped whole;
* **tokens** — control words (`\\name`, with a directly following `*`), control symbols (`\\%`, `\\\\`, `\\[`),
  `{`, `}`, `$`, `$$`, `[`, `]`, `&`, and runs of other text. Joining the tokens' text gives back the file
  (after comment removal), which is how the converter keeps formulas verbatim;
* **stream** — `TokenStream` is a stack of files: the converter pushes an `\\input` target and reads on; when a file
  ends the stream yields an `eof` token carrying that file's depth, so a group or environment left open inside one
  file is closed there (and counted) instead of swallowing the rest of the book.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.data.sources.html_input import decode_page

# Token kinds (tuples (kind, text, file id, extra) — extra is the macro-expansion depth, or a file's stack depth for
# an eof token). Plain tuples: a book is a few hundred thousand tokens.
CS, TEXT, BGROUP, EGROUP, MATH, DMATH, LBRACK, RBRACK, AMP, EOF = (
    "cs",
    "text",
    "{",
    "}",
    "$",
    "$$",
    "[",
    "]",
    "&",
    "eof",
)
Token = tuple

TOKEN_RE = re.compile(r"\\(?:[A-Za-z@]+\*?|.)|\$\$|[{}$\[\]&]|[^\\{}$\[\]&]+|\\", re.S)
_KINDS = {"{": BGROUP, "}": EGROUP, "$": MATH, "$$": DMATH, "[": LBRACK, "]": RBRACK, "&": AMP}
VERBATIM_ENVS = ("verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "alltt", "comment")
_VERB_BEGIN = re.compile(r"\\begin\s*\{(" + "|".join(re.escape(e) for e in VERBATIM_ENVS) + r")\}")
_INLINE_VERB = re.compile(r"\\verb\*?([^A-Za-z\s*])")


# Option lists are bounded: each unclosed `[` scanned to the end of the 200 KB head (quadratic, a hang on a file of
# `\\usepackage[` lines: tests/fuzz/test_fuzz_books.py).
INPUTENC = re.compile(rb"\\usepackage\s*\[([^\]]{0,500})\]\s*\{inputenc\}")
INPUTENC_CHARSETS = {
    "utf8": "utf-8",
    "utf8x": "utf-8",
    "latin1": "latin-1",
    "latin9": "iso8859-15",
    "latin2": "iso8859-2",
    "latin5": "iso8859-9",
    "ansinew": "cp1252",
    "cp1252": "cp1252",
    "cp1250": "cp1250",
    "cp850": "cp850",
    "cp437": "cp437",
    "applemac": "mac-roman",
    "koi8-r": "koi8-r",
}


def declared_charset(path: Path) -> str | None:
    """The encoding a LaTeX file declares with `\\usepackage[latin1]{inputenc}` (what TeX itself would use)."""
    try:
        with path.open("rb") as f:
            head = f.read(200_000)
    except OSError:
        return None
    m = INPUTENC.search(head)
    for option in m.group(1).decode("ascii", "ignore").split(",") if m else []:
        if option.strip().lower() in INPUTENC_CHARSETS:
            return INPUTENC_CHARSETS[option.strip().lower()]
    return None


def read_source(path: Path, max_bytes: int, charset: str | None = None) -> tuple[str | None, str | None]:
    """(text, None), or (None, reason) with reason one of too_large, binary, undecodable, unreadable.

    `charset` is the book's declared input encoding: it is tried before UTF-8 and detection (as a declared
    HTTP charset is for a page)."""
    try:
        if path.stat().st_size > max_bytes:
            return None, "too_large"  # decided before reading a multi-gigabyte file into memory
        raw = path.read_bytes()
    except OSError:
        return None, "unreadable"
    if not raw.strip():
        return "", None  # an empty \input file is legal LaTeX, not a skip
    page = decode_page(raw, f"text/x-tex; charset={charset}" if charset else None, max_bytes)
    if page.html is None:
        return None, page.reason
    return page.html.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), None


def _comment_start(line: str) -> int:
    """Index of the first `%` that starts a comment, or -1; `\\%` is escaped, `\\verb|..%..|` is literal."""
    start = 0
    while True:
        i = line.find("%", start)
        if i < 0:
            return -1
        j = i
        while j > 0 and line[j - 1] == "\\":
            j -= 1
        if (i - j) % 2 == 0 and not _inside_verb(line, i):
            return i
        start = i + 1


def _inside_verb(line: str, pos: int) -> bool:
    if "\\verb" not in line:
        return False
    for m in _INLINE_VERB.finditer(line):
        if m.start() >= pos:
            return False
        end = line.find(m.group(1), m.end())
        if end < 0 or pos < end:
            return True  # inside `\verb|...|` (or a runaway one, literal to the end of the line)
    return False


def strip_comments(text: str) -> str:
    out: list[str] = []
    joining = False  # the previous line ended in a comment: TeX ate its line break
    verbatim_end: str | None = None
    lines = text.split("\n")
    final_newline = lines[-1] == ""
    if final_newline:
        lines.pop()  # "a\nb\n" is two lines, not three
    for line in lines:
        if verbatim_end is not None:
            if verbatim_end in line:
                verbatim_end = None
            out.append(line + "\n")
            continue
        if joining:
            if not line.strip():
                out.append("\n\n")  # a blank line after `text%` still ends the paragraph
                joining = False
                continue
            line = line.lstrip(" \t")
        m = _VERB_BEGIN.search(line) if "\\begin" in line else None
        if m and _comment_start(line[: m.start()]) < 0:
            verbatim_end = "\\end{" + m.group(1) + "}"
            if verbatim_end in line[m.end() :]:
                verbatim_end = None
            out.append(line + "\n")
            joining = False
            continue
        i = _comment_start(line) if "%" in line else -1
        if i < 0:
            out.append(line + "\n")
            joining = False
        elif not line[:i].strip():
            continue  # a whole-line comment vanishes with its line break
        else:
            out.append(line[:i])
            joining = True
    result = "".join(out)
    if not final_newline and result.endswith("\n"):
        result = result[:-1]
    return _drop_comment_envs(result)


def _drop_comment_envs(text: str) -> str:
    if "\\begin{comment}" not in text:
        return text
    return re.sub(r"\\begin\{comment\}.*?(?:\\end\{comment\}[ \t]*\n?|\Z)", "", text, flags=re.S)


def tokenize(text: str, fid: int = 0, depth: int = 0) -> list[Token]:
    kinds = _KINDS
    return [
        (kinds.get(s) or (CS if s[0] == "\\" and len(s) > 1 else TEXT), s, fid, depth) for s in TOKEN_RE.findall(text)
    ]


def raw(tokens: list[Token]) -> str:
    return "".join(t[1] for t in tokens)


@dataclass
class _Frame:
    tokens: list[Token]
    fid: int  # -1: tokens that were pushed back, parked under a newly included file (no eof, no file)
    pos: int = 0


@dataclass
class TokenStream:
    """Tokens of the book in reading order; `include` continues in another file until it ends."""

    frames: list[_Frame] = field(default_factory=list)
    pending: list[Token] = field(default_factory=list)  # pushed back, last item is the next token

    def include(self, tokens: list[Token], fid: int) -> None:
        if self.pending:
            # `\textbf{\input{x}}`: what was pushed back (the rest of the argument) comes after the file
            self.frames.append(_Frame(self.pending[::-1], -1))
            self.pending = []
        self.frames.append(_Frame(tokens, fid))

    @property
    def depth(self) -> int:
        return len(self.frames)

    def active_files(self) -> list[int]:
        return [f.fid for f in self.frames if f.fid >= 0]

    def next(self) -> Token | None:
        if self.pending:
            return self.pending.pop()
        while self.frames:
            f = self.frames[-1]
            if f.pos < len(f.tokens):
                f.pos += 1
                return f.tokens[f.pos - 1]
            depth = len(self.frames)
            self.frames.pop()
            if f.fid >= 0:
                return (EOF, "", f.fid, depth)
        return None

    def peek(self) -> Token | None:
        t = self.next()
        if t is not None:
            self.pending.append(t)
        return t

    def push(self, tokens: list[Token]) -> None:
        """Put tokens back so that tokens[0] is read next."""
        self.pending.extend(reversed(tokens))

    def drop_current_file(self) -> None:
        """The rest of the innermost file is not read (a subfile's `\\end{document}`)."""
        self.pending.clear()
        if self.frames:
            f = self.frames[-1]
            f.pos = len(f.tokens)


MAIN_FILE_RE = re.compile(r"^[ \t]*\\documentclass\s*(\[[^\]]{0,500}\])?\s*\{([^}]{0,200})\}", re.M)


def document_class(stripped: str) -> str | None:
    """The class of a LaTeX source with a preamble (`\\documentclass{..}` and `\\begin{document}`), comments already
    stripped; None for a fragment."""
    m = MAIN_FILE_RE.search(stripped)
    return m.group(2).strip() if m and "\\begin{document}" in stripped else None


def is_main_file(path: Path, max_bytes: int = 8_000_000) -> bool:
    """A top-level LaTeX file: `\\documentclass` (not subfiles/standalone) and `\\begin{document}`."""
    text, _ = read_source(path, max_bytes)
    if not text:
        return False
    return document_class(strip_comments(text)) not in (None, "subfiles", "standalone")


def find_main_files(folder: Path, max_bytes: int = 8_000_000) -> list[Path]:
    return sorted(p for p in folder.rglob("*.tex") if p.is_file() and is_main_file(p, max_bytes))
