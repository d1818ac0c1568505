"""Atomic ZeRO-3 checkpoints with the trainer state, keep-last-K, and resume checks.

    torchrun --standalone --nproc_per_node 2 -m pipeline.cli train configs/tiny_cpu.yaml   # resumes from OUTPUT/checkpoints

DeepSpeed writes every rank's partition into `<tag>.partial/`; rank 0 then adds what export needs (HF config,
tokenizer) and `trainer_state.json` (step, samples consumed, world size, RNG), renames the folder to `<tag>` and
only then points `latest` at it (write-then-rename). A save killed at any moment leaves `latest` on the previous
complete checkpoint; leftover `.partial` folders are removed by the next save.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import torch

from pipeline.errors import ConfigError
from pipeline.shared.atomic import atomic_path, atomic_write_text

LATEST = "latest"
STATE = "trainer_state.json"
PARTIAL = ".partial"


def latest_tag(ckpt_dir: Path) -> str | None:
    path = ckpt_dir / LATEST
    if not path.is_file():
        return None
    tag = path.read_text().strip()
    return tag if (ckpt_dir / tag / STATE).is_file() else None


def read_state(ckpt_dir: Path, tag: str) -> dict:
    return json.loads((ckpt_dir / tag / STATE).read_text())


def save(
    engine, ckpt_dir: Path, tag: str, state: dict, is_main: bool, add_files: Callable[[Path], None], keep_last: int
) -> Path:
    partial = tag + PARTIAL
    engine.save_checkpoint(str(ckpt_dir), tag=partial, client_state=state, save_latest=False)
    torch.distributed.barrier()
    if is_main:
        folder = ckpt_dir / partial
        add_files(folder)
        (folder / STATE).write_text(json.dumps(state, indent=2))
        shutil.rmtree(ckpt_dir / tag, ignore_errors=True)
        os.replace(folder, ckpt_dir / tag)
        atomic_write_text(ckpt_dir / LATEST, tag)
        prune(ckpt_dir, keep_last)
    torch.distributed.barrier()
    return ckpt_dir / tag


def prune(ckpt_dir: Path, keep_last: int) -> None:
    """Keep the newest `keep_last` complete checkpoints (0 = all); always drop unfinished `.partial` folders."""
    latest = (ckpt_dir / LATEST).read_text().strip()
    for p in ckpt_dir.glob(f"*{PARTIAL}"):
        shutil.rmtree(p, ignore_errors=True)
    tags = sorted(p.name for p in ckpt_dir.iterdir() if p.is_dir() and (p / STATE).is_file())
    if keep_last:
        for tag in tags[:-keep_last]:
            if tag != latest:
                shutil.rmtree(ckpt_dir / tag, ignore_errors=True)
                shutil.rmtree(ckpt_dir / UNIVERSAL / tag, ignore_errors=True)


UNIVERSAL = "universal"


def universal_dir(ckpt_dir: Path, tag: str) -> Path | None:
    path = ckpt_dir / UNIVERSAL / tag
    return path if (path / STATE).is_file() else None


def convert_to_universal(ckpt_dir: Path, tag: str) -> Path:
    """`<ckpt_dir>/universal/<tag>`: DeepSpeed's world-size-independent form of a checkpoint (ds_to_universal).

    ZeRO-3 partitions are per rank; the universal form holds every parameter and its optimizer moments whole, and
    DeepSpeed re-partitions them over any number of ranks when `checkpoint.load_universal` is set. We reuse
    DeepSpeed's converter rather than our own consolidation so optimizer state survives. Written under a
    `.partial` name and renamed, with our trainer state copied in last.
    """
    out = ckpt_dir / UNIVERSAL / tag
    with atomic_path(out, suffix=PARTIAL) as partial:
        cmd = [
            sys.executable,
            "-m",
            "deepspeed.checkpoint.ds_to_universal",
            "--input_folder",
            str(ckpt_dir / tag),
            "--output_folder",
            str(partial),
            "--num_extract_workers",
            "1",
            "--num_merge_workers",
            "1",
        ]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            raise ConfigError(
                f"{ckpt_dir / tag}: converting to a universal checkpoint (to resume on another world "
                f"size) failed; resume with the original number of ranks instead. DeepSpeed said:\n"
                f"{result.stderr[-2000:]}"
            )
        for name in os.listdir(ckpt_dir / tag):
            # export files (HF config, tokenizer) travel along, so the universal folder is a complete checkpoint too
            src = ckpt_dir / tag / name
            if (
                not name.startswith(("zero_pp_rank_", "mp_rank_", "bf16_zero_pp_rank_"))
                and not (partial / name).exists()
            ):
                (shutil.copytree if src.is_dir() else shutil.copy2)(src, partial / name)
    return out
