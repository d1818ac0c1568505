"""Decontamination: normalisation, exact and n-gram paths, LCS confirmation, Chinese, span removal, report."""

from __future__ import annotations

import json
import random

import pytest
from datatrove.data import Document

from pipeline.config.stages import DecontaminationStage
from pipeline.data.decontaminate import (
    BenchmarkDecontaminationFilter,
    ContaminationIndex,
    lcs_length,
    tokenize,
)
from pipeline.shared.benchmarks.registry import BenchmarkItem, load_benchmark
from tests.conftest import run_cli

EN = BenchmarkItem(
    id="demo/test/0",
    question="Let $f(x) = \\frac{x^2 + 3x}{x - 1}$. Find the sum of all real values of $x$ for which "
    "$f(x) = 7$, and explain why the value $x = 1$ must be excluded from the domain.",
    answer="4",
)
ZH = BenchmarkItem(
    id="demo_zh/test/0", question="妈妈买了3盒茶叶，每盒茶叶有6小包，她送给邻居4小包，还剩下多少小包茶叶？", answer="14"
)
FILLER = (
    "In this section we review the basic facts about rational functions and their domains before "
    "turning to a few worked problems. "
)


def index(*items: BenchmarkItem, **kw) -> ContaminationIndex:
    return ContaminationIndex({"demo": list(items)}, **kw)


def found(idx: ContaminationIndex, text: str):
    return idx.find(tokenize(text))


def test_lcs_matches_dynamic_programming():
    rng = random.Random(0)
    for _ in range(200):
        a = [rng.choice("abcde") for _ in range(rng.randint(1, 70))]
        b = [rng.choice("abcdef") for _ in range(rng.randint(0, 90))]
        dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(len(a)):
            for j in range(len(b)):
                dp[i + 1][j + 1] = dp[i][j] + 1 if a[i] == b[j] else max(dp[i][j + 1], dp[i + 1][j])
        assert lcs_length(a, b) == dp[-1][-1]


@pytest.mark.parametrize(
    "variant",
    [
        lambda q: q,  # verbatim
        lambda q: q.upper(),  # case
        lambda q: "  ".join(q.split()).replace(". ", ".\n\n"),  # whitespace and line breaks
        lambda q: q.replace(",", " ;").replace(".", "!"),  # punctuation
        lambda q: q.replace("f(x)", "f\\left(x\\right)").replace("x - 1", "x\\,-\\,1").replace("\\frac", "\\dfrac"),
        lambda q: q.replace("Find", "**Find**").replace("sum", "_sum_"),  # Markdown emphasis
        lambda q: q.replace("7", "７").replace("x", "ｘ"),  # full-width forms
    ],
)
def test_formatting_changes_do_not_hide_a_copied_question(variant):
    idx = index(EN)
    [m] = found(idx, FILLER + variant(EN.question) + " " + FILLER)
    assert m.entry.item_id == EN.id and m.lcs_ratio == 1.0 and m.kind == "exact"


def test_paraphrase_above_threshold_is_an_ngram_match():
    idx = index(EN)
    edited = EN.question.replace("explain why", "say why").replace("must be", "has to be")
    [m] = found(idx, FILLER + edited)
    assert m.kind == "ngram" and 0.6 <= m.lcs_ratio < 1.0


def test_shared_boilerplate_ngram_with_low_lcs_is_not_contamination():
    item = BenchmarkItem(
        id="demo/test/1",
        answer="3",
        question=(
            "Answer the following question and put your final answer within a box at the end of your response: "
            "a farmer plants 12 rows of 8 apple trees and loses a quarter of them in a storm; how many trees remain?"
        ),
    )
    doc = (
        "Answer the following question and put your final answer within a box at the end of your response: "
        "prove that the square root of two is irrational by assuming it is a ratio of coprime integers."
    )
    idx = index(item)
    assert idx.tables[13].hits  # the documents share at least one 13-gram ...
    assert found(idx, doc) == []  # ... but the LCS ratio is far below 0.6
    assert found(index(item, lcs_threshold=0.3), doc)  # a looser threshold would remove it


def test_chinese_items_are_matched_by_character():
    idx = index(ZH)
    assert tokenize(ZH.question)[:4] == ["妈", "妈", "买", "了"]
    text = "下面是一道练习题。" + ZH.question.replace("，", ", ").replace("3", "３") + "请同学们认真思考。"
    [m] = found(idx, text)
    assert m.entry.item_id == ZH.id and m.lcs_ratio == 1.0
    assert found(idx, "妈妈买了一本书，书里有很多关于茶叶的故事，她每天都读一点。") == []


def test_short_items_match_only_whole_documents():
    tiny = BenchmarkItem(id="demo/test/2", question="What is 2 + 3?", answer="5")
    idx = index(tiny)
    assert found(idx, "what is 2+3") and found(idx, "What is 2 + 3? We can compute it quickly.") == []


def test_solutions_indexed_on_request():
    item = BenchmarkItem(
        id="demo/test/3",
        question="Compute the value.",
        answer="12",
        solution="Multiply the three numbers together: first two times three gives six, and six "
        "times two gives twelve, so the product of the factors is twelve.",
    )
    doc = FILLER + item.solution
    assert found(index(item), doc) == []
    [m] = found(index(item, include_solutions=True), doc)
    assert m.entry.field == "solution"


