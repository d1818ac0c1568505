"""Math-code selection (pipeline.data.sources.code_select): languages, the code math score, every drop reason, licences,
the `code_repos` recipe source and `mathcpt code-select`, all on inline files."""

from __future__ import annotations

import json
import pickle
import random
from pathlib import Path

import pytest

from pipeline.config.formats import CodeSettings
from pipeline.config.recipe import load_recipe
from pipeline.config.sources import SourceConfig
from pipeline.data.recipe_run import run_recipe
from pipeline.data.sources.code_licence import guess_spdx
from pipeline.data.sources.code_select import CodeFile, detect_language, iter_code_files, select_file
from pipeline.data.sources.readers import SourceReader
from pipeline.errors import ConfigError
from tests.conftest import run_cli

MATH_PY = '''"""Exact tools for univariate polynomials over the rationals."""
import sympy
from sympy import symbols, Poly, integrate, diff

x = symbols("x")


def poly_gcd(p, q):
    """Greatest common divisor of two polynomials by the Euclidean algorithm."""
    while q != 0:
        p, q = q, sympy.rem(p, q, x)
    return Poly(p, x).monic()


def definite_integral(expr, a, b):
    """The integral of expr from a to b: $\\\\int_a^b f(x)\\\\,dx = F(b) - F(a)$."""
    antiderivative = integrate(expr, x)
    return antiderivative.subs(x, b) - antiderivative.subs(x, a)


def newton_root(f, x0, steps=20):
    """Newton's method for a root of f: x_{n+1} = x_n - f(x_n) / f'(x_n)."""
    derivative = diff(f, x)
    for _ in range(steps):
        x0 = x0 - f.subs(x, x0) / derivative.subs(x, x0)
    return x0
'''
WEB_PY = '''"""Command-line helper that uploads log files to a web service."""
import argparse
import logging

import requests

logger = logging.getLogger(__name__)


def upload(url, path, token):
    """Send one file with a bearer token and return the server's reply."""
    with open(path, "rb") as handle:
        response = requests.post(url, files={"file": handle}, headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    logger.info("uploaded %s", path)
    return response.json()


def main():
    parser = argparse.ArgumentParser(description="upload files")
    parser.add_argument("url")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    for path in args.paths:
        upload(args.url, path, token=args.token)
'''
COQ = """Require Import Arith.
(** Addition on natural numbers is commutative. *)
Theorem add_comm' : forall n m : nat, n + m = m + n.
Proof.
  intros n m. induction n as [| n IH]; simpl.
  - rewrite <- plus_n_O. reflexivity.
  - rewrite IH. apply plus_n_Sm.
Qed.
"""
VERILOG = """// a 4-bit counter
module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) begin
    if (rst) q <= 4'b0000;
    else q <= q + 1;
  end
endmodule
"""
MATLAB = """function [q, r] = gram_schmidt(A)
% Gram-Schmidt orthogonalization of the columns of the matrix A
[m, n] = size(A);
q = zeros(m, n); r = zeros(n);
for j = 1:n
    v = A(:, j);
    for i = 1:j-1
        r(i, j) = q(:, i)' * A(:, j);
        v = v - r(i, j) * q(:, i);
    end
    r(j, j) = norm(v);
    q(:, j) = v / r(j, j);
end
end
"""
OBJC = """#import <Foundation/Foundation.h>
@interface Greeter : NSObject
- (void)greet:(NSString *)name;
@end
@implementation Greeter
- (void)greet:(NSString *)name { NSLog(@"Hello %@", name); }
@end
"""
MATHEMATICA_M = """(* Taylor coefficients of a function at 0 *)
BeginPackage["Taylor`"]
taylorCoefficients[f_, x_, n_] := Table[SeriesCoefficient[f, {x, 0, k}], {k, 0, n}]
EndPackage[]
"""
# One file per language (name → text), each of them math that the default settings keep.
SAMPLES = {
    "Basic.lean": "import Mathlib.Data.Nat.Basic\n\ntheorem two_add_two : 2 + 2 = 4 := by norm_num\n",
    "Comm.v": COQ,
    "Rev.thy": 'theory Rev\n  imports Main\nbegin\nlemma "rev (rev xs) = xs" by simp\nend\n',
    "Nat.agda": "module Nat where\nopen import Data.Nat\n+-identity : ∀ (n : ℕ) → n + 0 ≡ n\n",
    "Naturals.lagda.md": "# Naturals\n\n```agda\nmodule Naturals where\ndata ℕ : Set where\n  zero : ℕ\n"
    "  suc : ℕ → ℕ\n```\n",
    "poly.py": MATH_PY,
    "power.jl": "using LinearAlgebra\n# Power iteration: the dominant eigenvalue of a square matrix.\n"
    "function power_iteration(A, iters=100)\n    v = normalize(rand(size(A, 1)))\n    for _ in 1:iters\n"
    "        v = normalize(A * v)\n    end\n    return dot(v, A * v)\nend\n",
    "solve.R": "library(MASS)\n# Solve the linear system A x = b and report the residual norm.\n"
    "A <- matrix(c(2, 1, 1, 3), nrow = 2)\nb <- c(1, 2)\nx <- solve(A, b)\nprint(norm(A %*% x - b))\n",
    "gram_schmidt.m": MATLAB,
    "taylor.m": MATHEMATICA_M,
    "squares.wl": "(* the sum of the first n squares *)\nsquareSum[n_Integer] := Sum[k^2, {k, 1, n}]\n"
    "Simplify[squareSum[n] == n (n + 1) (2 n + 1)/6]\n",
    "quartic.sage": "R.<x> = PolynomialRing(QQ)\nf = x^4 - 1\nprint(f.factor())\nprint(integrate(sin(x)^2, x))\n",
}
LANGUAGES = {
    "Basic.lean": "lean",
    "Comm.v": "coq",
    "Rev.thy": "isabelle",
    "Nat.agda": "agda",
    "Naturals.lagda.md": "agda",
    "poly.py": "python",
    "power.jl": "julia",
    "solve.R": "r",
    "gram_schmidt.m": "matlab",
    "taylor.m": "mathematica",
    "squares.wl": "mathematica",
    "quartic.sage": "sage",
}
MIT = (
    "MIT License\n\nCopyright (c) 2024 Someone\n\nPermission is hereby granted, free of charge, to any person "
    "obtaining a copy of this software...\n"
)


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def judge(tmp_path: Path, name: str, content: str | bytes, **settings):
    write(tmp_path, {name: content})
    return select_file(CodeFile(str(tmp_path / name), name, None, None, name), CodeSettings(**settings))


