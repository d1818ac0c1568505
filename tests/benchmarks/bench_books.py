"""Math kept, LaTeX noise left and throughput of the LaTeX book converter, on a real open textbook.

    .venv/bin/python tests/benchmarks/bench_books.py [--split section|chapter|file] [--show-missing N]
    .venv/bin/python tests/benchmarks/bench_books.py --book OTHER_BOOK/main.tex
    .venv/bin/python tests/benchmarks/bench_books.py --quick [--out DIR]   # seconds: a small book written here

The source side is counted here with its own small scanner (not the converter's), over every file reachable from
the top-level file by `\\input`/`\\include`, after TeX's comment rule (a `%` comment goes with its line break and
the next line's indentation; a whole-line comment goes with its line):

* **math kept** — every formula of the document body: `$..$`, `$$..$$`, `\\(..\\)`, `\\[..\\]` and the math
  environments (equation, align, gather, multline, eqnarray, alignat, flalign, displaymath, starred or not).
  A formula counts as kept when it occurs verbatim in the output (as many times as in the source), or, when it
  uses one of the book's own macros, in its macro-expanded form (the converter expands those on purpose).
  `\\label{..}`/`\\index{..}` inside a formula and the `\\tag{N}` a numbered label becomes are ignored on both
  sides: they do not render as part of the formula. Formulas inside pictures (tikzpicture, circuitikz), displays
  that hold a picture (drawing code, not text) and formulas with macro parameters (`$#1$` in a `\\def` body) are
  not counted.
* **noise** — the share of output characters that are LaTeX noise: leftover `\\label{..}`, `\\index{..}`,
  preamble and layout commands with their arguments (`\\usepackage`, `\\newcommand`, `\\def`, `\\setlength`, ...),
  and comment text (a source comment of 12+ characters, found in the output, that is not also real text of the
  source).
* **throughput** — MB of source read per second, one process, the whole conversion (reading, scanning, output),
  best of `--repeat` passes.

Prints one JSON line (also written to --out/books.jsonl; default: a temporary folder, removed). Targets: math kept
≥ 0.99, noise ≤ 0.01. Without the shared textbook the line says `"status": "missing"`, never a figure. `--quick`
converts a small two-file book written by this script (every formula kind, a macro, comments, labels, an `\\input`)
once, with the same converter and counting.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEFAULT_BOOK = ROOT.parent / "shared" / "books" / "linear-algebra-first-course" / "baseText" / "LinearAlgebra.tex"
MATH_ENVS = ("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign", "displaymath", "math")
PICTURES = ("tikzpicture", "circuitikz", "pgfpicture", "picture")
INPUT = re.compile(r"\\(?:input|include)\s*(?:\{([^}]*)\}|([^\s{}\\]+))")
PREAMBLE_COMMANDS = (
    "documentclass|usepackage|RequirePackage|newcommand|renewcommand|providecommand|newenvironment|"
    "renewenvironment|newtheorem|DeclareMathOperator|def|gdef|edef|let|newif|newlength|newcounter|"
    "setlength|addtolength|setcounter|makeindex|makeatletter|makeatother|tikzset|usetikzlibrary|"
    "pgfplotsset|hypersetup|geometry|pagestyle|thispagestyle|tcbuselibrary|mdfsetup|"
    "Opensolutionfile|Closesolutionfile|addcontentsline|pdfbookmark|input|include|label|index|"
    "bibliographystyle|bibliography|printindex|tableofcontents|cleardoublepage|clearpage|vspace|"
    "hspace|noindent"
)
NOISE = re.compile(r"\\(?:" + PREAMBLE_COMMANDS + r")\b\*?(?:\s*\[[^\]]*\])*(?:\s*\{(?:[^{}]|\{[^{}]*\})*\})*")
LABEL_TAG_INDEX = re.compile(r"\\(?:label|tag|index)\{(?:[^{}]|\{[^{}]*\})*\}")

# --quick: a small book of two files, written here, with what the real one has (a macro, every formula kind,
# comments, labels, an index entry, a picture) so the converter and the counting above run on every kind.
QUICK_MAIN = r"""\documentclass{book}
\usepackage{amsmath} % the preamble holds no text
\newcommand{\vect}[1]{\mathbf{#1}}
\DeclareMathOperator{\rank}{rank}
\begin{document}
\chapter{Systems of equations}
\input{systems}
\end{document}
"""
QUICK_CHAPTER = r"""\section{Vectors}\label{sec:vectors}
A vector $\vect{v} = (v_1, v_2)$ has length $\|\vect{v}\| = \sqrt{v_1^2 + v_2^2}$.% joined to the next line
  The matrix \(A\) has $\rank A \le \min(m, n)$ and $$A\vect{x} = \vect{b}$$ is the system.
% a whole-line comment the output must not keep
\index{vector}Two vectors are orthogonal when \[ \vect{u} \cdot \vect{v} = 0. \]
\begin{equation}\label{eq:dot}
\vect{u} \cdot \vect{v} = \sum_{i=1}^{n} u_i v_i
\end{equation}
\section{Elimination}
\begin{align*}
x + 2y &= 5, \\
3x - y &= 1.
\end{align*}
\begin{gather}
e^{i\pi} + 1 = 0
\end{gather}
By (\ref{eq:dot}), the cost is $O(n^3)$ for $n$ equations; ten percent is $10\%$.
\begin{tikzpicture}\draw (0,0) -- node {$x$} (1,1);\end{tikzpicture}
"""


def strip_comments(text: str) -> tuple[str, list[str]]:
    """TeX's comment rule, written again here; returns the text and the comments' bodies."""
    out, comments, joining = [], [], False
    for line in text.split("\n"):
        if joining:
            if not line.strip():
                out.append("\n\n")
                joining = False
                continue
            line = line.lstrip(" \t")
        m = re.search(r"(?<!\\)(?:\\\\)*%", line)
        if m is None:
            out.append(line + "\n")
            joining = False
            continue
        cut = m.end() - 1
        comments.append(line[cut + 1 :].strip())
        if not line[:cut].strip():
            continue
        out.append(line[:cut])
        joining = True
    return "".join(out), comments


def book_files(main: Path) -> list[Path]:
    root, seen, order = main.parent, set(), []

    def visit(path: Path) -> None:
        if path in seen or not path.is_file():
            return
        seen.add(path)
        order.append(path)
        text, _ = strip_comments(path.read_text(encoding="utf-8", errors="replace"))
        for m in INPUT.finditer(text):
            name = (m.group(1) or m.group(2)).strip()
            for cand in (root / name, root / f"{name}.tex"):
                if cand.is_file() and cand.suffix == ".tex":
                    visit(cand)
                    break

    visit(main)
    return order


def _skip_group(text: str, i: int) -> int:
    """Index after the balanced {...} starting at text[i] == '{'."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        depth += c == "{"
        depth -= c == "}"
        i += 1
        if depth == 0:
            return i
    return i


def formulas(text: str) -> list[str]:
    """Every formula of a comment-stripped LaTeX text, skipping pictures and \\index/\\label arguments."""
    found, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            m = re.match(r"\\(begin|index|label)\s*\{", text[i : i + 80])
            if m and m.group(1) in ("index", "label"):
                i = _skip_group(text, i + m.end() - 1)
                continue
            if m and m.group(1) == "begin":
                env = text[i + m.end() : text.find("}", i + m.end())]
                if env.rstrip("*") in MATH_ENVS or env in PICTURES:
                    end = _env_end(text, i, env)
                    if env.rstrip("*") in MATH_ENVS and not any(f"\\begin{{{p}}}" in text[i:end] for p in PICTURES):
                        found.append(text[i:end])
                    i = end
                    continue
            if text.startswith("\\[", i) or text.startswith("\\(", i):
                closer = "\\]" if text[i + 1] == "[" else "\\)"
                end = text.find(closer, i + 2)
                end = n if end < 0 else end + 2
                found.append(text[i:end])
                i = end
                continue
            i += 2
            continue
        if c == "$":
            if text.startswith("$$", i):
                end = text.find("$$", i + 2)
                end = n if end < 0 else end + 2
            else:
                end, depth, j = n, 0, i + 1
                while j < n:
                    d = text[j]
                    if d == "\\":
                        j += 2
                        continue
                    depth += (d == "{") - (d == "}")
                    if d == "$" and depth <= 0:
                        end = j + 1
                        break
                    j += 1
            found.append(text[i:end])
            i = end
            continue
        i += 1
    return found


def _env_end(text: str, start: int, env: str) -> int:
    pattern = re.compile(r"\\(begin|end)\s*\{" + re.escape(env) + r"\}")
    depth = 0
    for m in pattern.finditer(text, start):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return m.end()
    return len(text)


def normalise(formula: str) -> str:
    return LABEL_TAG_INDEX.sub("", formula)


def measure(main: Path, split: str, repeat: int = 1) -> tuple[dict, list[str]]:
    from pipeline.data.sources.books.latex import LatexBook

    seconds = float("inf")
    for _ in range(repeat):  # the machine is shared: the best of a few passes is the converter's own speed
        started = time.perf_counter()
        book = LatexBook(main, split=split, given=str(main))
        records = book.run()
        seconds = min(seconds, time.perf_counter() - started)
    output = "\n\n".join(r["text"] for r in records)

    source, comments = [], []
    for path in book_files(main):
        text, body_comments = strip_comments(path.read_text(encoding="utf-8", errors="replace"))
        if path == main and "\\begin{document}" in text:
            text = text.split("\\begin{document}", 1)[1]  # the preamble holds no text
        source.append(text)
        comments += body_comments
    # `$#1$` inside a \def body is part of a macro, not of the text
    wanted = Counter(normalise(f) for text in source for f in formulas(text) if not re.search(r"#[1-9]", f))
    out_norm = normalise(output)
    kept, missing = 0, []
    for formula, count in wanted.items():
        hits = out_norm.count(formula)
        if hits < count and any(f"\\{name}" in formula for name in book.all_macros):
            hits += out_norm.count(normalise(book.expand_formula(formula)))
        kept += min(count, hits)
        if hits < count:
            missing.append(formula)
    total = sum(wanted.values())

    source_bytes = sum(f.stat().st_size for f in book.files)  # every file the converter read, as often as it read it
    noise = sum(len(m.group()) for m in NOISE.finditer(output))
    all_source = "\n".join(source)
    leftover_comments = {c for c in comments if len(c) >= 12 and c not in all_source and c in output}
    noise += sum(len(c) * output.count(c) for c in leftover_comments)
    return {
        "benchmark": "books_latex",
        "book": str(main),
        "split": split,
        "documents": len(records),
        "formulas_in_source": total,
        "formulas_kept": kept,
        "math_kept": round(kept / max(total, 1), 5),
        "output_chars": len(output),
        "noise_chars": noise,
        "noise_share": round(noise / max(len(output), 1), 5),
        "source_mb": round(source_bytes / 1e6, 3),
        "seconds": round(seconds, 3),
        "repeat": repeat,
        "mb_per_s": round(source_bytes / 1e6 / seconds, 3),
        "files_read": len(book.files),
        "counts": dict(sorted(book.counts.items())),
        "targets_met": kept / max(total, 1) >= 0.99 and noise / max(len(output), 1) <= 0.01,
    }, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--book", type=Path, default=None, help="top-level .tex file (default: the shared textbook)")
    parser.add_argument("--split", default="section", choices=["chapter", "section", "file"])
    parser.add_argument("--show-missing", type=int, default=0, help="print up to N formulas that were not kept")
    parser.add_argument("--repeat", type=int, default=3, help="conversions timed; the fastest counts (3)")
    parser.add_argument("--quick", action="store_true", help="seconds: a small book written here, converted once")
    parser.add_argument("--out", type=Path, default=None, help="where outputs go (default: a temporary folder)")
    args = parser.parse_args()
    if args.book is not None and not args.book.is_file():
        print(f"bench_books: --book {args.book} not found", file=sys.stderr)
        return 2
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="bench_books_") as tmp:
            return run(args, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    return run(args, args.out)


def run(args: argparse.Namespace, out: Path) -> int:
    book = args.book
    if args.quick and book is None:
        book = out / "quick_book" / "main.tex"
        book.parent.mkdir(parents=True, exist_ok=True)
        book.write_text(QUICK_MAIN)
        (book.parent / "systems.tex").write_text(QUICK_CHAPTER)
    book = book or DEFAULT_BOOK
    if not book.is_file():
        result = {"benchmark": "books_latex", "status": "missing", "reason": f"{book} not found (../shared/books)"}
    else:
        result, missing = measure(book, args.split, 1 if args.quick else args.repeat)
        result = {**result, "status": "ok", "quick": args.quick}
        for formula in missing[: args.show_missing]:
            print(f"not kept: {formula!r}", file=sys.stderr)
    print(json.dumps(result))
    (out / "books.jsonl").write_text(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
