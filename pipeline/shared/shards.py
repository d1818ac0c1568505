"""The token-shard format shared by `pipeline.data` (writes) and `pipeline.train` (reads).

    python -c "from pipeline.shared.shards import SourceShards; s = SourceShards('runs/demo/data/tokens/web', 4); print(s.num_tokens)"

A data run's folder holds `manifest.json` (written last: its presence means the run is complete) and
`tokens/<source>/*.ds` files in datatrove's layout: little-endian token ids of `token_size` bytes, documents
back to back, each closed by EOS; `<file>.ds.index` holds the uint64 end offset of every document. This module is
the one place that knows that layout; it memory-maps, so opening a multi-GB shard costs nothing.

Supervised (SFT) shards add `<file>.ds.loss`: one byte per token, 1 where the token is a training target (a
response token or its closing EOS) and 0 where it is context only (system and user turns, padding). Their manifest
entry says `"bin_tokens": N` when the examples were packed into bins of exactly N tokens that no example crosses
(pipeline.instruct.sft_data): the loader then reads bin-aligned windows, so no example is cut from its prompt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_open

MANIFEST = "manifest.json"


def token_dtype(token_size: int) -> np.dtype:
    if token_size not in (2, 4):
        raise DataError(f"token_size must be 2 or 4 bytes, got {token_size}")
    return np.dtype("<u2") if token_size == 2 else np.dtype("<u4")


LOSS_SUFFIX = ".loss"


@dataclass
class ShardFile:
    path: Path
    tokens: np.memmap
    doc_ends: np.ndarray  # uint64 end offset (exclusive) of each document
    loss: np.ndarray | None = None  # uint8 per token, 1 = a training target (SFT shards only)


def open_shard(path: Path, token_size: int) -> ShardFile:
    index = Path(str(path) + ".index")
    if not index.is_file():
        raise DataError(f"{path}: missing document index {index.name}")
    doc_ends = np.fromfile(index, dtype="<u8")
    # A plain ndarray view of the map: slicing np.memmap itself costs a subclass round trip per read.
    tokens = np.memmap(path, dtype=token_dtype(token_size), mode="r").view(np.ndarray)
    if len(doc_ends) and int(doc_ends[-1]) != len(tokens):
        raise DataError(f"{path}: index says {int(doc_ends[-1])} tokens, file holds {len(tokens)} (truncated?)")
    loss_path = Path(str(path) + LOSS_SUFFIX)
    loss = None
    if loss_path.is_file():
        loss = np.memmap(loss_path, dtype=np.uint8, mode="r").view(np.ndarray)
        if len(loss) != len(tokens):
            raise DataError(f"{loss_path}: {len(loss)} mask bytes for {len(tokens)} tokens (truncated?)")
    return ShardFile(path, tokens, doc_ends, loss)


def write_shard(path: Path, tokens: np.ndarray, doc_ends: np.ndarray, token_size: int, loss=None) -> None:
    """One shard in this layout (tokens, index, and the loss mask when given), each file written then renamed; the
    token file last, so a shard that exists is complete."""
    tokens = np.asarray(tokens)
    if loss is not None:
        with atomic_open(Path(str(path) + LOSS_SUFFIX), "wb") as f:
            f.write(np.asarray(loss, dtype=np.uint8).tobytes())
    with atomic_open(Path(str(path) + ".index"), "wb") as f:
        f.write(np.asarray(doc_ends, dtype="<u8").tobytes())
    with atomic_open(path, "wb") as f:
        f.write(tokens.astype(token_dtype(token_size)).tobytes())


class SourceShards:
    """All shards of one source, seen as one token stream with document boundaries."""

    def __init__(self, folder: str | Path, token_size: int):
        self.folder = Path(folder)
        paths = sorted(self.folder.glob("*.ds"))
        if not paths:
            raise DataError(f"{self.folder}: no .ds token shards")
        self.files = [open_shard(p, token_size) for p in paths]
        masked = [f.loss is not None for f in self.files]
        if any(masked) and not all(masked):
            raise DataError(f"{self.folder}: some shards have a loss mask ({LOSS_SUFFIX}) and some do not")
        self.has_loss_mask = all(masked)
        sizes = [len(f.tokens) for f in self.files]
        self.file_starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.num_tokens = int(self.file_starts[-1])
        self.doc_ends = np.concatenate(
            [f.doc_ends.astype(np.int64) + start for f, start in zip(self.files, self.file_starts[:-1])]
        )
        self.num_documents = len(self.doc_ends)

    def tokens(self, start: int, length: int) -> np.ndarray:
        """Tokens [start, start+length) of the stream (int64), crossing file boundaries if needed."""
        return self._read("tokens", start, length, np.int64)

    def loss_mask(self, start: int, length: int) -> np.ndarray:
        """The loss mask of tokens [start, start+length) (bool); all True for shards without one."""
        if not self.has_loss_mask:
            return np.ones(length, dtype=bool)
        return self._read("loss", start, length, np.uint8).astype(bool)

    def _read(self, field: str, start: int, length: int, dtype) -> np.ndarray:
        fi = int(np.searchsorted(self.file_starts, start, side="right")) - 1
        local = start - int(self.file_starts[fi])
        if local + length <= len(self.files[fi].tokens):  # the common case: one copy with the cast
            return getattr(self.files[fi], field)[local : local + length].astype(dtype)
        out = np.empty(length, dtype=dtype)
        filled = 0
        while filled < length:
            pos = start + filled
            fi = int(np.searchsorted(self.file_starts, pos, side="right")) - 1
            local = pos - int(self.file_starts[fi])
            take = min(length - filled, len(self.files[fi].tokens) - local)
            out[filled : filled + take] = getattr(self.files[fi], field)[local : local + take]
            filled += take
        return out

    def doc_starts_in(self, start: int, length: int) -> np.ndarray:
        """Offsets (relative to `start`) inside the window where a new document begins."""
        ends = self.doc_ends
        lo = int(np.searchsorted(ends, start, side="right"))
        hi = int(np.searchsorted(ends, start + length, side="left"))
        return ends[lo:hi] - start

    def document(self, i: int) -> np.ndarray:
        begin = int(self.doc_ends[i - 1]) if i else 0
        return self.tokens(begin, int(self.doc_ends[i]) - begin)


def read_manifest(data_dir: str | Path) -> dict:
    path = Path(data_dir) / MANIFEST
    if not path.is_file():
        raise DataError(
            f"{path} not found: {data_dir} is not a completed data run (run `mathcpt data RECIPE --out {data_dir}`)"
        )
    return json.loads(path.read_text())
