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
from pathlib import Path
from typing import Callable

import torch

from pipeline.atomic import atomic_write_text
from pipeline.errors import ConfigError

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


def save(engine, ckpt_dir: Path, tag: str, state: dict, is_main: bool, add_files: Callable[[Path], None],
         keep_last: int) -> Path:  # fmt: skip
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


def check_resumable(ckpt_dir: Path, tag: str, world_size: int) -> dict:
    """The saved trainer state, or a clear error when this job cannot load the checkpoint as is."""
    state = read_state(ckpt_dir, tag)
    if state["world_size"] != world_size:
        raise ConfigError(
            f"{ckpt_dir / tag}: saved by {state['world_size']} ranks, this job has {world_size}. ZeRO-3 partitions are "
            f"per rank: convert it first with `python -m deepspeed.checkpoint.ds_to_universal --input_folder "
            f"{ckpt_dir / tag} --output_folder {ckpt_dir / (tag + '_universal')}`, or resume with {state['world_size']} "
            f"ranks. The data position (samples consumed) carries over to any world size."
        )
    return state
