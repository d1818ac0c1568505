"""The demo recipe on the generated corpus with the real LocalPipelineExecutor: each stage catches what was planted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from pipeline.config.recipe import load_recipe
from pipeline.data.recipe_run import run_recipe
from pipeline.errors import ConfigError, DataError
from pipeline.shared.benchmarks.registry import load_benchmark
from pipeline.shared.shards import SourceShards, read_manifest
from tests.conftest import ROOT, run_cli

DEMO = ROOT / "data_recipes" / "demo.yaml"


def jsonl(folder: Path) -> list[dict]:
    return [json.loads(line) for p in sorted(folder.glob("**/*.jsonl")) for line in p.read_text().splitlines()]


def planted(sample_corpus: Path, label: str) -> set[str]:
    """Ids with this planted label in the files the demo recipe reads (the corpus's general/ is another recipe's)."""
    read = {source.path for source in load_recipe(ROOT / "data_recipes" / "demo.yaml").sources}
    ids = set()
    for p in sample_corpus.glob("*/*.jsonl"):
        if p.relative_to(sample_corpus).as_posix() not in read:
            continue
        for line in p.read_text().splitlines():
            rec = json.loads(line)
            if rec["metadata"]["truth"]["label"] == label:
                ids.add(rec["id"])
    return ids


@pytest.mark.parametrize(
    "label, stage",
    [
        ("offtopic", "math"),
        ("non_english", "language"),
        ("exact_dup", "exact_dedup"),
        ("near_dup", "near_dedup"),
        ("contaminated", "decontamination"),
    ],
)
def test_every_planted_document_is_dropped_by_its_stage(data_run, sample_corpus, label, stage):
    expected = planted(sample_corpus, label)
    assert expected, f"the sample corpus plants no {label}"
    dropped = {d["id"] for d in jsonl(data_run / "dropped" / stage)}
    assert expected <= dropped, f"{label} not caught by {stage}: {sorted(expected - dropped)}"
    kept = {d["id"] for d in jsonl(data_run / "kept")}
    assert not expected & kept


def test_clean_documents_are_kept(data_run, sample_corpus):
    clean = planted(sample_corpus, "clean")
    kept = {d["id"] for d in jsonl(data_run / "kept")}
    assert clean <= kept, f"clean documents dropped: {sorted(clean - kept)[:10]}"


def test_dropped_documents_carry_reason_and_provenance(data_run):
    for d in jsonl(data_run / "dropped" / "near_dedup"):
        assert d["metadata"]["filter_reason"] == "near_duplicate" and d["metadata"]["duplicate_of"]
    for d in jsonl(data_run / "dropped" / "decontamination"):
        matches = d["metadata"]["contamination"]
        planted = [m for m in matches if m["item_id"] == d["metadata"]["truth"]["benchmark_item"]]
        assert planted and planted[0]["benchmark"] == "mini_gsm" and planted[0]["lcs_ratio"] >= 0.99


def test_latex_survives_extraction_and_quality_filtering(data_run):
    web = [d for d in jsonl(data_run / "kept" / "web")]
    assert web
    for d in web:
        for formula in d["metadata"]["truth"].get("formulas", []):
            assert formula in d["text"], f"{d['id']}: {formula!r} lost"
        for tag in ("<div", "</p>", "<nav", "<script", "<span"):
            assert tag not in d["text"], f"{d['id']}: HTML {tag!r} leaked"


def test_shards_decode_back_to_the_kept_text(data_run):
    manifest = read_manifest(data_run)
    tok = Tokenizer.from_file(str(data_run / "tokenizer" / "tokenizer.json"))
    eos = manifest["tokenizer"]["eos_id"]
    for name, entry in manifest["sources"].items():
        docs = jsonl(data_run / "kept" / name)
        shards = SourceShards(data_run / entry["path"], manifest["tokenizer"]["token_size"])
        assert shards.num_documents == len(docs) == entry["documents"] and shards.num_tokens == entry["tokens"]
        for i, d in enumerate(docs):
            ids = shards.document(i).tolist()
            assert ids[-1] == eos and eos not in ids[:-1]
            assert tok.decode(ids[:-1], skip_special_tokens=False) == d["text"]


def test_manifest_plan_and_report(data_run):
    manifest = read_manifest(data_run)
    shares = {n: s["share"] for n, s in manifest["sources"].items()}
    assert shares == pytest.approx({"web": 0.5, "books": 0.15, "code": 0.1, "exams": 0.15, "synthetic": 0.1}, abs=1e-4)
    for s in manifest["sources"].values():
        assert s["epochs"] == pytest.approx(s["planned_tokens"] / s["tokens"], rel=1e-3)
    assert manifest["tokenizer"]["token_size"] == 2 and manifest["tokenizer"]["vocab_size"] <= 2048
    report = json.loads((data_run / "report.json").read_text())
    stages = {s["stage"].split(": ", 1)[1]: s for s in report["stages"]}
    assert stages["🧮 math score (rule-based)"]["dropped"]["low_math_score"] >= 1
    assert report["contamination"]["per_benchmark"]["mini_gsm"]["documents_removed"] >= 1
    md = run_cli("report", str(data_run))
    assert md.returncode == 0 and "## Decontamination" in md.stdout


def test_qwen2_tokenizer_writes_uint32_shards(sample_corpus, shared_dir, tmp_path):
    recipe = load_recipe(
        DEMO,
        [
            f"data_root={sample_corpus}",
            f"stages.tokenizer.path={shared_dir / 'tokenizers' / 'qwen2'}",
            "sources=[{name: books, kind: books, path: books/chapters.jsonl, weight: 1}]",
        ],
    )
    run_recipe(recipe, tmp_path / "run")
    manifest = read_manifest(tmp_path / "run")
    assert manifest["tokenizer"]["token_size"] == 4 and manifest["tokenizer"]["vocab_size"] > 65536
    shards = SourceShards(tmp_path / "run" / "tokens" / "books", 4)
    assert int(shards.tokens(0, shards.num_tokens).max()) > 65535


# ------------------------------------------------------------------ bad input


def small_recipe(tmp_path: Path, text: str) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "a.jsonl").write_text(text)
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        "name: small\nsources:\n  - {name: books, kind: books, path: src/a.jsonl, weight: 1}\n"
        "stages:\n  quality: {min_words: 3}\n  math: {min_score: 0.01}\n  decontamination: {enabled: false}\n"
    )
    return recipe


GOOD = " ".join(["The derivative of a polynomial $p(x) = x^2 + 3x$ is $p'(x) = 2x + 3$ by the power rule."] * 3)


def test_missing_source_path_fails_before_any_output(tmp_path):
    recipe = small_recipe(tmp_path, "")
    recipe.write_text(recipe.read_text().replace("src/a.jsonl", "src/missing.jsonl"))
    r = run_cli("data", str(recipe), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_malformed_and_empty_records_are_counted_skips(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": GOOD}),
        "{broken json",
        json.dumps({"id": "b", "text": "   "}),
        json.dumps({"id": "c", "body": "no text field"}),
        json.dumps({"id": "d", "text": GOOD + " Also $y$."}),
    ]
    recipe = small_recipe(tmp_path, "\n".join(lines) + "\n")
    r = run_cli("data", str(recipe), "--out", str(tmp_path / "out"), "--set", "stages.dedup.near=false")
    assert r.returncode == 0, r.stderr[-3000:]
    reader = json.loads((tmp_path / "out" / "report.json").read_text())["stages"][0]
    assert reader["skipped"] == {"malformed_json/books": 1, "empty/books": 1, "missing_text/books": 1}
    assert "a.jsonl:2: skipped malformed JSON line" in r.stderr
    assert read_manifest(tmp_path / "out")["sources"]["books"]["documents"] == 2


def test_output_folder_of_another_run_is_refused(tmp_path):
    recipe = small_recipe(tmp_path, json.dumps({"id": "a", "text": GOOD}) + "\n")
    out = tmp_path / "out"
    assert run_cli("data", str(recipe), "--out", str(out)).returncode == 0
    # Same recipe again: allowed (resumes / re-finishes); another recipe: refused unless --overwrite.
    assert run_cli("data", str(recipe), "--out", str(out)).returncode == 0
    r = run_cli("data", str(recipe), "--out", str(out), "--set", "stages.math.min_score=0.02")
    assert r.returncode == 2 and "another recipe's run" in r.stderr
    assert (
        run_cli("data", str(recipe), "--out", str(out), "--set", "stages.math.min_score=0.02", "--overwrite").returncode
        == 0
    )
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    r = run_cli("data", str(recipe), "--out", str(foreign), "--overwrite")
    assert r.returncode == 2 and "did not write" in r.stderr and (foreign / "notes.txt").exists()


def test_everything_filtered_is_a_clear_error(tmp_path):
    recipe = small_recipe(
        tmp_path, json.dumps({"id": "a", "text": "Cooking pasta is fun for the whole family."}) + "\n"
    )
    with pytest.raises(DataError, match=r"no documents survived; .*logs/filter/stats.json"):
        run_recipe(load_recipe(recipe, ["stages.math.min_score=0.9"]), tmp_path / "out")
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_a_line_that_is_not_utf8_is_a_counted_skip_and_the_file_goes_on(tmp_path):
    """Line by line, so the skip is the same wherever a task's share of the file begins."""
    recipe = small_recipe(tmp_path, json.dumps({"id": "a", "text": GOOD}) + "\n")
    after = json.dumps({"id": "b2", "text": GOOD + " Again."}) + "\n"
    (tmp_path / "src" / "b.jsonl").write_bytes(b"\xff\xfe\x00garbage that is not UTF-8\n" + after.encode())
    recipe.write_text(recipe.read_text().replace("path: src/a.jsonl", "path: src"))
    r = run_cli("data", str(recipe), "--out", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr[-3000:]
    reader = json.loads((tmp_path / "out" / "report.json").read_text())["stages"][0]
    assert reader["skipped"] == {"invalid_utf8/books": 1} and reader["out"] == 2
    assert "b.jsonl:1: skipped a line that is not valid UTF-8" in r.stderr


def test_span_mode_cuts_planted_questions_and_keeps_the_rest(sample_corpus, tmp_path):
    recipe = load_recipe(
        DEMO,
        [
            f"data_root={sample_corpus}",
            "stages.decontamination.mode=span",
            "stages.decontamination.min_remaining_tokens=40",
        ],
    )
    run_recipe(recipe, tmp_path / "run")
    kept = {d["id"]: d for d in jsonl(tmp_path / "run" / "kept")}
    contaminated = planted(sample_corpus, "contaminated")
    questions = {i.id: i.question for i in load_benchmark("mini_gsm")}
    cut = [kept[i] for i in contaminated if i in kept]
    assert len(cut) >= len(contaminated) // 2, "long contaminated documents should survive with the span removed"
    for d in cut:
        assert questions[d["metadata"]["truth"]["benchmark_item"]] not in d["text"]
        assert any(m["item_id"] == d["metadata"]["truth"]["benchmark_item"] for m in d["metadata"]["contamination"])
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["contamination"]["per_benchmark"]["mini_gsm"]["spans_removed"] == len(cut)


def test_validation_split_by_content_hash_never_leaks(sample_corpus, tmp_path):
    recipe = load_recipe(DEMO, [f"data_root={sample_corpus}", "mixture.validation_fraction=0.2"])
    run_recipe(recipe, tmp_path / "run")
    manifest = read_manifest(tmp_path / "run")
    tok = Tokenizer.from_file(str(tmp_path / "run" / "tokenizer" / "tokenizer.json"))
    for name, entry in manifest["sources"].items():
        val = entry["validation"]
        assert val["documents"] >= 1 and entry["documents"] >= 1
        train = SourceShards(tmp_path / "run" / entry["path"], 2)
        held = SourceShards(tmp_path / "run" / val["path"], 2)
        train_docs = {tok.decode(train.document(i).tolist()[:-1]) for i in range(train.num_documents)}
        held_docs = {tok.decode(held.document(i).tolist()[:-1]) for i in range(held.num_documents)}
        assert not train_docs & held_docs
        kept = {d["text"] for d in jsonl(tmp_path / "run" / "kept" / name)}
        assert train_docs | held_docs == kept
    # The same recipe splits the same way (the choice is a content hash, not a random draw).
    run_recipe(recipe, tmp_path / "again")
    assert read_manifest(tmp_path / "again")["sources"] == manifest["sources"]


def test_token_budget_sources_and_planning_errors(sample_corpus, tmp_path):
    budget = ["sources.1.weight=null", "sources.1.tokens=5000", "mixture.total_tokens=100000"]
    recipe = load_recipe(DEMO, [f"data_root={sample_corpus}", *budget])
    run_recipe(recipe, tmp_path / "run")
    sources = read_manifest(tmp_path / "run")["sources"]
    assert sources["books"]["planned_tokens"] == 5000 and sources["books"]["budget"] == 5000
    assert sum(s["planned_tokens"] for s in sources.values()) == pytest.approx(100000, abs=5)
    with pytest.raises(ConfigError, match="give exactly one of weight"):
        load_recipe(DEMO, [f"data_root={sample_corpus}", "sources.1.tokens=5000"])
    too_much = load_recipe(DEMO, [f"data_root={sample_corpus}", "mixture.total_tokens=100000000"])
    with pytest.raises(ConfigError, match=r"sources\.\w+: the mixture plans .* over max_epochs"):
        run_recipe(too_much, tmp_path / "run2")
