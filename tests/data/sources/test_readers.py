"""Source formats: Document JSONL, Q&A JSONL, Parquet (as hub datasets ship), folders of files."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config.sources import SourceConfig
from pipeline.data.sources.readers import SourceReader, check_sources
from pipeline.errors import DataError


def read(tmp_path, **source) -> list:
    return list(SourceReader([SourceConfig(name="s", weight=1, **source)], tmp_path).run())


def test_qa_records_become_worked_problems(tmp_path):
    (tmp_path / "qa.jsonl").write_text(
        json.dumps({"id": "q1", "q": "What is $2+2$?", "sol": "Add: $2+2=4$.", "ans": "4"}) + "\n"
    )
    [doc] = read(
        tmp_path,
        kind="exams",
        path="qa.jsonl",
        format="qa_jsonl",
        qa_fields={"question": "q", "solution": "sol", "answer": "ans"},
    )
    assert doc.text == "Problem: What is $2+2$?\n\nSolution: Add: $2+2=4$.\n\nFinal answer: 4"
    assert doc.id == "q1" and doc.metadata == {"source": "s", "kind": "exams", "content": "text"}


def test_parquet_rows_with_metadata(tmp_path):
    (tmp_path / "d").mkdir()
    pq.write_table(
        pa.table({"text": ["$x^2$ page one", "page two"], "url": ["u1", "u2"], "score": [0.9, 0.1]}),
        tmp_path / "d" / "part-0.parquet",
    )
    docs = read(tmp_path, kind="web", path="d", format="parquet", content="text")
    assert [d.text for d in docs] == ["$x^2$ page one", "page two"]
    assert docs[0].metadata["url"] == "u1" and docs[1].metadata["score"] == 0.1


def test_folder_of_files_one_document_each(tmp_path):
    (tmp_path / "code" / "pkg").mkdir(parents=True)
    (tmp_path / "code" / "pkg" / "a.py").write_text("import sympy\n")
    (tmp_path / "code" / "b.lean").write_text("theorem t : 1 + 1 = 2 := by norm_num\n")
    (tmp_path / "code" / "logo.png").write_bytes(b"\x89PNG")
    docs = read(tmp_path, kind="code", path="code", format="files")
    assert sorted(d.id.rsplit("/", 2)[-1] for d in docs) == ["a.py", "b.lean"]


def test_missing_path_is_fatal_with_source_name(tmp_path):
    with pytest.raises(DataError, match="source 'web': path .*nowhere.jsonl does not exist"):
        check_sources([SourceConfig(name="web", kind="web", path="nowhere.jsonl", weight=1)], tmp_path)


def test_tasks_share_records_and_count_each_skip_once(tmp_path):
    """With several tasks every record is read by exactly one, and a bad line is counted once, not once per task."""
    lines = [json.dumps({"id": f"d{i}", "text": f"doc {i}"}) for i in range(7)]
    lines.insert(3, "{not json")
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.html").write_text("<p>a page</p>")
    (tmp_path / "pages" / "q.html").write_bytes(b"%PDF-1.4 not a page")
    for source, expected in (
        (dict(kind="web", path="a.jsonl", content="text"), 7),
        (dict(kind="web", path="pages", format="files", file_glob="*.html"), 1),
    ):
        readers = [SourceReader([SourceConfig(name="s", weight=1, **source)], tmp_path) for _ in range(2)]
        docs = [d for rank, r in enumerate(readers) for d in r.run(rank=rank, world_size=2)]
        assert len(docs) == expected and len({d.id for d in docs}) == expected
        skips = sum(
            v["total"] if isinstance(v, dict) else v
            for r in readers
            for k, v in r.stats.to_dict()["stats"].items()
            if k.startswith("skipped_")
        )
        assert skips == 1, source


def test_code_repos_glob_path_resolves_like_the_reader(tmp_path):
    (tmp_path / "repos" / "alg" / "src").mkdir(parents=True)
    (tmp_path / "repos" / "alg" / "src" / "a.py").write_text("import sympy\nx = sympy.symbols('x')\n")
    (tmp_path / "repos" / "alg" / ".git").mkdir()
    (tmp_path / "repos" / "alg" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for path in ("repos/*", "repos"):
        source = SourceConfig(name="c", kind="code", path=path, format="code_repos", weight=1)
        assert [p.name for p in check_sources([source], tmp_path)["c"]] == ["a.py"]  # .git pruned, glob followed


def test_one_parquet_file_is_shared_by_row_group_and_the_order_holds(tmp_path):
    """A single large Parquet file (as hub datasets ship) is split between tasks by row group, not given whole to
    one task; the tasks' rows in rank order are the file's rows in order, with the same FILE:ROW ids."""
    (tmp_path / "d").mkdir()
    texts = [f"page {i} with $x_{i}$" for i in range(40)]
    pq.write_table(pa.table({"text": texts}), tmp_path / "d" / "big.parquet", row_group_size=5)
    source = SourceConfig(name="s", weight=1, kind="web", path="d", format="parquet", content="text")
    whole = list(SourceReader([source], tmp_path).run())
    per_task = [list(SourceReader([source], tmp_path).run(rank=r, world_size=3)) for r in range(3)]
    assert all(per_task), "every task got a share of the one file"
    joined = [d for docs in per_task for d in docs]
    assert [d.text for d in joined] == [d.text for d in whole] == texts
    assert [d.id for d in joined] == [d.id for d in whole]
    assert whole[7].id.endswith("big.parquet:8")


def test_an_unreadable_parquet_file_is_skipped_and_counted_once(tmp_path):
    (tmp_path / "d").mkdir()
    pq.write_table(pa.table({"text": ["kept"]}), tmp_path / "d" / "a.parquet")
    (tmp_path / "d" / "b.parquet").write_bytes(b"PAR1 not really parquet")
    source = SourceConfig(name="s", weight=1, kind="web", path="d", format="parquet", content="text")
    skips, texts = 0, []
    for rank in range(2):
        reader = SourceReader([source], tmp_path)
        texts += [d.text for d in reader.run(rank=rank, world_size=2)]
        counts = reader.stats.to_dict()["stats"]
        skips += sum(v["total"] if isinstance(v, dict) else v for k, v in counts.items() if k.startswith("skipped_"))
    assert texts == ["kept"] and skips == 1
