"""Every subcommand explains itself; user errors exit 2 with one paragraph, never a traceback."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli

COMMANDS = ["demo", "data", "extract", "decontaminate", "train", "export", "eval", "grade", "report"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help(command):
    r = run_cli(command, "--help")
    assert r.returncode == 0 and r.stdout.startswith(f"usage: mathcpt {command}")


def test_report_on_a_folder_that_is_no_run(tmp_path):
    r = run_cli("report", str(tmp_path))
    assert r.returncode == 2 and "neither a data run" in r.stderr and "Traceback" not in r.stderr


def test_demo_refuses_a_foreign_non_empty_folder(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    r = run_cli("demo", "--out", str(tmp_path))
    assert r.returncode == 2 and "not empty" in r.stderr
    r = run_cli("demo", "--out", str(tmp_path), "--overwrite")
    assert r.returncode == 2 and "refusing to delete" in r.stderr and (tmp_path / "mine.txt").exists()


def test_train_on_a_folder_that_is_no_data_run(tmp_path):
    # Without a launcher `mathcpt train` runs as a one-rank job; a bad data path is a one-paragraph error.
    r = run_cli("train", "configs/tiny_cpu.yaml", "--set", f"data.path={tmp_path}", "--set", f"output_dir={tmp_path}/o")
    assert r.returncode == 2 and "is not a completed data run" in r.stderr and "Traceback" not in r.stderr


def test_data_inspect(data_run):
    r = run_cli("data", "inspect", str(data_run), "--samples", "2", "--seq-len", "48")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "| web |" in r.stdout and "Document length" in r.stdout and r.stdout.count("## sample") == 2
    r = run_cli("data", "inspect")
    assert r.returncode == 2 and "usage: mathcpt data inspect RUN_DIR" in r.stderr
