"""n-gram decontamination against the benchmark registry: planted items found, clean text untouched."""

from __future__ import annotations

import json

import pytest
from datatrove.data import Document

from pipeline.benchmarks.registry import load_benchmark
from pipeline.data.decontaminate import NgramDecontaminationFilter
from tests.conftest import run_cli


def test_planted_question_is_found_with_its_item():
    item = load_benchmark("mini_gsm")[7]
    f = NgramDecontaminationFilter(["mini_gsm"], ngram=13)
    d = Document(text=f"Practice problem. {item.question.upper()}  Try it yourself!", id="x")
    assert f.filter(d) == (False, "contaminated")
    assert d.metadata["contamination"]["item_id"] == item.id
    assert f.filter(Document(text="A page about the derivative of polynomials and nothing else.", id="y")) is True


def test_local_benchmark_folder(shared_dir):
    items = load_benchmark("gsm8k", shared_dir / "benchmarks")
    assert len(items) == 1319 and items[0].answer.replace("-", "").isdigit()
    f = NgramDecontaminationFilter(["gsm8k"], ngram=13, benchmarks_dir=str(shared_dir / "benchmarks"))
    assert f.filter(Document(text="Intro text. " + items[100].question, id="z")) == (False, "contaminated")


def test_decontaminate_cli_and_report(tmp_path):
    item = load_benchmark("mini_gsm")[3]
    src = tmp_path / "in.jsonl"
    rows = [{"id": "clean", "text": "The integral of a polynomial is computed term by term."},
            {"id": "dirty", "text": "Homework: " + item.question}]  # fmt: skip
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    r = run_cli("decontaminate", str(src), "-o", str(out), "--benchmarks", "mini_gsm", "--report", str(report))
    assert r.returncode == 0, r.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["clean"]
    rep = json.loads(report.read_text())
    assert rep["removals"][0]["id"] == "dirty" and rep["removals"][0]["item_id"] == item.id
    assert rep["per_benchmark"]["mini_gsm"] == {"documents_removed": 1, "items_hit": 1}


@pytest.mark.parametrize("bad", ['{"id": 1, "text": "ok"}\n{not json\n', '{"id": 1}\n'])
def test_decontaminate_cli_bad_input_names_line(tmp_path, bad):
    src = tmp_path / "in.jsonl"
    src.write_text(bad)
    r = run_cli("decontaminate", str(src), "-o", str(tmp_path / "o.jsonl"), "--benchmarks", "mini_gsm")
    assert r.returncode == 2 and f"{src}:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_unknown_benchmark_is_clear_error(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n')
    r = run_cli("decontaminate", str(src), "-o", str(tmp_path / "o.jsonl"), "--benchmarks", "gsm9k")
    assert r.returncode == 2 and "unknown benchmark 'gsm9k'" in r.stderr
