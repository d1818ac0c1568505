"""Data-recipe scaling: 1 task against 2 on these cores, per pass and for the whole run, at two corpus sizes.

    .venv/bin/python tests/benchmarks/bench_scaling.py [--scales 4 40] [--out DIR] [--planner-only] [--quick]

For each scale, the sample corpus (pipeline.sample; scale 40 is about 100 MB) goes through
`data_recipes/demo.yaml` twice in this run, `executor.tasks=1, workers=1` and `executor.tasks=2, workers=2`, and
the two runs are checked to keep the same documents. Printed, one JSON line each:

* `pass`: per scale and pass, wall seconds with 1 and 2 tasks and the speed-up (the targets at scale 40: ≥ 1.6x for
  every pass but the planner, which is one process by design), peak RSS (MB) and the pass's input MB per CPU second
  (one core's throughput, from the 1-task run);
* `run`: the whole `mathcpt data` wall time, 1 vs 2 tasks (target ≥ 1.7x at scale 40);
* `memory`: peak RSS per pass at the smallest and largest scale (flat but for the planner), and the planner's bytes
  per document (its RSS growth over the document growth);
* `projection`: the full recipe (data_recipes/qwen2_math_full.yaml, ~25B tokens ≈ 100 GB of text) on 64 tasks of
  one core each: every pass's input at the measured ratio to the raw bytes and per-core MB/s, the planner at its
  measured seconds per document. A rough figure: the sample corpus is not the web corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

FULL_RECIPE_BYTES = 100e9  # ~25B tokens of sources at ~4 bytes per token
FULL_TASKS = 64


def pass_inputs(run: Path) -> dict[str, float]:
    """Input bytes of each pass that read a share of files (from its tasks' progress records)."""
    out = {}
    for folder in (run / "logs").glob("*/progress"):
        records = [json.loads(p.read_text()) for p in folder.glob("*.json")]
        if records:
            out[folder.parent.name] = float(records[0]["total"])
    return out


def kept_ids(run: Path) -> list[str]:
    return [
        json.loads(line)["id"] for f in sorted((run / "kept").glob("*/*.jsonl")) for line in f.read_text().splitlines()
    ]


def one_run(corpus: Path, out: Path, tasks: int) -> dict:
    """`mathcpt data` in a fresh process, as a user runs it (the wall time includes its start-up)."""
    import shutil
    import subprocess

    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "data",
        str(ROOT / "data_recipes" / "demo.yaml"),
        "--out",
        str(out),
    ]
    for item in (f"data_root={corpus}", f"executor.tasks={tasks}", f"executor.workers={tasks}"):
        command += ["--set", item]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    report = json.loads((out / "report.json").read_text())
    return {
        "wall": wall,
        "passes": report["passes"],
        "inputs": pass_inputs(out),
        "documents": sum(s["documents"] for s in report["sources"].values()),
        "kept": kept_ids(out),
    }


PLANNER_PROBE = """
import sys, threading, time
from pathlib import Path
import numpy as np
from pipeline.data import dedup_plan
from pipeline.data.dedup import DedupIndex

def anon():  # anonymous resident memory: what the step holds, not the memory-mapped index's page cache
    for line in open("/proc/self/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024

base, peak, stop = anon(), [0], threading.Event()
def sample():
    while not stop.wait(0.01):
        peak[0] = max(peak[0], anon())
threading.Thread(target=sample, daemon=True).start()
folder, ranks, step = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
started = time.perf_counter()
if step == "buckets":  # every unit, one after the other, as one task of the pass would
    index = DedupIndex(folder, ranks)
    (folder / "buckets").mkdir(exist_ok=True)
    for unit in dedup_plan.bucket_units(index.n, True, True, 40):
        np.save(folder / "buckets" / f"{unit}.npy", dedup_plan.unit_pairs(index, unit, 40))
else:
    dedup_plan.plan_dedup(folder, ranks, True, True, 200, 40, 0.75)
seconds = time.perf_counter() - started
stop.set()
print(max(peak[0], anon()) - base, seconds)
"""


def synthetic_index(folder: Path, documents: int, ranks: int = 4, copies: float = 0.1) -> None:
    """A dedup index of random signatures, a share `copies` of documents a near copy of another (20 of 200 values
    changed),
    in the recipe's 40 × 5 bands, written by the index writer's own block writer."""
    import numpy as np

    from pipeline.data.dedup import BLOCK, IndexRankWriter

    rng = np.random.default_rng(0)
    per = documents // ranks
    for r in range(ranks):
        with IndexRankWriter(folder, r, 40) as index:
            for start in range(0, per, BLOCK):
                m = min(BLOCK, per - start)
                sig = rng.integers(0, 2**32, size=(m, 200), dtype=np.uint32)
                copy = rng.random(m) < copies
                sig[copy] = sig[rng.integers(0, m, size=int(copy.sum()))]
                sig[copy, :20] = rng.integers(0, 2**32, size=(int(copy.sum()), 20), dtype=np.uint32)
                ids = [f"d{r}-{start + i}" for i in range(m)]
                index.add_block(sig, rng.bytes(16 * m), np.zeros(m), ids)


