"""HTML page rendering: document blocks to HTML, site boilerplate (header, navigation, sidebar, footer, cookie banner)."""

from __future__ import annotations

import html
import random

from pipeline.sample.text import slug, unique_in_order
from pipeline.sample.web.mathhtml import MathRenderer


def _html_segs(ss: list[tuple[str, str]], mr: MathRenderer) -> str:
    return "".join(mr.inline(v) if k == "m" else html.escape(v, quote=False) for k, v in ss).strip()


def render_html_blocks(blocks: list[tuple], mr: MathRenderer) -> list[str]:
    out: list[str] = []
    for b in blocks:
        kind = b[0]
        if kind in ("h2", "h3"):
            out.append(f"<{kind}>{html.escape(b[1], quote=False)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_html_segs(b[1], mr)}</p>")
        elif kind == "D":
            out.append(mr.render(b[1], True))
        elif kind in ("ul", "ol"):
            items = "".join(f"<li>{_html_segs(item, mr)}</li>" for item in b[1])
            out.append(f"<{kind}>{items}</{kind}>")
        elif kind == "code":
            out.append(f'<pre><code class="language-python">{html.escape(b[1].rstrip(), quote=False)}</code></pre>')
        elif kind == "thm":
            out.append(
                f'<div class="theorem"><p><strong>{html.escape(b[1])} ({html.escape(b[2], quote=False)}).</strong> '
                f"{_html_segs(b[3], mr)}</p></div>"
            )
        elif kind == "proof":
            out.append(f'<div class="proof"><p><em>Proof.</em> {_html_segs(b[1], mr)} ∎</p></div>')
    return out


MATH_SITES = [
    {
        "name": "Open Math Notes",
        "domain": "openmathnotes.example.org",
        "path": "notes",
        "tagline": "Free lecture notes for curious students",
        "nav": ["Home", "Algebra", "Calculus", "Number Theory", "Probability", "About"],
        "layout": "main-article",
        "aside": "Popular notes",
        "footer": ["Privacy", "Terms of use", "Contact", "RSS"],
        "cookie": "We use cookies to remember your preferences and to measure traffic. By continuing you accept our cookie policy.",
    },
    {
        "name": "Proof Garden",
        "domain": "proofgarden.example.com",
        "path": "posts",
        "tagline": "Where theorems grow",
        "nav": ["Start here", "Archive", "Topics", "Problem sets", "Newsletter"],
        "layout": "article",
        "aside": "Recent posts",
        "footer": ["Imprint", "Privacy policy", "Support us"],
        "cookie": "This site uses cookies for analytics. You can change your choice at any time in the settings.",
    },
    {
        "name": "The Calculus Corner",
        "domain": "calculuscorner.example.net",
        "path": "lessons",
        "tagline": "Limits, derivatives, integrals and more",
        "nav": ["Home", "Lessons", "Worksheets", "Videos", "Tutoring", "Login"],
        "layout": "main",
        "aside": "More lessons",
        "footer": ["About us", "Advertise", "Privacy", "Accessibility"],
        "cookie": "Cookies help us deliver our services. Accept all cookies or manage your preferences.",
    },
    {
        "name": "Integer Club",
        "domain": "integerclub.example.org",
        "path": "articles",
        "tagline": "Number theory for everyone",
        "nav": ["Articles", "Puzzles", "Competitions", "Forum", "Donate"],
        "layout": "main-article",
        "aside": "Members also read",
        "footer": ["Code of conduct", "Privacy", "Contact the editors"],
        "cookie": "We and our partners store small files on your device. Click accept to continue.",
    },
    {
        "name": "Learn Math Daily",
        "domain": "learnmathdaily.example.com",
        "path": "guide",
        "tagline": "One idea a day",
        "nav": ["Today", "All guides", "Quizzes", "Teachers", "Shop", "Sign in"],
        "layout": "main",
        "aside": "Trending guides",
        "footer": ["Help center", "Terms", "Privacy", "Careers"],
        "cookie": "Our website uses cookies to personalise content and ads. Read our cookie notice to learn more.",
    },
    {
        "name": "Matrix Musings",
        "domain": "matrixmusings.example.net",
        "path": "blog",
        "tagline": "A blog about linear algebra and its friends",
        "nav": ["Blog", "Series", "Reading list", "About the author"],
        "layout": "article",
        "aside": "From the archive",
        "footer": ["Licence", "Privacy", "Mastodon", "Feed"],
        "cookie": "Only essential cookies are used unless you agree to analytics cookies.",
    },
    {
        "name": "Chalkboard Academy",
        "domain": "chalkboard.example.edu",
        "path": "course",
        "tagline": "Open courseware in mathematics",
        "nav": ["Courses", "Departments", "Library", "Calendar", "Admissions"],
        "layout": "main-article",
        "aside": "In this course",
        "footer": ["Accessibility", "Privacy notice", "Copyright", "Contact"],
        "cookie": "The university uses cookies to improve your browsing experience. Manage cookie settings.",
    },
    {
        "name": "Theorem of the Week",
        "domain": "theoremweek.example.org",
        "path": "week",
        "tagline": "A new theorem every Monday",
        "nav": ["This week", "Past theorems", "Subscribe", "Submit a theorem"],
        "layout": "main",
        "aside": "Previous weeks",
        "footer": ["About", "Privacy", "Contact", "Sitemap"],
        "cookie": "We value your privacy. Choose which cookies you allow before continuing.",
    },
]


