"""The reward model's training data: groups of tokenized responses to one prompt, each labelled good (1) or bad (0).

    python -c "from pipeline.shared.preference import GroupData; d = GroupData('runs/rm/rm_data/train'); print(d.n)"

Written by pipeline.instruct.reward_data (from sampling runs: a problem's k responses labelled by correctness; or
from chosen/rejected pairs: groups of two), read by pipeline.train.reward. A folder holds, memory-mapped:
`tokens.npy` (int32, every sequence back to back: prompt and response as the reward model reads them),
`seq_offsets.npy` (int64, sequence i is tokens[seq_offsets[i]:seq_offsets[i+1]]), `group_offsets.npy` (int64,
group g is sequences group_offsets[g]..group_offsets[g+1]), `labels.npy` (int8 per sequence), and `groups.json`
(the id of each group and, where the builder knew them, per group `maj_correct`: whether the majority answer of
the group's responses was right, for the maj@k baseline). Every file is written under a temporary name and
renamed; `groups.json` last, so a folder with it is complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_open, atomic_write_text

GROUPS = "groups.json"


def write_groups(folder: str | Path, groups: list[tuple[dict, list[tuple[list[int], int]]]]) -> None:
    """`groups`: (info with at least `id`, [(token ids, label) per response]) in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lengths = [len(ids) for _, seqs in groups for ids, _ in seqs]
    arrays = {
        "tokens": np.fromiter((t for _, seqs in groups for ids, _ in seqs for t in ids), np.int32, sum(lengths)),
        "seq_offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "group_offsets": np.concatenate([[0], np.cumsum([len(seqs) for _, seqs in groups])]).astype(np.int64),
        "labels": np.array([label for _, seqs in groups for _, label in seqs], dtype=np.int8),
    }
    for name, array in arrays.items():
        with atomic_open(folder / f"{name}.npy", "wb") as f:
            np.save(f, array)
    atomic_write_text(folder / GROUPS, json.dumps([info for info, _ in groups]))


class GroupData:
    def __init__(self, folder: str | Path):
        folder = Path(folder)
        if not (folder / GROUPS).is_file():
            raise DataError(f"{folder}: no reward-model data ({GROUPS} missing)")
        load = lambda name: np.load(folder / f"{name}.npy", mmap_mode="r")  # noqa: E731
        self.tokens, self.seq_offsets = load("tokens"), load("seq_offsets")
        self.group_offsets, self.labels = load("group_offsets"), load("labels")
        self.info = json.loads((folder / GROUPS).read_text())
        self.n = len(self.group_offsets) - 1

    def group(self, g: int) -> list[tuple[np.ndarray, int]]:
        lo, hi = int(self.group_offsets[g]), int(self.group_offsets[g + 1])
        return [
            (np.asarray(self.tokens[self.seq_offsets[i] : self.seq_offsets[i + 1]]), int(self.labels[i]))
            for i in range(lo, hi)
        ]
