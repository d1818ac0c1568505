"""The TeX of a MathML formula and of a LaTeXML equation table: the TeX the page carries first, conversion last.

    python -c "from pipeline.data.filter.extract import extract_html; print(extract_html(open('page.html').read())[0])"

Used by pipeline.data.filter.extract for every `<math>` element and for LaTeXML's equation tables (the HTML of
arXiv papers and of any `latexmlc --format=html5` conversion):

* **`math_tex`**: `<annotation encoding="application/x-tex">` first, then the `alttext` attribute, and only where a
  page has neither, presentation MathML → LaTeX by a small converter (`mathml_to_latex`). Converted TeX loses what the
  author wrote (a book macro `\\conjugate{z}` that LaTeXML does not know comes back as the glyphs it rendered), the
  page's own TeX does not. The page's TeX changes only by `clean_tex`: comments (LaTeXML wraps long `alttext` lines
  with a `%` + newline that TeX ignores) go and whitespace runs become one space, so an inline formula stays on one
  line. An `alttext` that reads as words ("x squared plus one": an accessibility label, not TeX) is not trusted,
  except on LaTeXML's own `ltx_Math` elements.
* **`equation_table_parts`**: LaTeXML lays display equations out as tables (`ltx_equation`, and
  `ltx_equationgroup` for align, eqnarray, gather): one row per line, one cell per `&` column, padding cells and an
  equation-number cell. A table becomes one display formula: a single cell is that cell's TeX; several rows or
  columns become `\\begin{aligned} a & = b \\\\ & = c \\end{aligned}` (`gathered` when no row has columns), each
  cell's TeX kept as the page has it, including the `\\displaystyle` LaTeXML puts in front of every cell. An
  eqnarray's middle (relation) column joins the column after it, so its three columns make the right/left pair
  aligned expects. Equation numbers are dropped, in single equations and groups alike: `\\tag` is not allowed inside
  `aligned`, and one rule for both keeps the output uniform (references in the text still read "(1.2)"). An
  `\\intertext` row splits the group: the math before it, the text as a paragraph, the math after it. A single cell
  with line breaks outside any environment (multline) is wrapped in `gathered`, where they are valid.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

TEX_ENCODINGS = ("application/x-tex", "tex", "latex", "text/x-tex")
# A TeX comment runs to the end of its line; `\%` is a percent sign, and the even run of backslashes before `%` tells
# `\\%` (a line break, then a comment) from it. LaTeXML wraps long alttext lines with a bare `%` + newline wherever
# the line is full, before a space too ("law over%\n vector"): what follows that newline is kept. After a comment
# with text the next line's indentation goes, as TeX reads it.
TEX_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%([^\n]*)(?:\n([ \t]*)|$)")
WHITESPACE = re.compile(r"\s+")
TEX_MARKUP = re.compile(r"[\\^_{}]")
PROSE_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")


def clean_tex(tex: str) -> str:
    """The page's TeX without comments (LaTeXML's `%`-newline line wraps) and with whitespace runs as one space."""
    if "%" in tex:
        tex = TEX_COMMENT.sub(lambda m: m[1] + ("" if m[2].strip() else m[3] or ""), tex)
    return WHITESPACE.sub(" ", tex).strip()


def tex_annotation(node: LexborNode) -> str | None:
    """The TeX of an `<annotation encoding="application/x-tex">` under `node` (KaTeX, LaTeXML with --mathtex)."""
    for ann in node.css("annotation"):
        if (ann.attributes.get("encoding") or "").lower() in TEX_ENCODINGS:
            tex = clean_tex(ann.text(deep=True) or "")
            if tex:
                return tex
    return None


def _alttext(node: LexborNode) -> str | None:
    alt = clean_tex(node.attributes.get("alttext") or "")
    if not alt:
        return None
    if "ltx_Math" in (node.attributes.get("class") or "") or TEX_MARKUP.search(alt):
        return alt
    # Without TeX markup, two or more words of prose mean an accessibility label ("x squared plus one"), not TeX.
    return alt if len(PROSE_WORD.findall(alt)) < 2 else None


def page_tex(node: LexborNode) -> str | None:
    """The TeX a `<math>` element carries (TeX annotation, then `alttext`), cleaned; None where it carries none."""
    return tex_annotation(node) or _alttext(node)


def math_tex(node: LexborNode) -> str:
    """The TeX of a `<math>` element: the page's own (`page_tex`), else converted from presentation MathML."""
    return page_tex(node) or mathml_to_latex(node)


