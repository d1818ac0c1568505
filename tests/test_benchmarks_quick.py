"""Every benchmark runs as shipped: each tests/benchmarks/bench_*.py in its `--quick` mode, so one that breaks fails
the suite instead of waiting for the next person who wants its figures.

    .venv/bin/python -m pytest tests/test_benchmarks_quick.py

The scripts are found by glob, so a new benchmark is covered the day it lands (and must have `--quick` and `--out`).
Each runs as a user runs it: a subprocess of this interpreter from the project root, `--quick --out DIR` (for
bench_gpu_mfu.py `--quick` is its `--tiny` CPU path, shorter). It must exit 0 and print at least one JSON line, none
of them `"status": "failed"`; a part whose data (../shared, real HTML pages, latexmlc) is missing says
`"status": "missing"` and still passes. Its outputs must land in --out, no temporary folder of its own may be left
behind, and its source must name no fixed /tmp path. The figures of a quick run are not checked: they come from a
few documents on a busy machine. The GPU check scripts (gpu_*.py, gpu_check.sh) are covered by
tests/test_gpu_check.py.

The scripts of the collected tests start together when the first of these tests runs, two at a time (one thread
each), slowest first: most of a quick run is imports and one process, so two at once halve the wall time on the
2-core machines this runs on. Each test then waits for its own script.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT

BENCH = ROOT / "tests" / "benchmarks"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))
# Started first, the longest first (CPU seconds of their quick run, measured); the rest follow in name order.
LONGEST = ["bench_scaling.py", "bench_decontamination.py", "bench_extraction.py", "bench_trainer_overhead.py"]
LONGEST += ["bench_near_dedup.py", "bench_mixture_loader.py", "bench_gpu_mfu.py", "bench_synthesis.py"]
# Over 30 CPU seconds (several data runs; a large benchmark index). The suite runs `slow` tests by default.
SLOW = {"bench_scaling.py", "bench_decontamination.py"}
TIMEOUT_S = 600


def json_lines(stdout: str) -> list[dict]:
    rows = []
    for line in stdout.splitlines():
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def run_quick(script: Path, work: Path) -> tuple[subprocess.CompletedProcess, Path, Path]:
    out, scratch = work / "out", work / "tmpdir"
    scratch.mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(scratch), "WANDB_MODE": "offline", "TOKENIZERS_PARALLELISM": "false"}
    env["OMP_NUM_THREADS"] = "1"  # two scripts share the cores
    done = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    return done, out, scratch


@pytest.fixture(scope="module")
def quick_runs(request, tmp_path_factory):
    """{script name: Future of run_quick}, for the scripts whose test was collected (a -k or -m selection runs
    only those)."""
    wanted = {
        item.callspec.params["script"].name
        for item in request.session.items
        if getattr(item, "originalname", None) == "test_benchmark_runs_quick" and hasattr(item, "callspec")
    }
    order = sorted(wanted, key=lambda name: (LONGEST.index(name) if name in LONGEST else len(LONGEST), name))
    pool = ThreadPoolExecutor(max_workers=2)
    futures = {name: pool.submit(run_quick, BENCH / name, tmp_path_factory.mktemp(Path(name).stem)) for name in order}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def test_every_benchmark_is_collected():
    names = {p.name for p in SCRIPTS}
    assert len(names) >= 12 and {"bench_extraction.py", "bench_gpu_mfu.py", "bench_trainer_overhead.py"} <= names
    assert not names & {p.name for p in BENCH.glob("gpu_*.py")}  # those are tests/test_gpu_check.py's


@pytest.mark.parametrize(
    "script", [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if p.name in SLOW else []) for p in SCRIPTS]
)
def test_benchmark_runs_quick(script: Path, quick_runs: dict[str, Future]):
    assert "/tmp" not in script.read_text(), f"{script.name} names a fixed /tmp path: use --out or a temporary folder"
    done, out, scratch = quick_runs[script.name].result()  # run_quick's own timeout bounds the wait
    tail = f"\n--- stdout ---\n{done.stdout[-3000:]}\n--- stderr ---\n{done.stderr[-5000:]}"
    assert done.returncode == 0, f"{script.name} --quick exited {done.returncode}{tail}"
    rows = json_lines(done.stdout)
    assert rows, f"{script.name} --quick printed no JSON line{tail}"
    failed = [r for r in rows if r.get("status") == "failed"]
    assert not failed, f"{script.name} --quick reported failures: {failed}{tail}"
    assert out.is_dir() and any(out.iterdir()), f"{script.name} wrote nothing to --out {out}{tail}"
    left = sorted(p.name for p in scratch.iterdir() if p.name.startswith("bench"))
    assert not left, f"{script.name} left its temporary folders behind: {left}"