# ------------------------------------------------------------------------------------------------ languages


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_language_is_detected_and_its_math_kept(tmp_path, name):
    assert detect_language(name, SAMPLES[name]) == LANGUAGES[name]
    verdict = judge(tmp_path, name, SAMPLES[name])
    assert verdict.kept, (verdict.reason, verdict.score)
    assert verdict.metadata["language"] == LANGUAGES[name] and verdict.text == SAMPLES[name]


def test_dot_v_is_coq_or_verilog_and_dot_m_matlab_mathematica_or_objective_c():
    assert detect_language("Comm.v", COQ) == "coq"
    assert detect_language("counter.v", VERILOG) == "verilog"
    assert detect_language("gs.m", MATLAB) == "matlab"
    assert detect_language("taylor.m", MATHEMATICA_M) == "mathematica"
    assert detect_language("Greeter.m", OBJC) == "objective-c"


@pytest.mark.parametrize(
    "first_line, language",
    [
        ("#!/usr/bin/env python3", "python"),
        ("#!/usr/bin/julia", "julia"),
        ("#!/usr/bin/env Rscript", "r"),
        ("#!/usr/bin/octave -qf", "matlab"),
        ("#!/usr/bin/env -S sage -python", "sage"),
        ("# -*- mode: python; coding: utf-8 -*-", "python"),
        ("# vim: set ft=julia:", "julia"),
        ("#!/bin/sh", None),
        ("# -*- coding: utf-8 -*-", None),
    ],
)
def test_shebang_and_modeline_name_the_language_of_extensionless_files(first_line, language):
    assert detect_language("scripts/run", first_line + "\nprint(1)\n") == language


