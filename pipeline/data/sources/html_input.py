"""Bytes of a crawled page → HTML text, or a named reason why it is not a page worth extracting.

    mathcpt extract crawl.warc.gz pages/ -o pages.jsonl      # prints the skip counts per reason

Real crawls hold pages with a wrong or missing charset, truncated downloads, PDFs and images served as text/html,
multi-megabyte table dumps and empty bodies. Each is counted under a reason and never passed on as garbage:

* `empty`        — no bytes, or only whitespace;
* `too_large`    — over the byte cap (default 8 MB; the parser's cost is linear, a person's reading value is not);
* `binary`       — a known binary signature (PDF, images, archives) or NUL bytes in the first 8 KB;
* `undecodable`  — no charset decodes it without many replacement characters;
* `too_complex`  — markup whose parse cost grows with the square of its size (`parse_cost`, checked before
                   parsing): thousands of unclosed elements nested in each other, end tags that close nothing,
                   thousands of options in one `<select>`. Browsers' HTML parsers are quadratic there too; found by
                   tests/fuzz/test_fuzz_extract.py, where 500 KB of nested `<div>` took lexbor a minute and a half;
* `garbled_text` — the extracted text is mostly replacement/control characters (checked after extraction).

Charset order, as browsers do it: byte-order mark, the HTTP/WARC `Content-Type` charset, a `<meta charset>` or
`http-equiv` declaration in the first 4 KB, strict UTF-8, then charset_normalizer's detection (a requests
dependency, so no new package). A declared charset that fails to decode falls through to the next rule, because
declarations on the web are often wrong; so does a declared codec that is not a text encoding of the web
(`unicode_escape`, `utf-7`, `punycode`: they decode escapes into lone surrogates or fail with errors of their own).
Truncated HTML needs no rule: lexbor repairs it like a browser does.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

MAX_HTML_BYTES = 8_000_000
BINARY_SIGNATURES = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\x7fELF",
    b"RIFF",
    b"OggS",
    b"\x00\x00\x01\x00",
    b"ID3",
    b"wOFF",
    b"wOF2",
)
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# A text where more than this share is U+FFFD or C0/C1 control characters is not a page a model should read.
MAX_GARBAGE_SHARE = 0.01
GARBAGE = re.compile("[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class DecodedPage:
    html: str | None
    reason: str | None = None  # set when html is None
    charset: str | None = None


# Python codecs that decode bytes to str but are no page encoding: escape decoders, IDNA, UTF-7 (dropped from the web
# for its ambiguity), and the placeholder `undefined`.
NOT_PAGE_CODECS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "utf-7", "punycode", "idna", "undefined", "mbcs", "oem", "palmos"}
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _charset_ok(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower())
    except LookupError:
        return None
    return None if codec.name in NOT_PAGE_CODECS or not getattr(codec, "_is_text_encoding", True) else codec.name


def _try(raw: bytes, charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        text = raw.decode(charset)
    except (UnicodeError, LookupError):  # UnicodeError: what some codecs raise instead of UnicodeDecodeError
        return None
    # A lone surrogate is no character: a UTF-8 writer (the next stage's JSONL) cannot write it.
    return None if charset not in ("utf-8", "utf-8-sig") and _SURROGATE.search(text) else text


def decode_page(raw: bytes, content_type: str | None = None, max_bytes: int = MAX_HTML_BYTES) -> DecodedPage:
    """Decode a page's bytes following the charset rules above, or say why it is skipped."""
    if not raw.strip():
        return DecodedPage(None, "empty")
    if len(raw) > max_bytes:
        return DecodedPage(None, "too_large")
    head = raw[:8192]
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if head.lstrip().startswith(BINARY_SIGNATURES) or (b"\x00" in head and not utf16):
        return DecodedPage(None, "binary")
    for bom, charset in BOMS:
        if raw.startswith(bom):
            text = _try(raw, charset)
            if text is not None:
                return DecodedPage(text, charset=charset)
    declared = []
    if content_type and (m := HEADER_CHARSET.search(content_type)):
        declared.append(m.group(1))
    if m := META_CHARSET.search(raw[:4096]):
        declared.append(m.group(1).decode("ascii", "ignore"))
    for name in declared:
        charset = _charset_ok(name)
        # Pages declaring latin-1 are decoded as cp1252, its superset, as the WHATWG encoding standard requires.
        charset = "cp1252" if charset in ("latin_1", "iso8859-1", "ascii") else charset
        charset = "gb18030" if charset in ("gb2312", "gbk") else charset  # likewise GB2312/GBK → GB18030
        text = _try(raw, charset)
        if text is not None:
            return DecodedPage(text, charset=charset)
    text = _try(raw, "utf-8")
    if text is not None:
        return DecodedPage(text, charset="utf-8")
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is not None:
        text = raw.decode(best.encoding, errors="replace")
        if garbage_share(text) <= MAX_GARBAGE_SHARE and not _SURROGATE.search(text):
            return DecodedPage(text, charset=best.encoding)
    return DecodedPage(None, "undecodable")


# Parse cost (`parse_cost`): elements that never nest (void) and elements a sibling closes (implied end tags) do not
# deepen the stack of open elements that the parser walks for every tag; every other element does until its end tag.
TAG = re.compile(r"<(/?)([a-z][^\s/>]{0,31})")
VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta source track wbr param keygen frame basefont bgsound image".split()
)
SIBLING_CLOSED_TAGS = frozenset("p li dd dt td th tr tbody thead tfoot colgroup caption".split())
# Steps of the parser's scans (measured with lexbor on this project's 2 shared cores): 5-40 ns each for nesting and
# for end tags that close nothing, 90 ns for the options of one <select> (counted 3 times below), so the limit is at
# most about 2 s of parsing. Real pages stay far below it (an 8 MB page of ordinary markup: about 4 million). A page
# of up to 7,071 tags is under it whatever its markup (n tags cost at most n² steps): no scan at all.
MAX_PARSE_COST = 50_000_000
HEAVY_TAGS = frozenset({"option", "optgroup", "rt", "rp"})


def parse_cost(html: str) -> int:
    """An upper estimate of the steps an HTML parser spends scanning its stack of open elements: over every tag,
    the number of elements open at that point (per name: start tags less the end tags that close one)."""
    n = html.count("<")
    if n * n <= MAX_PARSE_COST:
        return n * n  # few tags: no need to look closer (most pages stop here, at C speed)
    kind = _TAG_KIND
    open_by_name: dict[str, int] = {}
    depth = cost = 0
    for slash, name in TAG.findall(html.lower()):
        k = kind.get(name, 1)  # 0: void, 2: closed by a sibling, 3: nests and each costs more, 1: nests
        cost += depth * (3 if k == 3 else 1)
        if not k:
            continue
        opened = open_by_name.get(name, 0)
        if slash:
            if opened:
                open_by_name[name] = opened - 1
                depth -= 1
        elif k != 2 or not opened:
            open_by_name[name] = opened + 1
            depth += 1
    return cost


_TAG_KIND = {
    **{name: 0 for name in VOID_TAGS},
    **{name: 2 for name in SIBLING_CLOSED_TAGS},
    **{name: 3 for name in HEAVY_TAGS},
}


def too_complex(html: str) -> bool:
    return parse_cost(html) > MAX_PARSE_COST


def garbage_share(text: str) -> float:
    return len(GARBAGE.findall(text)) / max(len(text), 1)


def is_garbled(text: str) -> bool:
    return garbage_share(text) > MAX_GARBAGE_SHARE


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
