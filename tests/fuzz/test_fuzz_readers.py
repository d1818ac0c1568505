"""Fuzzing the JSONL readers (strict `read_jsonl`, lenient recipe `SourceReader`) and Parquet through SourceReader.

    .venv/bin/python -m pytest tests/fuzz/test_fuzz_readers.py -q
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz/test_fuzz_readers.py -q

Properties:

* strict (pipeline/shared/jsonl.py, what `grade` and `decontaminate` read): every non-blank line comes back, or a
  DataError names `FILE:LINE`;
* lenient (pipeline/data/sources/readers.py): nothing is lost silently — documents read + `skipped_*` counts = the
  records given (JSON lines; Parquet rows of a readable file), and every document can be written by datatrove's
  JsonlWriter (orjson: no lone surrogates) with its text exactly the record's text field;
* Parquet: a truncated or corrupted file, wrong column types, nulls and nested columns are counted skips.
"""

from __future__ import annotations

import io
import json

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datatrove.pipeline.writers.jsonl import _json_default
from hypothesis import example, given
from hypothesis import strategies as st

from pipeline.config.sources import SourceConfig
from pipeline.data.sources.readers import SourceReader
from pipeline.errors import DataError
from pipeline.shared.jsonl import read_jsonl
from tests.fuzz.fuzzing import DEEP, Blob, mutated, run_item

SEED_RECORDS = [
    {"id": "d1", "text": "Let $x^2 + 1 = 0$. Then $x = \\pm i$.", "metadata": {"url": "https://a.example/1"}},
    {"id": "d2", "text": "二次方程 $ax^2+bx+c=0$ 的解。", "metadata": {"score": 0.9, "tags": ["zh"]}},
    {"text": "No id here; the answer is \\boxed{42}."},
    {"id": 7, "text": "A record whose id is a number.", "metadata": None},
]
QA_RECORDS = [
    {"id": "q1", "question": "What is $2+2$?", "solution": "Add: $2+2=4$.", "answer": "4"},
    {"question": "Pick one", "choices": ["1", "2", "3"], "answer": "B"},
    {"question": "选择", "choices": {"A": "x", "B": "y"}, "answer": "A", "solution": None},
]
JSON_TOKENS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b"\\",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"null",
    b"NaN",
    b"-Infinity",
    b"1e999",
    b"9" * 5000,
    b'"\\ud800"',
    b'"\\udc00\\ud800"',
    b'"text"',
    b'"metadata"',
    b'"_problem_set"',
    b"\x00",
    b"\xef\xbb\xbf",
]
JSON_NESTS = [(b"[", b"]"), (b'{"a":', b"}"), (b'{"metadata":', b"}")]


def jsonl(records: list[dict]) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def non_blank_lines(raw: bytes) -> int:
    return sum(1 for line in raw.split(b"\n") if line.strip())


def read_source(tmp_path, raw: bytes, **source) -> tuple[list, dict]:
    """Run a SourceReader over one file holding `raw`; (documents, {stat: count})."""
    name = "in.parquet" if source.get("format") == "parquet" else "in.jsonl"
    (tmp_path / name).write_bytes(raw)
    reader = SourceReader([SourceConfig(name="s", weight=1, path=name, **source)], tmp_path)
    docs = run_item(f"reader:{source.get('format', 'jsonl')}", lambda: list(reader.run()), nbytes=len(raw))
    stats = {k: (v["total"] if isinstance(v, dict) else v) for k, v in reader.stats.to_dict()["stats"].items()}
    return docs, stats


def skips(stats: dict) -> int:
    return sum(v for k, v in stats.items() if k.startswith("skipped_"))


def writable(doc) -> None:
    """What datatrove's JsonlWriter does with a document must work (orjson refuses lone surrogates, integers past 64
    bits, bytes)."""
    orjson.dumps({"text": doc.text, "id": doc.id, "metadata": doc.metadata}, default=_json_default)


# ------------------------------------------------------------------------------------------------ strict


@given(raw=mutated(jsonl(SEED_RECORDS), JSON_TOKENS, JSON_NESTS))
@example(raw=Blob(b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"))  # RecursionError in json
@example(raw=Blob(b'{"text": "x", "n": ' + b"9" * 5000 + b"}\n"))  # ValueError: int over 4,300 digits
@example(raw=Blob(b'{"text": "\xff"}\n'))  # UnicodeDecodeError from the file iterator
@example(raw=Blob(b'{"text": "a\\ud800b"}\n'))  # a lone surrogate: grade's output write would fail on it
def test_strict_reader_returns_every_line_or_names_file_and_line(tmp_path, raw):
    path = tmp_path / "in.jsonl"
    path.write_bytes(raw)
    try:
        rows = run_item("jsonl:strict", lambda: list(read_jsonl(path, required={"text": str})), nbytes=len(raw))
    except DataError as e:
        assert str(e).startswith(f"{path}:"), e
        assert str(e)[len(str(path)) + 1 :].split(":")[0].isdigit(), f"no line number: {e}"
        return
    assert len(rows) == non_blank_lines(raw)
    for _, record in rows:
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # what `grade` writes back


# ------------------------------------------------------------------------------------------------ lenient JSONL


@pytest.mark.parametrize("fmt", ["jsonl", "qa_jsonl"])
@given(data=st.data())
def test_lenient_reader_counts_every_record_it_does_not_read(tmp_path, fmt, data):
    seed = jsonl(SEED_RECORDS if fmt == "jsonl" else QA_RECORDS)
    raw = data.draw(mutated(seed, JSON_TOKENS, JSON_NESTS), label="jsonl")
    docs, stats = read_source(tmp_path, raw, kind="web", format=fmt, content="text")
    assert len(docs) + skips(stats) == non_blank_lines(raw), stats
    for doc in docs:
        writable(doc)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["\ud800", "a\udfffb", "", " \n", "x" * 100_000]),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
FIELDS = ["id", "text", "metadata", "question", "solution", "answer", "choices", "_problem_set"]


@st.composite
def records(draw) -> dict:
    record = {}
    for key in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=len(FIELDS))):
        record[key] = draw(JSON_VALUES)
    return record


