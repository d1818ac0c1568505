"""Task shares (pipeline.data.shares): every unit read by exactly one task, in order, whatever the task count."""

from __future__ import annotations

import json

import pytest

from pipeline.data.shares import RunFolderReader, file_share, lines_in, owned_units, share_bounds

CONTENTS = [
    b'{"id": "a1"}\n{"id": "a2"}\n\n{"id": "a3"}\n',
    b"",  # an empty file between two others
    b'{"id": "b1"}\r\n{"id": "b2"}',  # CRLF, and no newline at the end
    b'{"id": "c1", "text": "' + b"x" * 5000 + b'"}\n{"id": "c2"}\n',  # a line longer than a share
]


@pytest.fixture
def files(tmp_path):
    paths = []
    for i, data in enumerate(CONTENTS):
        path = tmp_path / f"{i}.jsonl"
        path.write_bytes(data)
        paths.append(path)
    return paths


def every_line(paths):
    return [(p.name, n, line) for p in paths for n, line in enumerate(p.read_bytes().splitlines(keepends=True), 1)]


@pytest.mark.parametrize("world_size", [1, 2, 3, 5, 8, 64])
def test_the_tasks_lines_put_end_to_end_are_every_line_in_order(files, world_size):
    read = []
    for rank in range(world_size):
        for path, lo, hi, _ in file_share(files, rank, world_size).parts:
            read += [(path.name, n, line) for n, line in lines_in(path, lo, hi)]
    assert read == every_line(files)


@pytest.mark.parametrize("world_size", [1, 2, 3, 7])
def test_shares_cover_the_bytes_once_and_units_go_to_one_task(world_size):
    total = 1001
    bounds = [share_bounds(total, r, world_size) for r in range(world_size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == total
    assert all(bounds[r][1] == bounds[r + 1][0] for r in range(world_size - 1))
    weights = [5, 0, 300, 1, 1, 694]
    owned = [i for r in range(world_size) for i in owned_units(weights, r, world_size)]
    assert owned == list(range(len(weights)))


def test_every_file_start_has_one_owner_even_when_empty(files):
    owners = {}
    for rank in range(4):
        for path, _, _, owns_start in file_share(files, rank, 4).parts:
            if owns_start:
                assert path not in owners
                owners[path] = rank
    assert set(owners) == set(files)


def test_the_run_folder_reader_reads_folders_in_the_given_order(tmp_path):
    for folder, ids in (("b", ["b1", "b2", "b3"]), ("a", ["a1"])):
        (tmp_path / folder).mkdir()
        for rank, doc_id in enumerate(ids):
            record = {"id": doc_id, "text": f"text of {doc_id}", "metadata": {"source": folder}}
            (tmp_path / folder / f"{rank:05d}.jsonl").write_text(json.dumps(record) + "\n")
    reader = RunFolderReader([tmp_path / "b", tmp_path / "a"])
    for world_size in (1, 2, 3, 4):
        ids = [d.id for rank in range(world_size) for d in reader.run(rank=rank, world_size=world_size)]
        assert ids == ["b1", "b2", "b3", "a1"]
