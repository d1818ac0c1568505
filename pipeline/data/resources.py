"""Wall seconds, CPU seconds and peak resident memory of every task of every pass, for `report.md`.

    mathcpt data data_recipes/demo.yaml      # report.md: "Passes" table; logs/<pass>/resources/<rank>.json

Every executor pipeline.data.executors builds (local, Ray, Slurm) measures each task it runs (`MeasuredTasks`):
wall and CPU seconds, and the process's resident set sampled (`/proc/self/statm`, every 0.1 s; the current size,
not the process's high-water mark, so a worker process that ran an earlier, bigger task does not report that
task's peak), and the size it started with. `pass_resources` sums a pass's tasks: wall from the first start to the
last end, CPU over all tasks, peak RSS and growth over the start the largest task's.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.shared.atomic import atomic_write_text

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
SAMPLE_SECONDS = 0.1


def current_rss() -> int:
    """This process's resident set in bytes (its high-water mark where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextmanager
def measured_task(folder: str | Path, rank: int) -> Iterator[None]:
    """Measure one task while the block runs; writes `folder/{rank:05d}.json` when it ends without an error."""
    started, cpu, start_rss = time.time(), time.process_time(), current_rss()
    peak, stop = [start_rss], threading.Event()

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], current_rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        stop.set()
        sampler.join()
    record = {
        "rank": rank,
        "start": started,
        "end": time.time(),
        "cpu_seconds": round(time.process_time() - cpu, 3),
        "peak_rss_bytes": max(peak[0], current_rss()),
        "start_rss_bytes": start_rss,
    }
    atomic_write_text(Path(folder) / f"{rank:05d}.json", json.dumps(record))


class MeasuredTasks:
    """Mixin for datatrove executors: every task that runs (not one skipped as completed) measures itself into
    `<logging_dir>/resources/`. On `_run_for_rank`, which local, Ray and Slurm executors all run each task through,
    so that steps doing their work when called (the planner) count as well as those that stream documents."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        if self.is_rank_completed(rank):
            return super()._run_for_rank(rank, local_rank, node_rank)
        with measured_task(Path(self.logging_dir.path) / "resources", rank):
            return super()._run_for_rank(rank, local_rank, node_rank)


def pass_resources(logs: Path) -> dict | None:
    """A pass's tasks together: `tasks`, `started`, `wall_seconds`, `cpu_seconds`, `peak_rss_mb`, and
    `rss_growth_mb` (the largest growth of one task over the resident set it started with: the pass's own memory,
    without what the process held before it, e.g. a one-task pass run in the `mathcpt data` process after others);
    None if none measured."""
    records = [json.loads(p.read_text()) for p in sorted((logs / "resources").glob("*.json"))]
    if not records:
        return None
    return {
        "tasks": len(records),
        "started": min(r["start"] for r in records),
        "wall_seconds": round(max(r["end"] for r in records) - min(r["start"] for r in records), 2),
        "cpu_seconds": round(sum(r["cpu_seconds"] for r in records), 2),
        "peak_rss_mb": round(max(r["peak_rss_bytes"] for r in records) / 2**20, 1),
        "rss_growth_mb": round(max(r["peak_rss_bytes"] - r.get("start_rss_bytes", 0) for r in records) / 2**20, 1),
    }
