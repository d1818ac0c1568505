"""A trainable math classifier: fastText supervised on positive and negative JSONL documents, scoring P(math).

    mathcpt classifier train --positives math.jsonl --negatives web.jsonl -o math.bin [--holdout 0.1] [--epochs 5]
    mathcpt classifier score math.bin pages.jsonl -o scored.jsonl [--threshold 0.5]

The DeepSeekMath recipe (and `mathcpt classifier recall`, pipeline/data/filter/recall.py) starts from such a
model. Text is normalised the same way at training and scoring time (`preprocess`): lowercased, split into words,
numbers, LaTeX commands (`\\frac` stays one token) and single symbols (`$`, `^`, `_`, `=`, each its own token, since
math markup is the strongest signal), CJK characters one by one, capped at `max_tokens`, joined by single spaces.
The cap and the preprocessing version are stored in a JSON sidecar (`MODEL.bin.json`) next to the model, together
with the settings and the held-out metrics, and the scorer reads them back, so a model is never scored with
different preprocessing than it was trained with.

A deterministic share of the documents (chosen by content hash, so the same document is always on the same side) is
held out; the model trains on the rest and reports precision, recall and F1 on the held-out documents at
threshold 0.5. The model file appears only when complete (written to a temporary name, then renamed).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import itertools
import json
import logging
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from datatrove.utils.batching import batched

from pipeline.config.classifier import TrainSettings
from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_open, atomic_path, atomic_write_text
from pipeline.shared.jsonl import read_jsonl

log = logging.getLogger(__name__)

POSITIVE, NEGATIVE = "__label__math", "__label__other"
PREPROCESS_VERSION = 1
SIDECAR_FORMAT = "mathcpt-math-classifier/1"
SCORE_KEY = "math_classifier_score"

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Order matters: a LaTeX command before a lone backslash, CJK characters before words (a Chinese sentence has no
# spaces, so it would otherwise be one rare token), and every remaining non-space character is a token of its own.
TOKEN = re.compile(rf"\\[a-z]+|\\.|[{_CJK}]|\d+|(?:(?![{_CJK}])[^\W\d_])+|\S", re.U)


def preprocess(text: str, max_tokens: int) -> str:
    """One line of space-separated tokens: what fastText sees at training and at scoring time."""
    # A token spans at most a few dozen characters in real text; cutting first keeps huge documents cheap.
    text = text[: max_tokens * 32].lower()
    return " ".join(m.group() for m in itertools.islice(TOKEN.finditer(text), max_tokens))


def in_holdout(text: str, fraction: float) -> bool:
    """Deterministic by content: the same text is held out in every run, whatever the file order."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < fraction


def read_texts(paths: Iterable[str | Path], text_key: str = "text") -> Iterator[str]:
    """The text field of every line of every file; a missing file or field is a DataError naming file and line."""
    for path in paths:
        for _, record in read_jsonl(path, required={text_key: str}):
            yield record[text_key]


def _shuffled_lines(bucket_files: list[Path], rng: random.Random) -> Iterator[str]:
    for path in bucket_files:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        rng.shuffle(lines)
        yield from lines


