"""Decontamination: normalisation, exact and n-gram paths, LCS confirmation, Chinese, span removal, report."""

from __future__ import annotations

import json
import random
import re

import numpy as np
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


# ----------------------------------------------------------------------------- classes our first benchmark lacked

MC = BenchmarkItem(
    id="demo_mc/test/0",
    question="A uniform rod of length 2 m and mass 3 kg is pivoted at one end. What is its moment of inertia about "
    "the pivot?",
    answer="A",
    choices=["4 kg m^2", "2 kg m^2", "1 kg m^2", "8 kg m^2"],
)
STOCK = BenchmarkItem(
    id="demo_mc/test/1",
    question="Which statement is true?",
    answer="C",
    choices=[
        "Every bounded sequence of real numbers converges.",
        "Every continuous function on a closed interval is differentiable.",
        "Every convergent sequence of real numbers is bounded.",
        "Every differentiable function has a continuous derivative.",
    ],
)
COMMON = BenchmarkItem(id="demo_mc/test/2", question="What is 7 - 5?", answer="B", choices=["1", "2", "3", "4"])
SHORT = BenchmarkItem(
    id="demo/test/4",
    question="Mary's five-year-old dog eats 3 cups of food a day. How many cups does it eat in two weeks?",
    answer="42",
)
ZH_SHORT = BenchmarkItem(
    id="demo_zh/test/1", question="小明有15颗糖，吃了4颗，又买了7颗，现在有多少颗糖？", answer="18"
)


def lettered(choices: list[str]) -> str:
    return "\n".join(f"({letter}) {choice}" for letter, choice in zip("ABCD", choices))


def test_a_stem_copied_without_its_options_is_found():
    idx = index(MC, STOCK, COMMON)
    [m] = found(idx, FILLER + MC.question.upper() + " " + FILLER)
    assert m.entry.item_id == MC.id and m.record()["field"] == "stem" and m.kind == "exact"
    [m] = found(idx, FILLER + MC.question + "\n" + lettered(MC.choices) + "\n" + FILLER)
    assert m.entry.item_id == MC.id and m.record()["field"] == "question" and m.lcs_ratio == 1.0


def test_a_stock_stem_counts_only_with_its_options():
    idx = index(MC, STOCK, COMMON)
    assert found(idx, FILLER + "Which statement is true? Let us look at the theorems of this chapter again.") == []
    [m] = found(idx, FILLER + STOCK.question + "\n" + lettered(STOCK.choices) + "\n" + FILLER)
    assert m.entry.item_id == STOCK.id and m.record()["field"] == "question"
    # The stock stem in front of another question's options is neither item.
    assert found(idx, FILLER + STOCK.question + "\n" + lettered(MC.choices)) == []


def test_options_without_their_stem_are_not_contamination():
    idx = index(MC, STOCK, COMMON)
    other_question = "Which of these facts about sequences did we prove in the last lecture?"
    assert found(idx, FILLER + other_question + "\n" + lettered(STOCK.choices) + "\n" + FILLER) == []
    assert found(idx, "Solve x + 3 = 5.\nA. 1 B. 2 C. 3 D. 4\n" + FILLER) == []  # a common option list
    assert found(idx, "Count the marbles: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15") == []


def test_a_stem_sharing_only_its_opening_sentence_is_not_contamination():
    idx = index(MC)
    doc = "A uniform rod of length 2 m and mass 3 kg is pivoted at one end. It is released from rest when horizontal."
    assert found(idx, FILLER + doc) == []


def test_short_items_get_shorter_ngrams_and_a_higher_threshold():
    idx = index(SHORT, EN)
    short, long_ = (idx.entries[i] for i in (0, 1))
    assert len(short.tokens) == 21 and idx.gram_size(short) == 7  # a third of the item: two edits leave one
    assert len(long_.tokens) == 36 and idx.gram_size(long_) == 12 and idx.n == 13
    # 0.6 from 39 tokens up, rising linearly to 1 at 0 tokens: 17 of these 21 tokens must be found in order.
    assert idx.required(39) == idx.required(80) == 0.6 and idx.required(21) == pytest.approx(0.6 + 0.4 * 18 / 39)


@pytest.mark.parametrize(
    "variant",
    [
        lambda q: q.upper().replace("'", "").replace("-", ""),  # MARYS FIVEYEAROLD: two tokens changed
        lambda q: q.title().replace("-", " ").replace(". ", "! "),
        lambda q: q.lower().replace(",", "").replace("?", "").replace("'", "’"),
        lambda q: q.replace(".", "。").replace("?", "？").replace("3", "３"),
    ],
)
def test_a_short_item_survives_case_and_punctuation_changes(variant):
    [m] = found(index(SHORT), FILLER + variant(SHORT.question) + " " + FILLER)
    assert m.entry.item_id == SHORT.id and m.lcs_ratio >= 0.85


