"""LaTeX retention, boilerplate leakage and throughput of our extraction next to trafilatura, on real HTML pages.

    bash ../shared/tools/fetch-real-html.sh /work/real_html      # the Sphinx sets; latexmlc: apt-get install latexml
    .venv/bin/python tests/benchmarks/bench_extraction.py --pages /work/real_html [--max-pages 400] [--sections 24]
    .venv/bin/python tests/benchmarks/bench_extraction.py --quick [--out DIR]     # seconds: 5 pages a set, our LaTeX

Two real page sets (Debian's python-sympy-doc and python-statsmodels-doc: human-written Sphinx documentation):
sympy keeps its LaTeX in `<img class="math" alt="...">` (imgmath), statsmodels in MathJax `\\(..\\)` / `\\[..\\]`
inside `class="math"` elements. Every page of a set that has at least one math element is used (sorted by path,
capped by --max-pages, taken evenly).

* **LaTeX retention**: every math element of the source (the alt text, or the element's text without its
  `\\(`/`\\)`/`\\[`/`\\]` delimiters) counts as found when it occurs in the output with all whitespace removed on
  both sides. Ground truth comes from lxml (a different parser from the one our extractor uses).
* **Boilerplate leakage**: text lines of 15+ characters inside navigation, sidebars, headers, footers and search
  boxes (`nav`, `aside`, `header`, `footer`, ARIA navigation/contentinfo/search roles, Sphinx's `sphinxsidebar`,
  `related`, `footer`) that do not also occur in the main content (`[role=main]`); the share found in the output.
* **Throughput**: pages/s and MB/s of HTML in, one process, each extractor timed alone over the same pages.

LaTeXML HTML (the format of arXiv's HTML papers), when `latexmlc` is on PATH: LaTeX we wrote for this benchmark
(every equation environment, an unknown macro, long formulas LaTeXML wraps with `%`-newlines), converted as
latexmlc does by default and with `--pmml --cmml --mathtex` (the TeX also in an annotation, as on arXiv), and
`--sections` sections of the shared textbook (../shared/books/linear-algebra-first-course, taken evenly in book
order; its theorem and matrix environments get plain definitions, its macros stay unknown to LaTeXML):

* **alttext verbatim**: every `<math alttext>` counts as kept when its text, LaTeXML's `%`-newline line wraps taken
  out and whitespace runs made one space, occurs in the output exactly (target ≥ 0.99); `alttext_squashed`
  compares with all whitespace removed, like the Sphinx sets.
* **groups whole**: every run of equation rows of an `ltx_equationgroup` (align, eqnarray, gather; an
  `\\intertext` row ends a run) counts when one `$$..$$` block of the output holds all its cells in order.
* **pipe furniture**: output lines that are nothing but table pipes once the formulas are taken out.

Without latexmlc (or without the book) the line says `"status": "missing"`, never a figure. trafilatura runs with
the settings datatrove's Trafilatura step uses (favor_precision, no comments, deduplicate); it needs
`lxml_html_clean` (`pip install -e '.[bench]'`). Prints one JSON line per set plus a total line: ours, trafilatura,
and the ratios (targets: retention ≥ 0.99, throughput ratio ≥ 1); the same lines, the LaTeXML sources, HTML and our
extracted text go to --out (default: a temporary folder, removed).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BOILERPLATE_XPATH = (
    "//nav | //aside | //header | //footer | //*[@role='navigation' or @role='contentinfo' or @role='search'] | "
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' sphinxsidebar ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' related ') or "
    "contains(concat(' ', normalize-space(@class), ' '), ' footer ')]"
)
WS = re.compile(r"\s+")


def squash(text: str) -> str:
    return WS.sub("", text)


def math_expressions(tree) -> list[str]:
    """The LaTeX of every math element on the page, as the page's author wrote it."""
    found = []
    for img in tree.xpath("//img[contains(concat(' ', normalize-space(@class), ' '), ' math ')]"):
        alt = (img.get("alt") or "").strip()
        if alt:
            found.append(alt)
    for el in tree.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' math ')][not(self::img)]"):
        text = el.text_content().strip()
        if not text or el.xpath(".//img"):
            continue
        for a, b in (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$")):
            if text.startswith(a) and text.endswith(b):
                text = text[len(a) : -len(b)].strip()
                break
        if text:
            found.append(text)
    return found


def boilerplate_lines(tree) -> list[str]:
    main = " ".join(squash(m.text_content()) for m in tree.xpath("//*[@role='main'] | //article | //main"))
    lines = set()
    for el in tree.xpath(BOILERPLATE_XPATH):
        for line in el.text_content().splitlines():
            line = line.strip()
            if len(line) >= 15 and squash(line) not in main:
                lines.add(line)
    return sorted(lines)


def pick_pages(folder: Path, max_pages: int) -> list[Path]:
    pages = sorted(p for p in folder.rglob("*.html") if 'class="math' in p.read_text(errors="replace"))
    if len(pages) > max_pages:
        step = len(pages) / max_pages
        pages = [pages[int(i * step)] for i in range(max_pages)]
    return pages


def measure(name: str, pages: list[Path], extractors: dict) -> dict:
    raw = [p.read_bytes() for p in pages]
    html = [r.decode("utf-8", errors="replace") for r in raw]
    truth = []
    for h in html:
        tree = lxml.html.fromstring(h)
        truth.append((math_expressions(tree), boilerplate_lines(tree)))
    row: dict = {
        "figure": "extraction",
        "set": name,
        "pages": len(pages),
        "mb": round(sum(map(len, raw)) / 1e6, 2),
        "math_expressions": sum(len(t[0]) for t in truth),
        "boilerplate_lines": sum(len(t[1]) for t in truth),
    }
    for label, fn in extractors.items():
        t0 = time.perf_counter()
        outputs = [fn(h) or "" for h in html]
        seconds = time.perf_counter() - t0
        kept = leaked = 0
        missing = []
        for out, (maths, boiler) in zip(outputs, truth):
            flat = squash(out)
            for m in maths:
                if squash(m) in flat:
                    kept += 1
                elif len(missing) < 5:
                    missing.append(m[:80])
            leaked += sum(1 for line in boiler if squash(line) in flat)
        row[label] = {
            "latex_retention": round(kept / max(row["math_expressions"], 1), 4),
            "latex_kept": kept,
            "boilerplate_leak": round(leaked / max(row["boilerplate_lines"], 1), 4),
            "pages_per_s": round(len(pages) / seconds, 1),
            "mb_per_s": round(row["mb"] / seconds, 3),
            "missing_examples": missing,
        }
    ours, traf = row["ours"], row["trafilatura"]
    row["retention_ratio"] = round(ours["latex_retention"] / max(traf["latex_retention"], 1e-9), 3)
    row["throughput_ratio"] = round(ours["pages_per_s"] / traf["pages_per_s"], 3)
    return row


# ---------------------------------------------------------------------------------------------------- LaTeXML
BOOK = ROOT.parent / "shared" / "books" / "linear-algebra-first-course" / "baseText"
# The book's style files are not in its sources: plain definitions of its environments let LaTeXML read the text
# (without them a section can stop at LaTeXML's 100-error limit); its macros (\conjugate, \vect, ...) stay unknown,
# as a paper's own macros can be on arXiv, and LaTeXML keeps them in alttext as written.
PREAMBLE = r"""\documentclass{book}
\usepackage{amsmath,amssymb,amsthm}
\usepackage{comment}
\excludecomment{tikzpicture}
\excludecomment{circuitikz}
\newenvironment{outcome}{\par\textbf{Outcomes.} }{\par}
\newenvironment{solution}{\par\textbf{Solution.} }{\par}
\newenvironment{enumialphparenastyle}{}{}
\newenvironment{mymatrix}[1]{\left[\begin{array}{#1}}{\end{array}\right]}
\newenvironment{mysmallmatrix}[1]{\left[\begin{array}{#1}}{\end{array}\right]}
\newenvironment{absmatrix}[1]{\left|\begin{array}{#1}}{\end{array}\right|}
"""
THEOREMS = "definition example proposition theorem lemma corollary problem algorithm procedure discussion".split()
PREAMBLE += "".join(f"\\newenvironment{{{t}}}[2]{{\\par\\textbf{{{t.title()} (#1).}} }}{{\\par}}\n" for t in THEOREMS)

# Written for this benchmark: every equation layout LaTeXML has, an unknown macro, long lines it wraps with `%`.
OUR_LATEX = r"""\section{Complex numbers}
Let $z = a + bi$ with $a, b \in \mathbb{R}$; its conjugate is $\conjugate{z} = a - bi$ and
$|z|^2 = z\,\conjugate{z}$. A long formula:
$\det(A) = a_{11}a_{22}a_{33} + a_{12}a_{23}a_{31} + a_{13}a_{21}a_{32} - a_{31}a_{22}a_{13} - a_{32}a_{23}a_{11} - a_{33}a_{21}a_{12}$.
\begin{equation}\label{eq:inverse}
z^{-1} = \frac{1}{a+bi} = \frac{a-bi}{(a+bi)(a-bi)} = \frac{a-bi}{a^2+b^2} = \frac{a}{a^2+b^2} - \frac{b}{a^2+b^2}\,i
\end{equation}
\[ \int_0^{2\pi} e^{i k \theta}\, d\theta = 0 \quad (k \neq 0) \]
\begin{eqnarray*}
(a+bi) + (c+di) &=& (a+c) + (b+d)i, \\
(a+bi)(c+di) &=& ac + adi + bci + bdi^2 ~=~ (ac-bd) + (ad+bc)i.
\end{eqnarray*}
\begin{align}
|zw|^2 &= (zw)\overline{(zw)} \label{eq:a} \\
       &= z\overline{z}\,w\overline{w} \nonumber \\
       &= |z|^2 |w|^2, & |z+w| &\le |z| + |w|.
\end{align}
\begin{align*}
f(x) &= \begin{cases} x^2 & x \ge 0, \\ -x & \text{otherwise,} \end{cases}
\intertext{and its derivative where it exists,}
f'(x) &= \begin{cases} 2x & x > 0, \\ -1 & x < 0. \end{cases}
\end{align*}
\begin{gather}
e^{i\theta} = \cos\theta + i\sin\theta, \\
\cos\theta = \frac{e^{i\theta} + e^{-i\theta}}{2}.
\end{gather}
\begin{multline}
(1+x)^n = 1 + nx + \frac{n(n-1)}{2}x^2 \\ + \frac{n(n-1)(n-2)}{6}x^3 + \cdots + x^n
\end{multline}
\begin{equation}
\begin{split}
(a+b)^2 &= (a+b)(a+b) \\ &= a^2 + 2ab + b^2
\end{split}
\end{equation}
By (\ref{eq:inverse}), $\left[\begin{array}{rr} a & -b \\ b & a \end{array}\right]$ represents $z$, and
$$ \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}^{-1} = -\frac{1}{2}\begin{pmatrix} 4 & -2 \\ -3 & 1 \end{pmatrix}. $$
Ten percent is $10\%$ of the whole.
"""
ALTTEXT_WRAP = re.compile(r"%\n")


def alttext_norm(alt: str) -> str:
    """The alttext as a faithful extractor writes it: LaTeXML's `%`-newline line wraps out, whitespace runs as one space."""
    return " ".join(ALTTEXT_WRAP.sub("", alt).split())


def book_sections(n: int) -> list[Path]:
    """`n` sections of the shared textbook, taken evenly in the order its course setup inputs them."""
    setup = (BOOK / "courseSetup.tex").read_text(errors="replace")
    files = [BOOK / f"{m}.tex" for m in re.findall(r"^\s*\\input\s+(content/[\w-]+)\.tex", setup, re.M)]
    files = [f for f in files if f.is_file() and "Preface" not in f.name]
    step = max(len(files) / max(n, 1), 1)
    return [files[int(i * step)] for i in range(min(n, len(files)))]


def latexml_convert(body: str, name: str, folder: Path, mathtex: bool = False) -> Path | None:
    """`latexmlc` on PREAMBLE + body: the HTML file, or None when the conversion wrote none."""
    folder.mkdir(parents=True, exist_ok=True)
    tex, out = folder / f"{name}.tex", folder / f"{name}.html"
    tex.write_text(PREAMBLE + "\\begin{document}\n" + body + "\n\\end{document}\n")
    cmd = ["latexmlc", f"--dest={out.name}", "--format=html5", "--timeout=300", tex.name]
    if mathtex:
        cmd[1:1] = ["--pmml", "--cmml", "--mathtex"]
    try:
        run = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=400)
        (folder / f"{name}.stderr").write_text(run.stderr)
    except subprocess.TimeoutExpired:
        return None
    return out if out.is_file() and out.stat().st_size > 0 else None


