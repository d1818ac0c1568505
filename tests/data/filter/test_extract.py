"""Math-aware extraction: every formula markup survives as LaTeX, boilerplate goes, structure stays."""

from __future__ import annotations

import io
import json

from pipeline.data.filter.extract import extract_html
from tests.conftest import run_cli

PAGE = """<!doctype html><html><head><title>Calculus notes</title><style>.x{color:red}</style></head><body>
<nav class="site-nav"><a href="/">Home</a><a href="/blog">Blog</a></nav>
<header><h1>My Math Site</h1><p>Tagline of the site</p></header>
<div class="cookie-banner">We use cookies to improve your experience. Accept?</div>
<aside class="sidebar"><h3>Popular posts</h3><ul><li>Post one</li></ul></aside>
<main>
  <h1>The power rule</h1>
  <p>For inline MathJax, \\(f(x) = x^n\\) has derivative \\(f'(x) = n x^{n-1}\\), and $$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$ too.</p>
  <p>A script formula <script type="math/tex">a^2 + b^2 = c^2</script> in a sentence.</p>
  <script type="math/tex; mode=display">\\int_0^1 x^2\\,dx = \\frac{1}{3}</script>
  <p>KaTeX: <span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>e</mi></mrow>
  <annotation encoding="application/x-tex">e^{i\\pi} + 1 = 0</annotation></semantics></math></span>
  <span class="katex-html" aria-hidden="true"><span>RENDEREDGLYPHS</span></span></span> is Euler's identity.</p>
  <p>MathML: <math><mrow><msup><mi>x</mi><mn>2</mn></msup><mo>&#x2212;</mo><mfrac><mn>1</mn><mi>y</mi></mfrac></mrow></math>.</p>
  <p>Image: <img class="math" src="m.png" alt="\\lim_{x \\to 0} \\frac{\\sin x}{x} = 1"> and a photo <img src="cat.jpg" alt="a cat"></p>
  <p>Comparison \\(a &lt; b\\) must keep its less-than sign.</p>
  <ul><li>first item</li><li>second item with \\(y\\)</li></ul>
  <pre><code>import sympy as sp
x = sp.symbols("x")
print(sp.diff(x**3, x))</code></pre>
</main>
<footer class="site-footer">Copyright 2024 Example. <a href="/privacy">Privacy</a></footer>
</body></html>"""


def test_every_markup_style_is_kept_as_latex():
    text, counts = extract_html(PAGE)
    for formula in [
        "\\(f(x) = x^n\\)",
        "\\(f'(x) = n x^{n-1}\\)",
        "$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$",
        "$a^2 + b^2 = c^2$",
        "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$",
        "$e^{i\\pi} + 1 = 0$",
        "$x^{2}-\\frac{1}{y}$",
        "$\\lim_{x \\to 0} \\frac{\\sin x}{x} = 1$",
        "\\(a < b\\)",
    ]:
        assert formula in text, f"{formula!r} missing from:\n{text}"
    assert counts["display_math"] == 2 and counts["inline_math"] >= 4  # $$..$$ in text and a display script


def test_boilerplate_removed_and_structure_kept():
    text, counts = extract_html(PAGE)
    for junk in ["Home", "cookies", "Popular posts", "Copyright", "Tagline", "RENDEREDGLYPHS", "a cat", ".x{color"]:
        assert junk not in text, f"boilerplate {junk!r} leaked:\n{text}"
    assert text.startswith("# The power rule")
    assert "- first item" in text and "- second item with \\(y\\)" in text
    assert '```\nimport sympy as sp\nx = sp.symbols("x")\nprint(sp.diff(x**3, x))\n```' in text
    assert counts["code_blocks"] == 1
    # Reading order: heading, then the paragraphs in page order, then the code.
    order = [text.index(s) for s in ["# The power rule", "inline MathJax", "a^2 + b^2", "Euler", "first item", "```"]]
    assert order == sorted(order)


def test_inline_formula_never_glues_to_words():
    text, _ = extract_html(
        "<p>Let<script type='math/tex'>x</script>be real, so<script type='math/tex'>x^2</script>.</p>"
    )
    assert text == "Let $x$ be real, so $x^2$."


def test_code_blocks_can_be_dropped():
    text, counts = extract_html(PAGE, keep_code_blocks=False)
    assert "sympy" not in text and counts["code_blocks"] == 0


def test_sample_corpus_formulas_survive_extraction(sample_corpus):
    pages = [json.loads(line) for line in (sample_corpus / "web" / "pages.jsonl").read_text().splitlines()]
    checked = 0
    for page in pages:
        truth = page["metadata"]["truth"]
        text, _ = extract_html(page["text"])
        for formula in truth.get("formulas", []) + truth.get("mathml_formulas", []):
            assert formula in text, f"{page['id']}: {formula!r} lost"
            checked += 1
    assert checked > 100


def test_extract_cli_files_folders_and_warc(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    (tmp_path / "site" / "sub").mkdir(parents=True)
    (tmp_path / "site" / "sub" / "a.html").write_text(PAGE)
    (tmp_path / "site" / "notes.txt").write_text("not html")
    single = tmp_path / "single.html"
    single.write_text("<html><body><main><p>Single page with \\(z^3\\) inside.</p></main></body></html>")
    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as f:
        writer = WARCWriter(f, gzip=True)
        body = PAGE.encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.0")
        writer.write_record(
            writer.create_warc_record(
                "https://example.org/power-rule", "response", payload=io.BytesIO(body), http_headers=headers
            )
        )
    out = tmp_path / "out.jsonl"
    r = run_cli("extract", str(single), str(tmp_path / "site"), str(warc), "-o", str(out))
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [rec["id"] for rec in records] == [
        str(single),
        str(tmp_path / "site" / "sub" / "a.html"),
        "https://example.org/power-rule",
    ]
    assert "\\(z^3\\)" in records[0]["text"] and "$e^{i\\pi} + 1 = 0$" in records[2]["text"]
    assert not (tmp_path / "out.jsonl.tmp").exists()


def test_extract_cli_missing_input_is_clear_error(tmp_path):
    r = run_cli("extract", str(tmp_path / "nope.html"), "-o", str(tmp_path / "o.jsonl"))
    assert r.returncode == 2 and "input not found" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_a_section_whose_heading_slug_looks_like_boilerplate_is_kept():
    page = (
        '<main><section id="truth-tables-and-related-functions"><h2>Truth tables</h2>'
        '<p>A function of four variables has up to <img class="math" alt="2^4 = 16"> monomials.</p></section>'
        '<div id="related">Related posts: a, b, c</div></main>'
    )
    text, _ = extract_html(page)
    assert "$2^4 = 16$" in text and "Related posts" not in text
