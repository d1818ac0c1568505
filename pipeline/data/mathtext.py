"""How every data stage sees math in text: formula spans, the text without them, its prose lines, math vocabulary.

    python -c "from pipeline.data.mathtext import strip_math; print(strip_math('a $x$ b'))"

The filters (language, math score, quality), the book text reader, the code selector and the report all read text
through these, so "a formula" and "a prose word" mean the same thing in every stage.
"""

from __future__ import annotations

import functools
import re

# Display and inline formulas in the delimiters our extraction writes, MathJax's, and LaTeX environments.
MATH_SPANS = re.compile(
    r"\$\$.+?\$\$|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$|"
    r"\\begin\{(equation|align|gather|multline|eqnarray)\*?\}.+?\\end\{\1\*?\}",
    re.S,
)


CODE_FENCES = re.compile(r"```.*?```", re.S)


LATEX_COMMAND = re.compile(r"\\[A-Za-z]{2,}")


WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.U)


MATH_WORDS = frozenset(
    """theorem lemma proof corollary proposition definition equation equations integral integrals derivative
    derivatives polynomial polynomials matrix matrices vector vectors prime primes divisible integer integers
    function functions variable variables solve solution solutions probability geometry triangle angle angles
    circle radius area perimeter algebra calculus limit limits sum series sequence converges convergence
    fraction fractions denominator numerator equals multiply divide product quotient remainder modulo inequality
    exponent logarithm root roots square cube coefficient coefficients eigenvalue eigenvalues determinant
    linear quadratic
    real complex rational irrational set sets subset graph graphs axiom hypothesis therefore hence compute
    calculate formula formulas expression simplify factor factorization arithmetic mean median variance
    differential differentiable continuous lemma q.e.d answer problem""".split()
)


# The language, math and quality filters judge one document after another and all strip the same text: a one-entry
# cache makes that one regex pass per document instead of up to four.
@functools.lru_cache(maxsize=1)
def strip_math(text: str) -> str:
    """The text without formulas and code blocks: what word-level statistics should look at."""
    return MATH_SPANS.sub(" ", CODE_FENCES.sub(" ", text))


INLINE_CODE = re.compile(r"`[^`\n]*`")


# A whitespace-delimited token that is a word: letters, perhaps in quotes, brackets or sentence punctuation. Code
# tokens (`np.linalg.solve`, `f(x)`, `a_1`, `x=3`) have punctuation or digits inside and do not match.
WORD_TOKEN = re.compile(r"(?<!\S)[.,;:!?\"'()]*[^\W\d_]+(?:['’-][^\W\d_]+)*[.,;:!?\"'()]*(?!\S)")


@functools.lru_cache(maxsize=1)
def prose_text(text: str) -> str:
    """The prose lines of a document, formulas and code taken out: what language ID and word statistics read.

    Formulas, fenced and inline code are removed, then only lines where at least half the tokens are words (letters,
    no code punctuation) and there are 3 or more of them are kept: API signatures, parameter tables and code lines go.
    When that leaves too little (a page of code, or Chinese written without spaces), the whole stripped text is used.
    """
    stripped = INLINE_CODE.sub(" ", strip_math(text))
    lines = []
    for line in stripped.splitlines():
        tokens = len(line.split())
        if tokens >= 3:
            words = len(WORD_TOKEN.findall(line))
            if words >= 3 and 2 * words >= tokens:
                lines.append(line)
    sample = " ".join(" ".join(lines).split())
    return sample if len(sample) >= 40 else " ".join(stripped.split())
