"""Fuzzing HTML decoding (pipeline/data/sources/html_input.py `decode_page`) and math-aware extraction
(pipeline/data/filter/extract.py, mathml_tex.py): `extract_html`, the `MathExtractor` step and `mathcpt extract`.

    .venv/bin/python -m pytest tests/fuzz/test_fuzz_extract.py -q
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz/test_fuzz_extract.py -q

Properties: a page's bytes decode to text a UTF-8 writer can write, or to a documented skip reason; extraction of
any mutated page (MathJax, MathML, KaTeX, LaTeXML tables, deep nesting, truncation, invalid bytes) returns text or
a counted drop (`too_complex`, ...), never a traceback, within the per-item limit; every page given to `mathcpt
extract` is written or counted; and a formula planted in a valid page comes out verbatim.
"""

from __future__ import annotations

import encodings.aliases
import html as htmllib

import pytest
from datatrove.data import Document
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.data.filter.extract import MathExtractor, TooComplexPage, extract_html, extract_inputs
from pipeline.data.sources.html_input import decode_page
from tests.fuzz.fuzzing import DEEP, Blob, mutated, run_item, text_of

SEED_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Quadratics</title><script>var x = "<div>";</script></head>
<body><nav class="navbar"><a href="/">Home</a></nav>
<main><article><h1>Solving $ax^2+bx+c=0$</h1>
<p>MathJax inline \\(x = \\frac{-b \\pm \\sqrt{b^2-4ac}}{2a}\\) and display \\[\\Delta = b^2 - 4ac\\].</p>
<p>Script: <script type="math/tex">e^{i\\pi}+1=0</script>
and <script type="math/tex; mode=display">\\int_0^1 x\\,dx</script></p>
<p>KaTeX: <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>y</mi></mrow>
<annotation encoding="application/x-tex">y = mx + b</annotation></semantics></math></span>
<span class="katex-html" aria-hidden="true">y=mx+b</span></span></p>
<p>MathML: <math><mfrac><mi>a</mi><msqrt><mn>2</mn></msqrt></mfrac><msup><mi>x</mi><mn>3</mn></msup></math>
and <math alttext="\\sum_{k=1}^n k"><mi>S</mi></math></p>
<table class="ltx_equation ltx_eqn_table"><tr class="ltx_equation ltx_eqn_row"><td class="ltx_eqn_cell">
<math alttext="E=mc^2" class="ltx_Math"><mi>E</mi></math></td><td class="ltx_eqn_eqno">(1)</td></tr></table>
<img class="math" alt="\\alpha + \\beta"><ul><li>one $a$</li><li>two</li></ul>
<pre><code>print(1 + 1)</code></pre></article></main>
<footer class="footer">Cookies &amp; terms</footer><div id="cookie-banner">Accept</div></body></html>
"""
HTML_TOKENS = [
    b"<div>",
    b"</div>",
    b"<span>",
    b"</nope>",
    b"<math>",
    b"</math>",
    b"<mrow>",
    b"<mfrac>",
    b"<msup>",
    b'<script type="math/tex">',
    b"</script>",
    b"<script>",
    b"<!--",
    b"-->",
    b"<table class='ltx_equationgroup ltx_eqn_table'><tr class='ltx_eqn_row ltx_equation'><td>",
    b"<select>",
    b"<option>",
    b"<svg>",
    b"<template>",
    b"<main>",
    b"<article>",
    b'<img class="math" alt="',
    b'"',
    b"\\(",
    b"\\)",
    b"$$",
    b"$",
    b"&#0;",
    b"&#xD800;",
    b"&amp;",
    b"&",
    b"<",
    b">",
    b"\x00",
    b"<meta charset=utf-7>",
    b'<meta charset="unicode_escape">',
    b"<meta charset=undefined>",
    b"%PDF",
]
HTML_NESTS = [
    (b"<div>", b"</div>"),
    (b"<span>", b"</span>"),
    (b"<b>", b"</b>"),
    (b"<math><mrow>", b"</mrow></math>"),
    (b"<mrow>", b"</mrow>"),
    (b"<ul><li>", b"</li></ul>"),
    (b"<table><tr><td>", b"</td></tr></table>"),
    (b"<blockquote>", b""),
    (b"<dl><dd>", b""),
    (b"<center>", b""),
    (b"<option>", b""),
    (b"<span>", b"</nope>"),
]
REASONS = {"empty", "too_large", "binary", "undecodable"}
CHARSETS = sorted(set(encodings.aliases.aliases.values()) | {"utf-8", "latin-1", "x-user-defined", "bogus"})


def utf8_writable(text: str) -> None:
    text.encode("utf-8")  # a lone surrogate raises: the next stage's JSONL writer would fail on it


# ------------------------------------------------------------------------------------------------ decoding


@given(
    raw=mutated(SEED_PAGE.encode(), HTML_TOKENS, HTML_NESTS),
    charset=st.one_of(st.none(), st.sampled_from(CHARSETS)),
    where=st.sampled_from(["header", "meta"]),
)
@example(raw=Blob(b'<meta charset="undefined"><p>x</p>'), charset=None, where="meta")  # UnicodeError
@example(raw=Blob(b'<meta charset="punycode"><p>x y</p>'), charset=None, where="meta")  # UnicodeError
@example(raw=Blob(b'<meta charset="unicode_escape"><p>\\ud800</p>'), charset=None, where="meta")  # surrogate
@example(raw=Blob(b"<p>+2AA-</p>"), charset="utf-7", where="header")  # utf-7 decodes to a lone surrogate
def test_decode_page_gives_writable_text_or_a_reason(raw, charset, where):
    content_type = None
    if charset and where == "header":
        content_type = f"text/html; charset={charset}"
    elif charset:
        raw = Blob(f'<meta charset="{charset}">'.encode() + raw)
    page = run_item("html:decode", decode_page, raw, content_type, nbytes=len(raw))
    if page.html is None:
        assert page.reason in REASONS
    else:
        utf8_writable(page.html)


# ------------------------------------------------------------------------------------------------ extraction


def extract_or_too_complex(html: str):
    try:
        return extract_html(html)
    except TooComplexPage:
        return None


@given(raw=mutated(SEED_PAGE.encode(), HTML_TOKENS, HTML_NESTS))
@example(raw=Blob(b"<div>" * DEEP + b"x" + b"</div>" * DEEP))  # RecursionError in _render
@example(raw=Blob(b"<math>" + b"<mrow>" * DEEP + b"<mi>x</mi>"))  # RecursionError in mathml_to_latex
@example(raw=Blob(b"<table class='ltx_equation'><tr><td>" + b"<span>" * DEEP + b"<math alttext='x'></math>"))
@example(raw=Blob(b"<div>" * 100_000))  # minutes in lexbor: a quadratic parse
@example(raw=Blob(b"<select>" + b"<option>a" * 30_000))  # 27 s in lexbor
@example(raw=Blob(b"<span>" * 15_000 + b"</nope>" * 15_000))  # 8 s in lexbor
def test_extraction_returns_text_or_a_counted_drop(raw):
    result = run_item("html:extract", extract_or_too_complex, text_of(raw), nbytes=len(raw))
    if result is not None:
        text, counts = result
        utf8_writable(text)
        assert all(isinstance(v, int) and v >= 0 for v in counts.values())


@given(pages=st.lists(mutated(SEED_PAGE.encode(), HTML_TOKENS, HTML_NESTS, max_ops=2), min_size=1, max_size=4))
def test_extraction_step_forwards_or_counts_every_page(pages):
    docs = [Document(text=text_of(p), id=str(i), metadata={"content": "html"}) for i, p in enumerate(pages)]
    step = MathExtractor()
    out = run_item("html:step", lambda: list(step.run(iter(docs))), nbytes=sum(map(len, pages)))
    stats = {k: (v["total"] if isinstance(v, dict) else v) for k, v in step.stats.to_dict()["stats"].items()}
    dropped = sum(v for k, v in stats.items() if k.startswith("dropped_"))
    assert len(out) + dropped == len(pages) == stats["total"], stats
    for doc in out:
        utf8_writable(doc.text)


@given(pages=st.lists(mutated(SEED_PAGE.encode(), HTML_TOKENS, HTML_NESTS, max_ops=2), min_size=1, max_size=4))
def test_extract_command_writes_or_counts_every_page(tmp_path, pages):
    inputs = []
    for i, raw in enumerate(pages):
        path = tmp_path / f"p{i}.html"
        path.write_bytes(raw)
        inputs.append(str(path))
    nbytes = sum(map(len, pages))
    result = run_item("html:extract_inputs", extract_inputs, inputs, str(tmp_path / "out.jsonl"), nbytes=nbytes)
    assert result["written"] + sum(result["skipped"].values()) == len(pages), result
    documented = REASONS | {"too_complex", "empty_extraction", "garbled_text"}
    assert set(result["skipped"]) <= documented, result


# ------------------------------------------------------------------------------------------------ no silent loss

FORMULA = st.text("abcxyz0123456789+-=^_{}()|,.\\", min_size=1, max_size=25).filter(
    lambda f: not f.endswith("\\") and "\\)" not in f and "\\(" not in f and "$" not in f
)


@given(formulas=st.lists(FORMULA, min_size=1, max_size=4), kind=st.sampled_from(["script", "mathjax", "katex", "alt"]))
def test_a_planted_formula_comes_out_verbatim(formulas, kind):
    def plant(f: str) -> str:
        if kind == "script":
            return f'<script type="math/tex">{f}</script>'
        if kind == "mathjax":
            return f"\\({htmllib.escape(f)}\\)"
        if kind == "katex":
            return (
                '<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>q</mi></mrow>'
                f'<annotation encoding="application/x-tex">{htmllib.escape(f)}</annotation></semantics></math></span>'
                '<span class="katex-html" aria-hidden="true">garbage</span></span>'
            )
        return f'<img class="math" alt="{htmllib.escape(f, quote=True)}">'

    page = SEED_PAGE.replace("<li>two</li>", "<li>two " + " and ".join(plant(f) for f in formulas) + "</li>")
    text, _ = run_item("html:extract", extract_html, page)
    for f in formulas:
        expected = f"\\({f}\\)" if kind == "mathjax" else f"${f.strip()}$"
        if kind == "katex":
            expected = "$" + " ".join(f.split()) + "$"
        assert expected in text, (f, text)


# ------------------------------------------------------------------------------------------------ regressions


@pytest.mark.parametrize("tag", ["div", "span", "b", "li", "h1"])
def test_regression_deep_nesting_renders_its_text(tag):
    depth = 3_000  # past Python's recursion limit (1,000), within the parse budget (about 4,400 with end tags)
    text, _ = extract_html(f"<{tag}>" * depth + "deep $x$" + f"</{tag}>" * depth)
    assert "deep $x$" in text


def test_regression_quadratic_markup_is_dropped_and_counted():
    step = MathExtractor()
    pages = [
        "<select>" + "<option>a" * 30_000,
        "<div>" * 50_000,
        "<p>" + "a fine page about $x^2$ with enough text to keep. " * 3 + "</p>",
    ]
    docs = [Document(text=p, id=str(i), metadata={"content": "html"}) for i, p in enumerate(pages)]
    out = run_item("html:step", lambda: list(step.run(iter(docs))))
    assert [d.id for d in out] == ["2"]
    assert step.stats.to_dict()["stats"]["dropped_too_complex"] in (2, {"total": 2})
