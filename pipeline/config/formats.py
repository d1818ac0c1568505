"""Per-format settings of a recipe source: exam Q&A fields and layout, math-code selection, books.

    mathcpt code-select repos/ -o code.jsonl --min-score python=0.6    # the same CodeSettings as `code:`
    mathcpt books book/main.tex -o book.jsonl --split section          # the same BookSettings as `book:`

The command-line tools build these from their flags and validate them exactly as a recipe's section is validated.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from pipeline.config.base import Strict


class QAFields(Strict):
    """Field names of a question/answer record (`format: qa_jsonl`)."""

    question: str = "question"
    solution: str = "solution"
    answer: str = "answer"
    choices: str = Field(
        default="choices", description="options of a multiple-choice item: a list, or a mapping letter → option"
    )


class QAFormat(Strict):
    """How `qa_jsonl` records become pretraining text (pipeline.data.sources.exams)."""

    layout: Literal["worked_solution", "problem_set"] = Field(
        default="worked_solution",
        description="worked_solution: one document per item (problem, solution, answer); "
        "problem_set: problems_per_set items per document, answers (and solutions) at the end",
    )
    language: Literal["en", "zh", "auto"] = Field(
        default="en",
        description="language of the labels (Problem/题目); auto: zh when the question holds Chinese characters",
    )
    problems_per_set: int = Field(default=5, ge=2, le=100)


CODE_LANGUAGES: tuple[str, ...] = (
    "lean",
    "coq",
    "isabelle",
    "agda",
    "python",
    "julia",
    "r",
    "matlab",
    "mathematica",
    "sage",
)


FORMAL_MATH_LANGUAGES: tuple[str, ...] = CODE_LANGUAGES[:4]


CodeLanguage = Literal[CODE_LANGUAGES]  # type: ignore[valid-type]


class CodeThresholds(Strict):
    """Minimum code_math_score per language (`format: code_repos`); unset = the selector's tuned default."""

    default: float | None = Field(default=None, ge=0, le=1, description="for every language not named here")
    lean: float | None = Field(default=None, ge=0, le=1)
    coq: float | None = Field(default=None, ge=0, le=1)
    isabelle: float | None = Field(default=None, ge=0, le=1)
    agda: float | None = Field(default=None, ge=0, le=1)
    python: float | None = Field(default=None, ge=0, le=1)
    julia: float | None = Field(default=None, ge=0, le=1)
    r: float | None = Field(default=None, ge=0, le=1)
    matlab: float | None = Field(default=None, ge=0, le=1)
    mathematica: float | None = Field(default=None, ge=0, le=1)
    sage: float | None = Field(default=None, ge=0, le=1)


class CodeSettings(Strict):
    """Math-code selection of a `format: code_repos` source (pipeline.data.sources.code_select)."""

    languages: list[CodeLanguage] = Field(default=list(CODE_LANGUAGES), min_length=1)
    min_math_score: CodeThresholds = CodeThresholds()
    max_file_bytes: int = Field(default=1_000_000, gt=0, description="larger files are skipped as too_large")
    keep_formal_math_always: bool = Field(default=True, description="Lean/Coq/Isabelle/Agda files skip the score")

    @field_validator("min_math_score", mode="before")
    @classmethod
    def _one_number_for_all(cls, value: Any) -> Any:
        # `min_math_score: 0.4` is shorthand for {default: 0.4}.
        return {"default": value} if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class BookSettings(Strict):
    """How a book source (`format: latex` or `book_text`) becomes documents (pipeline.data.sources.books)."""

    split: Literal["chapter", "section", "file"] = Field(
        default="chapter", description="one document per chapter, per section, or per book (file)"
    )
    expand_macros: bool = Field(default=True, description="latex: expand the book's own \\newcommand/\\def macros")
    max_file_bytes: int = Field(default=8_000_000, gt=0, description="larger files are skipped as too_large")


BOOK_FORMATS = ("latex", "book_text")
