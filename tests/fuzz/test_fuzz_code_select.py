"""Fuzzing the math-code selector (pipeline/data/sources/code_select.py `select_file`, `mathcpt code-select`).

    .venv/bin/python -m pytest tests/fuzz/test_fuzz_code_select.py -q
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz/test_fuzz_code_select.py -q

Properties: any file (mutated Python, Lean, Coq, Isabelle, MATLAB, Julia, R, Objective-C, Verilog and shebang
sources; unclosed comments and strings, blank-line runs, NUL and invalid UTF-8, megabytes of one token) is kept
with exactly its decoded text, or dropped under one of the documented reasons, within the per-item limit; every file
given to `mathcpt code-select` is written or counted.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.config.formats import CODE_LANGUAGES, CodeSettings
from pipeline.data.sources.code_select import REASONS, CodeFile, select_code_inputs, select_file
from pipeline.data.sources.html_input import decode_page
from tests.fuzz.fuzzing import mutated, run_item

SEEDS = {
    "poly.py": b'''"""Polynomial tools: $\\\\gcd(p, q)$ over the rationals."""
import sympy
from sympy import symbols, Poly

x = symbols("x")


def poly_gcd(p, q):
    # Euclid's algorithm on polynomials
    while q != 0:
        p, q = q, sympy.rem(p, q, x)
    return Poly(p, x).monic()
''',
    "Basic.lean": b"""import Mathlib.Data.Nat.Prime
/-- Every prime is at least two. -/
theorem two_le (p : Nat) (hp : p.Prime) : 2 \xe2\x89\xa4 p := hp.two_le
-- a line comment
""",
    "Comm.v": b"""Require Import Arith.
(* Commutativity of addition *)
Theorem add_comm' : forall n m : nat, n + m = m + n.
Proof. intros. lia. Qed.
""",
    "T.thy": b"""theory T imports Main begin
text \\<open>A lemma about lists.\\<close>
lemma "rev (rev xs) = xs" by simp
end
""",
    "eig.m": b"""function v = eigsmall(A)
% Eigenvalues of a small matrix
v = eig(A) .* ones(size(A, 1), 1);
end
""",
    "objc.m": b"""#import <Foundation/Foundation.h>
@interface Foo : NSObject
@end
""",
    "counter.v": b"""module counter(input clk, output reg [3:0] q);
always @(posedge clk) q <= q + 1;
endmodule
""",
    "lin.jl": b"""using LinearAlgebra
#= block comment =#
f(x) = x^2 + 2x + 1
""",
    "stats.r": b"""library(MASS)
# fit a model
m <- lm(y ~ x)
""",
    "tool": b"""#!/usr/bin/env python3
import numpy as np
print(np.linalg.det(np.eye(3)))
""",
}
CODE_TOKENS = [
    b'"""',
    b"'''",
    b'"',
    b"'",
    b'\\"',
    b"(*",
    b"*)",
    b"/-",
    b"-/",
    b"#=",
    b"%{",
    b"{-",
    b"text \\<open>",
    b"\xe2\x80\xb9",
    b"\n",
    b"\n" * 50,
    b" " * 40,
    b"#",
    b"--",
    b"%",
    b"$\\frac{a}{b}$",
    b"Require ",
    b"import sympy\n",
    b"# -*- mode: julia -*-\n",
    b"#!/usr/bin/env julia\n",
    b"// vim: ft=python\n",
    b"# Auto-generated file, DO NOT EDIT\n",
    b"SPDX-License-Identifier: MIT\n",
    b"0, 1, 2, 3, 4, 5, ",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
]
CODE_NESTS = [(b"(", b")"), (b"(*", b"*)"), (b"/-", b"-/"), (b"[", b"]"), (b'"', b'"')]
SETTINGS = st.builds(
    CodeSettings,
    languages=st.lists(st.sampled_from(CODE_LANGUAGES), min_size=1, unique=True),
    min_math_score=st.one_of(st.just({}), st.floats(0, 1), st.fixed_dictionaries({"python": st.floats(0, 1)})),
    max_file_bytes=st.sampled_from([100, 10_000, 1_000_000, 10_000_000]),
    keep_formal_math_always=st.booleans(),
)


def judge(tmp_path, name: str, raw: bytes, settings: CodeSettings):
    path = tmp_path / name
    path.write_bytes(raw)
    item = CodeFile(str(path), name, None, None, name)
    verdict = run_item("code:select", select_file, item, settings, nbytes=len(raw))
    if verdict.kept:
        assert verdict.reason is None and verdict.language in settings.languages
        assert verdict.text == decode_page(raw, max_bytes=len(raw) + 1).html  # the file, whole and unchanged
        assert set(verdict.metadata) >= {"language", "path", "repo", "licence", "code_math_score", "bytes"}
        assert 0 <= verdict.metadata["code_math_score"] < 1
        verdict.text.encode("utf-8")
    else:
        assert verdict.reason in REASONS, verdict.reason
    return verdict


@pytest.mark.parametrize("name", sorted(SEEDS))
@given(data=st.data())
def test_mutated_code_files_are_kept_whole_or_dropped_with_a_reason(tmp_path, name, data):
    raw = data.draw(mutated(SEEDS[name], CODE_TOKENS, CODE_NESTS), label="file")
    settings = data.draw(SETTINGS, label="settings")
    judge(tmp_path, name, raw, settings)


@given(data=st.data())
@example(data=None)
def test_code_select_command_writes_or_counts_every_file(tmp_path, data):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True, exist_ok=True)
    (repo / "LICENSE").write_text("Permission is hereby granted, free of charge")
    names = sorted(SEEDS)
    for name in names:
        raw = SEEDS[name] if data is None else data.draw(mutated(SEEDS[name], CODE_TOKENS, CODE_NESTS, max_ops=2))
        (repo / "src" / name).write_bytes(raw)
    result = run_item("code:select_inputs", select_code_inputs, [str(repo)], str(tmp_path / "out.jsonl"))
    assert result["written"] + sum(result["skipped"].values()) == len(names) + 1, result  # + the LICENSE file
    assert set(result["skipped"]) <= set(REASONS)


# ------------------------------------------------------------------------------------------------ regressions


@pytest.mark.parametrize(
    "name, raw",
    [
        ("blank.py", b"import sympy\n" + b"\n" * 200_000),  # `^\s*` over a run of blank lines: minutes
        ("open.lean", b"/-\n" * 100_000),  # every unclosed block comment scanned to the end of the file
        ("open.jl", b"#=\n" * 100_000),
        ("open.thy", b"text \\<open>\n" * 50_000),
        ("quotes.py", b'"' + b'\\" ' * 200_000),  # a string retried from every escaped quote
        ("req.v", b"Require \n" * 100_000),  # Coq's Require scanned across hundreds of lines per start
    ],
    ids=["blank_lines", "lean_comments", "julia_comments", "isabelle_text", "escaped_quotes", "coq_require"],
)
def test_regression_quadratic_files_are_judged_within_the_limit(tmp_path, name, raw):
    judge(tmp_path, name, raw, CodeSettings(max_file_bytes=10_000_000))