MO_LATEX = {
    "×": r"\times",
    "·": r"\cdot",
    "÷": r"\div",
    "≤": r"\leq",
    "≥": r"\geq",
    "≠": r"\neq",
    "±": r"\pm",
    "∞": r"\infty",
    "→": r"\to",
    "∑": r"\sum",
    "∏": r"\prod",
    "∫": r"\int",
    "∈": r"\in",
    "∂": r"\partial",
    "−": "-",
    "⋅": r"\cdot",
    "≈": r"\approx",
    "\u2061": "",  # function application
    "\u2062": "",  # invisible times
    "\u2063": "",  # invisible separator
    "\u2064": "",  # invisible plus
}
MI_LATEX = {
    "π": r"\pi",
    "α": r"\alpha",
    "β": r"\beta",
    "γ": r"\gamma",
    "θ": r"\theta",
    "λ": r"\lambda",
    "μ": r"\mu",
    "σ": r"\sigma",
    "φ": r"\varphi",
    "ω": r"\omega",
    "Δ": r"\Delta",
    "Σ": r"\Sigma",
}
FUNCTIONS = {"sin", "cos", "tan", "log", "ln", "exp", "lim", "max", "min", "det", "sec", "csc", "cot"}
CONTROL_SEQUENCE = re.compile(r"\\[A-Za-z]+")


def mathml_to_latex(node: LexborNode) -> str:
    """Convert presentation MathML to LaTeX (the common elements; unknown ones contribute their children)."""
    return _mml(node).strip()


# Real formulas nest a few dozen elements deep; below this depth a subtree becomes its text, so a page nested
# thousands deep (tests/fuzz/test_fuzz_extract.py) cannot overflow Python's stack in these recursive converters.
MAX_DEPTH = 100


def _flat(node: LexborNode) -> str:
    return WHITESPACE.sub(" ", node.text(deep=True) or "").strip()


def _mml(node: LexborNode, depth: int = 0) -> str:
    if depth > MAX_DEPTH:
        return _flat(node)
    depth += 1
    tag = node.tag
    kids = list(node.iter(include_text=False))
    group = lambda n: "{" + _mml(n, depth) + "}"  # noqa: E731
    if tag in ("mi", "mn", "mtext", "ms"):
        t = node.text(deep=True).strip()
        if tag == "mi":
            if t in FUNCTIONS:
                return "\\" + t + " "
            return MI_LATEX.get(t, t)
        if tag == "mtext" and CONTROL_SEQUENCE.fullmatch(t):
            return t + " "  # a converter shows a macro it does not know as its name: that name is the TeX
        return t if tag == "mn" else (r"\text{" + t + "}" if tag == "mtext" and t else t)
    if tag == "mo":
        t = node.text(deep=True).strip()
        return MO_LATEX.get(t, t)
    if tag == "mspace":
        return " "
    if tag in ("msup", "msub") and len(kids) == 2:
        return _mml(kids[0], depth) + ("^" if tag == "msup" else "_") + group(kids[1])
    if tag == "msubsup" and len(kids) == 3:
        return _mml(kids[0], depth) + "_" + group(kids[1]) + "^" + group(kids[2])
    if tag == "mfrac" and len(kids) == 2:
        return r"\frac" + group(kids[0]) + group(kids[1])
    if tag == "msqrt":
        return r"\sqrt{" + "".join(_mml(k, depth) for k in kids) + "}"
    if tag == "mroot" and len(kids) == 2:
        return r"\sqrt[" + _mml(kids[1], depth) + "]" + group(kids[0])
    if tag in ("munder", "mover", "munderover") and kids:
        base, rest = _mml(kids[0], depth), [group(k) for k in kids[1:]]
        if tag == "munder":
            return base + "_" + rest[0] if rest else base
        if tag == "mover":
            return base + "^" + rest[0] if rest else base
        return base + ("_" + rest[0] if rest else "") + ("^" + rest[1] if len(rest) > 1 else "")
    if tag == "mfenced":
        open_, close = node.attributes.get("open") or "(", node.attributes.get("close") or ")"
        return open_ + ",".join(_mml(k, depth) for k in kids) + close
    if tag == "mtable":
        rows = [" & ".join(_mml(c, depth).strip() for c in r.iter(include_text=False)) for r in kids]
        return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"
    if tag in ("annotation", "annotation-xml", "mphantom"):
        return ""
    return "".join(_mml(k, depth) for k in kids)


