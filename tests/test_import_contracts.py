"""The arrows between the rooms (pyproject's import-linter contract): kept by the tree, broken by a forbidden import.

.venv/bin/lint-imports        # what .ci/run runs
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]' installs it)")
    # PYTHONPATH first: grimp must analyse the package under `root`, not the editable install's.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([exe, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_the_tree_keeps_the_contract():
    r = lint_imports(ROOT)
    assert r.returncode == 0 and "1 kept, 0 broken" in r.stdout, r.stdout[-3000:] + r.stderr[-2000:]


@pytest.mark.parametrize(
    "module, forbidden, message",
    [
        # eval must work on any HF checkpoint without train
        ("pipeline/eval/evaluate.py", "pipeline.train.export", "pipeline.eval is not allowed to import pipeline.train"),
        # train reads shards from shared, never data's internals; and the import may hide inside a function
        ("pipeline/train/trainer.py", "pipeline.data.dedup", "pipeline.train is not allowed to import pipeline.data"),
        # the ground floor imports no stage and nothing shared
        ("pipeline/config/recipe.py", "pipeline.data.synthesis.templates", "pipeline.config is not allowed to import"),
        ("pipeline/shared/grading.py", "pipeline.eval.tasks", "pipeline.shared is not allowed to import pipeline.eval"),
    ],
)
def test_a_forbidden_import_breaks_it(tmp_path, module, forbidden, message):
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with open(tmp_path / module, "a") as f:
        f.write(f"\n\ndef _added_by_the_test():\n    import {forbidden}  # noqa: F401\n")
    r = lint_imports(tmp_path)
    assert r.returncode != 0 and "0 kept, 1 broken" in r.stdout, r.stdout[-3000:]
    assert message in r.stdout and forbidden in r.stdout