def planner_memory(folder: Path, documents: int, copies: float, ranks: int = 4) -> dict[str, tuple[int, float]]:
    """{step: (peak anonymous RSS growth in bytes, seconds)} of the buckets units and of the planner over a
    synthetic index of `documents`, each in a fresh process. Anonymous: the memory-mapped index's page cache is the
    kernel's to drop, not memory the step needs."""
    import shutil
    import subprocess

    shutil.rmtree(folder, ignore_errors=True)
    synthetic_index(folder, documents, ranks, copies)
    out = {}
    for step in ("buckets", "plan"):
        done = subprocess.run(
            [sys.executable, "-c", PLANNER_PROBE, str(folder), str(ranks), step],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            raise SystemExit(done.stderr[-2000:])
        grown, seconds = done.stdout.split()
        out[step] = (int(grown), float(seconds))
    shutil.rmtree(folder, ignore_errors=True)
    return out


def planner_lines(out: Path, small_n: int, large_n: int, copies: float) -> None:
    """JSON lines for the buckets units and the planner at two index sizes: bytes per document is the growth."""
    probes = [planner_memory(out / f"index_{n}", n, copies) for n in (small_n, large_n)]
    for step in ("buckets", "plan"):
        (g_small, t_small), (g_large, t_large) = probes[0][step], probes[1][step]
        per_doc = (g_large - g_small) / (large_n - small_n)
        print(
            json.dumps(
                {
                    "bench": "scaling",
                    "what": "planner" if step == "plan" else "buckets",
                    "documents": [small_n, large_n],
                    "near_copy_share": copies,
                    "peak_anon_rss_growth_mb": [round(g_small / 2**20, 1), round(g_large / 2**20, 1)],
                    "seconds": [round(t_small, 2), round(t_large, 2)],
                    "bytes_per_document": round(per_doc, 1),
                    # buckets: per unit, and a unit never holds more than RANGE_DOCS documents
                    "documents_in_64_gb": int(64 * 2**30 / per_doc) if step == "plan" else None,
                    "seconds_per_million_documents": round(t_large / large_n * 1e6, 2),
                }
            ),
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=float, nargs="+", default=[4, 40])
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary folder, removed)")
    ap.add_argument("--planner-docs", type=int, nargs=2, default=[250_000, 1_000_000])
    ap.add_argument("--planner-only", action="store_true")
    ap.add_argument("--copies", type=float, nargs="+", default=[0.1, 0.9], help="near-copy shares of the index")
    ap.add_argument("--quick", action="store_true", help="seconds: scales 0.3 and 0.6, a 20k/40k-document planner")
    args = ap.parse_args()
    if args.quick:
        args.scales, args.planner_docs, args.copies = [0.3, 0.6], [20_000, 40_000], [0.1]
    if args.out is None:
        with tempfile.TemporaryDirectory(prefix="bench_scaling_") as tmp:
            args.out = Path(tmp)
            return run(args)
    return run(args)


