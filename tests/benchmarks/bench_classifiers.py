"""Classifier benchmark on real, labelled, held-out documents: language ID, the trained math classifier, the rule.

    .venv/bin/python tests/benchmarks/bench_classifiers.py --shared ../shared \
        --real-html "$(bash ../shared/tools/fetch-real-html.sh)"
    .venv/bin/python tests/benchmarks/bench_classifiers.py --quick [--real-html DIR] [--out DIR]

Prints ONE JSON line with the figures side by side:
* `math.classifier` / `math.rule`: precision, recall, F1 of "is math" on the test split, for the fastText classifier
  (pipeline/data/filter/classifier.py, trained here on the train split, P(math) ≥ 0.5) and the rule-based `math_score`
  (pipeline/data/filter/math_score.py, ≥ 0.2, the recipe default), plus the share called math in every document group.
* `langid`: the recipe's language stage (MathLanguageFilter: lid.176 on `language_sample`, the prose lines with
  formulas and code removed; languages [en], min_score 0.65): precision and recall of "kept as English", the share
  of Chinese math identified as zh (≥ 0.65), and the share kept as English in every group; beside it the same model
  on the raw page text (datatrove LanguageFilter's input) and the recall ratio. Language ID is not trained, so it
  is measured on every document.

Documents and labels. Everything is read at run time from where it lives; the project holds no copy.
* math (positive):
  - `bench_en` / `bench_zh`: benchmark problems from SHARED/benchmarks through the registry, question plus solution
    when the set has one, at most --per-set per set, chosen by a hash of the item id. English: gsm8k, math500,
    minerva_math, olympiadbench, college_math, aime24, amc23, sat_math, svamp, asdiv; Chinese: cmath,
    gaokao_math_cloze, gaokao_math_qa. mmlu_stem is left out (most of its subjects are not math).
  - `docs_math`: documentation pages (Debian's sympy and statsmodels HTML docs) with at least 5 formula elements in
    their markup (`img.math`, `.math`, `<math>`, `script[type^=math/tex]`), extracted with `extract_html`.
* other (negative):
  - `docs_api`: API reference pages of the same docs (statsmodels `generated/`, sympy `modules/`) with no formula
    element at all, at most --api-pages. Pages with 1–4 formula elements are left out as ambiguous.
  - `python`: source files of installed packages that do no math (requests, yaml, click, urllib3, idna, jinja2,
    filelock); files that import math, cmath, numpy, fractions, decimal, statistics or random are skipped.
  - `ui_en`: English user-interface messages, the msgids of Debian's gettext catalogues (/usr/share/locale/*/
    LC_MESSAGES/{glib20,gtk20,coreutils,...}.mo), placeholders removed, 8 messages per document.
* language ID only: `ui_non_en`, the translated msgstrs of the same catalogues (every non-English locale, at most
  --per-locale documents each), and `spacy_non_en`, spaCy's example sentences (spacy/lang/*/examples.py), 4 per
  document. English = bench_en, docs_math, docs_api, ui_en; Chinese = bench_zh (math, so the zh class here).
Split: every document has a key (benchmark item id; page file name without the docs' `dev/` version folder, so both
copies of an API page land on one side; source path; catalogue chunk). A content hash of the key puts --test-share of
the keys in the test split; the classifier trains on the rest; identical texts are kept once.
Caveats: doc pages are labelled by formula count, which the rule-based score also counts; the benchmark, Python and
UI-message groups are labelled by origin. Train and test documents are disjoint but drawn from the same sources, so
the classifier's figures are in-distribution: on a new kind of page it will do worse than here.

The line and the trained classifier also go to --out (classifiers.jsonl, math.bin; default: a temporary folder,
removed). Without SHARED/benchmarks or --real-html the line says `"status": "missing"` and why. `--quick`
(seconds): 3 items per set, 40 pages taken evenly from --real-html (none without it), 20 API pages, 3 locales and 4
spaCy languages, 2 epochs; without SHARED/benchmarks the sample corpus's generated problems (group `sample_en`)
stand in for the benchmark items. Its figures only show that the code runs.
"""

