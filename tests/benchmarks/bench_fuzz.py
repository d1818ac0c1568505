"""The fuzz suite (tests/fuzz/) run long: inputs tried per parser, failures found, seconds.

    .venv/bin/python tests/benchmarks/bench_fuzz.py --examples 2000          # every fuzz test, 2,000 examples each
    .venv/bin/python tests/benchmarks/bench_fuzz.py --quick                  # seconds: 10 examples each, a smoke run
    .venv/bin/python tests/benchmarks/bench_fuzz.py --ci                     # what CI runs: profile "ci", 20 each
    .venv/bin/python tests/benchmarks/bench_fuzz.py --examples 500 --only books,answers [--out DIR]

Each test file of tests/fuzz is one parser group (config, readers, extract, books, code_select, answers) and runs in
its own pytest process with the "long" hypothesis profile (random draws, not the derandomized CI ones) and
MATHCPT_FUZZ_EXAMPLES examples per test. Prints one JSON line per group: the inputs its parsers were given (counted
by tests/fuzz/fuzzing.py `run_item`, shrinking included), per entry point, the tests that failed and the wall seconds;
a last line sums them. A failure is a crash, a hang past the per-item limit or a broken property: fix it in the
parser, keep its input as a regression example, and run again. A process ended by the hang watchdog is reported with
the tail of its stack dump. Exits 1 when anything failed. `--out` keeps each group's pytest output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fuzz.fuzzing import WATCHDOG_LOG  # noqa: E402 - after the sys.path line that makes `tests` importable

GROUPS = ["config", "readers", "extract", "books", "code_select", "answers"]


def run_group(group: str, examples: int, out: Path, profile: str = "long") -> dict:
    report, junit = out / f"{group}.tried.json", out / f"{group}.junit.xml"
    env = {
        **os.environ,
        "MATHCPT_FUZZ": profile,
        "MATHCPT_FUZZ_EXAMPLES": str(examples),
        "MATHCPT_FUZZ_REPORT": str(report),
    }
    cmd = [sys.executable, "-m", "pytest", f"tests/fuzz/test_fuzz_{group}.py", "-q", "-p", "no:cacheprovider"]
    cmd += ["--tb=short", f"--junitxml={junit}"]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    (out / f"{group}.log").write_text(done.stdout + done.stderr)
    tried = json.loads(report.read_text()) if report.is_file() else {}
    row = {"parser": group, "profile": profile, "examples_per_test": examples, "inputs": sum(tried.values())}
    row["by_entry"] = tried
    if junit.is_file():
        cases = ET.parse(junit).getroot().iter("testcase")
        failed = [c.get("name") for c in cases if c.find("failure") is not None or c.find("error") is not None]
        row.update(tests=len(list(ET.parse(junit).getroot().iter("testcase"))), failures=len(failed), failed=failed)
    else:  # the process did not finish: the hang watchdog (or a crash of the interpreter) ended it
        dump = WATCHDOG_LOG.read_text()[:2500] if WATCHDOG_LOG.is_file() else done.stderr[-2500:]  # innermost frames
        row.update(tests=None, failures=1, failed=[f"process ended with status {done.returncode}"], watchdog=dump)
    row["seconds"] = round(seconds, 1)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--examples", type=int, default=1000, help="hypothesis examples per test")
    ap.add_argument("--quick", action="store_true", help="10 examples per test: checks the harness in seconds")
    ap.add_argument("--ci", action="store_true", help='the default profile "ci" (derandomized), 20 examples per test')
    ap.add_argument("--only", default="", help="comma-separated groups: " + ",".join(GROUPS))
    ap.add_argument("--out", type=Path, help="keep each group's pytest output, junit XML and counts here")
    args = ap.parse_args()
    examples = 10 if args.quick else 20 if args.ci and "--examples" not in sys.argv else args.examples
    profile = "ci" if args.ci else "long"
    groups = [g for g in args.only.split(",") if g] or GROUPS
    unknown = set(groups) - set(GROUPS)
    if unknown:
        ap.error(f"unknown groups: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        for group in groups:
            rows.append(run_group(group, examples, out, profile))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    total = {
        "parser": "all",
        "profile": profile,
        "examples_per_test": examples,
        "inputs": sum(r["inputs"] for r in rows),
        "failures": sum(r["failures"] for r in rows),
        "seconds": round(sum(r["seconds"] for r in rows), 1),
    }
    print(json.dumps(total))
    return 1 if total["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