def render_web_page(doc: dict, site: dict, styles: list[str], render_seed: int, lang: str = "en") -> tuple[str, dict]:
    """Full HTML page around the document; returns (html, {"formulas": [...], "mathml_formulas": [...]})."""
    rng = random.Random(render_seed)
    mr = MathRenderer(styles, render_seed * 7 + 1, mj2_frames=rng.random() < 0.5)
    title = doc["title"]
    blocks = doc["blocks"]
    body = render_html_blocks(blocks[1:] if blocks and blocks[0][0] == "p" else blocks, mr)
    byline = _html_segs(blocks[0][1], mr) if blocks and blocks[0][0] == "p" else ""
    head_scripts = []
    if "mathjax" in styles or "script" in styles:
        head_scripts.append(
            '<script async src="https://cdn.example.org/mathjax/tex-chtml.js" id="MathJax-script"></script>'
        )
    if "katex" in styles:
        head_scripts.append('<link rel="stylesheet" href="https://cdn.example.org/katex/katex.min.css">')
    nav = "".join(f'<li><a href="/{slug(n) if i else ""}">{html.escape(n)}</a></li>' for i, n in enumerate(site["nav"]))
    links = "".join(
        f'<li><a href="/{site["path"]}/{slug(t)}">{html.escape(t)}</a></li>' for t in doc.get("sidebar", [])
    )
    footer = " | ".join(f'<a href="/{slug(f)}">{html.escape(f)}</a>' for f in site["footer"])
    year = rng.randint(2016, 2025)
    accept = {"fr": "Accepter", "de": "Akzeptieren", "es": "Aceptar"}.get(lang, "Accept")
    settings = {"fr": "Paramètres", "de": "Einstellungen", "es": "Configurar"}.get(lang, "Settings")
    rights = {
        "fr": "Tous droits réservés.",
        "de": "Alle Rechte vorbehalten.",
        "es": "Todos los derechos reservados.",
    }.get(lang, "All rights reserved.")
    article = (
        f'<article class="post">\n<h1>{html.escape(title, quote=False)}</h1>\n'
        + (f'<p class="byline">{byline}</p>\n' if byline else "")
        + "\n".join(body)
        + "\n</article>"
    )
    if site["layout"] == "main-article":
        content = f'<main id="content">\n{article}\n</main>'
    elif site["layout"] == "main":
        content = article.replace('<article class="post">', '<main class="page-content">', 1).replace(
            "</article>", "</main>"
        )
    else:
        content = article
    page = (
        "\n".join(
            [
                "<!DOCTYPE html>",
                f'<html lang="{lang}">',
                "<head>",
                '<meta charset="utf-8">',
                f"<title>{html.escape(title, quote=False)} | {html.escape(site['name'])}</title>",
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f'<link rel="stylesheet" href="/static/{slug(site["name"])}.css">',
                *head_scripts,
                "</head>",
                "<body>",
                f'<div class="cookie-banner" id="cookie-consent"><p>{html.escape(site["cookie"])}</p>'
                f"<button>{accept}</button> <button>{settings}</button></div>",
                f'<header class="site-header"><a class="logo" href="/">{html.escape(site["name"])}</a>'
                f'<p class="tagline">{html.escape(site["tagline"])}</p></header>',
                f'<nav class="main-nav"><ul>{nav}</ul></nav>',
                '<div class="layout">',
                content,
                f'<aside class="sidebar"><h3>{html.escape(site["aside"])}</h3><ul>{links}</ul>'
                f'<div class="ad-slot">Advertisement</div></aside>',
                "</div>",
                f'<footer class="site-footer"><p>© {year} {html.escape(site["name"])}. {rights}</p><p>{footer}</p></footer>',
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )
    return page, {"formulas": unique_in_order(mr.formulas), "mathml_formulas": unique_in_order(mr.mathml_formulas)}
