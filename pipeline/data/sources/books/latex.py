"""A LaTeX book or paper → Markdown-style text with every formula verbatim, one document per chapter or section.

    mathcpt books book/main.tex -o book.jsonl --split section
    .venv/bin/python -m pytest tests/data/test_books.py -q

Written as a scanner over tokens (pipeline.data.sources.books.scan), not with whole-file regexes and not with pylatexenc:
the converter has to follow `\\input` mid-stream, expand the book's own macros, skip `\\iffalse`/`\\newif` branches
and close what a broken file leaves open, which a tree built up front cannot do; and a formula has to come out
as the exact characters of the source, which joining the tokens' text gives for free. What it does:

* **structure** — the preamble is read for definitions only; `\\input`/`\\include`/`\\subfile`/`\\import` are
  followed from the top-level file (a missing, binary, huge or undecodable target is warned about, counted and
  skipped; paths outside the book's folder are not read); `\\chapter`/`\\section`/... become numbered `#`
  headings, and `split` starts a new document at each chapter (`chapter`), each chapter and section (`section`)
  or never (`file`). A heading with nothing under it moves into the next document;
* **math** — `$..$`, `$$..$$`, `\\(..\\)`, `\\[..\\]` and the math environments (equation, align, gather, multline,
  eqnarray, ... starred or not) come out verbatim, except that user macros in them are expanded, `\\index` is
  removed and a `\\label` in a numbered environment becomes `\\tag{N}` (so `\\eqref` reads "(N)"); a display
  that holds a picture (tikzpicture) is drawing code and is dropped;
* **blocks** — theorem-like and example environments (theorem, lemma, definition, example, exercise, proof, ...,
  their abbreviations, and anything declared with `\\newtheorem`) become paragraphs headed
  `**Definition 4.2 (Title).**`. The title is the `[..]` argument, or, for environments whose style file is not
  in the sources, a leading `{Title}` group followed by an optional `{label}` group (a common book-class idiom);
  numbers run per chapter, exercises on their own counter, and `\\ref`/`\\eqref`/`\\cref` to a known label
  become that number;
* **noise** — comments, `\\label`, `\\index` (and index-like `\\...index` macros), `\\cite`, layout commands,
  pictures, `\\includegraphics`, the bibliography and page furniture are dropped; float wrappers go but their
  caption stays as `Figure N: caption` and tables keep their rows (`a | b | c`); lists become `-`/`1.` items;
  `\\textbf`/`\\emph`/`\\texttt` become Markdown emphasis and code;
* **macros** — `\\newcommand`/`\\renewcommand`/`\\providecommand` (with `[n]` arguments and an optional default),
  `\\def\\name#1#2{..}` and `\\DeclareMathOperator` found in the sources (also in a local `.sty` the preamble
  loads) are expanded in prose and math when `expand_macros` is on; delimited parameters and definitions that
  define things are not "simple" and stay as written. Unknown macros and environments pass through: a macro
  with its arguments verbatim, an environment's content without its wrapper;
* **errors** — an unbalanced `}` or `\\end`, a group or environment left open at the end of its file, and inline
  math cut by a blank line are repaired where they stand and counted (`unbalanced_fixed`), never fatal.

Layout: this module holds the main loop, commands, headings and documents; argument reading (args.py), the
book's definitions and conditionals (macros.py), formulas (formulas.py) and environments (environments.py) are
mixins of LatexBook; markup.py has the text markers, commands.py the tables of known commands. Measured on a real
1.6 MB textbook by tests/benchmarks/bench_books.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

from loguru import logger

from pipeline.data.sources.books import commands as C
from pipeline.data.sources.books.args import ArgReader
from pipeline.data.sources.books.environments import Environments
from pipeline.data.sources.books.formulas import Formulas
from pipeline.data.sources.books.macros import Definitions
from pipeline.data.sources.books.markup import (
    ARTICLE_CLASSES,
    LAYOUT_MARKERS,
    MARKER_CHARS,
    MAX_INPUT_DEPTH,
    MAX_NESTING,
    PROTECTED,
    REF,
    STOP,
    WS,
    ListState,
    Macro,
    Unit,
    alph,
    layout,
    roman,
    slug,
)
from pipeline.data.sources.books.records import BookDocuments
from pipeline.data.sources.books.scan import (
    AMP,
    BGROUP,
    CS,
    DMATH,
    EGROUP,
    EOF,
    LBRACK,
    MATH,
    RBRACK,
    TEXT,
    TokenStream,
    declared_charset,
    document_class,
    raw,
    read_source,
    strip_comments,
    tokenize,
)

LOGGED_REPAIRS = 100


def _existing_file(path: Path) -> Path | None:
    """The resolved path when it is a file; None also for a name the OS refuses (too long, found by
    tests/fuzz/test_fuzz_books.py: an unclosed `\\usepackage{` took the rest of the preamble as a package name)."""
    try:
        path = path.resolve()
        return path if path.is_file() else None
    except (OSError, ValueError):
        return None


class TooDeeplyNested(Exception):
    """Groups or environments nested past MAX_NESTING: the book is skipped and counted."""


class LatexBook(ArgReader, Definitions, Formulas, Environments):
    """Converts one top-level file (and everything it inputs) into Units; `run()` returns the documents."""

    def __init__(
        self,
        main: Path,
        split: str = "chapter",
        expand_macros: bool = True,
        max_file_bytes: int = 8_000_000,
        given: str | None = None,
    ):
        self.main = main
        self.root = main.parent.resolve()
        self.split = split
        self.expand_macros = expand_macros
        self.max_file_bytes = max_file_bytes
        self.given = given or str(main)
        self.files: list[Path] = []
        self.stream = TokenStream()
        self.macros: dict[str, Macro] = {}
        self.all_macros: dict[str, Macro] = {}  # every definition met, whatever its scope (for measuring)
        self.scopes: list[list[tuple[str, Macro | None]]] = [[]]  # per open group: definitions to undo at its end
        self.blocks: dict[str, tuple[str, bool]] = dict(C.BLOCKS)
        self.declared_blocks: set[str] = set()
        self.newifs: dict[str, bool] = {}
        self.conds: list[str] = []  # open conditionals: "decided" (we are in its taken branch) or "kept" (both)
        self.labels: dict[str, tuple[str, str, str]] = {}  # key → (number, kind, title)
        # keys guessed from a block's `{label}` argument (`exa:key` for an example): an explicit \label wins
        self.guessed_labels: dict[str, tuple[str, str, str]] = {}
        self.current_label: tuple[str, str, str] = ("", "", "")
        self.protected: list[str] = []
        self.discard: list[str] = []
        self.sinks: list[list[str]] = []
        self.units: list[Unit] = []
        self.unit = Unit(path="" if split == "file" else "front", level="book" if split == "file" else "front")
        self.sec = [0] * 7
        self.appendix = False
        self.article = False
        self.block_n = 0
        self.exercise_n = 0
        self.equation_n = 0
        self.float_n: Counter = Counter()
        self.floats: list[tuple[str | None, str | None]] = []
        self.env_stack: list[str] = []
        self.lists: list[ListState] = []
        self.table_depth = 0
        self.preamble = False
        self.doc_title = ""
        self.counts: Counter = Counter()  # whole-book counters and skip reasons
        self.expansions = 0
        self.source_tokens = 0  # tokens of every file read (the macro expansion allowance grows with them)
        self.chapter_number: str | None = None
        self.chapter_title = ""
        self.chapter_path = ""
        self.charset: str | None = None
        self.section_number: str | None = None
        self._rel_cache: dict[Path, str] = {}
        self.nesting = 0  # parse() calls open inside each other

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n
        self.unit.counts[what] += n

    def fix(self, what: str) -> None:
        """An unbalanced brace or environment was repaired where it stood (logged for the first LOGGED_REPAIRS of a
        book: a file of a million stray `}` spent most of its time logging, tests/fuzz/test_fuzz_books.py)."""
        self.count("unbalanced_fixed")
        if self.counts["unbalanced_fixed"] <= LOGGED_REPAIRS:
            logger.debug(f"{self.given}: repaired {what}")

    def emit(self, s: str) -> None:
        self.sinks[-1].append(s)

    def protect(self, s: str) -> str:
        self.protected.append(s)
        return f"\x00{len(self.protected) - 1}\x00"

    def capture_tokens(self, tokens: list) -> str:
        """Convert a token list (an argument) on its own and return the marked-up text."""
        self.stream.push([*tokens, (STOP, "", 0, 0)])
        self.sinks.append([])
        self.parse(STOP)
        return "".join(self.sinks.pop())

    def render(self, s: str) -> str:
        return self.render_counted(s)[0]

    def render_counted(self, s: str) -> tuple[str, int]:
        """(final text, references left unresolved in it). Fragments are rendered more than once (titles, headings
        carried into the next document), so the count is added only for text that becomes a record."""
        unresolved = [0]
        s = REF.sub(lambda m: self._resolve_ref(m, unresolved), layout(s))
        return PROTECTED.sub(lambda m: self.protected[int(m.group(1))], s), unresolved[0]

    def render_inline(self, s: str) -> str:
        """Final single-line text of a fragment (for metadata)."""
        return LAYOUT_MARKERS.sub(" ", self.render(s)).strip()

    @staticmethod
    def inline(s: str) -> str:
        """A fragment on one line, formulas still as placeholders (for text that is emitted again)."""
        return WS.sub(" ", LAYOUT_MARKERS.sub(" ", s)).strip()

    def load(self, path: Path, from_file: str) -> bool:
        """Push a file onto the token stream; False (counted, warned) when it cannot be read."""
        rel = self._rel(path)
        if any(self.files[fid] == path for fid in self.stream.active_files()):
            self.count("skipped_input_cycle")
            logger.warning(f"{from_file}: {rel} includes itself, skipped")
            return False
        if self.stream.depth >= MAX_INPUT_DEPTH:
            self.count("skipped_input_too_deep")
            logger.warning(f"{from_file}: inputs nested deeper than {MAX_INPUT_DEPTH}, {rel} skipped")
            return False
        text, reason = read_source(path, self.max_file_bytes, self.charset)
        if text is None:
            self.count(f"skipped_{reason}")
            logger.warning(f"{from_file}: input {rel} skipped ({reason})")
            return False
        self.files.append(path)
        fid = len(self.files) - 1
        if rel not in self.unit.files:
            self.unit.files.append(rel)
        text = strip_comments(MARKER_CHARS.sub("", text))
        # The file's last line break and the one after `\\input{..}` are one space to TeX, not a blank line.
        tokens = tokenize(text[:-1] if text.endswith("\n") else text, fid)
        self.source_tokens += len(tokens)
        self.stream.include(tokens, fid)
        return True

    def _rel(self, path: Path) -> str:
        rel = self._rel_cache.get(path)
        if rel is None:
            try:
                rel = str(path.resolve().relative_to(self.root))
            except ValueError:
                rel = str(path)
            self._rel_cache[path] = rel
        return rel

    def _current_file(self) -> Path:
        active = self.stream.active_files()
        return self.files[active[-1]] if active else self.main

    def resolve_input(self, target: str, base_dir: Path | None = None) -> Path | None:
        """LaTeX's search: relative to the top-level file's folder, then the including file's; `.tex` added."""
        target = target.strip().strip('"')
        if not target or "\\" in target:
            return None  # `\input{\jobname-answers}`: a name computed at TeX run time
        bases = [base_dir] if base_dir else [self.root, self._current_file().parent]
        for base in bases:
            for cand in [target + ".tex", target] if not Path(target).suffix else [target, target + ".tex"]:
                p = _existing_file(base / cand)
                if p is not None:
                    if not p.is_relative_to(self.root):
                        logger.warning(f"{self.given}: input {target} is outside the book's folder, not read")
                        return None
                    return p
        return None

    def include(self, name: str) -> None:
        """\\input and friends: read the target name, then continue in that file."""
        here = self._rel(self._current_file())
        base_dir = None
        if name in ("import", "subimport", "includefrom", "subincludefrom", "inputfrom"):
            folder = raw(self.read_arg()).strip()
            cur = self._current_file().parent
            base_dir = (cur / folder) if name.startswith("sub") else (self.root / folder)
            target = raw(self.read_arg())
        else:
            target = self._input_name()
        path = self.resolve_input(target, base_dir)
        if path is None:
            self.count("skipped_missing_input")
            self.unit.missing_inputs.append(target.strip())
            logger.warning(f"{here}: \\{name}{{{target.strip()}}} not found, skipped")
            return
        if name == "include":
            self.emit("\x02")  # \include starts a new page
        self.load(path, here)

    def parse(self, stop: str | None = None) -> None:
        """Convert tokens into the current sink until `stop`: None (end of input), "}" (a group), "env"
        (the `\\end` of env_stack[-1]) or STOP (the end of a captured argument)."""
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                raise TooDeeplyNested(f"groups or environments nested deeper than {MAX_NESTING}")
            self._parse(stop)
        finally:
            self.nesting -= 1

    def _parse(self, stop: str | None) -> None:
        my_depth = self.stream.depth
        while True:
            t = self.stream.next()
            if t is None:
                if stop not in (None, STOP):
                    self.fix(f"unclosed {'group' if stop == '}' else self.env_stack[-1]}")
                return
            kind = t[0]
            if kind == TEXT:
                self.text(t[1])
            elif kind == CS:
                if self.command(t, stop) is None:  # the \end of the environment being parsed
                    return
            elif kind == BGROUP:
                self.group()
            elif kind == EGROUP:
                if stop == "}":
                    return
                self.fix("stray }")
            elif kind in (MATH, DMATH):
                self.inline_math(t)
            elif kind == AMP:
                self.emit("\x05" if self.table_depth else "&")
            elif kind in (LBRACK, RBRACK):
                self.text(t[1])
            elif kind == STOP:
                if stop != STOP:
                    self.stream.push([t])
                    self.fix("argument ended inside an environment or group")
                return
            elif kind == EOF:
                if stop not in (None, STOP) and t[3] <= my_depth:
                    self.stream.push([t])
                    self.fix(f"{'group' if stop == '}' else 'environment ' + self.env_stack[-1]} open at end of file")
                    return

    def group(self) -> None:
        self.env_stack.append("{")
        self.scopes.append([])
        self.parse("}")
        self.end_scope()
        self.env_stack.pop()

    def text(self, s: str) -> None:
        if "~" in s:
            s = s.replace("~", " ")
        if "`" in s or "''" in s:
            s = s.replace("``", "“").replace("''", "”").replace("`", "‘")
        self.emit(s)

    def command(self, t, stop: str | None) -> bool | None:
        """Handle one control sequence; None at the `\\end` of `stop`'s environment."""
        cs = t[1]
        name = cs[1:]
        if name == "begin":
            self.begin()
            return False
        if name == "end":
            return self.end(stop)
        if name in self.macros and self.expand_macros and self.expand(t):
            return False
        if name in C.INPUTS:
            self.include(name)
            return False
        if name in C.DEFINITIONS:
            self.define(name)
            return False
        if name == "ifthenelse":
            # `\ifthenelse{\equal{\jobname}{cover}}{A}{B}`: the condition cannot be decided without running TeX;
            # books use it for build variants, whose `else` is the ordinary build
            self.read_arg()
            self.read_arg()
            self.stream.push(self.read_arg())
            return False
        if name.startswith("if") and self.conditional(name):
            return False
        if name in ("else", "fi") and self.conds:
            if name == "fi":
                self.conds.pop()
            elif self.conds[-1] == "decided":
                self._skip_branch()
                self.conds.pop()
            return False
        if name.endswith(("true", "false")) and self._set_newif(name):
            return False
        base = name.rstrip("*")
        if base in C.SECTIONS:
            self.heading(base, name.endswith("*"))
            return False
        if name == "item":
            self.item()
            return False
        if name in C.REFS:
            key = raw(self.read_arg()).strip()
            self.emit(f"\x04{name.rstrip('*')}:{key}\x04")
            return False
        if name == "label":
            self.label(raw(self.read_arg()).strip())
            return False
        if name in ("caption", "captionof"):
            self.caption(name)
            return False
        if name in (
            "documentclass",
            "title",
            "maketitle",
            "appendix",
            "verb",
            "verb*",
            "url",
            "\\",
            "[",
            "(",
            "]",
            ")",
            "usepackage",
            "RequirePackage",
        ):
            self.special(name)
            return False
        if name in C.DROP:
            self.skip_args(C.DROP[name])
            return False
        if name in C.TEXT_ARG:
            self.text_arg(name)
            return False
        if cs in C.SYMBOLS:
            self.emit(C.SYMBOLS[cs])
            if name.isalpha():
                self._eat_empty_group()
            return False
        if name in C.ACCENTS:
            self.accent(name)
            return False
        if name.endswith("index") and name != "index":
            self.skip_args("om")  # \eindex, \myindex: index entries of a style file we do not have
            return False
        self.unknown(cs)
        return False

    def unknown(self, cs: str) -> None:
        """An unknown macro passes through verbatim with the arguments that directly follow it; a TeX
        assignment (`\\pdfpageheight=\\paperheight`, `\\parindent=0pt`) is layout and is dropped."""
        t = self.stream.peek()
        if t is not None and t[0] == TEXT and t[1].startswith("="):
            self.stream.next()
            value = t[1][1:].lstrip()
            if value:
                rest = re.match(r"\S*(.*)", value, re.S).group(1)
                if rest:
                    self.stream.push([(TEXT, rest, t[2], t[3])])
            else:
                self.stream.next()
            return
        if not self.preamble:
            self.count("unknown_macros")
        self.emit(cs)
        while True:
            t = self.stream.peek()
            if t is None:
                return
            if t[0] == BGROUP:
                self.stream.next()
                self.emit("{" + self.capture_tokens(self._group_tokens()) + "}")
            elif t[0] == LBRACK:
                self.emit("[" + self.capture_tokens(self.read_optional() or []) + "]")
            else:
                return

    def _eat_empty_group(self) -> None:
        """`\\LaTeX{}`: an empty group after a text symbol only ends the control word."""
        t = self.stream.next()
        if t is None:
            return
        if t[0] == BGROUP:
            u = self.stream.next()
            if u is not None and u[0] == EGROUP:
                return
            self.stream.push([t] + ([u] if u is not None else []))
            return
        self.stream.push([t])

    def special(self, name: str) -> None:
        if name == "documentclass":
            opts, cls = self.read_optional(), raw(self.read_arg()).strip()
            del opts
            if self.sinks and self.sinks[-1] is not self.discard and not self.preamble:
                self._skip_subfile_preamble()
                return
            self.article = cls in ARTICLE_CLASSES
            self.preamble = True
        elif name == "title":
            self.read_optional()
            self.doc_title = self.capture_tokens(self.read_arg())
        elif name == "maketitle":
            if self.doc_title:
                self.emit(f"\x02# {self.doc_title}\x02")
        elif name == "appendix":
            self.appendix = True
            self.sec[1 if not self.article else 2] = 0
        elif name in ("verb", "verb*"):
            self.verb()
        elif name == "url":
            self.emit(self.protect(raw(self.read_arg())))
        elif name == "\\":
            t = self.stream.peek()
            if t is not None and t[0] == TEXT and t[1].startswith("*"):  # `\\*`: a break without a page break
                self.stream.next()
                if t[1][1:]:
                    self.stream.push([(TEXT, t[1][1:], t[2], t[3])])
            self.read_optional(same_line=True)
            self.emit("\x06" if self.table_depth else "\x01")
        elif name in ("usepackage", "RequirePackage"):
            self.read_optional()
            for package in raw(self.read_arg()).split(","):
                sty = self.root / f"{package.strip()}.sty"
                if self.preamble and package.strip() and _existing_file(sty) is not None:
                    self.load(sty, self._rel(self._current_file()))  # the book's own style: its definitions
        elif name in ("[", "("):
            self.delimited_math(name)
        else:  # a stray \] or \)
            self.fix(f"stray \\{name}")

    def _skip_subfile_preamble(self) -> None:
        """A \\subfile target is a whole document: skip its preamble up to its \\begin{document}."""
        while True:
            t = self.stream.next()
            if t is None or t[0] == EOF:
                if t is not None:
                    self.stream.push([t])
                return
            if t[0] == CS and t[1] == "\\begin":
                name, _ = self._env_name()
                if name == "document":
                    return

    def verb(self) -> None:
        t = self.stream.next()
        if t is None or t[0] == EOF:
            if t is not None:
                self.stream.push([t])
            return
        s = t[1]
        delim, rest = s[0], s[1:]
        while delim not in rest and "\n" not in rest:
            u = self.stream.next()
            if u is None or u[0] == EOF:
                if u is not None:
                    self.stream.push([u])
                break
            rest += u[1]
        content, _, after = rest.partition(delim)
        if after:
            self.stream.push([(TEXT, after, t[2], t[3])])
        self.emit(self.protect(f"`{content}`"))

    def accent(self, name: str) -> None:
        t = self.stream.next()
        if t is None:
            return
        if t[0] == BGROUP:
            base = raw(self._group_tokens())
        elif t[0] == TEXT:
            s = t[1]
            if name.isalpha():  # `\c c`: a control word's argument comes after its space
                s = s.lstrip()
            base, rest = s[:1], s[1:]
            if rest:
                self.stream.push([(TEXT, rest, t[2], t[3])])
        elif t[0] == CS and t[1] in ("\\i", "\\j"):
            base = t[1][1]
        else:
            self.stream.push([t])
            base = ""
        base = base.replace("\\i", "i").replace("\\j", "j")
        self.emit(unicodedata.normalize("NFC", base + C.ACCENTS[name]) if base else "")

    def text_arg(self, name: str) -> None:
        args = [a for a, kind in zip(self.skip_args(C.TEXT_ARG[name]), C.TEXT_ARG[name]) if kind == "m"]
        if not args:
            return
        tokens = args[0] if name in C.FIRST_ARG else args[-1]
        if name == "ensuremath":
            self.emit(self.protect("$" + raw(tokens) + "$"))
            return
        inner = self.capture_tokens(tokens)
        left, right = C.TEXT_MARKUP.get(name, ("", ""))
        if left and (not inner.strip() or "\x01" in inner or "\x02" in inner):
            left = right = " " if name in ("footnote", "footnotetext", "marginpar") and inner.strip() else ""
        if left in ("*", "**", "`"):
            lead, core, trail = re.match(r"(\s*)(.*?)(\s*)$", inner, re.S).groups()
            self.emit(f"{lead}{left}{core}{right}{trail}")
        else:
            self.emit(f"{left}{inner}{right}")

    def _numbered(self, n: int) -> str:
        chapter = self.chapter_number if not self.article else None
        return f"{chapter}.{n}" if chapter else str(n)

    def heading(self, base: str, star: bool) -> None:
        level = C.SECTIONS[base]
        self.read_optional()
        before = Counter(self.unit.counts)
        title = self.capture_tokens(self.read_arg())
        if self.preamble:
            return
        top = 2 if self.article else 1  # the document's top sectioning level: chapter in books, section in articles
        number = None
        if not star and (level == 0 or top <= level <= top + 2):  # LaTeX's default secnumdepth
            self.sec[level] += 1
            for deeper in range(level + 1, 7):
                self.sec[deeper] = 0
            number = self._section_number(level, top)
        if level <= top:
            self.block_n = self.exercise_n = self.equation_n = 0
            self.float_n.clear()
        split_at = {"chapter": top, "section": top + 1, "file": -1}[self.split]
        title_text = self.render_inline(title)
        if level <= top:
            self.chapter_number = number if level == top else None
            self.chapter_title = title_text if level == top else ""
            self.chapter_path = number or slug(title_text)
            self.section_number = None
        elif level == top + 1 and number:
            self.section_number = number
        hl = max(1, level - top + 1)
        if level >= 5:
            self.emit(f"\x02**{self.inline(title)}.** ")
        else:
            line = "#" * hl + " " + (f"{number} " if number else "") + self.inline(title)
            if level <= split_at and len(self.sinks) == 1:
                # an unnumbered section (`\\section*{Exercises}`) is named after the numbered one it follows
                name = number or "-".join(filter(None, [self.section_number, slug(title_text)]))
                path = self.chapter_path if level <= top else f"{self.chapter_path}/{name}"
                in_title = self.unit.counts - before  # what converting the title counted belongs to its unit
                self.unit.counts.subtract(in_title)
                self.start_unit(path, "chapter" if level <= top else "section", number, title_text)
                self.unit.counts.update(in_title)
                self.unit.heading_only = line
            self.emit(f"\x02{line}\x02")
        self.current_label = (number or "", "Chapter" if level == top else "Section", title_text)

    def _section_number(self, level: int, top: int) -> str:
        if level == 0:
            return roman(self.sec[0]).upper()
        nums = self.sec[top : level + 1]
        if self.appendix:
            nums = [alph(nums[0]).upper(), *nums[1:]]
        return ".".join(str(n) for n in nums)

    def start_unit(self, path: str, level: str, number: str | None, title: str) -> None:
        self.units.append(self.unit)
        current = self._rel(self._current_file())
        self.unit = Unit(
            path=path,
            level=level,
            number=number,
            title=title,
            files=[current],
            chapter=self.chapter_number,
            chapter_title=self.chapter_title,
        )
        self.sinks[0] = self.unit.parts

    def label(self, key: str) -> None:
        if key and not self.preamble:
            self.labels.setdefault(key, self.current_label)

    def _resolve_ref(self, m: re.Match, unresolved: list[int]) -> str:
        cmd, keys = m.group(1), m.group(2)
        out = []
        for key in keys.split(","):
            key = key.strip()
            found = self.labels.get(key) or self.guessed_labels.get(key)
            if found is None and ":" in key:
                found = self.guessed_labels.get(key.split(":", 1)[1])
            if found is None or not (found[0] or found[2]):
                unresolved[0] += 1
                return f"\\{cmd}{{{keys}}}"
            number, kind, title = found
            if cmd == "eqref":
                out.append(f"({number})")
            elif cmd in ("autoref", "cref", "Cref"):
                out.append(f"{kind} {number}".strip())
            elif cmd == "nameref":
                out.append(title or number)
            else:
                out.append(number or title)
        return ", ".join(out)

    def run(self) -> list[dict]:
        """Convert the book; returns Document-shaped records (id, text, metadata)."""
        self.sinks = [self.discard]
        self.charset = declared_charset(self.main)
        text, reason = read_source(self.main, self.max_file_bytes, self.charset)
        if text is None:
            self.count(f"skipped_{reason}")
            logger.warning(f"{self.given}: skipped ({reason})")
            return []
        stripped = strip_comments(MARKER_CHARS.sub("", text))
        self.preamble = document_class(stripped) is not None
        if not self.preamble:
            self.sinks = [self.unit.parts]  # a fragment (a chapter file given on its own): all of it is body
        self.files.append(self.main)
        self.unit.files.append(self._rel(self.main))
        tokens = tokenize(stripped, 0)
        self.source_tokens += len(tokens)
        self.stream.include(tokens, 0)
        try:
            self.parse(None)
        except TooDeeplyNested as e:
            self.count("skipped_too_deeply_nested")
            logger.warning(f"{self.given}: skipped ({e})")
            return []
        self.units.append(self.unit)
        return self.records()

    def records(self) -> list[dict]:
        docs, carry = BookDocuments(self.given, "latex"), ""
        for unit in self.units:
            if unit.level != "section":
                carry = ""  # a chapter heading carries only into the chapter's own first section
            text, unresolved = self.render_counted(carry + "".join(unit.parts))
            if not text:
                continue
            heading_only = unit.heading_only and len(text) <= len(carry) + 2 * len(unit.heading_only) + 16
            if heading_only and text == self.render(carry + f"\x02{unit.heading_only}\x02"):
                # a heading with nothing under it: it opens the next document instead of being one
                carry = (carry if unit.level == "section" else "") + f"\x02{unit.heading_only}\x02"
                continue
            carry = ""
            docs.add(
                unit.path,
                text,
                title=unit.title or self.render_inline(self.doc_title) or self.main.stem,
                level=unit.level,
                chapter=unit.chapter,
                chapter_title=unit.chapter_title,
                section=unit.number if unit.level == "section" else None,
                source_files=unit.files,
                macros_expanded=unit.counts["macros_expanded"],
                unbalanced_fixed=unit.counts["unbalanced_fixed"],
                missing_inputs=unit.missing_inputs,
            )
            if unresolved:
                self.counts["refs_unresolved"] += unresolved
        return docs.records


def convert_latex(
    main: Path,
    split: str = "chapter",
    expand_macros: bool = True,
    max_file_bytes: int = 8_000_000,
    given: str | None = None,
) -> tuple[list[dict], Counter, LatexBook]:
    """One LaTeX book → (records, counts by reason, the converter — for its macros and bytes read)."""
    book = LatexBook(main, split, expand_macros, max_file_bytes, given)
    records = book.run()
    return records, book.counts, book