def test_verilog_and_objective_c_are_unsupported(tmp_path):
    assert judge(tmp_path, "counter.v", VERILOG).reason == "unsupported_language"
    assert judge(tmp_path, "Greeter.m", OBJC).reason == "unsupported_language"
    assert judge(tmp_path, "main.c", "int main(void) { return 0; }\n").reason == "unsupported_language"
    assert judge(tmp_path, "Makefile", "all:\n\tcc main.c\n").reason == "unsupported_language"
    # A supported language the settings do not select is skipped for the same reason.
    assert judge(tmp_path, "poly.py", MATH_PY, languages=["coq"]).reason == "unsupported_language"


# ------------------------------------------------------------------------------------------------ score and reasons


def test_math_python_is_kept_and_non_math_python_dropped_with_its_score(tmp_path):
    kept, dropped = judge(tmp_path, "poly.py", MATH_PY), judge(tmp_path, "upload.py", WEB_PY)
    assert kept.kept and kept.metadata["code_math_score"] >= 0.5
    assert not dropped.kept and dropped.reason == "low_code_math_score" and dropped.score < 0.5
    # Per-language thresholds: python's own wins over the default.
    assert (
        judge(tmp_path, "poly.py", MATH_PY, min_math_score={"default": 0.1, "python": 0.999}).reason
        == "low_code_math_score"
    )
    assert judge(tmp_path, "upload.py", WEB_PY, min_math_score=0.0).kept


def test_formal_math_is_kept_whatever_its_score_unless_told_otherwise(tmp_path):
    tiny = "Require Export Arith.\n"
    assert judge(tmp_path, "Re.v", tiny).kept
    verdict = judge(tmp_path, "Re.v", tiny, keep_formal_math_always=False, min_math_score={"coq": 0.99})
    assert verdict.reason == "low_code_math_score"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("gen_pb2.py", MATH_PY, "generated"),
        ("tables.py", "# Code generated by tablegen. DO NOT EDIT.\n" + MATH_PY, "generated"),
        ("auto.py", "# This file was automatically generated from grammar.g\n" + MATH_PY, "generated"),
        ("bundle.py", "x=1;" * 3000, "minified"),
        ("primes.py", "PRIMES = [\n" + "".join(f"    {p},\n" for p in range(2, 2000)) + "]\n", "data_only"),
        ("empty.py", "\n   \n", "empty"),
        ("nul.py", b"import sympy\x00\x00\x01\x02" * 10, "binary"),
        ("logo.png", b"\x89PNG\r\n\x1a\n....", "binary"),
        ("Init.vo", b"compiled", "binary"),
        ("noise.py", bytes(random.Random(0).choices(range(1, 256), k=3000)), "undecodable"),
    ],
)
def test_each_drop_reason(tmp_path, name, content, reason):
    verdict = judge(tmp_path, name, content)
    assert not verdict.kept and verdict.reason == reason


def test_generated_means_a_stamp_in_the_header_not_the_word_in_a_docstring(tmp_path):
    text = MATH_PY.replace('"""Exact tools', '"""The ideal\n    generated by G, and exact tools')
    assert judge(tmp_path, "ideal.py", text).kept


def test_vendored_paths_are_relative_to_the_input(tmp_path):
    write(
        tmp_path / "repo",
        {
            "LICENSE": MIT,
            "poly.py": MATH_PY,
            "third_party/lib/poly.py": MATH_PY,
            "node_modules/x/poly.py": MATH_PY,
            "src/_vendor/poly.py": MATH_PY,
        },
    )
    verdicts = {i.rel_path: select_file(i) for i in iter_code_files(tmp_path / "repo")}
    assert verdicts["poly.py"].kept
    assert {k: v.reason for k, v in verdicts.items() if k.endswith(".py") and not v.kept} == {
        "third_party/lib/poly.py": "vendored",
        "node_modules/x/poly.py": "vendored",
        "src/_vendor/poly.py": "vendored",
    }


