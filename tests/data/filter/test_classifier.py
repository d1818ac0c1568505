"""The trainable math classifier: training with a held-out split, scoring, the recipe's classifier scorer, recall.

    .venv/bin/python -m pytest tests/data/test_classifier.py -q

Data is generated here: math pages, book chapters and synthetic Q&A from the sample-corpus generator (seeds other
than the `sample_corpus` fixture's) as positives, off-topic web pages (cooking, travel, sport, reviews) as negatives.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml

from pipeline.config.classifier import TrainSettings, load_recall_config
from pipeline.config.recipe import load_recipe
from pipeline.data.filter.classifier import (
    in_holdout,
    load_classifier,
    preprocess,
    resolve_model_path,
    train_classifier,
)
from pipeline.data.filter.extract import extract_html
from pipeline.data.filter.recall import domain_of
from pipeline.data.recipe_run import run_recipe
from pipeline.errors import ConfigError, DataError
from pipeline.sample.corpus import build_sample_corpus
from pipeline.sample.web.pages import gen_web
from tests.conftest import ROOT, run_cli

SMALL = TrainSettings(bucket=20_000, dim=32)  # the defaults' 200k hashed rows are 50 MB: more than tests need


def web_texts(seed: str, clean: int, offtopic: int) -> tuple[list[str], list[str]]:
    n = {"clean": clean, "contaminated": 0, "offtopic": offtopic, "non_english": 0, "exact_dup": 0, "near_dup": 0}
    pages = gen_web(random.Random(seed), n, [])
    text = {p["key"]: extract_html(p["text"])[0] for p in pages}
    by = lambda label: [text[p["key"]] for p in pages if p["metadata"]["truth"]["label"] == label]  # noqa: E731
    return by("clean"), by("offtopic")


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> tuple[Path, Path]:
    """positives.jsonl (web math, books, synthetic Q&A) and negatives.jsonl (off-topic pages)."""
    folder = tmp_path_factory.mktemp("classifier_data")
    math_pages, offtopic = web_texts("classifier-test", clean=90, offtopic=150)
    corpus = build_sample_corpus(seed=7, scale=0.5)
    positives = math_pages + [r["text"] for r in corpus["books"] + corpus["synthetic"]]
    # The text lives under `body`, so training has to honour --text-key.
    pos = write_jsonl(folder / "positives.jsonl", [{"id": f"p{i}", "body": t} for i, t in enumerate(positives)])
    neg = write_jsonl(folder / "negatives.jsonl", [{"id": f"n{i}", "body": t} for i, t in enumerate(offtopic)])
    return pos, neg


@pytest.fixture(scope="module")
def model(labelled, tmp_path_factory) -> tuple[Path, dict]:
    """A model trained through the command line; returns its path and the metrics it printed."""
    pos, neg = labelled
    out = tmp_path_factory.mktemp("classifier_model") / "math.bin"
    r = run_cli(
        "classifier",
        "train",
        "--positives",
        str(pos),
        "--negatives",
        str(neg),
        "-o",
        str(out),
        "--holdout",
        "0.2",
        "--epochs",
        "5",
        "--text-key",
        "body",
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return out, json.loads(r.stdout)


def test_preprocess_keeps_latex_and_symbols_as_tokens():
    line = preprocess("Let  $\\frac{a}{b}$ = x_1\n\nWHEN 设函数 f", max_tokens=100)
    assert line.split() == [
        "let",
        "$",
        "\\frac",
        "{",
        "a",
        "}",
        "{",
        "b",
        "}",
        "$",
        "=",
        "x",
        "_",
        "1",
        "when",
        "设",
        "函",
        "数",
        "f",
    ]
    assert len(preprocess("word " * 5000, max_tokens=64).split()) == 64


def test_training_reports_heldout_metrics_and_writes_sidecar(model):
    path, printed = model
    held = printed["heldout"]
    assert held["positives"] >= 10 and held["negatives"] >= 10, held  # enough held-out documents to mean something
    assert held["precision"] >= 0.95 and held["recall"] >= 0.95 and held["f1"] >= 0.95, held
    side = json.loads(path.with_name("math.bin.json").read_text())
    assert side["heldout"] == held and side["settings"]["holdout"] == 0.2 and side["preprocess"]["version"] == 1
    assert not list(path.parent.glob("*.tmp")) and not list(path.parent.glob(".classifier-*"))


def test_heldout_split_is_by_content_and_disjoint(tmp_path):
    texts = [f"document number {i} about $x^{i}$" for i in range(400)]
    held = {t for t in texts if in_holdout(t, 0.1)}
    assert 20 <= len(held) <= 60 and held == {t for t in reversed(texts) if in_holdout(t, 0.1)}
    side = train_classifier(texts[:200], texts[200:], tmp_path / "m.bin", SMALL)
    assert side["counts"]["heldout"]["positive"] + side["counts"]["heldout"]["negative"] == len(held)


def test_training_is_reproducible_whatever_the_heap_held(tmp_path):
    """fastText leaves 90% of its input matrix uninitialised with one thread. Once the process has freed memory full
    of NaN bytes (here NumPy arrays; in the suite, a Qwen2 tokenizer load), the matrix came from that memory and
    training failed with NaN at every learning rate: 5 of these 6 runs without the fix. The same seed and data must
    give the same model every time, at the configured rate."""
    import numpy as np

    texts = [f"document number {i} about $x^{i}$" for i in range(400)]
    probe = [f"document number {i} about $x^{i}$" for i in range(0, 400, 7)]
    scores, pins = [], []
    for k in range(6):
        blocks = [np.full((1 << 20) * (1 + j % 4), np.nan, dtype=np.float32) for j in range(6)]
        pins.append(np.ones(64 * 1024, dtype=np.uint8))  # above the freed blocks: they stay in the heap as free chunks
        del blocks
        side = train_classifier(texts[:200], texts[200:], tmp_path / f"m{k}.bin", SMALL)
        assert side["lr_used"] == SMALL.lr, side
        scores.append(load_classifier(tmp_path / f"m{k}.bin").score_batch(probe))
    assert all(s == scores[0] for s in scores)


def test_divergent_learning_rate_is_lowered_not_fatal(tmp_path, caplog):
    """lr 50 (100× the default) makes fastText's SGD diverge (NaN) on this data; training retries at lower rates
    and says so."""
    texts = [f"document number {i} about $x^{i}$" for i in range(400)]
    side = train_classifier(texts[:200], texts[200:], tmp_path / "m.bin", SMALL.model_copy(update={"lr": 50.0}))
    assert side["settings"]["lr"] == 50.0 and side["lr_used"] < 50.0
    assert "diverged (NaN) at lr 50;" in caplog.text and (tmp_path / "m.bin").is_file()


def test_scores_are_probabilities_and_model_is_cached(model):
    clf = load_classifier(model[0])
    assert clf is load_classifier(model[0])
    math = "Solve $x^2 - 5x + 6 = 0$. The roots of the quadratic are $x = 2$ and $x = 3$, by factoring."
    prose = "We walked along the harbour, ate fresh fish and watched the sunset from the old lighthouse."
    p_math, p_prose = clf.score_batch([math, prose])
    assert 0 <= p_prose < 0.5 < p_math <= 1


def test_score_cli_adds_the_score_and_keeps_fields(model, tmp_path):
    docs = [
        {
            "id": "a",
            "text": "Let $f(x) = \\int_0^x t^2\\,dt$. Then $f'(x) = x^2$ by the fundamental theorem.",
            "metadata": {"source": "s"},
            "extra": 1,
        },
        {"id": "b", "text": "Our match report: the home side edged past the visitors in stoppage time."},
    ]
    src = write_jsonl(tmp_path / "in.jsonl", docs)
    out = tmp_path / "out.jsonl"
    r = run_cli("classifier", "score", str(model[0]), str(src), "-o", str(out), "--threshold", "0.5")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "1 at or above 0.5" in r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["id"] for d in rows] == ["a", "b"] and rows[0]["extra"] == 1 and rows[0]["metadata"]["source"] == "s"
    assert rows[0]["metadata"]["math_classifier_score"] > 0.5 > rows[1]["metadata"]["math_classifier_score"]
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "x", "content": "no text field"}])
    r = run_cli("classifier", "score", str(model[0]), str(bad), "-o", str(tmp_path / "o2.jsonl"))
    assert r.returncode == 2 and "bad.jsonl:1" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o2.jsonl").exists()


def test_recipe_with_classifier_scorer_drops_offtopic(model, sample_corpus, tmp_path):
    overrides = [
        f"data_root={sample_corpus}",
        "stages.math.scorer=classifier",
        f"stages.math.classifier_path={model[0]}",
        "stages.dedup.near=false",
        "stages.decontamination.enabled=false",
        "stages.tokenizer.train_vocab_size=300",
        "stages.math.min_score=0.5",
    ]
    recipe = load_recipe(ROOT / "data_recipes" / "demo.yaml", overrides)
    run_recipe(recipe, tmp_path / "run")
    records = [json.loads(line) for p in sample_corpus.glob("*/*.jsonl") for line in p.read_text().splitlines()]
    truth = {r["id"]: (r["metadata"]["truth"]["label"], r["id"].split("/")[0]) for r in records}
    dropped = [
        json.loads(line)
        for p in (tmp_path / "run" / "dropped" / "math").glob("*.jsonl")
        for line in p.read_text().splitlines()
    ]
    offtopic = {i for i, (label, _) in truth.items() if label == "offtopic"}
    assert offtopic and offtopic <= {d["id"] for d in dropped}
    assert all(d["metadata"]["filter_reason"] == "low_math_classifier_score" for d in dropped)
    assert all(d["metadata"]["math_classifier_score"] < 0.5 for d in dropped)
    clean = {i for i, (label, src) in truth.items() if label == "clean" and src in ("web", "books", "synthetic")}
    wrongly = clean & {d["id"] for d in dropped}
    assert len(wrongly) <= 0.05 * len(clean), sorted(wrongly)


def test_math_stage_config_rules(tmp_path):
    demo = ROOT / "data_recipes" / "demo.yaml"
    with pytest.raises(ConfigError, match=r"stages\.math.*needs classifier_path"):
        load_recipe(demo, ["stages.math.scorer=classifier"])
    with pytest.raises(ConfigError, match=r"stages\.math.*only used with scorer: classifier"):
        load_recipe(demo, ["stages.math.classifier_path=m.bin"])
    with pytest.raises(ConfigError, match=r"stages\.math\.classifer_path: unknown key"):
        load_recipe(demo, ["stages.math.classifer_path=m.bin"])
    raw = yaml.safe_load(demo.read_text())
    raw["stages"]["math"].pop("min_score", None)
    raw["stages"]["math"].update(scorer="classifier", classifier_path="models/math.bin")
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(raw))
    recipe = load_recipe(tmp_path / "r.yaml")
    assert recipe.stages.math.min_score == 0.5
    with pytest.raises(DataError, match=r"stages\.math\.classifier_path: .*models/math\.bin does not exist"):
        resolve_model_path(recipe.stages.math.classifier_path, recipe.data_root, "stages.math.classifier_path")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "math.bin").write_bytes(b"x")
    assert resolve_model_path("models/math.bin", recipe.data_root, "k") == str(tmp_path / "models" / "math.bin")


def test_domain_of():
    assert domain_of({"url": "https://www.Example.org/a/b?q=1"}) == "example.org"
    assert domain_of({"metadata": {"url": "http://notes.math.example.com:8080/x"}}) == "notes.math.example.com"
    assert domain_of({"metadata": {"url": "plain.example.net/page"}}) == "plain.example.net"
    assert domain_of({"text": "no url"}) is None


def test_recall_loop_adds_a_planted_math_domain(tmp_path):
    math_pages, offtopic = web_texts("recall-pool", clean=14, offtopic=70)
    corpus = build_sample_corpus(seed=11, scale=0.25)
    seed = [{"text": r["text"]} for r in corpus["synthetic"]]
    pool: list[dict] = []

    def add(domain: str, texts: list[str]) -> None:
        pool.extend({"id": f"{domain}/{i}", "text": t, "url": f"https://{domain}/p/{i}"} for i, t in enumerate(texts))

    add("planted-math.example.org", math_pages[:10] + offtopic[:2])  # 10 of 12 pages are math
    add("mixed.example.com", math_pages[10:11] + offtopic[2:13])  # 1 of 12: below the domain share
    for k, domain in enumerate(["food.example.net", "sport.example.net", "travel.example.net", "tech.example.net"]):
        add(domain, offtopic[13 + 14 * k : 27 + 14 * k])
    pool.append({"id": "nourl", "text": math_pages[11]})
    random.Random(0).shuffle(pool)
    write_jsonl(tmp_path / "data" / "seed.jsonl", seed)
    write_jsonl(tmp_path / "data" / "pool.jsonl", pool)
    config = {
        "positives": ["data/seed.jsonl"],
        "pool": ["data/pool.jsonl"],
        "negatives_sample": 40,
        "iterations": 2,
        "keep": {"threshold": 0.5},
        "domains": {"min_share": 0.5, "min_pages": 5},
        "output_dir": "out",
        "train": {"bucket": 20000, "dim": 32, "holdout": 0.2},
    }
    (tmp_path / "recall.yaml").write_text(yaml.safe_dump(config))
    r = run_cli("classifier", "recall", str(tmp_path / "recall.yaml"))
    assert r.returncode == 0, r.stderr[-3000:]
    log = json.loads((tmp_path / "out" / "recall_log.json").read_text())
    first, second = log["iterations"]
    assert log["complete"] and first["negatives"]["source"] == "pool_rule_score"
    assert list(first["new_math_domains"]) == ["planted-math.example.org"], first["new_math_domains"]
    assert second["positives"] == {"seed": len(seed), "from_math_domains": 12}  # the whole domain joins
    assert second["negatives"]["source"] == "pool_iter_1_model" and second["math_domains"] == first["math_domains"]
    for it in (1, 2):
        kept = [json.loads(line) for line in (tmp_path / "out" / f"iter_{it}" / "kept.jsonl").read_text().splitlines()]
        assert kept and all(d["metadata"]["math_classifier_score"] >= 0.5 for d in kept)
        assert (tmp_path / "out" / f"iter_{it}" / "model.bin").is_file()
    kept_ids = {d["id"] for d in kept}
    assert sum(i.startswith("planted-math") for i in kept_ids) >= 9 and not any(i.startswith("food") for i in kept_ids)


def test_recall_config_typo_names_the_key(tmp_path):
    (tmp_path / "recall.yaml").write_text(
        "positives: [a.jsonl]\npool: [b.jsonl]\noutput_dir: o\nkeep: {top_fractoin: 0.1}\n"
    )
    with pytest.raises(ConfigError, match=r"recall\.yaml: .*keep\.top_fractoin: unknown key"):
        load_recall_config(tmp_path / "recall.yaml")
    r = run_cli("classifier", "recall", str(tmp_path / "recall.yaml"))
    assert r.returncode == 2 and "keep.top_fractoin: unknown key" in r.stderr and "Traceback" not in r.stderr


def test_classifier_help_and_bad_settings(tmp_path):
    r = run_cli("classifier", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: mathcpt classifier") and "recall" in r.stdout
    f = write_jsonl(tmp_path / "x.jsonl", [{"text": "a"}])
    r = run_cli(
        "classifier",
        "train",
        "--positives",
        str(f),
        "--negatives",
        str(f),
        "-o",
        str(tmp_path / "m.bin"),
        "--holdout",
        "1.5",
    )
    assert r.returncode == 2 and "holdout" in r.stderr and "Traceback" not in r.stderr