@pytest.mark.parametrize("fmt", ["jsonl", "qa_jsonl"])
@given(rows=st.lists(records(), min_size=1, max_size=8))
@example(rows=[{"text": "x", "metadata": [1, 2]}])  # TypeError from dict(metadata)
@example(rows=[{"text": "x", "metadata": "abc"}])  # ValueError from dict(metadata)
@example(rows=[{"text": "x", "metadata": [["k", "v"]]}])  # a list of pairs silently read as {"k": "v"}
@example(rows=[{"question": "x", "_problem_set": 3}])  # TypeError: an item taken for a problem-set group
@example(rows=[{"text": "a\ud800b"}])  # a lone surrogate: the JsonlWriter of the next stage fails on it
@example(rows=[{"question": 1, "metadata": {"": -9223372036854775809}}])  # found by a long run: orjson refuses it
def test_lenient_reader_with_wrong_types(tmp_path, fmt, rows):
    raw = b"".join(json.dumps(r).encode() + b"\n" for r in rows)  # ASCII escapes: lone surrogates survive
    docs, stats = read_source(tmp_path, raw, kind="web", format=fmt, content="text")
    assert len(docs) + skips(stats) == len(rows), stats
    for doc in docs:
        writable(doc)
        assert isinstance(doc.text, str) and doc.text.strip()
        assert doc.metadata["source"] == "s" and doc.metadata["kind"] == "web"
    if fmt == "jsonl":
        assert [d.text for d in docs] == [r["text"] for r in rows if readable(r)]  # unchanged, in order, none lost


def readable(record: dict) -> bool:
    """The documented rules of a Document line: a non-blank string text, metadata an object or absent, and text
    that is valid Unicode (a lone surrogate escape is not)."""
    text, metadata = record.get("text"), record.get("metadata")
    if not isinstance(text, str) or not text.strip() or not (metadata is None or isinstance(metadata, dict)):
        return False
    try:
        orjson.dumps(metadata)
    except TypeError:  # an integer past 64 bits
        return False
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ------------------------------------------------------------------------------------------------ Parquet


def parquet_bytes(table: pa.Table, row_group_size: int = 3) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=row_group_size)
    return buf.getvalue()


SEED_TABLE = pa.table(
    {
        "text": ["$x^2$ page one", "page two", "", None, "数学 $a+b$", "six"],
        "id": ["a", "b", "c", "d", "e", "f"],
        "url": ["u1", "u2", "u3", None, "u5", "u6"],
        "score": [0.9, 0.1, 0.5, None, 1.0, float("nan")],
        "nested": [{"k": 1}, {"k": 2}, None, {"k": 4}, {"k": 5}, {"k": 6}],
    }
)
PARQUET_TOKENS = [b"PAR1", b"\x00" * 8, b"\xff" * 8, b"\x15\x04", b"\x19\x1c"]


@given(raw=mutated(parquet_bytes(SEED_TABLE), PARQUET_TOKENS, [(b"\x19", b"")], max_ops=2))
def test_mutated_parquet_is_read_or_skipped_and_counted(tmp_path, raw):
    docs, stats = read_source(tmp_path, raw, kind="web", format="parquet", content="text")
    whole_file = stats.get("skipped_unreadable_file/s", 0) + stats.get("skipped_unreadable_row_group/s", 0)
    if not whole_file:
        assert len(docs) + skips(stats) == SEED_TABLE.num_rows, stats
    for doc in docs:
        writable(doc)


COLUMN_VALUES = st.one_of(
    st.lists(st.one_of(st.none(), st.text(max_size=20)), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.floats()), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.binary(max_size=10)), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.lists(st.integers(0, 9), max_size=3)), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.fixed_dictionaries({"a": st.text(max_size=5)})), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), st.fixed_dictionaries({"b": st.binary(max_size=5)})), min_size=1, max_size=6),
    st.lists(
        st.one_of(
            st.none(),
            st.fixed_dictionaries({"d": st.decimals(-1000, 1000, allow_nan=False, allow_infinity=False, places=2)}),
        ),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.one_of(st.none(), st.fixed_dictionaries({"t": st.datetimes()})), min_size=1, max_size=6),
)


@given(columns=st.dictionaries(st.sampled_from(["text", "id", "metadata", "url", "x"]), COLUMN_VALUES, min_size=1))
def test_parquet_with_any_column_types(tmp_path, columns):
    n = min(len(v) for v in columns.values())
    table = pa.table({k: v[:n] for k, v in columns.items()})
    docs, stats = read_source(tmp_path, parquet_bytes(table), kind="web", format="parquet", content="text")
    assert len(docs) + skips(stats) == n, stats
    for doc in docs:
        writable(doc)
        assert isinstance(doc.text, str)


# ------------------------------------------------------------------------------------------------ regressions


def test_regression_deep_json_line_is_a_counted_skip(tmp_path):
    raw = b'{"text": ' + b"[" * DEEP + b"]" * DEEP + b'}\n{"text": "kept"}\n'
    docs, stats = read_source(tmp_path, raw, kind="web", format="jsonl", content="text")
    assert [d.text for d in docs] == ["kept"] and stats["skipped_malformed_json/s"] == 1