def equation_runs(tree) -> list[list[str]]:
    """The cells (normalised alttext, in order) of every run of equation rows in an equation group."""
    runs = []
    for table in tree.xpath("//table[contains(concat(' ', normalize-space(@class), ' '), ' ltx_equationgroup ')]"):
        run: list[str] = []
        for tr in table.xpath(".//tr"):
            if "ltx_equation" not in (tr.get("class") or "").split():
                if run:
                    runs.append(run)
                run = []
                continue
            run += [alttext_norm(m.get("alttext")) for m in tr.xpath(".//math[@alttext]") if m.get("alttext").strip()]
        if run:
            runs.append(run)
    return runs


def in_order(block: str, cells: list[str]) -> bool:
    pos = 0
    for cell in cells:
        pos = block.find(cell, pos)
        if pos < 0:
            return False
        pos += len(cell)
    return True


def measure_latexml(name: str, pages: list[Path], extractors: dict, out_dir: Path) -> dict:
    from pipeline.data.mathtext import MATH_SPANS

    html = [p.read_text(errors="replace") for p in pages]
    truth = []
    for h in html:
        tree = lxml.html.fromstring(h.encode())
        alts = [alttext_norm(m.get("alttext")) for m in tree.xpath("//math[@alttext]") if m.get("alttext").strip()]
        truth.append((alts, equation_runs(tree)))
    row: dict = {
        "figure": "extraction_latexml",
        "set": name,
        "status": "ok",
        "documents": len(pages),
        "mb": round(sum(map(len, html)) / 1e6, 3),
        "alttext_formulas": sum(len(t[0]) for t in truth),
        "groups": sum(len(t[1]) for t in truth),
    }
    for label, fn in extractors.items():
        t0 = time.perf_counter()
        outputs = [fn(h) or "" for h in html]
        seconds = time.perf_counter() - t0
        kept = squashed = whole = furniture = 0
        missing: list[str] = []
        for page, out, (alts, runs) in zip(pages, outputs, truth):
            (out_dir / f"{page.stem}.{label}.txt").write_text(out)
            flat = squash(out)
            for alt in alts:
                kept += alt in out
                squashed += squash(alt) in flat
                if alt not in out and len(missing) < 5:
                    missing.append(alt[:100])
            blocks = re.findall(r"\$\$(.+?)\$\$", out, re.S)
            whole += sum(any(in_order(b, run) for b in blocks) for run in runs)
            furniture += sum(1 for line in MATH_SPANS.sub("", out).splitlines() if set(line.strip()) == {"|"})
        row[label] = {
            "alttext_verbatim": round(kept / max(row["alttext_formulas"], 1), 4),
            "alttext_kept": kept,
            "alttext_squashed": round(squashed / max(row["alttext_formulas"], 1), 4),
            "groups_whole": round(whole / max(row["groups"], 1), 4),
            "pipe_furniture_lines": furniture,
            "pages_per_s": round(len(pages) / seconds, 1),
            "missing_examples": missing,
        }
    return row