def test_filter_drops_document_or_cuts_the_span():
    text = FILLER * 4 + "Exercise. " + EN.question + " " + FILLER * 4
    dropper = BenchmarkDecontaminationFilter(DecontaminationStage(benchmarks=["mini_gsm"]))
    dropper._index = index(EN)
    d = Document(text=text, id="x")
    assert dropper.filter(d) == (False, "contaminated")
    assert d.metadata["contamination"][0]["item_id"] == EN.id and d.metadata["contamination"][0]["lcs_ratio"] == 1.0

    cutter = BenchmarkDecontaminationFilter(
        DecontaminationStage(benchmarks=["mini_gsm"], mode="span", min_remaining_tokens=20)
    )
    cutter._index = index(EN)
    d = Document(text=text, id="y")
    assert cutter.filter(d) is True
    assert "Find the sum of all real values" not in d.text and d.text.count("rational functions") == 8
    assert d.metadata["contamination"][0]["item_id"] == EN.id
    short = Document(text="Exercise. " + EN.question, id="z")
    assert cutter.filter(short) == (False, "contaminated")  # too little left after the cut


def test_mini_gsm_planted_question_is_found():
    item = load_benchmark("mini_gsm")[7]
    f = BenchmarkDecontaminationFilter(DecontaminationStage(benchmarks=["mini_gsm"]))
    d = Document(text=f"Practice problem. {item.question.upper()}  Try it yourself!", id="x")
    assert f.filter(d) == (False, "contaminated") and d.metadata["contamination"][0]["item_id"] == item.id
    assert f.filter(Document(text="A page about the derivative of polynomials and nothing else.", id="y")) is True


def test_real_test_sets_english_and_chinese(shared_dir):
    bdir = str(shared_dir / "benchmarks")
    f = BenchmarkDecontaminationFilter(
        DecontaminationStage(benchmarks=["gsm8k", "cmath", "gaokao_math_qa"], benchmarks_dir=bdir)
    )
    for name, row in [("gsm8k", 100), ("cmath", 500), ("gaokao_math_qa", 42)]:
        item = load_benchmark(name, bdir)[row]
        d = Document(text="复习材料。 Review material. " + item.question + " 以上。", id=name)
        assert f.filter(d) == (False, "contaminated"), name
        assert d.metadata["contamination"][0]["item_id"] == item.id


def test_cli_report_and_span_mode(tmp_path):
    item = load_benchmark("mini_gsm")[3]
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "clean", "text": "The integral of a polynomial is computed term by term."},
        {"id": "dirty", "text": "Homework: " + item.question},
        {"id": "long", "text": FILLER * 6 + item.question + " " + FILLER * 6},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    r = run_cli(
        "decontaminate", str(src), "-o", str(out), "--benchmarks", "mini_gsm", "--report", str(report), "--mode", "span"
    )
    assert r.returncode == 0, r.stderr
    kept = {json.loads(line)["id"]: json.loads(line) for line in out.read_text().splitlines()}
    assert set(kept) == {"clean", "long"} and item.question not in kept["long"]["text"]
    rep = json.loads(report.read_text())
    summary = rep["per_benchmark"]["mini_gsm"]
    assert summary["documents_removed"] == 1 and summary["spans_removed"] == 1
    # mini_gsm is templated: sibling items share most of their wording and are reported too (LCS ≥ 0.6).
    exact = [x for x in rep["removals"] if x["item_id"] == item.id]
    assert {(x["id"], x["action"]) for x in exact} == {("dirty", "document_removed"), ("long", "span_removed")}
    assert all(x["lcs_ratio"] == 1.0 and x["kind"] == "exact" and x["ngram"] for x in exact)
    assert all(x["lcs_ratio"] >= 0.6 for x in rep["removals"]) and summary["items_hit"] >= 1


@pytest.mark.parametrize("bad", ['{"id": 1, "text": "ok"}\n{not json\n', '{"id": 1}\n'])
def test_cli_bad_input_names_line(tmp_path, bad):
    src = tmp_path / "in.jsonl"
    src.write_text(bad)
    r = run_cli("decontaminate", str(src), "-o", str(tmp_path / "o.jsonl"), "--benchmarks", "mini_gsm")
    assert r.returncode == 2 and f"{src}:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "o.jsonl.tmp").exists()


def test_unknown_benchmark_lists_known_ones(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n')
    r = run_cli("decontaminate", str(src), "-o", str(tmp_path / "o.jsonl"), "--benchmarks", "gsm9k")
    assert r.returncode == 2 and "unknown benchmark(s) ['gsm9k']" in r.stderr and "gsm8k" in r.stderr


def test_an_index_saved_by_one_process_finds_the_same_matches_in_another(tmp_path):
    """The run builds the index in one task and every dedup task reads it: hashes must not depend on the process."""
    import subprocess
    import sys

    folder = tmp_path / "index"
    build = (
        "import sys; from pathlib import Path; from tests.data.test_decontaminate import EN, ZH, index; "
        "index(EN, ZH).save(Path(sys.argv[1]))"
    )
    from tests.conftest import ROOT

    subprocess.run([sys.executable, "-c", build, str(folder)], check=True, cwd=ROOT)
    loaded, built = ContaminationIndex.load(folder), index(EN, ZH)
    text = FILLER + EN.question.replace("sum", "total") + " " + FILLER + ZH.question
    assert [m.record() for m in found(loaded, text)] == [m.record() for m in found(built, text)]
    assert {m.entry.item_id for m in found(loaded, text)} == {EN.id, ZH.id}
