"""Filters keep math (LaTeX never penalised) and drop what they are for, with the reason recorded."""

from __future__ import annotations

import pytest
from datatrove.data import Document

from pipeline.config.stages import LanguageStage, MathStage, QualityStage
from pipeline.data.filter.language import MathLanguageFilter, language_sample
from pipeline.data.filter.math_score import MathScoreFilter, math_score
from pipeline.data.filter.quality import MathSafeQualityFilter
from pipeline.data.mathtext import strip_math

LATEX_HEAVY = (
    "Let $f(x) = \\sum_{k=0}^{\\infty} \\frac{x^k}{k!}$ for every real $x$. We show that $f'(x) = f(x)$. "
    "Differentiating term by term gives $$f'(x) = \\sum_{k=1}^{\\infty} \\frac{k x^{k-1}}{k!} = "
    "\\sum_{j=0}^{\\infty} \\frac{x^j}{j!}$$ which is the original series, so the claim holds. "
    "Since $f(0) = 1$ the function $g(x) = f(x) e^{-x}$ satisfies $g'(x) = 0$, hence $g \\equiv 1$ and "
    "$f(x) = e^x$ on the whole real line, as every textbook on analysis proves in its first chapter."
)
OFFTOPIC = (
    "Our weekend trip to the coast was wonderful. We stayed in a small hotel near the harbour, ate fresh fish "
    "every evening and walked along the cliffs in the morning. The weather was mild and the people were friendly. "
    "Next summer we plan to return with friends and rent bicycles to explore the villages further north."
)


def doc(text: str, kind: str = "web") -> Document:
    return Document(text=text, id="d", metadata={"kind": kind})


def test_math_score_separates_math_from_prose():
    assert math_score(LATEX_HEAVY) > 0.8
    assert math_score(OFFTOPIC) < 0.1


def test_strip_math_removes_every_delimiter_style():
    text = "a $x$ b $$y$$ c \\(z\\) d \\[w\\] e \\begin{align}q\\end{align} f ```code``` g"
    assert strip_math(text).split() == ["a", "b", "c", "d", "e", "f", "g"]


def test_math_filter_drops_offtopic_with_reason():
    f = MathScoreFilter(MathStage(min_score=0.2, apply_to=["web"]))
    assert f.filter(doc(LATEX_HEAVY)) is True
    assert f.filter(doc(OFFTOPIC)) == (False, "low_math_score")
    assert f.filter(doc(OFFTOPIC, kind="code")) is True  # not judged: code is out of its scope


def test_quality_filter_keeps_latex_heavy_text():
    f = MathSafeQualityFilter(
        QualityStage(
            min_words=40,
            max_words=100_000,
            max_duplicate_line_fraction=0.3,
            min_mean_word_length=2.0,
            max_mean_word_length=12.0,
            apply_to=["web"],
        )
    )
    d = doc(LATEX_HEAVY)
    assert f.filter(d) is True
    assert f.filter(doc("Too short $x^2$.")) == (False, "too_few_words")
    repeated = "\n".join(["Click here to subscribe to our newsletter today please"] * 10 + [OFFTOPIC])
    assert f.filter(doc(repeated)) == (False, "duplicate_lines")


def test_language_filter_is_offline_and_records_language():
    f = MathLanguageFilter(LanguageStage(languages=["en"], min_score=0.65, apply_to=["web"]))
    en, fr = (
        doc(LATEX_HEAVY),
        doc(
            "Soit $f$ une fonction dérivable sur un intervalle ouvert. Si la dérivée de la fonction est positive "
            "en tout point, alors la fonction est croissante sur cet intervalle, comme on le montre en cours."
        ),
    )
    assert f.filter(en) is True and en.metadata["language"] == "en"
    assert f.filter(fr) == (False, "wrong_language") and fr.metadata["language"] == "fr"


API_PAGE = """statsmodels.tsa.arima.model.ARIMA.fit
ARIMA.fit(start_params=None, transformed=True, includes_fixed=False, method=None, method_kwargs=None)
Fit (estimate) the parameters of the model.
Parameters
start_params : array_like, optional
Initial guess of the solution for the loglikelihood maximization, see `np.linalg.solve` and $\\hat\\theta$.
cov_type : str, optional
>>> res = mod.fit(method='innovations_mle', low_memory=True)
"""


def test_language_sample_reads_prose_lines_not_signatures():
    sample = language_sample(API_PAGE)
    assert sample.startswith("Fit (estimate) the parameters of the model. Initial guess of the solution")
    for code in ("start_params=None", ">>>", "np.linalg", "hat", "cov_type"):
        assert code not in sample
    # the model is surer of the page's language on what we give it than on the raw page
    f = MathLanguageFilter(LanguageStage(languages=["en"], min_score=0.65, apply_to=["web"]))
    (raw_label,), (raw_score,) = f.model.predict(API_PAGE.replace("\n", " "), k=1)
    (label,), (score,) = f.model.predict(sample, k=1)
    assert label == raw_label == "__label__en" and score > raw_score + 0.1


def test_language_sample_falls_back_to_the_whole_text():
    zh = "解：设甲每天做x个零件，则乙每天做(x+5)个。根据题意得方程组，解得x=20。答：甲每天做20个零件。"
    assert language_sample(zh) == zh  # Chinese has no spaces between words: no "prose lines", so all of it
    assert language_sample("x = 1\ny = 2") == "x = 1 y = 2"


@pytest.mark.parametrize(
    "text",
    [
        "At the edge of the forest an anthill blocks the way. If the ants need 911 grains of food and they already have "
        "762, how many more grains are needed?",
        "学校体育队有17人，合唱队有45人，舞蹈队的人数比体育队和合唱队的总数少4人，舞蹈队有多少人？",
    ],
)
def test_math_score_counts_word_problems_without_formulas(text):
    assert math_score(text) >= 0.2  # the recipe's default threshold


def test_math_score_does_not_read_api_signatures_as_arithmetic():
    api = "Parameters and returns of the fitting routine, as documented for users of the package.\n" + "\n".join(
        f"fit{i}(start=None, method='lbfgs', maxiter=50, disp=True, cov_type='opg', low_memory=False)" for i in range(8)
    )
    assert math_score(api) < 0.2
    prose = "\n".join(f"fit{i}: start, method, maxiter, disp, cov_type, low_memory" for i in range(8))
    assert math_score(prose + "\nSolve $x^2 = 4$ for the real root $x = 2$.") >= 0.2
