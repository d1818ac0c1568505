"""Write-then-rename: an output file or folder appears only when complete, and a failed write leaves nothing behind.

    with atomic_open("out.jsonl") as f:
        f.write(...)
    with atomic_path("export/") as tmp:      # for writers that want a path: save_pretrained, fastText, plots
        model.save_pretrained(tmp)

Write-then-rename in the project goes through `atomic_path`, so the rules (temporary sibling, cleanup on failure, a
folder replaced without ever being a mix of old and new) live in one place. The one exception is the DeepSpeed
checkpoint (pipeline.train.checkpoint.save): every rank writes into its `.partial` folder and rank 0 renames it
between barriers, which a single-process context manager does not express.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import IO, Iterator


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary sibling (PATH + suffix) to write a file or build a folder in; renamed to PATH on success.

    Leftovers of an earlier killed write are removed first. On an exception the temporary is removed and PATH is
    untouched. A folder cannot be renamed over a non-empty one, so an existing PATH folder is moved aside (PATH.old)
    first and deleted after: at every instant PATH is the previous complete output or the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, old = path.with_name(path.name + suffix), path.with_name(path.name + ".old")
    _remove(tmp)
    _remove(old)
    try:
        yield tmp
        moved_aside = path.is_dir() and not path.is_symlink()
        if moved_aside:
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            if moved_aside:
                os.replace(old, path)
            raise
    finally:
        _remove(tmp)
        _remove(old)


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    with atomic_path(path) as tmp, tmp.open(mode, encoding=None if "b" in mode else encoding) as f:
        yield f


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_open(path) as f:
        f.write(text)
