"""Bad input to extraction: charsets, binary, empty, huge, truncated pages and WARC records that are not HTML."""

from __future__ import annotations

import io
import json

from pipeline.data.filter.extract import extract_html
from pipeline.data.sources.html_input import decode_page, is_garbled
from tests.conftest import run_cli

BODY = "<p>Le théorème: \\(e^{i\\pi} + 1 = 0\\) est célèbre, voilà.</p>"


def page(head: str = "", body: str = BODY) -> str:
    return f"<html><head>{head}</head><body><main>{body}</main></body></html>"


def test_charset_from_meta_header_bom_or_detection():
    cp = page('<meta charset="windows-1252">').encode("cp1252")
    assert "théorème" in decode_page(cp).html
    latin = page('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">').encode("latin-1")
    assert "célèbre" in decode_page(latin).html
    # Declared in the HTTP header only.
    assert "voilà" in decode_page(page().encode("latin-1"), "text/html; charset=iso-8859-1").html
    # A wrong declaration (says UTF-8, bytes are cp1252) falls through to detection instead of mojibake.
    wrong = page('<meta charset="utf-8">').encode("cp1252")
    assert "théorème" in decode_page(wrong).html
    # UTF-16 with a BOM contains NUL bytes and is still a page.
    assert "théorème" in decode_page(page().encode("utf-16")).html
    zh = page('<meta charset="gb2312">', "<p>解方程 \\(x^2 = 4\\)，答案是 2。</p>").encode("gbk")
    assert "解方程" in decode_page(zh).html


def test_not_pages_get_a_reason():
    assert decode_page(b"").reason == "empty"
    assert decode_page(b"  \n\t ").reason == "empty"
    assert decode_page(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj").reason == "binary"
    assert decode_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR").reason == "binary"
    assert decode_page(b"<html>" + bytes(range(256)) * 4).reason == "binary"
    assert decode_page(page().encode() * 100, max_bytes=1000).reason == "too_large"
    assert is_garbled("\ufffd" * 20 + "abc") and not is_garbled(extract_html(page())[0])


def test_truncated_html_keeps_what_arrived():
    text, _ = extract_html("<html><body><main><p>Before \\(a^2+b^2=c^2\\) the cut<div><p>half a para")
    assert "\\(a^2+b^2=c^2\\)" in text and "half a para" in text


def _warc(path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)

        def response(uri, ctype, body: bytes):
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.0")
            w.write_record(w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers))

        response("https://a.example/ok", "text/html; charset=iso-8859-1", page().encode("latin-1"))
        response("https://a.example/paper.pdf", "application/pdf", b"%PDF-1.4 ...")
        response("https://a.example/fake.html", "text/html", b"\x89PNG\r\n\x1a\n\x00\x00binary")
        response("https://a.example/empty", "text/html", b"")
        response("https://a.example/nav-only", "text/html", b"<html><body><nav>Home | Blog</nav></body></html>")
        w.write_record(
            w.create_warc_record("https://a.example/ok", "request", payload=io.BytesIO(b"GET / HTTP/1.0\r\n\r\n"))
        )


def test_extract_cli_counts_every_skip_by_reason(tmp_path):
    _warc(tmp_path / "crawl.warc.gz")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "good.html").write_bytes(page('<meta charset="windows-1252">').encode("cp1252"))
    (tmp_path / "pages" / "image.html").write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00")
    out = tmp_path / "out.jsonl"
    r = run_cli("extract", str(tmp_path / "crawl.warc.gz"), str(tmp_path / "pages"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["id"] for d in records] == ["https://a.example/ok", str(tmp_path / "pages" / "good.html")]
    assert all("\\(e^{i\\pi} + 1 = 0\\)" in d["text"] and "théorème" in d["text"] for d in records)
    assert "binary: 2" in r.stderr and "not_html: 1" in r.stderr and "empty: 1" in r.stderr
    assert "empty_extraction: 1" in r.stderr


def test_recipe_reader_skips_binary_html_files_with_a_counted_reason(tmp_path):
    from pipeline.config.sources import SourceConfig
    from pipeline.data.sources.readers import SourceReader

    (tmp_path / "a.html").write_bytes(page('<meta charset="windows-1252">').encode("cp1252"))
    (tmp_path / "b.html").write_bytes(b"%PDF-1.4 not a page")
    src = SourceConfig(name="web", kind="web", path=str(tmp_path), format="files", file_glob="*.html", weight=1.0)
    reader = SourceReader([src], tmp_path)
    docs = list(reader.run())
    assert len(docs) == 1 and "théorème" in docs[0].text
    assert reader.stats["skipped_binary/web"].total == 1