from __future__ import annotations

import argparse
import gettext
import hashlib
import importlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

BENCH_EN = [
    "gsm8k",
    "math500",
    "minerva_math",
    "olympiadbench",
    "college_math",
    "aime24",
    "amc23",
    "sat_math",
    "svamp",
    "asdiv",
]
BENCH_ZH = ["cmath", "gaokao_math_cloze", "gaokao_math_qa"]
PY_PACKAGES = ["requests", "yaml", "click", "urllib3", "idna", "jinja2", "filelock"]
PY_MATH = re.compile(r"^\s*(?:import|from)\s+(?:math|cmath|numpy|fractions|decimal|statistics|random)\b", re.M)
CATALOGUES = [
    "glib20",
    "gtk20",
    "coreutils",
    "apt",
    "dpkg",
    "tar",
    "grep",
    "sed",
    "wget",
    "systemd",
    "bash",
    "findutils",
    "diffutils",
    "gnupg2",
    "git",
    "man-db",
    "shadow",
]
MATH_MARKUP = 'img.math, .math, math, script[type^="math/tex"]'
PLACEHOLDER = re.compile(r"%(?:\d+\$)?[-+ #0-9.*']*(?:l|ll|h|z|j|t)?[a-zA-Z]|\{[^{}]*\}|<[^<>]+>|\\[nt]|_(?=\w)")
MATH, OTHER = "math", "other"


