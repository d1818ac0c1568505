"""Write-then-rename for files and folders: PATH is always the previous complete output or the new one.

.venv/bin/python -m pytest tests/test_atomic.py -q
"""

from __future__ import annotations

import pytest

from pipeline.shared.atomic import atomic_open, atomic_path


def test_file_appears_only_when_complete_and_failure_keeps_the_old_one(tmp_path):
    out = tmp_path / "sub" / "out.jsonl"
    with atomic_open(out) as f:
        f.write("first\n")
        assert not out.exists()  # nothing visible under the final name while writing
    assert out.read_text() == "first\n"
    with pytest.raises(RuntimeError), atomic_open(out) as f:
        f.write("half a line")
        raise RuntimeError("killed mid-write")
    assert out.read_text() == "first\n" and sorted(p.name for p in out.parent.iterdir()) == ["out.jsonl"]


def test_folder_is_replaced_whole_and_a_failed_build_leaves_the_previous(tmp_path):
    out = tmp_path / "export"
    (tmp_path / "export.tmp").mkdir()  # leftover of a killed earlier run: removed, not mixed in
    (tmp_path / "export.tmp" / "stale.bin").write_text("stale")
    with atomic_path(out) as tmp:
        tmp.mkdir()
        (tmp / "a.txt").write_text("v1")
        (tmp / "b.txt").write_text("v1")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]

    with pytest.raises(ValueError), atomic_path(out) as tmp:
        tmp.mkdir()
        (tmp / "a.txt").write_text("v2")
        raise ValueError("plot failed")
    assert (out / "a.txt").read_text() == "v1" and (out / "b.txt").exists()

    with atomic_path(out) as tmp:  # a non-empty folder is replaced, not merged into
        tmp.mkdir()
        (tmp / "a.txt").write_text("v3")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"] and (out / "a.txt").read_text() == "v3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # no .tmp, no .old left behind