def test_size_cap_is_checked_before_reading(tmp_path):
    assert judge(tmp_path, "poly.py", MATH_PY, max_file_bytes=100).reason == "too_large"
    assert judge(tmp_path, "poly.py", MATH_PY, max_file_bytes=len(MATH_PY.encode())).kept


def test_an_unreadable_file_is_a_reason_not_a_crash(tmp_path):
    gone = tmp_path / "gone.py"
    assert select_file(CodeFile(str(gone), "gone.py", None, None, "gone.py")).reason == "unreadable"


# ---------------------------------------------------------------------------------------- repositories, licences


def test_repositories_paths_and_licences(tmp_path):
    root = write(
        tmp_path / "repos",
        {
            "algebra/LICENSE": MIT,
            "algebra/src/poly.py": MATH_PY,
            "algebra/src/own.py": "# SPDX-License-Identifier: Apache-2.0\n" + MATH_PY,
            "proofs/COPYING": "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n",
            "proofs/Comm.v": COQ,
            "nolicence/poly.py": MATH_PY,
            "loose.py": MATH_PY,
        },
    )
    meta = {i.input_rel: select_file(i).metadata for i in iter_code_files(root)}
    assert meta["algebra/src/poly.py"] | {"code_math_score": None} == {
        "language": "python",
        "path": "src/poly.py",
        "repo": "algebra",
        "licence": "MIT",
        "licence_source": "LICENSE",
        "code_math_score": None,
        "bytes": len(MATH_PY.encode()),
    }
    assert (meta["algebra/src/own.py"]["licence"], meta["algebra/src/own.py"]["licence_source"]) == (
        "Apache-2.0",
        "spdx_header",
    )
    assert meta["proofs/Comm.v"]["licence"] == "GPL-3.0" and meta["proofs/Comm.v"]["repo"] == "proofs"
    assert meta["nolicence/poly.py"]["licence"] is None and meta["nolicence/poly.py"]["repo"] == "nolicence"
    assert meta["loose.py"]["repo"] is None and meta["loose.py"]["path"] == "loose.py"
    # A folder with a licence (or .git) at its top is itself one repository.
    [item] = [i for i in iter_code_files(root / "algebra") if i.rel_path == "src/poly.py"]
    assert item.repo == "algebra"


@pytest.mark.parametrize(
    "text, spdx",
    [
        ("GNU LESSER GENERAL PUBLIC LICENSE\n Version 2.1, February 1999", "LGPL-2.1"),
        ("GNU GENERAL PUBLIC LICENSE\n Version 2, June 1991", "GPL-2.0"),
        ("Apache License\nVersion 2.0, January 2004", "Apache-2.0"),
        (
            "Redistribution and use in source and binary forms ... Neither the name of the copyright holder",
            "BSD-3-Clause",
        ),
        ("Redistribution and use in source and binary forms, with or without modification", "BSD-2-Clause"),
        ("Mozilla Public License Version 2.0", "MPL-2.0"),
        ("All rights reserved. Ask us.", None),
    ],
)
def test_licence_texts_by_key_phrases(text, spdx):
    assert guess_spdx(text) == spdx


# ------------------------------------------------------------------------------------------------ recipe and CLI


def test_code_settings_are_validated_like_other_keys():
    with pytest.raises(ValueError, match="code_repos"):
        SourceConfig(name="c", kind="code", path="x", weight=1, code={"languages": ["coq"]})
    with pytest.raises(ValueError, match="pyton"):
        SourceConfig(
            name="c", kind="code", path="x", format="code_repos", weight=1, code={"min_math_score": {"pyton": 1}}
        )
    s = SourceConfig(name="c", kind="code", path="x", format="code_repos", weight=1, code={"min_math_score": 0.4})
    assert s.code.min_math_score.default == 0.4


