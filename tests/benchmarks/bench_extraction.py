"""LaTeX retention, boilerplate leakage and throughput of our extraction next to trafilatura, on real HTML pages.

    bash ../shared/tools/fetch-real-html.sh /work/real_html
    .venv/bin/python tests/benchmarks/bench_extraction.py --pages /work/real_html [--max-pages 400]

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

trafilatura runs with the settings datatrove's Trafilatura step uses (favor_precision, no comments, deduplicate).
Prints one JSON line per set plus a total line: ours, trafilatura, and the ratios (targets: retention ≥ 0.99,
throughput ratio ≥ 1).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="/work/real_html", help="output folder of fetch-real-html.sh")
    parser.add_argument("--max-pages", type=int, default=400, help="per set")
    args = parser.parse_args()
    base = Path(args.pages)
    if not (base / "sympy").is_dir() or not (base / "statsmodels").is_dir():
        sys.exit(f"{base}: run ../shared/tools/fetch-real-html.sh {base} first")

    import trafilatura

    from pipeline.data.filter.extract import extract_html

    extractors = {
        "ours": lambda h: extract_html(h)[0],
        "trafilatura": lambda h: trafilatura.extract(h, favor_precision=True, include_comments=False, deduplicate=True),
    }
    rows = [measure(name, pick_pages(base / name, args.max_pages), extractors) for name in ("sympy", "statsmodels")]
    for row in rows:
        print(json.dumps(row), flush=True)
    total = {"figure": "extraction_total", "pages": sum(r["pages"] for r in rows)}
    for label in extractors:
        total[label] = {
            "latex_retention_min": min(r[label]["latex_retention"] for r in rows),
            "boilerplate_leak_max": max(r[label]["boilerplate_leak"] for r in rows),
        }
    total["throughput_ratio_min"] = min(r["throughput_ratio"] for r in rows)
    print(json.dumps(total), flush=True)


if __name__ == "__main__":
    main()
