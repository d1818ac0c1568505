"""Math-code selection: repositories or source files → whole files worth training on, each tagged with its language,
path, repository, licence and a code math score; every other file counted under a named reason.

    mathcpt code-select repos/ lean/Basic.lean -o code.jsonl [--languages coq,python] [--min-score python=0.6]
    mathcpt data RECIPE.yaml      # a source with `format: code_repos` reads through `select_file` (see readers.py)

What is kept: formal mathematics (Lean, Coq, Isabelle, Agda; kept whatever their score unless
`keep_formal_math_always` is off) and math-heavy code in general languages (Python, Julia, R, MATLAB/Octave,
Mathematica, Sage) whose `code_math_score` reaches the language's threshold. A file is counted once, under the
first reason that applies, checked cheapest first (path, then size, then content):

* `vendored`     — under vendor/, third_party/, node_modules/, site-packages/, _vendor/ … (relative to the input);
* `binary`       — a compiled or binary suffix (.vo, .pyc, .png …), or (after reading) a binary signature or NUL
                   bytes;
* `unsupported_language` — an extension of no supported language; no extension and no shebang or modeline naming
                   one; (after reading) a `.v` that is Verilog, a `.m` that is Objective-C, or a language the
                   source does not select;
* `too_large`    — over the size cap (`max_file_bytes`, checked on the file's size before reading it);
* `unreadable`, `empty`, `undecodable` — cannot be read, only whitespace, no charset decodes it cleanly;
* `generated`    — an "auto-generated" / "DO NOT EDIT" / "@generated" header, or a generated name (`*_pb2.py` …);
* `minified`     — very long lines with little whitespace;
* `data_only`    — mostly literals (tables of numbers or strings), little code;
* `low_code_math_score` — below the language's threshold.

The code math score (`code_math_score`) is in [0, 1): 1 - exp(-signal), where the signal adds up imports of math
libraries (sympy, numpy, scipy, mpmath …; LinearAlgebra in Julia; library(Matrix) in R), the share of identifier
words that are math terms (poly, matrix, integrate, gcd, eigen …), math words and LaTeX in comments and docstrings,
proof keywords, and the density of arithmetic operators and numbers in the code. Weights and thresholds were set
on one half of a labelled set (sympy's math subpackages against non-math packages) and measured on the other:
tests/benchmarks/bench_code_selection.py.

A folder given as input is one repository when it has a `.git` entry or a licence file at its top; otherwise each
subfolder is a repository and files directly inside it stand alone. `path` is relative to the repository. The
licence is the SPDX id guessed from the repository's LICENSE/COPYING file by key phrases, overridden by an
`SPDX-License-Identifier:` header in the file itself; None when neither says.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pipeline.config.formats import CODE_LANGUAGES, FORMAL_MATH_LANGUAGES, CodeSettings
from pipeline.data.mathtext import MATH_WORDS
from pipeline.data.sources.code_licence import LICENCE_FILE, file_licence
from pipeline.data.sources.html_input import decode_page
from pipeline.errors import require_inputs
from pipeline.shared.atomic import atomic_open

# Thresholds on code_math_score per language. Python's was set on the benchmark's tuning half (P 0.99, R 0.99 there
# at 0.5). The others are priors, not measurements: languages built for numerics (Julia, R, MATLAB, Mathematica)
# hold mostly math to begin with and need less evidence; Sage is a computer algebra system; the formal languages'
# thresholds apply only with keep_formal_math_always off.
DEFAULT_MIN_SCORE = {
    "default": 0.5,
    "python": 0.5,
    "sage": 0.2,
    "julia": 0.3,
    "r": 0.3,
    "matlab": 0.3,
    "mathematica": 0.3,
    "lean": 0.3,
    "coq": 0.3,
    "isabelle": 0.3,
    "agda": 0.3,
}
REASONS = (
    "vendored",
    "binary",
    "unsupported_language",
    "too_large",
    "unreadable",
    "empty",
    "undecodable",
    "generated",
    "minified",
    "data_only",
    "low_code_math_score",
)

# ------------------------------------------------------------------------------------------------ language detection

EXTENSIONS = {
    ".lean": "lean",
    ".thy": "isabelle",
    ".agda": "agda",
    ".lagda": "agda",
    ".py": "python",
    ".jl": "julia",
    ".r": "r",
    ".wl": "mathematica",
    ".wls": "mathematica",
    ".nb": "mathematica",
    ".sage": "sage",
    ".spyx": "sage",
    ".v": "coq_or_verilog",
    ".m": "matlab_or_objc",
}
LITERATE_AGDA = (".lagda.md", ".lagda.tex", ".lagda.rst", ".lagda.org")
BINARY_SUFFIXES = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .pdf .zip .gz .bz2 .xz .tar .7z .bin .pt .so .dylib .dll .exe .o .a .pyc .pyo "
    ".class .jar .whl .npy .npz .pkl .mat .mx .vo .vos .vok .cmi .cmo .cmx .cmxs .cma .cmxa .olean .ilean .agdai "
    ".woff .woff2 .ttf .otf .mp3 .mp4 .wav .ogg".split()
)
# Directories that are not the repository's own files: never walked, never counted.
PRUNED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__"})
VENDORED_DIRS = frozenset(
    {
        "vendor",
        "vendors",
        "vendored",
        "_vendor",
        "third_party",
        "thirdparty",
        "third-party",
        "3rdparty",
        "node_modules",
        "bower_components",
        "site-packages",
        "dist-packages",
    }
)
INTERPRETERS = {
    "python": "python",
    "julia": "julia",
    "rscript": "r",
    "r": "r",
    "octave": "matlab",
    "sage": "sage",
    "wolframscript": "mathematica",
    "mathematicascript": "mathematica",
    "lean": "lean",
}
MODE_NAMES = {
    "python": "python",
    "julia": "julia",
    "r": "r",
    "ess-r": "r",
    "octave": "matlab",
    "matlab": "matlab",
    "mathematica": "mathematica",
    "wolfram": "mathematica",
    "wl": "mathematica",
    "coq": "coq",
    "lean": "lean",
    "lean4": "lean",
    "agda": "agda",
    "agda2": "agda",
    "isabelle": "isabelle",
    "sage": "sage",
}
SHEBANG = re.compile(r"#!\s*(?:\S*/)?(?:env\s+(?:-S\s+)?)?(?:\S*/)?([A-Za-z]+)")
EMACS_MODE = re.compile(r"-\*-(?:.*?\bmode:\s*([\w+-]+)|\s*([\w+-]+)\s*-\*-)", re.I)
VIM_MODE = re.compile(r"\b(?:vim?|ex):.*?\b(?:ft|filetype|syntax)=([\w+-]+)")

COQ_HINTS = re.compile(
    r"^[ \t]*(?:Require|Import|Export|Theorem|Lemma|Definition|Fixpoint|Inductive|Proof|Qed|Defined|"
    r"Section|Hypothesis|Variable|Notation|Ltac|Corollary|Remark|Record|Class|Instance|Axiom|"
    r"Arguments|Set Implicit|Open Scope)\b|\(\*",
    re.M,
)
VERILOG_HINTS = re.compile(
    r"\bendmodule\b|^[ \t]*module\s+\w+\s*[(#;]|\balways\s*@|^[ \t]*(?:assign|wire|reg|input|"
    r"output|inout|localparam)\b|`(?:timescale|define|include|ifdef)\b|//",
    re.M,
)
OBJC_HINTS = re.compile(
    r"^[ \t]*#(?:import|include)\b|^[ \t]*@(?:interface|implementation|end|property|protocol|class)\b|"
    r"\bNS[A-Z]\w+|^[ \t]*[-+][ \t]*\(\w+",
    re.M,
)
MATHEMATICA_HINTS = re.compile(r"\(\*|\b[A-Z]\w*\[|\w_\]|:=|/@|//\s*\w|\bBeginPackage\[")
MATLAB_HINTS = re.compile(
    r"^[ \t]*%|^[ \t]*function\b|^[ \t]*end[ \t]*$|\b(?:zeros|ones|disp|fprintf|size|numel|plot)\(|\.[*^/]", re.M
)


def detect_language(path: str, text: str) -> str | None:
    """The language of a file from its name, then (for .v and .m) its content, then a shebang or modeline.

    Returns one of CODE_LANGUAGES, another language name when the content says so (`verilog`, `objective-c`), or
    None when nothing identifies it.
    """
    name = os.path.basename(path).lower()
    if name.endswith(LITERATE_AGDA):
        return "agda"
    lang = EXTENSIONS.get(os.path.splitext(name)[1])
    head = text[:20_000]
    if lang == "coq_or_verilog":
        verilog = len(VERILOG_HINTS.findall(head))
        return "verilog" if "endmodule" in head or verilog > len(COQ_HINTS.findall(head)) else "coq"
    if lang == "matlab_or_objc":
        scores = {
            "objective-c": 2 * len(OBJC_HINTS.findall(head)),
            "mathematica": len(MATHEMATICA_HINTS.findall(head)),
            "matlab": len(MATLAB_HINTS.findall(head)),
        }
        best = max(scores, key=scores.get)
        return best if scores[best] else "matlab"
    return lang or language_from_header(text)


def language_from_header(text: str) -> str | None:
    """A shebang (`#!/usr/bin/env julia`) or an Emacs / vim modeline naming the language."""
    lines = text[:4096].splitlines()
    if lines and lines[0].startswith("#!") and (m := SHEBANG.match(lines[0])):
        lang = INTERPRETERS.get(m.group(1).lower())
        if lang:
            return lang
    for line in lines[:2] + text[-2048:].splitlines()[-5:]:
        for pattern in (EMACS_MODE, VIM_MODE):
            if m := pattern.search(line):
                lang = MODE_NAMES.get(next(g for g in m.groups() if g).lower())
                if lang:
                    return lang
    return None


# ------------------------------------------------------------------------------------------------ the math score

# Prose (comments, docstrings) per language; everything else is code. A block comment left open runs to the end of
# the file, as the language reads it: matching it only when closed made every later opener scan to the end again
# (quadratic: 12 KB of `/-` lines took a second, tests/fuzz/test_fuzz_code_select.py). Triple quotes need no such
# rule: their opener is their closer, so only the file's last one can be left open.
_HASH = r"#[^\n]*"
_TRIPLE = r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\''  # opener = closer: only the file's last one can fail
_ML = r"\(\*[\s\S]*?(?:\*\)|\Z)"
PROSE = {
    "python": re.compile(f"{_TRIPLE}|{_HASH}"),
    "sage": re.compile(f"{_TRIPLE}|{_HASH}"),
    "julia": re.compile(rf'#=[\s\S]*?(?:=#|\Z)|"""[\s\S]*?"""|{_HASH}'),
    "r": re.compile(_HASH),
    "matlab": re.compile(r"%\{[\s\S]*?(?:%\}|\Z)|[%#][^\n]*"),
    "mathematica": re.compile(_ML),
    "coq": re.compile(_ML),
    "isabelle": re.compile(rf"{_ML}|\btext\s*(?:\\<open>[\s\S]*?(?:\\<close>|\Z)|‹[\s\S]*?(?:›|\Z))|--[^\n]*"),
    "lean": re.compile(r"/-[\s\S]*?(?:-/|\Z)|--[^\n]*"),
    "agda": re.compile(r"\{-[\s\S]*?(?:-\}|\Z)|--[^\n]*"),
}
# Single quotes are strings only where the language says so (Coq and Lean have x', MATLAB has A' for transpose).
# A quote right after a backslash never starts a string: without that rule, a line of `\" \" \" …` made the engine
# retry from every quote to the end of the line (quadratic; tests/fuzz/test_fuzz_code_select.py). A quote that fails
# to close leaves only escaped quotes after it on its line, so each line now has at most one failing start.
_DQ = r'(?<!\\)"(?:[^"\\\n]|\\.)*"'
_SQ = r"(?<!\\)'(?:[^'\\\n]|\\.)*'"
STRINGS = {lang: re.compile(f"{_DQ}|{_SQ}" if lang in ("python", "sage", "r") else _DQ) for lang in CODE_LANGUAGES}
NUMBER = re.compile(r"\b\d+(?:\.\d+)?")
IDENT = re.compile(r"[A-Za-z_][A-Za-z_0-9']*")
SUBWORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
PROSE_WORD = re.compile(r"[A-Za-z]+")
LATEX = re.compile(
    r"\\(?:frac|sum|int|sqrt|alpha|beta|gamma|delta|epsilon|lambda|sigma|theta|pi|infty|mathbb|"
    r"mathrm|cdot|leq?|geq?|ne|partial|binom|prod|lim|log|exp|sin|cos|left|right|operatorname)\b|"
    r"\.\. math::|:math:`|"
    # $…$ holding a command, ^, _ or =, not shell's $1 … $2 or ${var}
    r"(?<![\w$])\$(?=[^$\n]{0,120}?[\\^_=])[^\s${}()][^$\n]{0,120}?(?<!\s)\$(?![\w$])"
)
PROOF_WORDS = re.compile(
    r"\b(?:Theorem|Lemma|Corollary|Proposition|Proof|Qed|theorem|lemma|corollary|proof|"
    r"qed|by|induction|rewrite|simp|intro|intros|apply|exact|omega|ring|linarith)\b"
)
MATH_IMPORTS = {
    "python": re.compile(
        r"^[ \t]*(?:from|import)\s+(?:sympy|numpy|scipy|mpmath|gmpy2|sage|symengine|networkx|galgebra|"
        r"flint|cypari2|jax\.numpy|torch\.linalg)\b",
        re.M,
    ),
    "julia": re.compile(
        r"^[ \t]*(?:using|import)\s+[^\n]*\b(?:LinearAlgebra|Statistics|SpecialFunctions|Polynomials|"
        r"DifferentialEquations|Symbolics|Distributions|ForwardDiff|Combinatorics|Primes|"
        r"AbstractAlgebra|Nemo|Oscar|SymPy|QuadGK|FFTW|Optim|Calculus|Roots)\b",
        re.M,
    ),
    "r": re.compile(
        r"\b(?:library|require)\((?:stats|MASS|Matrix|deSolve|pracma|numDeriv|expm|mvtnorm|gmp|Rmpfr|"
        r"polynom|Deriv|Ryacas|caracas)\)"
    ),
    "mathematica": re.compile(r"\bNeeds\[|\bBeginPackage\["),
    # Formal libraries of mathematics (as opposed to programming-language or tactic infrastructure).
    "coq": re.compile(
        # A Require statement is read over at most two lines: unbounded, every Require at a line start scanned
        # hundreds of lines ahead (quadratic on a file of `Require` lines, tests/fuzz/test_fuzz_code_select.py).
        r"^[ \t]*(?:From\s+(?:mathcomp|Coquelicot|Flocq)\b|"
        r"Require\s+(?:Import\s+|Export\s+)?[^.\n]{0,200}?(?:\n[^.\n]{0,200}?)?\b(?:"
        r"Arith|ZArith|NArith|QArith|PArith|Reals|Rbase|Znumtheory|Ring|Field|Lia|Lra|Psatz|Omega|"
        r"ssralg|ssrnum|Rfunctions)\b)",
        re.M,
    ),
    "lean": re.compile(
        r"^[ \t]*import\s+(?:Mathlib|Std\.Data\.(?:Nat|Int|Rat)|data\.|analysis\.|algebra\.|"
        r"number_theory\.|topology\.|linear_algebra\.)",
        re.M,
    ),
    "isabelle": re.compile(
        r"\bimports\b[^\n]*\b(?:Complex_Main|HOL-Analysis|HOL-Algebra|HOL-Number_Theory|"
        r"HOL-Probability|Main)\b"
    ),
    "agda": re.compile(
        r"^[ \t]*open\s+import\s+(?:Data\.(?:Nat|Integer|Rational|Real|Fin)|Algebra|"
        r"Relation\.Binary\.PropositionalEquality)",
        re.M,
    ),
}
MATH_IMPORTS["sage"] = MATH_IMPORTS["python"]
# The standard library's math modules: weak evidence, layout and date code imports them too.
STDLIB_MATH_IMPORTS = re.compile(r"^[ \t]*(?:from|import)\s+(?:math|cmath|fractions|statistics|decimal)\b", re.M)
# Identifier words that name mathematics and rarely anything else. Left out on purpose, because everyday code uses
# them: line, point, field, domain, set, add, sub, mod, log, diff, limit, expand, cancel, group, root, dim, sum,
# product, trace, kernel, transform, distribution, random, normal, eval, lt/le/gt/ge.
CODE_MATH_TERMS = frozenset(
    """poly polys polynomial polynomials monomial monomials coeff coeffs coefficient coefficients degree deg
    matrix matrices mat det determinant eigen eigenvals eigenvects eigenvalue eigenvalues eigenvector transpose
    inverse inv rank linalg lu qr cholesky svd jacobian hessian nullspace basis orthogonal
    integral integrals integrate integration antiderivative derivative derivatives differentiate dsolve ode pde
    gcd lcm prime primes primality factor factors factorint factorization divisor divisors totient modulus modular
    residue residues congruence sqrt roots cbrt exp ln sin cos tan sinh cosh tanh asin acos atan
    pi oo infinity inf zeta gamma beta bessel legendre hermite laguerre chebyshev fourier laplace
    series summation simplify factorial binomial binom combinatorial
    symbol symbols sym expr rational rationals integers real reals complex algebraic
    ring rings fields ideal ideals algebra lattice vector vectors tensor norm cross
    quadratic cubic linear nonlinear equation equations solve solver solvers solution solutions
    numer denom numerator denominator fraction frac quotient remainder apart subs wild evalf nsimplify sympify
    circle triangle polygon ellipse angle tangent curvature variance mean median stddev probability
    convolution dft fft nat succ pred mul pow lemma theorem proof axiom qed
    zeros ones eye linspace meshgrid eig kron trapz cumsum chol expm logm sqrtm ode45 fzero fminsearch fsolve
    polyfit polyval interp1 rref orth pinv""".split()
)
# Prose (comments, docstrings): the web math vocabulary and the identifier words, less the words every program's
# documentation uses.
PROSE_MATH_TERMS = (MATH_WORDS | CODE_MATH_TERMS) - frozenset(
    "function functions variable variables set sets graph graphs answer problem expression sequence".split()
)


@dataclass
class CodeFeatures:
    """What the score and the data_only rule look at (rates are per 100 tokens of the kind named)."""

    math_imports: int = 0
    stdlib_math_imports: int = 0
    identifiers: int = 0
    math_identifier_share: float = 0.0
    prose_words: int = 0
    prose_math_rate: float = 0.0
    latex: int = 0
    proof_words: int = 0
    arith_rate: float = 0.0
    number_rate: float = 0.0
    literal_share: float = 0.0
    tokens: int = 0


def _math_share(words: list[str], terms: frozenset[str]) -> tuple[int, int]:
    """(math words, all words): counted over distinct words, so the cost is one dict pass, not one per token."""
    counts = Counter(words)
    return sum(n for w, n in counts.items() if w.lower() in terms), len(words)


def code_features(text: str, language: str) -> CodeFeatures:
    prose_re, parts = PROSE.get(language), []
    # One pass per pattern: the comments and docstrings are collected while they are blanked out of the code.
    code = prose_re.sub(lambda m: parts.append(m.group(0)) or " ", text) if prose_re else text
    prose = "\n".join(parts)
    code, strings = STRINGS[language].subn(" ", code)
    numbers = len(NUMBER.findall(code))
    identifiers = len(IDENT.findall(code))
    math_subwords, subwords = _math_share(SUBWORD.findall(code), CODE_MATH_TERMS)
    prose_math, prose_words = _math_share(PROSE_WORD.findall(prose), PROSE_MATH_TERMS)
    tokens = identifiers + numbers + strings
    imports = MATH_IMPORTS.get(language)
    # Operators by character count: a regex with context would be several times slower for a feature this coarse.
    arith = sum(code.count(op) for op in "+-*/^")
    return CodeFeatures(
        math_imports=len(imports.findall(text)) if imports else 0,
        stdlib_math_imports=len(STDLIB_MATH_IMPORTS.findall(text)) if language in ("python", "sage") else 0,
        identifiers=identifiers,
        math_identifier_share=math_subwords / max(subwords, 1),
        prose_words=prose_words,
        prose_math_rate=100 * prose_math / max(prose_words, 1),
        latex=len(LATEX.findall(prose)),
        proof_words=len(PROOF_WORDS.findall(code)) if language in FORMAL_MATH_LANGUAGES else 0,
        arith_rate=100 * arith / max(tokens, 1),
        number_rate=100 * numbers / max(tokens, 1),
        literal_share=(numbers + strings) / max(tokens, 1),
        tokens=tokens,
    )


def code_math_score(text: str, language: str) -> float:
    """The code math score in [0, 1) of a file in `language` (one of CODE_LANGUAGES); see the module docstring."""
    return score_features(code_features(text, language))


def score_features(f: CodeFeatures) -> float:
    # One strong signal suffices (1 - exp(-sum)); each term saturates so one huge count cannot carry a file alone.
    signal = (
        0.8 * min(f.math_imports, 2)
        + 0.2 * min(f.stdlib_math_imports, 1)
        + 4.0 * f.math_identifier_share
        + 0.02 * min(f.prose_math_rate, 30) * min(f.prose_words / 50, 1)
        + 0.1 * min(f.latex, 10)
        + 0.03 * min(f.proof_words, 30)
        + 0.02 * min(f.arith_rate, 40)
        + 0.01 * min(f.number_rate, 40)
    )
    return 1.0 - math.exp(-signal)


# ------------------------------------------------------------------------------------------------ drop rules

# Looked for in the first 2 KB, on comment lines and the first line only: "the ideal generated by G" in a docstring
# is mathematics, not a generator's stamp.
GENERATED_HEADER = re.compile(
    r"auto-?generated|automatically generated|\bdo not (?:edit|modify)\b|@generated\b|"
    r"^\W*(?:this (?:file|code|module) (?:was|is|has been) )?generated (?:by|from|with|using)\b",
    re.I,
)
COMMENT_LINE = re.compile(r"^\s*(?:#|//|--|%|\(\*|/\*|\*|;|\{-|/-)")
GENERATED_NAMES = re.compile(r"(?:_pb2(?:_grpc)?\.py|\.pb\.\w+|_generated\.\w+|parsetab\.py|lextab\.py)$")


def is_generated(path: str, text: str) -> bool:
    if GENERATED_NAMES.search(path):
        return True
    lines = text[:2048].splitlines()
    return any(GENERATED_HEADER.search(line) for i, line in enumerate(lines) if i == 0 or COMMENT_LINE.match(line))


def is_minified(text: str) -> bool:
    """Long lines with almost no whitespace: a bundle squeezed for size, not code a person wrote or reads.

    Whitespace under 6% is the line: long machine-printed formulas (sympy's polyquinticconst.py, ~9%) stay.
    """
    lines = text.splitlines() or [""]
    longest = max(map(len, lines))
    mean = len(text) / len(lines)
    whitespace = sum(text.count(c) for c in " \t\n") / max(len(text), 1)
    return whitespace < 0.06 and (mean > 200 or longest > 1000)


def is_data_only(f: CodeFeatures) -> bool:
    """Mostly literals (tables of numbers or strings) with few names around them."""
    return f.tokens >= 200 and f.literal_share > 0.75


# ------------------------------------------------------------------------------------------------ files and verdicts


@dataclass(frozen=True)
class CodeFile:
    """A file to judge: where it is, its path inside its repository, and the repository (None for a loose file)."""

    path: str
    rel_path: str
    repo: str | None = None
    repo_root: str | None = None
    input_rel: str = ""  # path relative to the input given (what the vendored rule looks at)


@dataclass
class Verdict:
    kept: bool
    reason: str | None = None
    language: str | None = None
    score: float | None = None
    text: str | None = None
    metadata: dict = field(default_factory=dict)


def threshold(settings: CodeSettings, language: str) -> float:
    """The language's own threshold if the settings give one, else their `default`, else the tuned default."""
    given = settings.min_math_score
    value = getattr(given, language, None)
    value = given.default if value is None else value
    return DEFAULT_MIN_SCORE.get(language, DEFAULT_MIN_SCORE["default"]) if value is None else value


def is_repository(folder: Path) -> bool:
    try:
        return (folder / ".git").exists() or any(LICENCE_FILE.match(n) for n in os.listdir(folder))
    except OSError:
        return False


def iter_code_files(root: str | Path, pattern: str = "**/*") -> Iterator[CodeFile]:
    """Every file under an input (a repository, a folder of repositories, or one file), sorted, VCS folders pruned."""
    root = Path(root)
    if root.is_file():
        yield CodeFile(str(root), root.name, None, None, root.name)
        return
    whole_repo = is_repository(root)
    for p in sorted(root.glob(pattern)):
        rel = p.relative_to(root)
        if any(part in PRUNED_DIRS for part in rel.parts[:-1]) or not p.is_file():
            continue
        if whole_repo:
            yield CodeFile(str(p), rel.as_posix(), root.name, str(root), rel.as_posix())
        elif len(rel.parts) == 1:
            yield CodeFile(str(p), rel.as_posix(), None, None, rel.as_posix())
        else:
            repo = root / rel.parts[0]
            yield CodeFile(str(p), Path(*rel.parts[1:]).as_posix(), rel.parts[0], str(repo), rel.as_posix())


def select_file(item: CodeFile, settings: CodeSettings = CodeSettings()) -> Verdict:
    """Judge one file: kept with its text and metadata, or dropped with one of REASONS (in the module's order)."""
    if any(part.lower() in VENDORED_DIRS for part in item.input_rel.split("/")[:-1]):
        return Verdict(False, "vendored")
    name = os.path.basename(item.path).lower()
    suffix = os.path.splitext(name)[1]
    if suffix in BINARY_SUFFIXES:
        return Verdict(False, "binary")
    # A name with an unknown extension is never read; a name without one only as far as a shebang or modeline in
    # its first 4 KB (README, LICENSE, Makefile … stop there).
    if suffix and suffix not in EXTENSIONS and not name.endswith(LITERATE_AGDA):
        return Verdict(False, "unsupported_language")
    try:
        size = os.path.getsize(item.path)
        if size > settings.max_file_bytes:
            return Verdict(False, "too_large")
        with open(item.path, "rb") as f:
            if not suffix and language_from_header(f.read(4096).decode("utf-8", "replace")) is None:
                return Verdict(False, "unsupported_language")
            f.seek(0)
            raw = f.read(settings.max_file_bytes + 1)
    except OSError:
        return Verdict(False, "unreadable")
    if len(raw) > settings.max_file_bytes:  # grew since the size check
        return Verdict(False, "too_large")
    page = decode_page(raw, max_bytes=len(raw) + 1)  # binary signature or NUL bytes, empty, BOM/UTF-8/detection
    if page.html is None:
        return Verdict(False, page.reason)
    text = page.html
    language = detect_language(item.path, text)
    if language not in settings.languages:
        return Verdict(False, "unsupported_language", language)
    if is_generated(item.path, text):
        return Verdict(False, "generated", language)
    if is_minified(text):
        return Verdict(False, "minified", language)
    features = code_features(text, language)
    if is_data_only(features):
        return Verdict(False, "data_only", language)
    score = round(score_features(features), 4)
    formal_pass = language in FORMAL_MATH_LANGUAGES and settings.keep_formal_math_always
    if not formal_pass and score < threshold(settings, language):
        return Verdict(False, "low_code_math_score", language, score)
    licence, licence_source = file_licence(text, item.repo_root)
    metadata = {
        "language": language,
        "path": item.rel_path,
        "repo": item.repo,
        "licence": licence,
        "licence_source": licence_source,
        "code_math_score": score,
        "bytes": len(raw),
    }
    return Verdict(True, None, language, score, text, metadata)


def select_code_inputs(inputs: list[str], output: str, settings: CodeSettings = CodeSettings()) -> dict:
    """Select from every input into `output`; returns {"written": n, "languages": {...}, "skipped": {reason: n}}."""
    require_inputs(inputs)
    written, languages, skipped = 0, Counter(), Counter()
    with atomic_open(output) as f:
        for given in inputs:
            for item in iter_code_files(given):
                verdict = select_file(item, settings)
                if not verdict.kept:
                    skipped[verdict.reason] += 1
                    continue
                doc_id = os.path.join(given, item.input_rel) if Path(given).is_dir() else given
                f.write(
                    json.dumps({"id": doc_id, "text": verdict.text, "metadata": verdict.metadata}, ensure_ascii=False)
                    + "\n"
                )
                written += 1
                languages[verdict.language] += 1
    return {"written": written, "languages": dict(sorted(languages.items())), "skipped": dict(sorted(skipped.items()))}
