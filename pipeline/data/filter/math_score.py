"""The math filters: a rule-based math score, or a trained fastText classifier's P(math) (`stages.math.scorer`).

    mathcpt data data_recipes/demo.yaml      # stages.math in the recipe

The rule counts formulas, LaTeX commands, quantity questions ("how many", 多少), Chinese math terms, and math
vocabulary and symbols in the prose lines; its weights were fitted on the train split of
tests/benchmarks/bench_classifiers.py, which measures it and the classifier on the held-out split.
"""

from __future__ import annotations

import math
import re

from datatrove.data import Document

from pipeline.config.stages import MathStage
from pipeline.data.filter.scoped import KindScopedFilter
from pipeline.data.mathtext import LATEX_COMMAND, MATH_SPANS, MATH_WORDS, WORD, prose_text, strip_math

# Word problems state quantities and ask for one; they carry few formulas and little math vocabulary.
# (Matched on lower-cased text: Python's re scans a case-insensitive alternation several times slower.)
QUANTITY_QUESTION = re.compile(
    r"\b(?:how (?:many|much|long|far|old|fast)|what (?:is|was|are) the (?:sum|product|total|difference|value|area|"
    r"perimeter|volume|probability|average|remainder))\b|多少|几(?:个|只|天|岁|元|米|人|本|次|倍|分|小时|年|克)|求|是几"
)


ZH_MATH_TERMS = re.compile(
    "方程|函数|已知|面积|周长|体积|概率|平方|倍|余数|分数|小数|等于|一共|总共|平均|速度|三角形|圆|半径|直线|数列|集合|"
    "不等式|导数|积分|向量|矩阵|计算|答案|解得|求解|整数|质数|因数|公式|比例|百分|角|边长|正方形|长方形"
)


CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


SYMBOLS = re.compile(r"[=+^<>≤≥∑∫√π×÷]|\d+\s*[-*/]\s*\d+")


def _word_count(tokens: int, text: str) -> float:
    """Words from a token count, with Chinese counted as 1.5 characters a word (Hanzi come without spaces, so a run
    of them is one token)."""
    runs = CJK_RUN.findall(text)
    latin = max(tokens - len(runs), 0)
    return max(latin + sum(map(len, runs)) / 1.5, 1.0)


def math_score(text: str) -> float:
    """Rule-based math score in [0, 1): formulas, LaTeX commands, quantity questions, Chinese math terms, and math
    vocabulary and symbols in the prose lines.

    Each signal is a rate per 100 words, combined as 1 - exp(-weighted sum), so one strong signal suffices and
    off-topic prose stays near 0. Vocabulary and symbols are counted in `prose_text`, so `x=None` in an API signature
    is not arithmetic. Quantity questions and Chinese terms are there for word problems (SVAMP, ASDiv, CMATH), which
    carry few formulas; the weights were fitted on the train split of tests/benchmarks/bench_classifiers.py.
    """
    stripped = strip_math(text)
    lowered = stripped.lower()
    per100 = 100.0 / _word_count(len(lowered.split()), stripped)  # split, not WORD: the same rate, half the time
    prose = prose_text(text)
    prose_words = WORD.findall(prose.lower())
    prose_per100 = 100.0 / _word_count(len(prose_words), prose)
    formulas = len(MATH_SPANS.findall(text))
    commands = len(LATEX_COMMAND.findall(text))
    questions = len(QUANTITY_QUESTION.findall(lowered))
    zh_terms = len(ZH_MATH_TERMS.findall(stripped))
    vocab = sum(1 for w in prose_words if w in MATH_WORDS)
    symbols = len(SYMBOLS.findall(prose))
    signal = (0.5 * formulas + 0.05 * commands + 0.25 * questions + 0.1 * zh_terms) * per100
    signal += (0.03 * vocab + 0.01 * symbols) * prose_per100
    return 1.0 - math.exp(-signal)


class MathScoreFilter(KindScopedFilter):
    """Keeps documents with `math_score` ≥ min_score (drops off-topic pages)."""

    name = "🧮 math score (rule-based)"

    def __init__(self, settings: MathStage, exclusion_writer=None):
        super().__init__(settings, exclusion_writer)

    def judge(self, doc: Document) -> bool | tuple[bool, str]:
        score = math_score(doc.text)
        doc.metadata["math_score"] = round(score, 4)
        return True if score >= self.settings.min_score else (False, "low_math_score")


class MathClassifierFilter(KindScopedFilter):
    """Keeps documents whose trained classifier's P(math) ≥ min_score (`stages.math.scorer: classifier`)."""

    name = "🧮 math score (fastText classifier)"
    _requires_dependencies = [("fasttext", "fasttext-numpy2-wheel")]

    def __init__(self, settings: MathStage, model_path: str, exclusion_writer=None):
        """`model_path` is `settings.classifier_path` resolved against the recipe's data_root."""
        super().__init__(settings, exclusion_writer)
        self.model_path = model_path
        self._classifier = None

    def judge(self, doc: Document) -> bool | tuple[bool, str]:
        from pipeline.data.filter.classifier import SCORE_KEY, load_classifier

        # Loaded on the first document of a worker (the step is pickled to workers, the model is not), then kept:
        # no file checks per document.
        if self._classifier is None:
            self._classifier = load_classifier(self.model_path)
        score = self._classifier.score(doc.text)
        doc.metadata[SCORE_KEY] = round(score, 4)
        return True if score >= self.settings.min_score else (False, "low_math_classifier_score")