def test_a_short_item_opening_or_stock_phrase_is_not_contamination():
    idx = index(SHORT)
    assert (
        found(idx, "Mary's five-year-old dog eats 3 cups of food a day. She walks it twice, morning and night.") == []
    )
    assert found(idx, FILLER + "How many cups does it eat in two weeks? That depends on the size of the dog.") == []


def test_a_short_item_with_another_number_is_still_the_item():
    """As the Qwen2.5-Math report's decontamination: a test problem with one parameter changed ("3 cups" for
    "4 cups") is a variant of the item, and training on its solution teaches the item's."""
    idx = index(SHORT)
    assert found(idx, FILLER + SHORT.question.replace("3 cups", "4 cups") + " " + FILLER)
    assert found(idx, FILLER + SHORT.question.replace("five-year-old", "six-year-old") + " " + FILLER)


@pytest.mark.parametrize(
    "variant",
    [
        lambda q: q.replace("，", ",").replace("？", "?"),  # half-width punctuation
        lambda q: q.replace("，", "、").replace("15", "１５").replace("？", "。"),
        lambda q: re.sub("([\u4e00-\u9fff])", r"\1 ", q).replace("，", ""),  # spaces after characters, no commas
    ],
)
def test_a_short_chinese_item_survives_width_and_punctuation_changes(variant):
    text = "下面是一道练习题。" + variant(ZH_SHORT.question) + "请同学们认真思考。"
    [m] = found(index(ZH_SHORT), text)
    assert m.entry.item_id == ZH_SHORT.id and m.lcs_ratio == 1.0


def test_a_chinese_item_opening_clause_is_not_contamination():
    idx = index(ZH_SHORT)
    assert found(idx, "小明有15颗糖，他把糖平均分给了三个好朋友，大家都很开心。") == []


def test_case_and_width_are_folded_before_hashing():
    assert tokenize("ＬＥＴ ｘ＝３，Ｙ・Ｚ") == tokenize("let X=3, y z") == ["let", "x", "3", "y", "z"]
    assert tokenize("Ⅻ ﬁeld ǅ") == tokenize("xii field dž")


def test_presence_filter_and_multi_length_hashes_agree_with_the_tables():
    from pipeline.data.decontaminate_text import ngram_hashes, ngram_hashes_by_size, token_hashes

    idx = index(EN, ZH, MC, STOCK, COMMON, SHORT, ZH_SHORT)
    for table in idx.tables.values():
        assert len(idx.presence.candidates(np.asarray(table.keys))) == len(table.keys)  # no false negative
    h = token_hashes(tokenize(FILLER * 3))
    by_size = ngram_hashes_by_size(h, [1, 5, 13])
    assert all((by_size[n] == ngram_hashes(h, n)).all() for n in (1, 5, 13))


def test_a_saved_index_keeps_the_stems_and_an_older_format_is_rebuilt(tmp_path):
    built = index(MC, STOCK, SHORT, ZH_SHORT)
    built.save(tmp_path / "index")
    loaded = ContaminationIndex.load(tmp_path / "index")
    text = (
        FILLER + MC.question + " " + FILLER + STOCK.question + " " + lettered(STOCK.choices) + " " + ZH_SHORT.question
    )
    assert [m.record() for m in found(loaded, text)] == [m.record() for m in found(built, text)]
    assert {m.record()["field"] for m in found(loaded, text)} == {"stem", "question"}
    meta = json.loads((tmp_path / "index" / "entries.json").read_text())
    (tmp_path / "index" / "entries.json").write_text(json.dumps({**meta, "format": 1}))
    with pytest.raises(ValueError, match="format 1"):
        ContaminationIndex.load(tmp_path / "index")
    f = BenchmarkDecontaminationFilter(DecontaminationStage(benchmarks=["mini_gsm"]), index_dir=tmp_path / "index")
    assert f.index.entries[0].benchmark == "mini_gsm"  # built in the task instead


def test_real_mc_stems_alone_and_common_options(shared_dir):
    bdir = shared_dir / "benchmarks"
    items = {n: load_benchmark(n, bdir) for n in ("mmlu_stem", "gaokao_math_qa")}
    idx = ContaminationIndex(items)
    rng = random.Random(1)
    for name, bench in items.items():
        stems = [i for i in bench if len(tokenize(i.question)) >= idx.min_stem_tokens]
        for item in rng.sample(stems, 40):
            ids = {m.entry.item_id for m in found(idx, "复习材料。 Review material. " + item.question + " 以上。")}
            assert item.id in ids, (name, item.id)
    for item in rng.sample(items["mmlu_stem"], 40):
        assert found(idx, FILLER + "Pick one.\n" + lettered(item.choices) + "\n" + FILLER) == [], item.id
    assert found(idx, FILLER + "Compute 7 - 5.\nA. 1 B. 2 C. 3 D. 4") == []