def evaluate(model: "MathClassifier", heldout_file: Path, threshold: float = 0.5, batch: int = 1024) -> dict:
    """Precision, recall and F1 of `score ≥ threshold` on a file of `LABEL TEXT` lines."""
    tp = fp = fn = tn = 0

    with heldout_file.open(encoding="utf-8") as f:
        for chunk in batched((line.rstrip("\n").partition(" ") for line in f), batch):
            for (label, _, _), p in zip(chunk, model.score_preprocessed([text for _, _, text in chunk])):
                is_math, hit = label == POSITIVE, p >= threshold
                tp, fp = tp + (hit and is_math), fp + (hit and not is_math)
                fn, tn = fn + (not hit and is_math), tn + (not hit and not is_math)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else (0.0 if tp + fn else None)
    r = lambda x: None if x is None else round(x, 4)  # noqa: E731
    return {
        "threshold": threshold,
        "precision": r(precision),
        "recall": r(recall),
        "f1": r(f1),
        "positives": tp + fn,
        "negatives": fp + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


def train_classifier(
    positives: Iterable[str],
    negatives: Iterable[str],
    model_path: str | Path,
    settings: TrainSettings | None = None,
    inputs: dict | None = None,
) -> dict:
    """Train on texts, evaluate on the held-out share, write MODEL and its sidecar MODEL.json; returns the sidecar.

    Texts are streamed: preprocessed lines go to temporary files, spread over buckets by a seeded draw and shuffled
    bucket by bucket, so memory holds one bucket and SGD never sees all positives before all negatives.
    """
    import fasttext

    s = settings or TrainSettings()
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    rng = random.Random(s.seed)
    counts = {"train": {"positive": 0, "negative": 0}, "heldout": {"positive": 0, "negative": 0}}
    with tempfile.TemporaryDirectory(prefix=".classifier-", dir=model_path.parent) as tmp:
        tmp = Path(tmp)
        buckets = [tmp / f"train-{i:02d}.txt" for i in range(32)]
        handles = [b.open("w", encoding="utf-8") for b in buckets]
        heldout = tmp / "heldout.txt"
        try:
            with heldout.open("w", encoding="utf-8") as held:
                for label, texts in ((POSITIVE, positives), (NEGATIVE, negatives)):
                    name = "positive" if label == POSITIVE else "negative"
                    for text in texts:
                        line = f"{label} {preprocess(text, s.max_tokens)}\n"
                        if in_holdout(text, s.holdout):
                            held.write(line)
                            counts["heldout"][name] += 1
                        else:
                            handles[rng.randrange(len(handles))].write(line)
                            counts["train"][name] += 1
        finally:
            for h in handles:
                h.close()
        if not counts["train"]["positive"] or not counts["train"]["negative"]:
            n = counts["train"]
            raise DataError(
                f"training needs positive and negative documents outside the held-out share; got "
                f"{n['positive']} positive and {n['negative']} negative"
            )
        train_file = tmp / "train.txt"
        with train_file.open("w", encoding="utf-8") as f:
            f.writelines(_shuffled_lines(buckets, rng))
        for b in buckets:
            b.unlink()
        ft, lr_used = _train_fasttext(fasttext, train_file, s)
        model = MathClassifier(ft, s.max_tokens, str(model_path))
        metrics = evaluate(model, heldout) if counts["heldout"]["positive"] + counts["heldout"]["negative"] else None
        sidecar = {
            "format": SIDECAR_FORMAT,
            "labels": {"positive": POSITIVE, "negative": NEGATIVE},
            "preprocess": {"version": PREPROCESS_VERSION, "max_tokens": s.max_tokens},
            "settings": s.model_dump(),
            "lr_used": lr_used,
            "inputs": inputs or {},
            "counts": counts,
            "heldout": metrics,
            "train_seconds": round(time.time() - started, 2),
        }
        # The sidecar first, the model last: a model file only ever exists next to the sidecar that describes it.
        atomic_write_text(sidecar_path(model_path), json.dumps(sidecar, indent=2) + "\n")
        with atomic_path(model_path) as tmp_model:
            ft.save_model(str(tmp_model))
    _CACHE.pop(str(model_path.resolve()), None)
    return sidecar


NAN_RETRIES = 8  # 1/256 of the configured rate at the last try
_M_PERTURB = -6  # glibc's mallopt parameter number


@contextlib.contextmanager
def _zeroed_allocations() -> Iterator[None]:
    """While fastText builds its model, memory from malloc starts zeroed instead of holding whatever was freed there.

    The fastText build we use (fasttext-numpy2-wheel 0.9.2) allocates its input matrix without initialising it and,
    with fewer than 10 threads, writes random values into only the first tenth (`DenseMatrix::uniformThread` fills
    one block per thread). The rest is whatever the allocator returns: zeroed pages in a fresh process, but after the
    process has freed memory (a Qwen2 tokenizer loaded, a recipe run), old bytes, NaN patterns included. Training then
    stops with "Encountered NaN" at any learning rate, or trains from garbage. Measured here: after loading the Qwen2
    tokenizer, every one of 3 trainings failed; before this fix the CI machine failed the same way.

    glibc's M_PERTURB makes every allocation start as the complement of the given byte: 0xff gives zeros. It costs a
    memset per allocation, so it is on only for the training call. Not glibc: nothing to do (no such control).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        yield
        return
    libc.mallopt(_M_PERTURB, 0xFF)
    try:
        yield
    finally:
        libc.mallopt(_M_PERTURB, 0)


def _train_fasttext(fasttext, train_file: Path, s: TrainSettings):
    """fastText's SGD, retried at half the learning rate when it diverges; returns the model and the rate used.

    fastText aborts with "Encountered NaN" when SGD diverges, and its own advice is a lower rate; we take it rather
    than fail a long recall loop, and the rate actually used goes into the sidecar.
    """
    lr = s.lr
    for attempt in range(NAN_RETRIES + 1):
        try:
            with _zeroed_allocations():
                ft = fasttext.train_supervised(
                    input=str(train_file),
                    epoch=s.epochs,
                    lr=lr,
                    dim=s.dim,
                    wordNgrams=s.word_ngrams,
                    minCount=s.min_count,
                    bucket=s.bucket,
                    thread=s.threads,
                    seed=s.seed,
                    loss="softmax",
                    verbose=0,
                )
            return ft, lr
        except RuntimeError as e:
            if "NaN" not in str(e):
                raise
            if attempt == NAN_RETRIES:
                raise DataError(
                    f"fastText training diverged (NaN) at every learning rate from {s.lr} down to {lr}; "
                    "check the training data or lower `lr` and `dim`"
                ) from e
            log.warning("fastText training diverged (NaN) at lr %g; retrying at lr %g", lr, lr / 2)
            lr /= 2
    raise AssertionError("unreachable")


def train_from_files(
    positive_files: list[str],
    negative_files: list[str],
    model_path: str | Path,
    settings: TrainSettings | None = None,
    text_key: str = "text",
) -> dict:
    inputs = {
        "positives": [str(p) for p in positive_files],
        "negatives": [str(p) for p in negative_files],
        "text_key": text_key,
    }
    return train_classifier(
        read_texts(positive_files, text_key), read_texts(negative_files, text_key), model_path, settings, inputs
    )


def resolve_model_path(path: str, base: str | Path | None, key: str) -> str:
    """A configured model path, relative ones against `base` (a recipe's data_root, like its sources)."""
    resolved = Path(path) if Path(path).is_absolute() or base is None else Path(base) / path
    if not resolved.is_file():
        raise DataError(
            f"{key}: math classifier model {resolved} does not exist (train one with `mathcpt classifier train`)"
        )
    return str(resolved)


def sidecar_path(model_path: str | Path) -> Path:
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + ".json")


@dataclass
class MathClassifier:
    """A loaded model and the preprocessing it was trained with; `score` returns P(math) in [0, 1]."""

    model: object
    max_tokens: int
    path: str
    meta: dict = field(default_factory=dict)

    def score_preprocessed(self, lines: list[str]) -> list[float]:
        if not lines:
            return []
        labels, probs = self.model.predict(lines, k=-1)
        out = []
        for labs, ps in zip(labels, probs):
            p = dict(zip(labs, ps)).get(POSITIVE, 0.0)
            out.append(min(1.0, max(0.0, float(p))))  # fastText smooths log-probabilities, so clip into [0, 1]
        return out

    def score(self, text: str) -> float:
        return self.score_preprocessed([preprocess(text, self.max_tokens)])[0]

    def score_batch(self, texts: list[str]) -> list[float]:
        return self.score_preprocessed([preprocess(t, self.max_tokens) for t in texts])


_CACHE: dict[str, tuple[int, MathClassifier]] = {}


def load_classifier(path: str | Path) -> MathClassifier:
    """Load once per process (keyed by path and modification time, so a retrained file is reloaded)."""
    import fasttext

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: math classifier model not found (train one with `mathcpt classifier train`)")
    key, mtime = str(path.resolve()), path.stat().st_mtime_ns
    cached = _CACHE.get(key)
    if cached and cached[0] == mtime:
        return cached[1]
    meta: dict = {}
    side = sidecar_path(path)
    if side.is_file():
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise DataError(f"{side}: unreadable classifier sidecar ({e})") from None
        version = meta.get("preprocess", {}).get("version")
        if version != PREPROCESS_VERSION:
            raise DataError(
                f"{side}: model trained with preprocessing version {version}, this code uses "
                f"{PREPROCESS_VERSION}; retrain it with `mathcpt classifier train`"
            )
    try:
        ft = fasttext.load_model(str(path))
    except ValueError as e:
        raise DataError(f"{path}: not a fastText model ({e})") from None
    if POSITIVE not in ft.get_labels():
        raise DataError(f"{path}: fastText model without the label {POSITIVE} (not trained by mathcpt classifier)")
    max_tokens = int(meta.get("preprocess", {}).get("max_tokens", TrainSettings.model_fields["max_tokens"].default))
    clf = MathClassifier(ft, max_tokens, str(path), meta)
    _CACHE[key] = (mtime, clf)
    return clf


def score_file(
    model_path: str | Path,
    input_path: str | Path,
    output: str | Path,
    threshold: float = 0.5,
    text_key: str = "text",
    batch: int = 512,
) -> dict:
    """Copy every line of input to output with `metadata.math_classifier_score` added; returns the counts."""
    if not 0 <= threshold <= 1:
        raise DataError(f"threshold must be in [0, 1], got {threshold}")
    clf = load_classifier(model_path)
    documents = above = 0
    with atomic_open(output) as f:
        for chunk in batched(read_jsonl(input_path, required={text_key: str}), batch):
            for (line_no, record), p in zip(chunk, clf.score_batch([r[text_key] for _, r in chunk])):
                metadata = record.setdefault("metadata", {})
                if not isinstance(metadata, dict):
                    raise DataError(
                        f"{input_path}:{line_no}: metadata must be an object, found {type(metadata).__name__}"
                    )
                metadata[SCORE_KEY] = round(p, 6)
                above += p >= threshold
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            documents += len(chunk)
    return {
        "documents": documents,
        "above_threshold": above,
        "below_threshold": documents - above,
        "threshold": threshold,
        "output": str(output),
    }