def latexml_rows(args: argparse.Namespace, extractors: dict, out: Path) -> list[dict]:
    if shutil.which("latexmlc") is None:
        reason = "latexmlc not on PATH (Debian/Ubuntu: apt-get install latexml)"
        return [{"figure": "extraction_latexml", "set": "latexml", "status": "missing", "reason": reason}]
    version = subprocess.run(["latexmlc", "--VERSION"], capture_output=True, text=True).stderr.strip()
    folder = out / "latexml"
    rows = []
    for variant, mathtex in (("latexml_ours", False), ("latexml_ours_mathtex", True)):
        page = latexml_convert(OUR_LATEX, variant, folder / variant, mathtex)
        if page is None:
            rows.append({"figure": "extraction_latexml", "set": variant, "status": "failed", "reason": "no HTML"})
        else:
            rows.append(measure_latexml(variant, [page], extractors, folder / variant))
    if args.sections:
        if not BOOK.is_dir():
            reason = f"{BOOK} not found (the shared textbook)"
            rows.append({"figure": "extraction_latexml", "set": "latexml_book", "status": "missing", "reason": reason})
        else:
            sections, pages = book_sections(args.sections), []
            for tex in sections:
                page = latexml_convert(f"\\input{{{tex}}}", tex.stem, folder / "book")
                if page is not None:
                    pages.append(page)
            row = measure_latexml("latexml_book", pages, extractors, folder / "book")
            row["sections"] = [p.stem for p in sections]
            row["conversions_failed"] = len(sections) - len(pages)
            rows.append(row)
    for row in rows:
        row["latexml"] = version
    return rows


