"""TODO docstring."""

from __future__ import annotations

from collections import Counter

from datatrove.data import Document

from pipeline.data.filter.scoped import KindScopedFilter
from pipeline.data.mathtext import WORD, strip_math


class MathSafeQualityFilter(KindScopedFilter):
    """Length, repeated-line and word-length rules computed on prose only, so LaTeX is never penalised."""

    name = "✅ quality (math-safe)"

    def __init__(
        self,
        min_words: int,
        max_words: int,
        max_duplicate_line_fraction: float,
        min_mean_word_length: float,
        max_mean_word_length: float,
        apply_to: list[str],
        exclusion_writer=None,
    ):
        super().__init__(apply_to, exclusion_writer)
        self.min_words, self.max_words = min_words, max_words
        self.max_duplicate_line_fraction = max_duplicate_line_fraction
        self.min_mean_word_length, self.max_mean_word_length = min_mean_word_length, max_mean_word_length

    def judge(self, doc: Document) -> bool | tuple[bool, str]:
        words = WORD.findall(strip_math(doc.text))
        if len(words) < self.min_words:
            return False, "too_few_words"
        if len(words) > self.max_words:
            return False, "too_many_words"
        mean_len = sum(map(len, words)) / len(words)
        if not self.min_mean_word_length <= mean_len <= self.max_mean_word_length:
            return False, "mean_word_length"
        lines = [ln.strip() for ln in doc.text.splitlines() if ln.strip() and not ln.strip().startswith("$$")]
        if lines:
            repeated = sum(c for c in Counter(lines).values() if c > 1)
            if repeated / len(lines) > self.max_duplicate_line_fraction:
                return False, "duplicate_lines"
        return True
