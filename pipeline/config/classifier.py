"""The math classifier's training settings and the DeepSeekMath recall loop's config.

    mathcpt classifier train --positives math.jsonl --negatives other.jsonl -o math.bin --epochs 5
    mathcpt classifier recall recall.yaml [--set iterations=2] [--dry-run]

A recall config (strict; relative paths resolve against the YAML file's folder):

    positives: [seed/math.jsonl]        # seed math documents (DeepSeekMath: OpenWebMath)
    pool: [crawl/pages.jsonl]           # documents to recall from; `url` or `metadata.url` gives each one's domain
    negatives: []                       # given negatives; empty = the pool's lowest scorers (negatives_sample of them)
    negatives_sample: 1000
    text_key: text
    iterations: 4
    keep: {top_fraction: 0.1}           # or {threshold: 0.5}: which pool documents an iteration recalls
    domains: {min_share: 0.1, min_pages: 5}
    output_dir: runs/recall
    train: {epochs: 5, holdout: 0.1}    # any field of TrainSettings

The loop itself is pipeline.data.filter.recall.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from pipeline.config.base import Strict, load
from pipeline.errors import DataError


class TrainSettings(Strict):
    """fastText hyper-parameters and the held-out split. DeepSeekMath used dim 256, lr 0.1, word n-grams 3,
    min count 3 and 3 epochs over 1M documents; these defaults also fit a few hundred seed documents."""

    epochs: int = Field(default=5, ge=1)
    lr: float = Field(default=0.5, gt=0)
    dim: int = Field(default=64, ge=1)
    word_ngrams: int = Field(default=2, ge=1)
    min_count: int = Field(default=1, ge=1)
    bucket: int = Field(default=200_000, ge=1, description="hashed n-gram rows; size ≈ (words+bucket) × dim × 4 B")
    holdout: float = Field(default=0.1, ge=0, lt=1, description="share held out for metrics, chosen by content hash")
    max_tokens: int = Field(default=2048, ge=1, description="tokens of each document the model sees")
    threads: int = Field(default=1, ge=1, description="1 is reproducible from the seed; more is faster, not bit-exact")
    seed: int = 0


class KeepRule(Strict):
    top_fraction: float | None = Field(default=None, gt=0, le=1, description="keep this share of the pool, best first")
    threshold: float | None = Field(default=None, ge=0, le=1, description="keep pages with P(math) ≥ threshold")

    @model_validator(mode="after")
    def _one_rule(self) -> "KeepRule":
        if (self.top_fraction is None) == (self.threshold is None):
            raise ValueError("give exactly one of top_fraction or threshold")
        return self


class DomainRule(Strict):
    min_share: float = Field(default=0.1, gt=0, le=1, description="share of a domain's pool pages that were kept")
    min_pages: int = Field(default=5, ge=1, description="domains with fewer pool pages never qualify")


class RecallConfig(Strict):
    positives: list[str] = Field(min_length=1, description="seed math JSONL files")
    pool: list[str] = Field(min_length=1, description="JSONL files to recall from (with url or metadata.url)")
    negatives: list[str] = Field(default=[], description="negative JSONL files; empty = sample the pool's low scorers")
    negatives_sample: int = Field(default=1000, ge=1, description="pool pages used as negatives when none are given")
    text_key: str = "text"
    iterations: int = Field(default=4, ge=1)
    keep: KeepRule = KeepRule(top_fraction=0.1)
    domains: DomainRule = DomainRule()
    output_dir: str
    train: TrainSettings = TrainSettings()


def load_recall_config(path: str | Path, overrides: list[str] | None = None) -> RecallConfig:
    """Validate the YAML and resolve every relative path against its folder."""
    cfg = load(RecallConfig, path, overrides)
    base = Path(path).resolve().parent
    absolute = lambda p: str(Path(p) if Path(p).is_absolute() else base / p)  # noqa: E731
    for name in ("positives", "pool", "negatives"):
        setattr(cfg, name, [absolute(p) for p in getattr(cfg, name)])
    cfg.output_dir = absolute(cfg.output_dir)
    for p in cfg.positives + cfg.pool + cfg.negatives:
        if not Path(p).is_file():
            raise DataError(f"{path}: input file {p} does not exist")
    return cfg
