"""`mathcpt extract`: HTML files, folders and WARC files → one JSONL record per page.

    mathcpt extract page.html docs/ crawl.warc.gz -o pages.jsonl

`id` is the input path as given on the command line (for a folder: the folder as given joined with the file's path
inside it), or the WARC record's target URI. Pages whose extraction is empty are skipped and counted; an input
that does not exist is an error before anything is written; the output appears only when complete.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterator

from loguru import logger

from pipeline.atomic import atomic_open
from pipeline.data.extract import extract_html
from pipeline.data.html_input import decode_page, is_garbled
from pipeline.errors import require_inputs

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# What iter_pages yields: (id, raw bytes, declared Content-Type or None) for a page, or (id, None, reason) for a
# record that is not one.
Page = tuple[str, "bytes | None", "str | None"]


def iter_pages(inputs: list[str]) -> Iterator[Page]:
    """Every page of the inputs, in the order given (folders sorted)."""
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.suffix.lower() in HTML_SUFFIXES and p.is_file()):
                yield os.path.join(given, str(f.relative_to(path))), f.read_bytes(), None
        elif ".warc" in path.name:
            yield from _warc_pages(path)
        else:
            yield given, path.read_bytes(), None


def _warc_pages(path: Path) -> Iterator[Page]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        with path.open("rb") as f:
            for record in ArchiveIterator(f):
                uri = (
                    record.rec_headers.get_header("WARC-Target-URI")
                    or f"{path}#{record.rec_headers.get_header('WARC-Record-ID')}"
                )
                if record.rec_type != "response":
                    continue  # requests, metadata, warcinfo: not pages at all
                ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
                if ctype and "html" not in ctype.lower():
                    yield uri, None, "not_html"
                    continue
                yield uri, record.content_stream().read(), ctype or None
    except ArchiveLoadFailed as e:
        yield str(path), None, f"broken_warc ({e})"


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
            text = ""
            if page.html is not None:
                text, counts = extract_html(page.html, keep_code_blocks)
            reason = page.reason or (
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