def test_recipe_with_a_code_repos_source(tmp_path):
    write(
        tmp_path / "repos",
        {
            "algebra/LICENSE": MIT,
            "algebra/poly.py": MATH_PY,
            "algebra/upload.py": WEB_PY,
            "algebra/logo.png": b"\x89PNG\r\n\x1a\n",
            "algebra/gen_pb2.py": MATH_PY,
            "proofs/Comm.v": COQ,
            "proofs/Comm.vo": b"\x00compiled",
            "proofs/counter.v": VERILOG,
            "copy/poly.py": MATH_PY,  # the same file in another repository: exact dedup drops one of the two
            "copy/gram_schmidt.m": MATLAB,
        },
    )
    recipe_path = tmp_path / "r.yaml"
    recipe_path.write_text(
        "name: code\nsources:\n"
        "  - {name: code, kind: code, path: repos, format: code_repos, weight: 1,\n"
        "     code: {languages: [coq, python, matlab], min_math_score: {python: 0.5}}}\n"
        "stages:\n  decontamination: {enabled: false}\nexecutor: {tasks: 2}\n"
    )
    recipe = load_recipe(recipe_path)
    pickle.loads(pickle.dumps(SourceReader(recipe.sources, recipe.data_root)))  # Slurm/Ray ship the step pickled
    report = run_recipe(recipe, tmp_path / "out")
    kept = [
        json.loads(line)
        for p in sorted((tmp_path / "out" / "kept" / "code").glob("*.jsonl"))
        for line in p.read_text().splitlines()
    ]
    assert sorted(d["metadata"]["path"] for d in kept) == ["Comm.v", "gram_schmidt.m", "poly.py"]
    poly = next(d for d in kept if d["metadata"]["path"] == "poly.py")
    assert poly["text"] == MATH_PY and poly["metadata"]["kind"] == "code" and poly["metadata"]["language"] == "python"
    reader = report["stages"][0]
    assert reader["skipped"] == {
        "low_code_math_score/code": 1,
        "binary/code": 2,
        "generated/code": 1,
        "unsupported_language/code": 2,
    }  # LICENSE and the Verilog counter
    dedup = next(s for s in report["stages"] if "exact" in s["stage"].lower())
    assert sum(dedup["dropped"].values()) == 1
    assert report["sources"]["code"]["documents"] == 3


def test_cli_writes_selected_files_and_counts_the_rest(tmp_path):
    write(
        tmp_path / "repo",
        {"LICENSE": MIT, "poly.py": MATH_PY, "upload.py": WEB_PY, "Comm.v": COQ, "counter.v": VERILOG},
    )
    out = tmp_path / "code.jsonl"
    r = run_cli("code-select", str(tmp_path / "repo"), "-o", str(out), "--languages", "coq,python")
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["id"] for d in records] == [str(tmp_path / "repo" / "Comm.v"), str(tmp_path / "repo" / "poly.py")]
    assert records[1]["metadata"]["licence"] == "MIT"
    assert "kept 2 files" in r.stderr and "low_code_math_score: 1" in r.stderr and "unsupported_language: 2" in r.stderr
    bad = run_cli("code-select", str(tmp_path / "missing"), "-o", str(tmp_path / "x.jsonl"))
    assert bad.returncode == 2 and "input not found" in bad.stderr and not (tmp_path / "x.jsonl").exists()
    bad = run_cli("code-select", str(tmp_path / "repo"), "-o", str(tmp_path / "x.jsonl"), "--languages", "cobol")
    assert bad.returncode == 2 and "languages" in bad.stderr
    r = run_cli("code-select", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: mathcpt code-select")


def test_bad_code_settings_in_a_recipe_name_the_key(tmp_path):
    (tmp_path / "repos").mkdir()
    (tmp_path / "r.yaml").write_text(
        "name: c\nsources:\n  - {name: c, kind: code, path: repos, format: code_repos, "
        "weight: 1, code: {max_bytes: 10}}\n"
    )
    with pytest.raises(ConfigError, match=r"sources\.0\.code\.max_bytes: unknown key"):
        load_recipe(tmp_path / "r.yaml")
