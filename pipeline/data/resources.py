"""Wall seconds, CPU seconds and peak resident memory of every task of every pass, for `report.md`.

    mathcpt data data_recipes/demo.yaml      # report.md: "Passes" table; logs/<pass>/resources/<rank>.json

`TaskResources` is the last step of every pass (pipeline.data.executors.build_executor adds it, so local, Ray and
Slurm tasks all measure themselves): it drives the task's pipeline and meanwhile samples the process's resident
set (`/proc/self/statm`, every 0.1 s; the current size, not the process's high-water mark, so a worker process
that ran an earlier, bigger task does not report that task's peak). `pass_resources` sums a pass's tasks: wall
from the first start to the last end, CPU over all tasks, peak RSS the largest task's.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
SAMPLE_SECONDS = 0.1


def current_rss() -> int:
    """This process's resident set in bytes (its high-water mark where /proc is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class TaskResources(PipelineStep):
    """Last step of a pass: measures the task while its pipeline runs; writes `folder/{rank:05d}.json`."""

    name = "⏱ task resources"
    type = "⏱ - MEASURE"

    def __init__(self, folder: str | Path):
        super().__init__()
        self.folder = str(folder)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        started, cpu = time.time(), time.process_time()
        peak, stop = [current_rss()], threading.Event()

        def sample() -> None:
            while not stop.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], current_rss())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            if data:
                yield from data
        finally:
            stop.set()
            sampler.join()
            peak[0] = max(peak[0], current_rss())
        record = {
            "rank": rank,
            "start": started,
            "end": time.time(),
            "cpu_seconds": round(time.process_time() - cpu, 3),
            "peak_rss_bytes": peak[0],
        }
        folder = Path(self.folder)
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{rank:05d}.json.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(record))
        tmp.replace(folder / f"{rank:05d}.json")


def pass_resources(logs: Path) -> dict | None:
    """A pass's tasks together: `tasks`, `started`, `wall_seconds`, `cpu_seconds`, `peak_rss_mb`; None if none measured."""
    records = [json.loads(p.read_text()) for p in sorted((logs / "resources").glob("*.json"))]
    if not records:
        return None
    return {
        "tasks": len(records),
        "started": min(r["start"] for r in records),
        "wall_seconds": round(max(r["end"] for r in records) - min(r["start"] for r in records), 2),
        "cpu_seconds": round(sum(r["cpu_seconds"] for r in records), 2),
        "peak_rss_mb": round(max(r["peak_rss_bytes"] for r in records) / 2**20, 1),
    }
