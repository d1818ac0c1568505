"""`mathcpt extract`: HTML files, folders and WARC files → one JSONL record per page.

    mathcpt extract page.html docs/ crawl.warc.gz -o pages.jsonl

`id` is the input path as given on the command line (for a folder: the folder as given joined with the file's path
inside it), or the WARC record's target URI. Pages whose extraction is empty are skipped and counted; an input
that does not exist is an error before anything is written; the output appears only when complete.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

from loguru import logger

from pipeline.atomic import atomic_open
from pipeline.data.extract import extract_html
from pipeline.errors import DataError

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def iter_pages(inputs: list[str]) -> Iterator[tuple[str, str]]:
    """(id, html) of every page in the inputs, in the order given (folders sorted)."""
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.suffix.lower() in HTML_SUFFIXES and p.is_file()):
                yield os.path.join(given, str(f.relative_to(path))), _decode(f.read_bytes())
        elif ".warc" in path.name:
            yield from _warc_pages(path)
        else:
            yield given, _decode(path.read_bytes())


def _warc_pages(path: Path) -> Iterator[tuple[str, str]]:
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            ctype = (record.http_headers.get_header("Content-Type") or "") if record.http_headers else ""
            if "html" not in ctype.lower():
                continue
            yield record.rec_headers.get_header("WARC-Target-URI"), _decode(record.content_stream().read())


def extract_inputs(inputs: list[str], output: str, keep_code_blocks: bool = True) -> int:
    missing = [i for i in inputs if not Path(i).exists()]
    if missing:
        raise DataError(f"input not found: {', '.join(missing)}")
    written = skipped = 0
    with atomic_open(output) as f:
        for page_id, raw in iter_pages(inputs):
            text, counts = extract_html(raw, keep_code_blocks)
            if not text.strip():
                skipped += 1
                logger.warning(f"{page_id}: no text extracted, skipped")
                continue
            record = {"id": page_id, "text": text, "metadata": {"extracted_math": counts["inline_math"] +
                                                                counts["display_math"]}}  # fmt: skip
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
    if skipped:
        logger.warning(f"{skipped} pages had no extractable text")
    return written