def load_trafilatura():
    try:
        import trafilatura
    except ImportError as e:  # lxml ≥ 5.2 moved lxml.html.clean into the separate lxml_html_clean package
        sys.exit(
            f"bench_extraction.py: trafilatura cannot be imported ({e}).\n"
            "The benchmark runs trafilatura beside our extractor; install the bench extra: pip install -e '.[bench]'"
        )
    return trafilatura


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="/work/real_html", help="output folder of fetch-real-html.sh")
    parser.add_argument("--max-pages", type=int, default=400, help="per set")
    parser.add_argument("--sections", type=int, default=24, help="textbook sections converted with latexmlc (0: none)")
    parser.add_argument("--quick", action="store_true", help="seconds: 5 pages a set, our LaTeX only, no book")
    parser.add_argument("--out", type=Path, default=None, help="where outputs go (default: a temporary folder)")
    args = parser.parse_args()
    if args.quick:
        args.max_pages, args.sections = 5, 0
    trafilatura = load_trafilatura()
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="bench_extraction_") as tmp:
            return run(args, trafilatura, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    return run(args, trafilatura, args.out)


def run(args: argparse.Namespace, trafilatura, out: Path) -> None:
    from pipeline.data.filter.extract import extract_html

    extractors = {
        "ours": lambda h: extract_html(h)[0],
        "trafilatura": lambda h: trafilatura.extract(h, favor_precision=True, include_comments=False, deduplicate=True),
    }
    results = out / "results.jsonl"
    results.write_text("")

    def emit(row: dict) -> None:
        print(json.dumps(row), flush=True)
        with results.open("a") as f:
            f.write(json.dumps(row) + "\n")

    base, rows = Path(args.pages), []
    for name in ("sympy", "statsmodels"):
        if not (base / name).is_dir():
            reason = f"{base / name} not found: run ../shared/tools/fetch-real-html.sh {base}"
            emit({"figure": "extraction", "set": name, "status": "missing", "reason": reason})
            continue
        rows.append(measure(name, pick_pages(base / name, args.max_pages), extractors) | {"status": "ok"})
        emit(rows[-1])
    latexml = latexml_rows(args, extractors, out)
    for row in latexml:
        emit(row)
    measured = [r for r in latexml if r.get("status") == "ok"]
    total: dict = {"figure": "extraction_total", "pages": sum(r["pages"] for r in rows)}
    for label in extractors:
        total[label] = {}
        if rows:
            total[label]["latex_retention_min"] = min(r[label]["latex_retention"] for r in rows)
            total[label]["boilerplate_leak_max"] = max(r[label]["boilerplate_leak"] for r in rows)
        if measured:
            total[label]["alttext_verbatim_min"] = min(r[label]["alttext_verbatim"] for r in measured)
            total[label]["groups_whole_min"] = min(
                (r[label]["groups_whole"] for r in measured if r["groups"]), default=None
            )
    if rows:
        total["throughput_ratio_min"] = min(r["throughput_ratio"] for r in rows)
    emit(total)


if __name__ == "__main__":
    main()
