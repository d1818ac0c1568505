"""Which part of an ordered list of files each task of a pass reads, so that a run's output does not depend on how
many tasks ran it; and the reader of the run's own JSONL folders.

    mathcpt data data_recipes/demo.yaml --set executor.tasks=3     # every pass reads its input through this module

The rule: the files of a pass's input, in a fixed order, are seen as one run of bytes, cut into `world_size`
contiguous shares of equal size; a unit (a JSON line, a file, a book) belongs to the task whose share holds its
first byte. So task r reads only its bytes (a JSONL file is entered with a seek, not read from the start), and the
outputs of tasks 0..W-1 put end to end hold the documents in the input's order whatever W is. Every pass writes
one file per task (`{rank:05d}.jsonl`, or `<source>/{rank:05d}.jsonl`), so the next pass, reading those files in
name order, sees the same sequence again; the dedup planner's "first" and the loader's token stream follow it.

Ours rather than datatrove's readers because those deal whole files out round-robin (`files[rank::world_size]`):
one big file is one task's work, and the concatenation order changes with the task count.

Each reading task writes its progress (bytes and documents read, of its share) to `logs/<pass>/progress/` every
PROGRESS_SECONDS; the lowest-ranked task still reading sums every task's file into one log line for the whole pass:
documents/s, MB/s and an ETA over all its tasks (`pass_progress`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from loguru import logger

from pipeline.shared.atomic import atomic_write_text

_BLOCK = 1 << 20  # bytes per read while counting the newlines before a share's first line
PROGRESS_SECONDS = 10.0  # how often a task rewrites its progress file (and the pass line is logged)


def share_bounds(total: int, rank: int, world_size: int) -> tuple[int, int]:
    """Byte range [lo, hi) of task `rank`: the offsets o with o * world_size // total == rank."""
    return -(-rank * total // world_size), -(-(rank + 1) * total // world_size)


def owned_units(weights: list[int], rank: int, world_size: int) -> list[int]:
    """Indexes of the units (files, books, groups) whose first byte lies in this task's share, in order."""
    total, start, mine = sum(weights), 0, []
    lo, hi = share_bounds(total, rank, world_size)
    for i, w in enumerate(weights):
        if lo <= start < hi or (total == 0 and rank == 0):
            mine.append(i)
        start += w
    return mine


@dataclass
class Share:
    """What one task reads of an ordered file list: per file, the local byte range [lo, hi) it owns lines from."""

    parts: list[tuple[Path, int, int, bool]]  # path, lo, hi, whether the task owns the file's first byte
    nbytes: int  # the task's share
    total: int  # every task's shares together


def file_size(path: Path) -> int:
    """Bytes of a file; 0 for one that cannot be read (its reader skips and counts it)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def file_share(paths: list[Path], rank: int, world_size: int) -> Share:
    sizes = [file_size(p) for p in paths]
    total = sum(sizes)
    lo, hi = share_bounds(total, rank, world_size)
    parts, start = [], 0
    for path, size in zip(paths, sizes):
        a, b = max(lo - start, 0), min(hi - start, size)
        owns_start = lo <= start < hi or (total == 0 and rank == 0)
        if a < b or owns_start:
            parts.append((path, a, max(a, b), owns_start))
        start += size
    return Share(parts, hi - lo, total)


def lines_in(path: Path, lo: int, hi: int) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of the lines of `path` that start in [lo, hi)."""
    with open(path, "rb") as f:
        before = 0
        while f.tell() < lo:  # line numbers: count the newlines before the share (memchr speed, no parsing)
            before += f.read(min(_BLOCK, lo - f.tell())).count(b"\n")
        line_no = before + 1
        if lo > 0:
            f.seek(lo - 1)
            if f.read(1) != b"\n":  # the share starts inside a line: it belongs to the task before
                f.readline()
                line_no += 1
        pos = f.tell()
        while pos < hi:
            line = f.readline()
            if not line:
                break
            yield line_no, line
            pos += len(line)
            line_no += 1


class Progress:
    """A task's reading progress, rewritten every PROGRESS_SECONDS into `folder/{rank:05d}.json`."""

    def __init__(self, folder: str | Path | None, rank: int, share: int, total: int):
        self.path = Path(folder) / f"{rank:05d}.json" if folder else None
        self.share, self.total = share, total
        self.started = self.last = time.time()
        self.bytes = self.documents = 0
        self._write()

    def add(self, nbytes: int, documents: int = 1) -> None:
        self.bytes += nbytes
        self.documents += documents
        if time.time() - self.last >= PROGRESS_SECONDS:
            self._write()

    def done(self) -> None:
        self.bytes = self.share
        self._write()

    def _write(self) -> None:
        self.last = time.time()
        if self.path is None:
            return
        record = {"bytes": self.bytes, "share": self.share, "total": self.total, "documents": self.documents}
        record.update(started=self.started, updated=self.last)
        atomic_write_text(self.path, json.dumps(record))  # the other tasks never read half a file
        if 0 < self.bytes < self.share and self._first_running():
            line = pass_progress(self.path.parent)
            if line:
                logger.info(f"{self.path.parent.parent.name}: {line}")

    def _first_running(self) -> bool:
        """Whether this is the lowest-ranked task still reading: that one logs the pass line, so it appears once
        per interval however many tasks run, on any executor (Slurm tasks have no parent process to do it)."""
        for p, other in read_progress(self.path.parent).items():
            if p == self.path:
                return True
            if other["bytes"] < other["share"] and time.time() - other["updated"] < 3 * PROGRESS_SECONDS:
                return False
        return True


def read_progress(folder: Path) -> dict[Path, dict]:
    """Every task's progress record, by file in rank order (a file being replaced right now is left out)."""
    records = {}
    for p in sorted(folder.glob("*.json")):
        try:
            records[p] = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
    return records


def pass_progress(folder: Path) -> str | None:
    """One line for the whole pass from its tasks' progress files: documents/s, MB/s and the ETA over all tasks
    (the bytes every task has left, at the rate the tasks have read so far since the first one started)."""
    records = list(read_progress(folder).values())
    if not records:
        return None
    total = records[0]["total"]
    done = sum(r["bytes"] for r in records)
    docs = sum(r["documents"] for r in records)
    elapsed = max(time.time() - min(r["started"] for r in records), 1e-6)
    rate = done / elapsed
    eta = (total - done) / rate if rate > 0 else float("inf")
    return (
        f"{docs:,} documents ({docs / elapsed:,.0f}/s), {done / 1e6:,.1f} of {total / 1e6:,.1f} MB "
        f"({rate / 1e6:,.2f} MB/s), {len(records)} tasks started, ETA {eta:,.0f} s"
    )


class RunFolderReader(PipelineStep):
    """Reads the JSONL files a previous pass wrote (`folders` in order, each's files in name order), this task's
    share of their bytes; the documents come back as that pass wrote them."""

    name = "📖 run folder reader"
    type = "📖 - READER"

    def __init__(self, folders: list[str | Path], progress_dir: str | Path | None = None):
        super().__init__()
        self.folders = [str(f) for f in folders]
        self.progress_dir = str(progress_dir) if progress_dir else None

    def files(self) -> list[Path]:
        return [p for folder in self.folders for p in sorted(Path(folder).glob("*.jsonl"))]

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        share = self.share(rank, world_size)
        progress = Progress(self.progress_dir, rank, share.nbytes, share.total)
        yield from self.read(share, progress)
        progress.done()

    def share(self, rank: int, world_size: int) -> Share:
        return file_share(self.files(), rank, world_size)

    def read(self, share: Share, progress: Progress) -> DocumentsPipeline:
        """The documents of one share, counting their bytes into `progress` (a pass reading several folders one
        after the other keeps one Progress for them all)."""
        for path, lo, hi, _ in share.parts:
            for _, line in lines_in(path, lo, hi):
                progress.add(len(line))
                if not line.strip():
                    continue
                with self.track_time():
                    record = json.loads(line)
                    doc = Document(text=record["text"], id=record["id"], metadata=record.get("metadata") or {})
                self.stat_update("documents")
                self.update_doc_stats(doc)
                yield doc