def run(args: argparse.Namespace) -> None:
    import subprocess

    small_n, large_n = args.planner_docs
    for copies in args.copies:
        planner_lines(args.out, small_n, large_n, copies)
    if args.planner_only:
        return
    results = {}
    for scale in args.scales:
        corpus = args.out / f"corpus_{scale:g}"
        if not corpus.is_dir():  # in another process: the generator's memory must not count in the runs' RSS
            subprocess.run(
                [sys.executable, "-m", "pipeline.sample", str(corpus), "--scale", str(scale)],
                check=True,
                cwd=ROOT,
            )
        # what the demo recipe reads (the corpus also holds general/, the replay text only demo_replay.yaml reads)
        raw = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file() and p.parent.name != "general")
        runs = {t: one_run(corpus, args.out / f"run_{scale:g}_{t}", t) for t in (1, 2)}
        if runs[1]["kept"] != runs[2]["kept"]:
            raise SystemExit(f"scale {scale}: 1 and 2 tasks kept different documents")
        results[scale] = (raw, runs)
        for name, one in runs[1]["passes"].items():
            two = runs[2]["passes"].get(name)
            mb = runs[1]["inputs"].get(name, raw if name == "filter" else 0) / 1e6
            line = {
                "bench": "scaling",
                "what": "pass",
                "scale": scale,
                "pass": name,
                "wall_s_1_task": one["wall_seconds"],
                "wall_s_2_tasks": two and two["wall_seconds"],
                "speedup": round(one["wall_seconds"] / two["wall_seconds"], 2) if two and two["wall_seconds"] else None,
                "peak_rss_mb_1_task": one["peak_rss_mb"],
                "peak_rss_mb_2_tasks": two and two["peak_rss_mb"],
                "rss_growth_mb_1_task": one.get("rss_growth_mb"),
                "rss_growth_mb_2_tasks": two and two.get("rss_growth_mb"),
                # CPU seconds per wall second of the 1-task run: above 1 where one task already uses several cores
                # (tokenizers' Rust thread pool), which bounds what a second task can add on these 2 cores.
                "cores_used_1_task": round(one["cpu_seconds"] / one["wall_seconds"], 2)
                if one["wall_seconds"]
                else None,
                "input_mb": round(mb, 2),
                "mb_per_cpu_second": round(mb / one["cpu_seconds"], 2) if mb and one["cpu_seconds"] else None,
            }
            print(json.dumps(line), flush=True)
        print(
            json.dumps(
                {
                    "bench": "scaling",
                    "what": "run",
                    "scale": scale,
                    "raw_mb": round(raw / 1e6, 1),
                    "kept_documents": len(runs[1]["kept"]),
                    "wall_s_1_task": round(runs[1]["wall"], 2),
                    "wall_s_2_tasks": round(runs[2]["wall"], 2),
                    "speedup": round(runs[1]["wall"] / runs[2]["wall"], 2),
                    "target_speedup": 1.7,
                }
            ),
            flush=True,
        )
    small, large = min(results), max(results)
    (_, runs_s), (raw_l, runs_l) = results[small], results[large]
    plan_s, plan_l = runs_s[1]["passes"].get("dedup_plan"), runs_l[1]["passes"].get("dedup_plan")
    filtered_docs = {}
    for scale in (small, large):
        run = args.out / f"run_{scale:g}_1"
        filtered_docs[scale] = sum(1 for f in (run / "work" / "filtered").glob("*/*.jsonl") for _ in f.open())
    growth = filtered_docs[large] - filtered_docs[small]
    print(
        json.dumps(
            {
                "bench": "scaling",
                "what": "memory",
                "scales": [small, large],
                "peak_rss_mb": {
                    name: [runs_s[1]["passes"][name]["peak_rss_mb"], p["peak_rss_mb"]]
                    for name, p in runs_l[1]["passes"].items()
                    if name in runs_s[1]["passes"]
                },
                # the pass's own memory: peak over the resident set its task started with (a one-task pass runs
                # in the `mathcpt data` process, whose heap still holds what earlier passes left)
                "rss_growth_mb": {
                    name: [runs_s[1]["passes"][name].get("rss_growth_mb"), p.get("rss_growth_mb")]
                    for name, p in runs_l[1]["passes"].items()
                    if name in runs_s[1]["passes"]
                },
                "planner_documents": [filtered_docs[small], filtered_docs[large]],
                "planner_bytes_per_document": round((plan_l["peak_rss_mb"] - plan_s["peak_rss_mb"]) * 2**20 / growth, 1)
                if plan_s and plan_l and growth > 0
                else None,
            }
        ),
        flush=True,
    )
    # Projection: each pass's input scales with the raw bytes as measured at the large scale.
    projection, one_core = {}, runs_l[1]
    for name, p in one_core["passes"].items():
        mb = one_core["inputs"].get(name, raw_l if name == "filter" else 0)
        if name in ("dedup_plan", "dedup_buckets"):  # by documents: one process, or units shared by every task
            seconds_per_doc = p["wall_seconds"] / max(filtered_docs[large], 1)
            docs_full = filtered_docs[large] * FULL_RECIPE_BYTES / raw_l
            projection[name] = round(
                seconds_per_doc * docs_full / (1 if name == "dedup_plan" else FULL_TASKS) / 3600, 2
            )
        elif mb and p["cpu_seconds"]:
            rate = mb / p["cpu_seconds"]  # bytes per CPU second
            projection[name] = round(mb / raw_l * FULL_RECIPE_BYTES / rate / FULL_TASKS / 3600, 2)
    print(
        json.dumps(
            {
                "bench": "scaling",
                "what": "projection",
                "recipe_bytes": FULL_RECIPE_BYTES,
                "tasks": FULL_TASKS,
                "hours_per_pass": projection,
                "hours_total": round(sum(projection.values()), 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
