"""Math-aware HTML → text extraction that keeps every formula as LaTeX.

    mathcpt extract page.html docs/ crawl.warc.gz -o pages.jsonl

Written by us because generic extractors lose math: trafilatura (what datatrove's Trafilatura step wraps) drops
much of the MathJax on real documentation pages and most of the LaTeX that lives in image alt text
(tests/benchmarks/bench_extraction.py measures both side by side). We parse with lexbor (selectolax), never with regular expressions over raw HTML, and render the
main content block by block:

* MathJax source in text (`\\(..\\)`, `\\[..\\]`, `$..$`, `$$..$$`) is text and passes through untouched;
* `<script type="math/tex">` → `$tex$`, with `; mode=display` → a `$$tex$$` block;
* KaTeX → the `annotation encoding="application/x-tex"` source (the rendered `katex-html` glyphs are dropped);
* MathML → the TeX the page carries (TeX annotation, then `alttext`, as LaTeXML and arXiv's HTML papers write
  both), only without either → LaTeX by a small converter (pipeline/data/filter/mathml_tex.py);
* LaTeXML's equation tables (equation, align, eqnarray, gather) → one `$$..$$` display each, a group as
  `\\begin{aligned} .. \\end{aligned}`, without the table's cells, padding and equation numbers;
* `<img alt="LaTeX">` of math images → `$alt$`;
* `<pre>`/code blocks → fenced code, verbatim;
* navigation, headers and footers outside the article, sidebars, cookie banners, forms, scripts → dropped;
* headings → `#` lines, list items → `- ` lines, paragraphs separated by blank lines, in reading order.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from loguru import logger
from selectolax.lexbor import LexborHTMLParser, LexborNode

from pipeline.config.stages import ExtractionStage
from pipeline.data.filter.mathml_tex import equation_table_parts, is_equation_table, math_tex, tex_annotation
from pipeline.data.sources.html_input import (
    MAX_HTML_BYTES,
    MAX_PARSE_COST,
    decode_page,
    is_garbled,
    iter_pages,
    too_complex,
)
from pipeline.errors import require_inputs
from pipeline.shared.atomic import atomic_open

# Tags whose whole subtree is never content.
DROP_TAGS = {
    "head",
    "style",
    "noscript",
    "template",
    "form",
    "button",
    "select",
    "input",
    "textarea",
    "iframe",
    "svg",
    "canvas",
    "nav",
    "aside",
    "object",
    "embed",
    "dialog",
}
# Dropped only outside the main article: an <article> often carries its own <header> with the title.
OUTER_ONLY_TAGS = {"header", "footer"}
BOILERPLATE = re.compile(
    r"(^|[\s_-])(nav|navbar|navigation|menu|sidebar|footer|cookies?|consent|banner|breadcrumbs?|share|social|"
    r"related|advert|ads|promo|subscribe|newsletter|skip-link|toc-sidebar)([\s_-]|$)",
    re.I,
)
BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search"}
# Rendered copies of formulas whose source is kept elsewhere on the page (MathJax v2 keeps it in <script>).
RENDERED_MATH_CLASSES = {"MathJax", "MathJax_Preview", "MathJax_Display", "MathJax_SVG", "MathJax_CHTML", "katex-html"}
BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "table",
    "tr",
    "ul",
    "ol",
    "li",
    "hr",
    "br",
    "address",
    "details",
    "summary",
    "body",
    "header",
    "footer",
    "center",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
MATH_IMG_CLASS = re.compile(r"math|latex|tex|equation|formula", re.I)
LATEX_ALT = re.compile(r"\\[A-Za-z]+|[\^_]\{?|=")
LATEXML_UNKNOWN_ENV = re.compile(r"\s*\{[A-Za-z*]+\}\s*")


@dataclass
class _Segment:
    text: str
    verbatim: bool  # formulas and code keep their whitespace exactly


@dataclass
class _Renderer:
    keep_code_blocks: bool = True
    blocks: list[str] = field(default_factory=list)
    line: list[_Segment] = field(default_factory=list)
    prefix: str = ""
    counts: dict[str, int] = field(default_factory=lambda: {"inline_math": 0, "display_math": 0, "code_blocks": 0})

    def add(self, text: str, verbatim: bool = False) -> None:
        if text:
            self.line.append(_Segment(text, verbatim))
            if not verbatim:  # MathJax source left in text passes through as is: count it like the converted kinds
                self.counts["inline_math"] += text.count("\\(")
                self.counts["display_math"] += text.count("\\[") + text.count("$$") // 2

    def flush(self) -> None:
        parts = [s.text if s.verbatim else re.sub(r"\s+", " ", s.text) for s in self.line]
        # Inline formulas never glue to the neighbouring words (a <script> sits right next to text nodes).
        for i, seg in enumerate(self.line):
            if seg.verbatim:
                if i > 0 and parts[i - 1] and not parts[i - 1][-1].isspace() and parts[i - 1][-1] not in "([{":
                    parts[i] = " " + parts[i]
                if (
                    i + 1 < len(parts)
                    and parts[i + 1]
                    and not parts[i + 1][0].isspace()
                    and parts[i + 1][0] not in ".,;:!?)]}"
                ):
                    parts[i] = parts[i] + " "
        text = "".join(parts).strip()
        if text:
            self.blocks.append(self.prefix + text)
        self.line = []
        self.prefix = ""

    def block(self, text: str) -> None:
        self.flush()
        self.blocks.append(text)


def _classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def _holds_math(node: LexborNode) -> bool:
    return node.css_first('img.math, math, .katex, .math, script[type^="math/tex"]') is not None


def _is_boilerplate(node: LexborNode, inside_article: bool) -> bool:
    tag = node.tag
    if inside_article and (tag == "aside" or "sidebar" in (node.attributes.get("class") or "")) and _holds_math(node):
        # A tip box inside the article (Sphinx's `sidebar` directive) that explains with formulas is exposition.
        return False
    if tag in DROP_TAGS:
        return True
    if tag in OUTER_ONLY_TAGS and not inside_article:
        return True
    attrs = node.attributes
    if (attrs.get("role") or "") in BOILERPLATE_ROLES and not inside_article:
        return True
    if attrs.get("aria-hidden") == "true" or attrs.get("hidden") is not None:
        return True
    ident = attrs.get("id") or ""
    # A long id is a slug of a heading ("truth-tables-and-related-functions"), not a widget name: only short ids
    # ("sidebar", "nav-main") are judged, and a <section> is never dropped for its id.
    if tag == "section" or len(re.split(r"[-_\s]+", ident)) > 3:
        ident = ""
    ident = f"{attrs.get('class') or ''} {ident}"
    return bool(ident.strip()) and bool(BOILERPLATE.search(ident))


def _math_script_type(node: LexborNode) -> tuple[bool, bool]:
    """(is a MathJax TeX script, is display mode)."""
    kind = (node.attributes.get("type") or "").lower().replace(" ", "")
    if not kind.startswith("math/tex"):
        return False, False
    return True, "mode=display" in kind


def _render(root: LexborNode, out: _Renderer, inside_article: bool) -> None:
    """Render root's children in document order. A loop over an explicit stack, not recursion: a page nested
    thousands of elements deep (tests/fuzz/test_fuzz_extract.py) renders like any other instead of overflowing
    Python's stack. A stack entry is (work items, inside_article, what to run after them: the flush or cell separator
    that ends an element); an item is a node to render, or a callable (the parts of an equation table)."""
    stack: list[tuple[Iterator, bool, Callable | None]] = [(root.iter(include_text=True), inside_article, None)]
    push = stack.append
    while stack:
        items, inside, after = stack[-1]
        for child in items:
            tag = child.tag
            if tag == "-text":
                out.add(child.text_content or "")
            elif tag == _CALL:
                child()
            elif _render_node(child, tag, out, inside, push):
                break  # its children are on the stack: render them first
        else:
            stack.pop()
            if after is not None:
                after()


def _render_node(child: LexborNode, tag: str, out: _Renderer, inside_article: bool, push: Callable) -> bool:
    """Render one element (its tag read once: a property that builds a string). True when its children are to be
    rendered next: then `push` got (its children, inside_article for them, what to run after them)."""
    if tag in ("-comment", "!doctype"):
        return False
    if tag == "script":
        is_tex, display = _math_script_type(child)
        if is_tex:
            tex = (child.text(deep=True) or "").strip()
            _emit_math(out, tex, display)
        return False
    classes = _classes(child)
    if "katex" in classes or "katex-display" in classes:
        tex = tex_annotation(child)
        if tex is not None:
            _emit_math(out, tex, "katex-display" in classes or child.css_first(".katex-display") is not None)
            return False
    if classes & RENDERED_MATH_CLASSES:
        return False
    if tag == "math":
        _emit_math(out, math_tex(child), (child.attributes.get("display") or "") == "block")
        return False
    if "ltx_ERROR" in classes and LATEXML_UNKNOWN_ENV.fullmatch(child.text(deep=True) or ""):
        # LaTeXML's "{example}": the name of an environment it did not know, not text. An unknown macro in
        # text (`\\ef`) stays: it is the author's TeX, as the LaTeX book reader keeps it.
        return False
    if is_equation_table(child):
        push(_render_equation_table(child, out, inside_article))
        return True
    if tag == "img":
        alt = (child.attributes.get("alt") or "").strip()
        if alt and (MATH_IMG_CLASS.search(child.attributes.get("class") or "") or LATEX_ALT.search(alt)):
            _emit_math(out, alt, False)
        return False
    child_in_article = inside_article or tag in ("article", "main") or child.attributes.get("role") == "main"
    if _is_boilerplate(child, inside_article):
        return False
    if tag == "pre":
        if out.keep_code_blocks:
            code = (child.text(deep=True) or "").strip("\n")
            if code.strip():
                out.block("```\n" + code + "\n```")
                out.counts["code_blocks"] += 1
        return False
    if tag in HEADINGS:
        out.flush()
        out.prefix = "#" * HEADINGS[tag] + " "
        push((child.iter(include_text=True), child_in_article, out.flush))
        return True
    if tag == "li":
        out.flush()
        out.prefix = "- "
        push((child.iter(include_text=True), child_in_article, out.flush))
        return True
    if tag in ("td", "th"):
        push((child.iter(include_text=True), child_in_article, lambda: out.add(" | ")))
        return True
    if tag in BLOCK_TAGS:
        out.flush()
        push((child.iter(include_text=True), child_in_article, out.flush))
        return True
    push((child.iter(include_text=True), child_in_article, None))
    return True


def _render_equation_table(table: LexborNode, out: _Renderer, inside_article: bool) -> tuple:
    """A LaTeXML equation (group) table: one display formula, no table furniture; `\\intertext` as a paragraph.
    Returns the table's parts as work items for `_render`'s stack."""
    items: list = []
    flush = _Call(out.flush)
    for part in equation_table_parts(table):
        if isinstance(part, str):
            items.append(_Call(lambda tex=part: _emit_math(out, tex, True)))
        else:
            items += [flush, *part.iter(include_text=True), flush]
    return iter(items), inside_article, None


_CALL = "-call"


class _Call:
    """A step of `_render`'s work that is not a node: it has a tag, so the loop reads every item the same way."""

    tag = _CALL

    def __init__(self, fn: Callable[[], None]):
        self.fn = fn

    def __call__(self) -> None:
        self.fn()


