"""HTML markup of formulas on web pages: MathJax text, math/tex scripts, KaTeX, bare MathML and image alt text."""

from __future__ import annotations

import hashlib
import html
import random
import re

from pipeline.sample.web.mathml import simple_mathml

_GLYPHS = {
    "\\pi": "π",
    "\\alpha": "α",
    "\\beta": "β",
    "\\theta": "θ",
    "\\lambda": "λ",
    "\\Delta": "Δ",
    "\\sum": "∑",
    "\\int": "∫",
    "\\infty": "∞",
    "\\cdot": "⋅",
    "\\pm": "±",
    "\\neq": "≠",
    "\\leq": "≤",
    "\\geq": "≥",
    "\\to": "→",
    "\\sqrt": "√",
    "\\equiv": "≡",
    "\\times": "×",
    "\\varepsilon": "ε",
    "\\delta": "δ",
    "\\circ": "∘",
    "\\ln": "ln",
    "\\log": "log",
    "\\sin": "sin",
    "\\cos": "cos",
    "\\lim": "lim",
    "\\det": "det",
    "\\gcd": "gcd",
    "\\mid": "∣",
    "\\nmid": "∤",
    "\\perp": "⊥",
    "\\cup": "∪",
    "\\cap": "∩",
    "\\dots": "…",
    "\\cdots": "⋯",
}
_TOKEN_RE = re.compile(r"\\[A-Za-z]+|\\.|[A-Za-z]|\d+(?:\.\d+)?|[^\s{}]")


def _katex(latex: str, display: bool) -> str:
    """KaTeX-style markup: MathML with the TeX annotation plus aria-hidden rendered glyphs."""
    mml, glyphs = [], []
    for tok in _TOKEN_RE.findall(latex):
        if tok.startswith("\\"):
            g = _GLYPHS.get(tok)
            if g is None:
                continue
            mml.append(f"<mo>{g}</mo>" if len(g) == 1 else f"<mi>{g}</mi>")
            glyphs.append(f'<span class="mop">{g}</span>')
        elif tok[0].isalpha():
            mml.append(f"<mi>{tok}</mi>")
            glyphs.append(f'<span class="mord mathnormal">{tok}</span>')
        elif tok[0].isdigit():
            mml.append(f"<mn>{tok}</mn>")
            glyphs.append(f'<span class="mord">{tok}</span>')
        else:
            e = html.escape(tok, quote=False)
            mml.append(f"<mo>{e}</mo>")
            cls = "mrel" if tok in "=<>" else "mbin" if tok in "+-*/" else "mpunct" if tok in ",;" else "mord"
            glyphs.append(f'<span class="{cls}">{e}</span>')
    height = 0.6 + (len(latex) % 7) / 10
    core = (
        '<span class="katex"><span class="katex-mathml"><math xmlns="http://www.w3.org/1998/Math/MathML"'
        + (' display="block"' if display else "")
        + "><semantics><mrow>"
        + "".join(mml)
        + "</mrow>"
        + f'<annotation encoding="application/x-tex">{html.escape(latex, quote=False)}</annotation></semantics></math></span>'
        + '<span class="katex-html" aria-hidden="true"><span class="base">'
        + f'<span class="strut" style="height:{height:.4f}em;vertical-align:-0.25em;"></span>'
        + "".join(glyphs)
        + "</span></span></span>"
    )
    return f'<span class="katex-display">{core}</span>' if display else core


class MathRenderer:
    """Renders formulas of one page in its one or two markup styles and records the ground truth."""

    def __init__(self, styles: list[str], seed: int, mj2_frames: bool):
        self.styles = styles
        self.rng = random.Random(seed)
        self.mj2_frames = mj2_frames
        self.formulas: list[str] = []
        self.mathml_formulas: list[str] = []
        self.count = 0

    def _style(self, latex: str, display: bool) -> str:
        style = self.styles[0] if len(self.styles) == 1 else self.rng.choice(self.styles)
        if style == "mathml" and simple_mathml(latex, display) is None:
            other = [s for s in self.styles if s != "mathml"]
            style = other[0] if other else "mathjax"
        return style

    def inline(self, latex: str) -> str:
        return self.render(latex, False)

    def render(self, latex: str, display: bool) -> str:
        self.count += 1
        style = self._style(latex, display)
        esc = html.escape(latex, quote=False)
        if style == "mathml":
            markup, tex = simple_mathml(latex, display)  # type: ignore[misc]
            self.mathml_formulas.append(tex)
            return f'<div class="formula">{markup}</div>' if display else markup
        self.formulas.append(latex)
        if style == "mathjax":
            if display:
                return f"<p>$${esc}$$</p>" if self.rng.random() < 0.5 else f"<p>\\[{esc}\\]</p>"
            return f"\\({esc}\\)"
        if style == "script":
            frame = ""
            if self.mj2_frames:
                glyphs = "".join(_TOKEN_RE.findall(re.sub(r"\\[A-Za-z]+", "", latex)))
                frame = (
                    f'<span class="MathJax" id="MathJax-Element-{self.count}-Frame" role="presentation">'
                    f'<nobr><span class="math">{html.escape(glyphs, quote=False)}</span></nobr></span>'
                )
            if display:
                return f'<div class="equation">{frame}<script type="math/tex; mode=display">{latex}</script></div>'
            return f'{frame}<script type="math/tex">{latex}</script>'
        if style == "katex":
            out = _katex(latex, display)
            return f'<div class="math-block">{out}</div>' if display else out
        if style == "img":
            h = hashlib.sha1(latex.encode("utf-8")).hexdigest()
            img = f'<img class="math" src="_images/math/{h}.png" alt="{html.escape(latex, quote=True)}">'
            return f'<div class="math"><p>{img}</p></div>' if display else img
        raise ValueError(style)