def _classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def is_equation_table(node: LexborNode) -> bool:
    """A LaTeXML display equation or equation group laid out as a table."""
    return node.tag == "table" and bool(_classes(node) & {"ltx_eqn_table", "ltx_equation", "ltx_equationgroup"})


def _cells(row: LexborNode) -> list[LexborNode]:
    """The content cells of a row: not the padding (`*_padleft`, `*_padright`) nor the equation number."""
    cells = []
    for td in row.iter(include_text=False):
        if td.tag not in ("td", "th"):
            continue
        classes = _classes(td)
        if "ltx_eqn_eqno" in classes or any(c.endswith(("_padleft", "_padright")) for c in classes):
            continue
        cells.append(td)
    return cells


def _cell_tex(node: LexborNode, depth: int = 0) -> str:
    """A cell's TeX: its formulas, and any text beside them as `\\text{..}`; an equation tag inside is dropped."""
    if depth > MAX_DEPTH:
        text = _flat(node)
        return r"\text{" + text + "}" if text else ""
    parts = []
    for child in node.iter(include_text=True):
        if child.tag == "math":
            parts.append(math_tex(child))
        elif child.tag == "-text":
            text = WHITESPACE.sub(" ", child.text_content or "").strip()
            if text:
                parts.append(r"\text{" + text + "}")
        elif child.tag not in ("-comment",) and "ltx_tag" not in _classes(child):
            parts.append(_cell_tex(child, depth + 1))
    return " ".join(p for p in parts if p)


def _row_tex(cells: list[LexborNode]) -> str:
    out = ""
    for i, cell in enumerate(cells):
        tex = _cell_tex(cell)
        if i == 0:
            out = tex
        elif "ltx_align_center" in _classes(cells[i - 1]) and len(cells) > 2:
            out += " " + tex  # eqnarray's relation column belongs with the right-hand side (aligned pairs r & l)
        else:
            out += " & " + tex
    return out.strip()


def _top_level_break(tex: str) -> bool:
    """Whether `\\\\` breaks the line outside any group or environment (a multline cell), invalid in bare display math."""
    depth = i = 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            if tex.startswith("\\\\", i) and depth == 0:
                return True
            name = re.match(r"\\([A-Za-z]+|.?)", tex[i:])
            depth += {"begin": 1, "end": -1}.get(name.group(1), 0)
            i += max(len(name.group(0)), 1)
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        i += 1
    return False


def _display(rows: list[tuple[str, int]]) -> str:
    if len(rows) == 1 and rows[0][1] == 1:
        tex = rows[0][0]
        # multline comes as one cell with its line breaks: gathered makes them valid display math.
        return "\\begin{gathered}\n" + tex + "\n\\end{gathered}" if _top_level_break(tex) else tex
    env = "aligned" if any(n > 1 for _, n in rows) else "gathered"
    return "\\begin{" + env + "}\n" + " \\\\\n".join(tex for tex, _ in rows) + "\n\\end{" + env + "}"


def equation_table_parts(table: LexborNode) -> list[str | LexborNode]:
    """The display TeX (str) of a LaTeXML equation table, with any `\\intertext` cell (node) between its parts."""
    parts: list[str | LexborNode] = []
    rows: list[tuple[str, int]] = []
    for tr in table.css("tr"):
        cells = _cells(tr)
        row_classes = _classes(tr)
        # LaTeXML marks equation rows `ltx_equation`; its other rows (`\intertext`) are text, formulas or not.
        is_text = "ltx_equation" not in row_classes if "ltx_eqn_row" in row_classes else tr.css_first("math") is None
        if is_text:
            text_cells = [c for c in cells if (c.text(deep=True) or "").strip()]
            if text_cells:  # \intertext: ends the display, reads as a paragraph
                if rows:
                    parts.append(_display(rows))
                    rows = []
                parts.extend(text_cells)
            continue
        tex = _row_tex(cells)
        if tex:
            rows.append((tex, len(cells)))
    if rows:
        parts.append(_display(rows))
    return parts