def _emit_math(out: _Renderer, tex: str, display: bool) -> None:
    if not tex:
        return
    if display:
        out.block("$$" + tex + "$$")
        out.counts["display_math"] += 1
    else:
        out.add("$" + tex + "$", verbatim=True)
        out.counts["inline_math"] += 1


class TooComplexPage(ValueError):
    """A page whose markup would take the HTML parser quadratic time (pipeline.data.sources.html_input.parse_cost):
    skipped as `too_complex`."""


def extract_html(raw_html: str, keep_code_blocks: bool = True) -> tuple[str, dict]:
    """Return (text, stats) for one page: the main content as Markdown-like text with formulas as LaTeX; raises
    TooComplexPage before parsing markup that would take the parser quadratic time."""
    if too_complex(raw_html):
        raise TooComplexPage(f"markup too deeply nested for its size (parse cost over {MAX_PARSE_COST:,})")
    tree = LexborHTMLParser(raw_html)
    root = (
        tree.css_first("main") or tree.css_first("article") or tree.css_first('[role="main"]') or tree.body or tree.root
    )
    out = _Renderer(keep_code_blocks=keep_code_blocks)
    if root is not None:
        inside = root.tag in ("main", "article") or root.attributes.get("role") == "main"
        # Render the chosen root's children (the root itself may carry a boilerplate-looking class).
        _render(root, out, inside)
    out.flush()
    # The parser has already decoded entities: decoding again would corrupt a literal "&lt;" in the page's text.
    return "\n\n".join(out.blocks), out.counts


