"""Static checks: no undefined names, unused imports, unsorted imports or syntax errors, and `ruff format` holds."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(exe).exists():
        pytest.skip("ruff is not installed (pip install -e '.[dev]' installs it)")
    return subprocess.run([exe, *args, "pipeline", "tests"], cwd=ROOT, capture_output=True, text=True)


def test_ruff_pyflakes_clean():
    r = ruff("check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_holds():
    r = ruff("format", "--check")
    assert r.returncode == 0, r.stdout + r.stderr
