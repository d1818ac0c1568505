"""The visual report of a data run (report/index.html + PNGs): what `mathcpt data` writes and `mathcpt report --html`
re-renders, checked against the run's own files (report.json, dropped/, kept/, work/filtered/).

    .venv/bin/python -m pytest tests/data/test_report_html.py -q
"""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from pipeline.data.report.html import write_html_report
from pipeline.data.report.markdown import PLOTS, REPORT_DIR, stage_name
from tests.conftest import run_cli

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def jsonl(folder: Path) -> list[dict]:
    return [json.loads(line) for p in sorted(folder.glob("**/*.jsonl")) for line in p.read_text().splitlines()]


def copy_run(run: Path, dest: Path) -> Path:
    """A private copy for tests that change or re-render the run (the session's data_run stays as written)."""
    shutil.copytree(run, dest, ignore=shutil.ignore_patterns("tokens", "validation", "tokenizer"))
    return dest


@pytest.fixture(scope="module")
def report(data_run) -> dict:
    return json.loads((data_run / "report.json").read_text())


@pytest.fixture(scope="module")
def page(data_run) -> str:
    return (data_run / REPORT_DIR / "index.html").read_text(encoding="utf-8")


def test_data_run_writes_the_report_with_every_stage(data_run, report, page):
    for s in report["stages"]:
        assert html.escape(stage_name(s)) in page, f"stage {stage_name(s)!r} missing from index.html"
    assert not (data_run / f"{REPORT_DIR}.partial").exists() and not (data_run / f"{REPORT_DIR}.old").exists()
    md = (data_run / "report.md").read_text()
    links = re.findall(r"\]\((report/[^)]+)\)", md)
    assert "report/index.html" in links and len(links) == 1 + len(PLOTS)
    for link in links:
        assert (data_run / link).is_file(), f"report.md links {link}, which does not exist"


def test_plots_are_valid_pngs_referenced_by_the_page(data_run, page):
    for name in PLOTS:
        data = (data_run / REPORT_DIR / f"{name}.png").read_bytes()
        assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", name
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 600 and height >= 200 and len(data) > 8000, (name, width, height, len(data))
        assert f'src="{name}.png"' in page


def test_drop_reason_counts_equal_report_json(report, page):
    shown = {
        (html.unescape(stage), html.unescape(reason)): int(n)
        for stage, reason, n in re.findall(r'data-stage="([^"]*)" data-reason="([^"]*)">(\d+)<', page)
    }
    expected = {(stage_name(s), reason): n for s in report["stages"] for reason, n in s["dropped"].items()}
    assert expected, "the demo recipe drops documents at several stages"
    assert shown == expected


def test_duplicate_cluster_sizes_match_the_dropped_files(data_run, page):
    shown: dict[str, Counter] = defaultdict(Counter)
    for kind, size, n in re.findall(r'data-kind="([^"]*)" data-size="(\d+)">(\d+)<', page):
        shown[html.unescape(kind)][int(size)] = int(n)
    copies = {
        kind: Counter(d["metadata"]["duplicate_of"] for d in jsonl(data_run / "dropped" / folder))
        for kind, folder in (("exact", "exact_dedup"), ("near", "near_dedup"))
    }
    assert copies["exact"] and copies["near"], "the sample corpus plants exact and near duplicates"
    for kind, c in copies.items():
        assert shown[kind] == Counter(n + 1 for n in c.values()), kind
    whole = copies["exact"] + copies["near"]  # one group: a kept document and every copy dropped as its duplicate
    assert shown["whole group (exact + near)"] == Counter(n + 1 for n in whole.values())


def test_bytes_per_stage_are_measured_from_the_run_files(data_run, report, page):
    out = {
        html.unescape(stage): int(b)
        for stage, b in re.findall(r'<tr data-stage="([^"]*)">.*?data-bytes-out="(\d+)"', page)
    }
    size = {
        name: sum(len(d["text"].encode()) for d in jsonl(data_run / name))
        for name in ("kept", "work/filtered", "dropped/exact_dedup")
    }
    names = [stage_name(s) for s in report["stages"]]
    assert out[names[-1]] == size["kept"]  # the last stage's output is what was kept
    assert out["✅ quality (math-safe)"] == size["work/filtered"]  # the filter pass's output
    assert out["🫂 exact dedup"] == size["work/filtered"] - size["dropped/exact_dedup"]


def test_examples_show_formulas_and_reasons(page):
    kept = re.findall(r'<div class="ex kept">(.*?)</pre></div>', page, re.S)
    dropped = re.findall(r'<div class="ex dropped">(.*?)</pre></div>', page, re.S)
    assert kept and dropped
    assert sum('<span class="math">' in ex for ex in kept) >= len(kept) // 2, "kept math text shows its formulas"
    for reason in ("low_math_score", "wrong_language", "exact_duplicate", "near_duplicate", "contaminated"):
        assert any(reason in ex for ex in dropped), f"no dropped example with reason {reason}"


def test_example_text_and_ids_are_html_escaped(data_run, tmp_path):
    run = copy_run(data_run, tmp_path / "run")
    planted = {
        "id": "web/<script>id</script>",
        "text": "<script>alert('x')</script> & then $a<b$ holds. " * 3,
        "metadata": {"source": "web", "kind": "web", "filter_reason": "low_math_score", "math_score": 0.0},
    }
    path = sorted((run / "dropped" / "math").glob("*.jsonl"))[0]
    path.write_text(json.dumps(planted) + "\n" + path.read_text())  # first in file order: shown as an example
    page = write_html_report(run).read_text(encoding="utf-8")
    assert "<script" not in page
    assert "web/&lt;script&gt;id&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; then" in page
    assert '<span class="math">$a&lt;b$</span>' in page


def test_cli_report_html_rerenders_the_same_files(data_run, tmp_path):
    run = copy_run(data_run, tmp_path / "run")
    shutil.rmtree(run / REPORT_DIR)
    r = run_cli("report", str(run), "--html")
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"html report: {run / REPORT_DIR / 'index.html'}" in r.stdout
    assert "| stage | in | out |" in r.stdout  # the markdown report, as before
    for f in sorted((data_run / REPORT_DIR).iterdir()):  # deterministic: byte-identical to the run's own render
        assert (run / REPORT_DIR / f.name).read_bytes() == f.read_bytes(), f.name


def test_report_renders_without_dropped_and_work_folders(data_run, tmp_path):
    run = copy_run(data_run, tmp_path / "run")
    shutil.rmtree(run / "dropped"), shutil.rmtree(run / "work")
    page = write_html_report(run).read_text(encoding="utf-8")
    assert "nothing dropped by this stage" in page
    assert all((run / REPORT_DIR / f"{name}.png").read_bytes()[:8] == PNG_SIGNATURE for name in PLOTS)


@pytest.mark.parametrize("flags", [["--html"], []])
def test_report_of_a_folder_that_is_not_a_run_exits_2(tmp_path, flags):
    (tmp_path / "notes.txt").write_text("not a run")
    r = run_cli("report", str(tmp_path), *flags)
    assert r.returncode == 2
    assert str(tmp_path) in r.stderr and ("not a data run" in r.stderr or "neither a data run" in r.stderr)
    assert "Traceback" not in r.stderr
