"""A recipe's `stages:` (extraction, language, math, quality, dedup, decontamination, tokenizer) and `mixture:`.

    mathcpt data data_recipes/demo.yaml --set stages.math.min_score=0.3 --dry-run

Benchmark names are checked against the registry at run start (pipeline.data.recipe_run.check_recipe).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from pipeline.config.base import Strict
from pipeline.config.sources import PROSE_KINDS, SourceKind


class ExtractionStage(Strict):
    keep_code_blocks: bool = True
    min_text_chars: int = Field(default=50, ge=0, description="pages whose extracted text is shorter are dropped")


class LanguageStage(Strict):
    enabled: bool = True
    languages: list[str] = ["en", "zh"]  # lid.176 codes; English and Chinese, the Qwen2-Math languages
    min_score: float = Field(default=0.65, ge=0, le=1)
    apply_to: list[SourceKind] = PROSE_KINDS  # code has no natural language to identify


class MathStage(Strict):
    enabled: bool = True
    scorer: Literal["rule", "classifier"] = Field(
        default="rule",
        description="rule: pipeline.data.filter.math_score.math_score; classifier: a `mathcpt classifier` model",
    )
    classifier_path: str | None = Field(
        default=None, description="fastText model for scorer: classifier; relative paths resolve against data_root"
    )
    min_score: float = Field(
        default=0.2, ge=0, le=1, description="threshold on the scorer's output; default 0.2 (rule) or 0.5 (classifier)"
    )
    apply_to: list[SourceKind] = ["web", "books", "synthetic"]

    @model_validator(mode="before")
    @classmethod
    def _threshold_default(cls, data: Any) -> Any:
        # The two scorers live on different scales: a classifier's P(math) defaults to 0.5, not the rule's 0.2.
        if isinstance(data, dict) and data.get("min_score") is None and data.get("scorer") == "classifier":
            data = {**data, "min_score": 0.5}
        return data

    @model_validator(mode="after")
    def _classifier_needs_path(self) -> "MathStage":
        if self.scorer == "classifier" and not self.classifier_path:
            raise ValueError("scorer: classifier needs classifier_path (a model from `mathcpt classifier train`)")
        if self.scorer == "rule" and self.classifier_path:
            raise ValueError("classifier_path is only used with scorer: classifier (set scorer or remove the path)")
        return self


class QualityStage(Strict):
    enabled: bool = True
    min_words: int = Field(default=40, ge=0)
    max_words: int = Field(default=200_000, gt=0)
    max_duplicate_line_fraction: float = Field(default=0.3, ge=0, le=1)
    min_mean_word_length: float = Field(default=2.0, ge=0)
    max_mean_word_length: float = Field(default=12.0, gt=0)
    apply_to: list[SourceKind] = PROSE_KINDS


class DedupStage(Strict):
    """Exact and MinHash near-dedup over all sources (pipeline.data.dedup)."""

    exact: bool = True
    near: bool = True
    ngram: int = Field(default=5, ge=1, description="token n-gram shingle size for MinHash")
    # 40 bands × 5 rows = 200 MinHash values: a pair at Jaccard 0.8 shares a band with probability ≈1 (14 × 8:
    # 0.92); candidates below the threshold are removed by verification on all 200 values (σ of the Jaccard
    # estimate ≈ 0.03). tests/benchmarks/bench_near_dedup.py measures recall and precision on real pages.
    num_bands: int = Field(default=40, ge=1)
    rows_per_band: int = Field(default=5, ge=1)
    threshold: float = Field(
        default=0.75, gt=0, le=1, description="a candidate pair is a duplicate when this share of MinHash values agree"
    )
    keep: Literal["first", "oldest", "longest", "highest_score"] = Field(
        default="first", description="which copy of a duplicate group survives (ties: the first read)"
    )
    score_key: str = Field(default="math_score", description="metadata field that keep: highest_score compares")
    date_key: str = Field(default="date", description="metadata field (ISO date) that keep: oldest compares")
    seed: int = 1


class DecontaminationStage(Strict):
    enabled: bool = True
    benchmarks: list[str] = Field(default=["mini_gsm"], min_length=1, description="registry names, or `all`")
    benchmarks_dir: str | None = Field(default=None, description="folder laid out NAME/test.jsonl; hub if unset")
    ngram: int = Field(default=13, ge=3)
    lcs_threshold: float = Field(default=0.6, gt=0, le=1, description="LCS(item, window)/len(item) that confirms")
    include_solutions: bool = Field(default=False, description="also index solutions and answers, not only questions")
    min_item_tokens: int = Field(default=5, ge=1, description="shorter items match only a document that is the item")
    mode: Literal["document", "span"] = "document"
    min_remaining_tokens: int = Field(default=50, ge=0, description="span mode: drop what is left if shorter")


class TokenizerStage(Strict):
    path: str | None = Field(default=None, description="tokenizer.json file or HF tokenizer folder; trained if unset")
    train_vocab_size: int = Field(default=2048, ge=300, description="vocabulary of the BPE trained when path is unset")
    eos_token: str = "<|endoftext|>"


class Stages(Strict):
    extraction: ExtractionStage = ExtractionStage()
    language: LanguageStage = LanguageStage()
    math: MathStage = MathStage()
    quality: QualityStage = QualityStage()
    dedup: DedupStage = DedupStage()
    decontamination: DecontaminationStage = DecontaminationStage()
    tokenizer: TokenizerStage = TokenizerStage()


class MixtureConfig(Strict):
    total_tokens: int | None = Field(default=None, gt=0, description="planned training tokens; unset = one pass")
    on_exceeding_max_epochs: Literal["error", "warn"] = "error"
    validation_fraction: float = Field(
        default=0.0, ge=0, lt=0.5, description="share of each source's documents held out, chosen by content hash"
    )
