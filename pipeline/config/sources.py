"""A recipe's `sources[]`: name, kind, path, format, weight or token budget, and the format's own settings section.

    mathcpt data data_recipes/qwen2_math_full.yaml --dry-run      # every source resolved, defaults filled in

A source whose format has a settings section (`book`, `code`, `qa_format`; pipeline.config.formats) always carries
it, filled with defaults, and a section on another format is an error rather than a silently ignored setting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from pipeline.config.base import Strict
from pipeline.config.formats import BOOK_FORMATS, BookSettings, CodeSettings, QAFields, QAFormat
from pipeline.config.synthesis import SynthesisConfig

# general: non-math text replayed against forgetting (a FineWeb sample, say); the math filters do not judge it.
SourceKind = Literal["web", "books", "code", "exams", "synthetic", "general"]


PROSE_KINDS: list[str] = ["web", "books", "exams", "synthetic", "general"]


# Source formats with their own settings section, filled with defaults when absent and refused on other formats.
FORMAT_SETTINGS = {"book": BOOK_FORMATS, "code": ("code_repos",), "qa_format": ("qa_jsonl",)}


TEXT_FORMATS = (*BOOK_FORMATS, "code_repos")  # read by their own readers, never as HTML


class SourceConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="names the source in metadata, shards and stats")
    kind: SourceKind
    path: str | None = Field(
        default=None,
        description="file, folder or glob; relative paths resolve against the "
        "recipe's data_root; unset for a source with synthesis",
    )
    format: Literal["jsonl", "qa_jsonl", "parquet", "files", "code_repos", "latex", "book_text"] = "jsonl"
    content: Literal["html", "text"] | None = Field(
        default=None, description="html runs math-aware extraction; default html for kind web, text otherwise"
    )
    text_key: str = "text"
    qa_fields: QAFields = QAFields()
    qa_format: QAFormat | None = Field(
        default=None,
        description="for format: qa_jsonl, how items become text "
        "(filled with the defaults when the source does not say)",
    )
    synthesis: SynthesisConfig | None = Field(
        default=None,
        description="generate this source's documents with a model (kind synthetic; see README, Synthetic data)",
    )
    file_glob: str = Field(default="**/*", description="format files or code_repos: which files in the folder")
    code: CodeSettings | None = Field(
        default=None,
        description="for format: code_repos, which files are selected "
        "(filled with the defaults when the source does not say)",
    )
    book: BookSettings | None = Field(
        default=None,
        description="for format: latex or book_text, how a book is split "
        "(filled with the defaults when the source does not say)",
    )
    weight: float | None = Field(default=None, gt=0, description="share of training tokens (normalised over sources)")
    tokens: int | None = Field(default=None, gt=0, description="explicit token budget instead of a weight")
    max_epochs: float = Field(default=4.0, gt=0, description="cap on how often the trainer may repeat this source")

    @model_validator(mode="before")
    @classmethod
    def _format_settings_defaults(cls, data: Any) -> Any:
        # A source whose format has a settings section always carries it, so the resolved recipe (--dry-run) shows
        # what applies.
        if isinstance(data, dict):
            for key, formats in FORMAT_SETTINGS.items():
                if data.get("format") in formats and data.get(key) is None:
                    data = {**data, key: {}}
        return data

    @model_validator(mode="after")
    def _format_settings_match_format(self) -> "SourceConfig":
        # A settings section on another format would be silently ignored; say so instead.
        for key, formats in FORMAT_SETTINGS.items():
            if getattr(self, key) is not None and self.format not in formats:
                raise ValueError(
                    f"{key}: settings apply to format: {' or '.join(formats)}, this source's format is {self.format}"
                )
        if self.format in TEXT_FORMATS and self.content == "html":
            raise ValueError(
                f"format: {self.format} reads its files as text (its own reader converts them); remove content: html"
            )
        return self

    @model_validator(mode="after")
    def _weight_or_budget(self) -> "SourceConfig":
        if (self.weight is None) == (self.tokens is None):
            raise ValueError("give exactly one of weight (a share of training tokens) or tokens (a token budget)")
        if self.synthesis is not None:
            if self.kind != "synthetic":
                raise ValueError(f"synthesis needs kind: synthetic (this source is kind {self.kind})")
            if self.path is not None:
                raise ValueError(
                    "a source with synthesis writes its own documents (RUN/work/synthetic/NAME): remove "
                    "path, or remove synthesis to read existing synthetic data"
                )
        elif not self.path:
            raise ValueError("path is required (a file, folder or glob) unless the source has a synthesis section")
        return self

    @property
    def resolved_content(self) -> str:
        if self.format in TEXT_FORMATS:
            return "text"  # a book is converted by its reader, whatever the source's kind
        return self.content or ("html" if self.kind == "web" else "text")