class MathExtractor(PipelineStep):
    """datatrove step: documents whose `metadata.content == "html"` get their text replaced by the extraction.

    Pages that yield less than `min_text_chars` characters are dropped (stat `dropped_empty_extraction`), and so
    are pages over the size cap (`dropped_too_large`), markup the parser would take quadratic time on
    (`dropped_too_complex`), text that is mostly replacement or control characters (`dropped_garbled_text`, see
    pipeline.data.sources.html_input) and pages the parser cannot read (`dropped_unparseable`): counted, never
    silently.
    """

    name = "🧮 math-aware extraction"
    type = "🛢 - EXTRAC"

    def __init__(self, settings: ExtractionStage = ExtractionStage()):
        super().__init__()
        self.keep_code_blocks = settings.keep_code_blocks
        self.min_text_chars = settings.min_text_chars

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            if doc.metadata.get("content") != "html":
                yield doc
                continue
            self.stat_update("total")
            if len(doc.text) > MAX_HTML_BYTES:
                self.stat_update("dropped_too_large")
                continue
            with self.track_time():
                try:
                    text, counts = extract_html(doc.text, self.keep_code_blocks)
                except TooComplexPage:
                    self.stat_update("dropped_too_complex")
                    continue
                except Exception as e:  # noqa: BLE001 - a broken page is counted and reported, not fatal
                    self.stat_update("dropped_unparseable")
                    doc.metadata["extraction_error"] = repr(e)[:200]
                    continue
            if len(text.strip()) < self.min_text_chars:
                self.stat_update("dropped_empty_extraction")
                continue
            if is_garbled(text):
                self.stat_update("dropped_garbled_text")
                continue
            doc.text = text
            doc.metadata["content"] = "text"
            doc.metadata["extracted_math"] = counts["inline_math"] + counts["display_math"]
            self.stat_update("forwarded")
            self.update_doc_stats(doc)
            yield doc


def extract_inputs(inputs: list[str], output: str, keep_code_blocks: bool = True) -> dict:
    """Extract every page into `output`; returns {"written": n, "skipped": {reason: n}}."""
    require_inputs(inputs)
    written, skipped = 0, Counter()
    with atomic_open(output) as f:
        for page_id, raw, info in iter_pages(inputs):
            if raw is None:
                skipped[info.split(" ")[0]] += 1
                logger.warning(f"{page_id}: skipped, {info}")
                continue
            page = decode_page(raw, info)
            text, reason = "", page.reason
            if page.html is not None:
                try:
                    text, counts = extract_html(page.html, keep_code_blocks)
                except TooComplexPage:
                    reason = "too_complex"
            reason = reason or (
                "empty_extraction" if not text.strip() else "garbled_text" if is_garbled(text) else None
            )
            if reason:
                skipped[reason] += 1
                logger.warning(f"{page_id}: skipped, {reason}")
                continue
            record = {
                "id": page_id,
                "text": text,
                "metadata": {"charset": page.charset, "extracted_math": counts["inline_math"] + counts["display_math"]},
            }
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    return {"written": written, "skipped": dict(sorted(skipped.items()))}