def key_rank(key: str, salt: str = "split") -> float:
    """A number in [0, 1) from the key; the salt keeps sampling (`sample`) independent of the split (`split`)."""
    digest = hashlib.blake2b(f"{salt}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def benchmark_docs(shared: Path, per_set: int) -> list[dict]:
    from pipeline.shared.benchmarks.registry import load_benchmark

    docs = []
    for group, names in (("bench_en", BENCH_EN), ("bench_zh", BENCH_ZH)):
        for name in names:
            items = load_benchmark(name, shared / "benchmarks")
            for it in sorted(items, key=lambda it: key_rank(it.id, "sample"))[:per_set]:
                text = it.question + (f"\n\n{it.solution}" if it.solution else "")
                docs.append({"key": it.id, "group": group, "label": MATH, "text": text, "lang": group[-2:]})
    return docs


def sample_docs(n: int) -> list[dict]:
    """Generated math problems with their worked steps (--quick without SHARED/benchmarks)."""
    import random

    from pipeline.sample import problems

    makers = [f for name, f in sorted(vars(problems).items()) if name.startswith("ex_")]
    rng, docs = random.Random(0), []
    for i in range(n):
        p = makers[i % len(makers)](rng)
        text = p["question"] + "\n\n" + " ".join(p["steps"])
        docs.append({"key": f"sample/{i}", "group": "sample_en", "label": MATH, "text": text, "lang": "en"})
    return docs


def html_docs(real_html: Path, api_pages: int, max_pages: int | None = None) -> list[dict]:
    from selectolax.lexbor import LexborHTMLParser

    from pipeline.data.filter.extract import extract_html

    math_pages, api = [], []
    paths = sorted(real_html.rglob("*.html"))
    if max_pages and len(paths) > max_pages:  # taken evenly, so both sets and both kinds of page are in
        paths = [paths[int(i * len(paths) / max_pages)] for i in range(max_pages)]
    for path in paths:
        rel = path.relative_to(real_html).as_posix()
        raw = path.read_text(encoding="utf-8", errors="replace")
        formulas = len(LexborHTMLParser(raw).css(MATH_MARKUP))
        key = rel.split("/")[0] + "/" + path.name  # statsmodels ships dev/ copies of its API pages: one key for both
        is_api = "/generated/" in f"/{rel}" or rel.startswith("sympy/modules/")
        if formulas >= 5:
            math_pages.append((key, raw, "docs_math", MATH))
        elif formulas == 0 and is_api:
            api.append((key, raw, "docs_api", OTHER))
    api = sorted(api, key=lambda d: key_rank(d[0], "sample"))[:api_pages]
    docs = []
    for key, raw, group, label in math_pages + api:
        text = extract_html(raw)[0]
        if len(text) >= 200:
            docs.append({"key": key, "group": group, "label": label, "text": text, "lang": "en"})
    return docs


def python_docs() -> list[dict]:
    import importlib.util

    docs = []
    for package in PY_PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        base = Path(list(spec.submodule_search_locations)[0])
        for path in sorted(base.rglob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")[:20_000]
            if len(text) >= 300 and not PY_MATH.search(text):
                docs.append(
                    {
                        "key": f"{package}/{path.relative_to(base)}",
                        "group": "python",
                        "label": OTHER,
                        "text": text,
                        "lang": "code",
                    }
                )
    return docs


def _clean(message: str) -> str:
    return " ".join(PLACEHOLDER.sub(" ", message).split())


def _long_enough(text: str) -> bool:
    cjk = sum("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in text)
    return len(text.split()) >= 5 or cjk >= 10


def ui_docs(
    locale_dir: Path, per_locale: int, en_docs: int, per_doc: int = 8, locales: list[str] | None = None
) -> list[dict]:
    """English msgids (once) and translated msgstrs per locale of Debian's gettext catalogues (every locale, or
    `locales`)."""
    english: dict[str, None] = {}
    by_locale: dict[str, list[str]] = {}
    for loc in sorted(p.name for p in locale_dir.iterdir()) if locale_dir.is_dir() else []:
        if locales is not None and loc not in locales:
            continue
        for name in CATALOGUES:
            path = locale_dir / loc / "LC_MESSAGES" / f"{name}.mo"
            if not path.is_file():
                continue
            try:
                with path.open("rb") as f:
                    catalog = gettext.GNUTranslations(f)._catalog
            except (OSError, UnicodeDecodeError, ValueError, IndexError):  # a malformed catalogue header
                continue
            for msgid, msgstr in sorted((k, v) for k, v in catalog.items() if isinstance(k, str) and k):
                src, dst = _clean(msgid), _clean(msgstr)
                if _long_enough(src):
                    english.setdefault(src)
                if not loc.startswith("en") and dst != src and _long_enough(dst):
                    by_locale.setdefault(loc, []).append(dst)
    eng = list(english)
    chunks = [eng[i : i + per_doc] for i in range(0, len(eng) - per_doc + 1, per_doc)]
    docs = [
        {"key": f"ui_en/{i}", "group": "ui_en", "label": OTHER, "text": "\n".join(chunk), "lang": "en"}
        for i, chunk in sorted(enumerate(chunks), key=lambda c: key_rank(f"ui_en/{c[0]}", "sample"))[:en_docs]
    ]
    for loc, messages in by_locale.items():
        lang = re.split(r"[_@]", loc)[0]
        chunks = [messages[i : i + per_doc] for i in range(0, len(messages) - per_doc + 1, per_doc)]
        for i, chunk in sorted(enumerate(chunks), key=lambda c: key_rank(f"{loc}/{c[0]}", "sample"))[:per_locale]:
            docs.append(
                {"key": f"ui/{loc}/{i}", "group": "ui_non_en", "label": None, "text": "\n".join(chunk), "lang": lang}
            )
    return docs


def spacy_docs(per_doc: int = 4, languages: list[str] | None = None) -> list[dict]:
    import spacy.lang

    docs = []
    for folder in sorted(Path(spacy.lang.__file__).parent.iterdir()):
        if folder.name in ("en", "xx") or not (folder / "examples.py").is_file():
            continue
        if languages is not None and folder.name not in languages:
            continue
        try:
            sentences = importlib.import_module(f"spacy.lang.{folder.name}.examples").sentences
        except Exception:  # noqa: BLE001 - a language whose module needs extra packages is simply left out
            continue
        for i in range(0, len(sentences) - per_doc + 1, per_doc):
            docs.append(
                {
                    "key": f"spacy/{folder.name}/{i}",
                    "group": "spacy_non_en",
                    "label": None,
                    "text": " ".join(sentences[i : i + per_doc]),
                    "lang": folder.name,
                }
            )
    return docs


def prf(pred: list[bool], gold: list[bool]) -> dict:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def per_group(docs: list[dict], pred: list[bool]) -> dict:
    out: dict[str, list[int]] = {}
    for d, p in zip(docs, pred):
        c = out.setdefault(d["group"], [0, 0])
        c[0], c[1] = c[0] + p, c[1] + 1
    return {g: {"share": round(k / n, 4), "n": n} for g, (k, n) in sorted(out.items())}


def bench_math(train: list[dict], test: list[dict], epochs: int, out: Path) -> dict:
    from pipeline.config.classifier import TrainSettings
    from pipeline.data.filter.classifier import load_classifier, train_classifier
    from pipeline.data.filter.math_score import math_score

    t0 = time.time()
    side = train_classifier(
        (d["text"] for d in train if d["label"] == MATH),
        (d["text"] for d in train if d["label"] == OTHER),
        out / "math.bin",
        TrainSettings(epochs=epochs, holdout=0.0),
    )
    train_s = time.time() - t0
    clf = load_classifier(out / "math.bin")
    t0 = time.time()
    p_clf = clf.score_batch([d["text"] for d in test])
    clf_s = time.time() - t0
    t0 = time.time()
    p_rule = [math_score(d["text"]) for d in test]
    rule_s = time.time() - t0
    gold = [d["label"] == MATH for d in test]
    out = {}
    for name, scores, threshold, seconds in (("classifier", p_clf, 0.5, clf_s), ("rule", p_rule, 0.2, rule_s)):
        pred = [s >= threshold for s in scores]
        out[name] = {
            "threshold": threshold,
            **prf(pred, gold),
            "docs_per_s": round(len(test) / max(seconds, 1e-9)),
            "per_group": per_group(test, pred),
        }
    out["classifier"]["train_seconds"] = round(train_s, 2)
    out["classifier"]["train_counts"] = side["counts"]["train"]
    return out


def bench_langid(docs: list[dict]) -> dict:
    from datatrove.data import Document

    from pipeline.config.stages import LanguageStage
    from pipeline.data.filter.language import MathLanguageFilter

    f = MathLanguageFilter(LanguageStage(languages=["en"], min_score=0.65, apply_to=["web"]))
    docs = [d for d in docs if d["lang"] != "code"]
    kept, zh_ok, stock = [], [], []
    t0 = time.time()
    for d in docs:
        doc = Document(text=d["text"], id=d["key"], metadata={"kind": "web"})
        kept.append(f.filter(doc) is True)
        if d["lang"] == "zh" and d["group"] == "bench_zh":
            zh_ok.append(doc.metadata["language"] == "zh" and doc.metadata["language_score"] >= 0.65)
    seconds = time.time() - t0
    # The competitor: the same lid.176 model on the page text as it is, newlines joined (what datatrove's
    # LanguageFilter feeds its fastText model), the same languages and threshold.
    for d in docs:
        (label,), (score,) = f.model.predict(d["text"].replace("\n", " "), k=1)
        stock.append(bool(label == "__label__en" and score >= 0.65))
    gold = [d["lang"] == "en" for d in docs]
    ours, theirs = prf(kept, gold), prf(stock, gold)
    return {
        "languages": ["en"],
        "min_score": 0.65,
        **ours,
        "zh_math_identified_as_zh": round(sum(zh_ok) / max(len(zh_ok), 1), 4),
        "zh_math_n": len(zh_ok),
        "non_en_languages": len({d["lang"] for d in docs if d["lang"] not in ("en", "code")}),
        "docs_per_s": round(len(docs) / max(seconds, 1e-9)),
        "per_group_kept_as_en": per_group(docs, kept),
        "lid176_on_raw_text": {
            "precision": theirs["precision"],
            "recall": theirs["recall"],
            "f1": theirs["f1"],
            "per_group_kept_as_en": per_group(docs, stock),
        },
        "recall_ratio_ours_over_raw": round(ours["recall"] / max(theirs["recall"], 1e-9), 3),
    }


QUICK_LOCALES = ["de", "ru", "zh_CN"]
QUICK_LANGUAGES = ["de", "es", "it", "nl"]  # not fr: its tokenizer exceptions take seconds to compile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"), help="the shared data folder")
    parser.add_argument("--real-html", help="folder from SHARED/tools/fetch-real-html.sh")
    parser.add_argument("--locale-dir", default="/usr/share/locale", help="gettext catalogues (UI messages)")
    parser.add_argument("--per-set", type=int, default=150, help="benchmark items per set")
    parser.add_argument("--api-pages", type=int, default=600, help="math-free API reference pages")
    parser.add_argument("--per-locale", type=int, default=8, help="UI-message documents per non-English locale")
    parser.add_argument("--ui-docs", type=int, default=400, help="English UI-message documents")
    parser.add_argument("--test-share", type=float, default=0.3, help="share of document keys in the test split")
    parser.add_argument("--epochs", type=int, default=5, help="fastText epochs")
    parser.add_argument("--quick", action="store_true", help="seconds: a few documents of every group, 2 epochs")
    parser.add_argument("--out", type=Path, default=None, help="where outputs go (default: a temporary folder)")
    args = parser.parse_args()
    if args.quick:
        args.per_set, args.api_pages, args.per_locale, args.ui_docs, args.epochs = 3, 20, 2, 20, 2
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="bench_classifiers_") as tmp:
            return run(args, Path(tmp))
    args.out.mkdir(parents=True, exist_ok=True)
    return run(args, args.out)


def run(args: argparse.Namespace, out: Path) -> int:
    def emit(row: dict) -> int:
        line = json.dumps(row, ensure_ascii=False)
        print(line, flush=True)
        (out / "classifiers.jsonl").write_text(line + "\n", encoding="utf-8")
        return 0

    shared = Path(args.shared)
    have_bench = (shared / "benchmarks").is_dir()
    have_html = bool(args.real_html) and Path(args.real_html, "sympy").is_dir()
    missing = []
    if not have_bench:
        missing.append(f"{shared}/benchmarks is absent (the shared data folder is not part of a fresh clone)")
    if not have_html:
        missing.append(
            f"--real-html must name the folder from `bash {shared}/tools/fetch-real-html.sh DIR` "
            "(holding sympy/ and statsmodels/)"
        )
    if missing and not args.quick:
        return emit({"benchmark": "classifiers", "status": "missing", "reason": "; ".join(missing)})

    t0 = time.time()
    docs = (
        (benchmark_docs(shared, args.per_set) if have_bench else sample_docs(40))
        + (html_docs(Path(args.real_html), args.api_pages, 40 if args.quick else None) if have_html else [])
        + python_docs()[: 30 if args.quick else None]
        + ui_docs(Path(args.locale_dir), args.per_locale, args.ui_docs, locales=QUICK_LOCALES if args.quick else None)
        + spacy_docs(languages=QUICK_LANGUAGES if args.quick else None)
    )
    seen: set[str] = set()
    docs = [d for d in docs if not (d["text"] in seen or seen.add(d["text"]))]
    assemble_s = time.time() - t0
    labelled = [d for d in docs if d["label"] is not None]
    test = [d for d in labelled if key_rank(d["key"]) < args.test_share]
    train = [d for d in labelled if key_rank(d["key"]) >= args.test_share]
    assert not {d["key"] for d in test} & {d["key"] for d in train}

    def count(ds: list[dict]) -> dict:
        return {MATH: sum(d["label"] == MATH for d in ds), OTHER: sum(d["label"] == OTHER for d in ds)}

    math = bench_math(train, test, args.epochs, out)
    langid = bench_langid(docs)
    return emit(
        {
            "benchmark": "classifiers",
            "status": "ok",
            "quick": args.quick,
            "missing": missing,
            "train_docs": count(train),
            "test_docs": count(test),
            "math": math,
            "langid": langid,
            "assemble_seconds": round(assemble_s, 1),
            "total_seconds": round(time.time() - t0, 1),
        }
    )


if __name__ == "__main__":
    sys.exit(main())
