"""Math-safe quality rules: length, repeated lines and mean word length, computed on the text without its formulas.

    mathcpt data data_recipes/demo.yaml      # stages.quality in the recipe

Why our own: datatrove's GopherQuality counts LaTeX tokens as non-alphabetic words and drops most math documents,
and C4Quality drops every document with a curly bracket.
"""

from __future__ import annotations

from collections import Counter

from datatrove.data import Document

from pipeline.config.stages import QualityStage
from pipeline.data.filter.scoped import KindScopedFilter
from pipeline.data.mathtext import WORD, strip_math


class MathSafeQualityFilter(KindScopedFilter):
    """Length, repeated-line and word-length rules computed on prose only, so LaTeX is never penalised."""

    name = "✅ quality (math-safe)"

    def __init__(self, settings: QualityStage, exclusion_writer=None):
        super().__init__(settings, exclusion_writer)

    def judge(self, doc: Document) -> bool | tuple[bool, str]:
        s = self.settings
        words = WORD.findall(strip_math(doc.text))
        if len(words) < s.min_words:
            return False, "too_few_words"
        if len(words) > s.max_words:
            return False, "too_many_words"
        mean_len = sum(map(len, words)) / len(words)
        if not s.min_mean_word_length <= mean_len <= s.max_mean_word_length:
            return False, "mean_word_length"
        lines = [ln.strip() for ln in doc.text.splitlines() if ln.strip() and not ln.strip().startswith("$$")]
        if lines:
            repeated = sum(c for c in Counter(lines).values() if c > 1)
            if repeated / len(lines) > s.max_duplicate_line_fraction:
                return False, "duplicate_lines"
        return True
