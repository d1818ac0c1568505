"""Reading recipe sources into datatrove Documents (`{"id", "text", "metadata"}`).

    mathcpt data data_recipes/demo.yaml      # the reader is the first step of the recipe's filtering pipeline

One step reads every source of a recipe and tags each document with `metadata.source`, `metadata.kind` and
`metadata.content` (html or text), so later steps (extraction, filters applied per kind, per-source shards) need no
other configuration. Formats:

* `jsonl`    — Document-shaped lines; `text_key` names the text field; `id` defaults to `FILE:LINE`.
* `qa_jsonl` — question/solution/answer/choices records (exam questions) rendered as worked problems or problem
               sets, English or Chinese labels (`qa_fields`, `qa_format`; pipeline.data.sources.exams).
* `parquet`  — Parquet files as hub datasets ship them (open-web-math, finemath): `text_key` column is the text,
               `id` (or `FILE:ROW`) the id, the other scalar columns go into metadata. Tasks share the source by
               row group (weighted by compressed bytes), so one large file is read by many tasks.
* `files`    — a folder of files (HTML pages, Markdown chapters, source code), one document per file,
               `id` = the path as given joined with the file's relative path.
* `code_repos` — a folder of repositories (or one repository, or files): math code selected file by file by
               pipeline.data.sources.code_select (`code` settings); each kept file whole, with language, path, repo,
               licence and code_math_score in metadata; every other file a `skipped_<reason>` count.
* `latex`    — LaTeX books or papers (pipeline.data.sources.books): a top-level .tex file, or a folder whose top-level
               files (`\\documentclass` + `\\begin{document}`) are each a book; `\\input`s followed, one document per
               chapter or section (`book` settings), id `FILE#<section path>`.
* `book_text` — Markdown or plain-text books (text from PDFs: page furniture and hyphenation repaired), split
               the same way at their headings.

Error policy (documented in README's recipe reference): a missing source path is fatal before any work starts
(`check_sources`); inside a source, an unreadable file, a malformed JSON line (also: too deeply nested, an integer
of more than 4,300 digits), a line that is not valid UTF-8 (also: a lone surrogate escape), a record without the
text field, a record whose metadata is not a JSON object (or holds what a JSONL writer cannot write: an integer
past 64 bits, bytes) and an empty document are skipped, counted (`skipped_*` stats) and logged with file and line,
never silently (tests/fuzz/test_fuzz_readers.py holds the reader to it).
"""

from __future__ import annotations

import glob
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from loguru import logger

from pipeline.config.formats import BOOK_FORMATS, CodeSettings
from pipeline.config.sources import SourceConfig
from pipeline.data.shares import Progress, file_share, file_size, lines_in, owned_units, share_bounds
from pipeline.data.sources import exams
from pipeline.data.sources.code_select import CodeFile, iter_code_files, select_file
from pipeline.data.sources.html_input import decode_page
from pipeline.errors import DataError
from pipeline.shared.jsonl import BadLine, json_object, json_writable, read_jsonl

# What `_records` yields before `_parse`: a JSON line, a file, a Parquet row, a code file.
RawRecord = str | Path | dict | CodeFile

# Files a `files` source never reads as documents.
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".pdf", ".zip", ".gz", ".bin", ".pt", ".so", ".pyc", ".ico"}
PARQUET_BATCH_ROWS = 1024
PROGRESS_EVERY = 10_000


@dataclass
class ParquetUnit:
    """One row group of a Parquet file: the unit tasks share a Parquet source by (weighted by its compressed
    bytes); an unreadable file is one unit that carries the error, so one task counts its skip."""

    path: Path
    row_group: int
    first_row: int  # rows before this group in its file
    nbytes: int
    error: str | None = None


def parquet_units(path: Path) -> list[ParquetUnit]:
    """A file's row groups from its footer alone (no column data is read)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for unreadable files
        return [ParquetUnit(path, 0, 0, file_size(path), error=str(e))]
    units, first = [], 0
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        nbytes = sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
        units.append(ParquetUnit(path, g, first, nbytes))
        first += rg.num_rows
    return units


def _is_glob(path: str) -> bool:
    return any(ch in path for ch in "*?[")


def _base(source: SourceConfig, data_root: str | Path) -> Path:
    return Path(source.path) if Path(source.path).is_absolute() else Path(data_root) / source.path


def code_files(source: SourceConfig, data_root: str | Path) -> Iterator[CodeFile]:
    """Every file of a `code_repos` source, unread (pipeline.data.sources.code_select walks and prunes the repositories)."""
    base = _base(source, data_root)
    for root in sorted(Path(p) for p in glob.glob(str(base), recursive=True)) if _is_glob(source.path) else [base]:
        yield from iter_code_files(root, source.file_glob)


def resolve_paths(source: SourceConfig, data_root: str | Path) -> list[Path]:
    """The files a source reads, sorted; raises DataError when the path matches nothing."""
    base = _base(source, data_root)
    if source.format == "code_repos":
        if not base.exists() and not _is_glob(source.path):
            raise DataError(f"source {source.name!r}: path {base} does not exist")
        files = sorted(Path(item.path) for item in code_files(source, data_root))
        if not files:
            raise DataError(f"source {source.name!r}: path {base} contains no readable files")
        return files
    if _is_glob(source.path):
        files = [Path(p) for p in glob.glob(str(base), recursive=True) if Path(p).is_file()]
    elif base.is_dir():
        if source.format == "latex":
            from pipeline.data.sources.books.scan import find_main_files

            files = find_main_files(base, source.book.max_file_bytes)  # chapters are read through their book's \input
            if not files:
                raise DataError(
                    f"source {source.name!r}: no top-level .tex file (one with \\documentclass and "
                    f"\\begin{{document}}) under {base}"
                )
        else:
            pattern = {"files": source.file_glob, "parquet": "**/*.parquet", "book_text": source.file_glob}.get(
                source.format, "**/*.jsonl"
            )
            files = [p for p in base.glob(pattern) if p.is_file()]
    elif base.is_file():
        files = [base]
    else:
        raise DataError(f"source {source.name!r}: path {base} does not exist")
    if source.format != "parquet":
        files = [p for p in files if p.suffix.lower() not in BINARY_SUFFIXES]
    files = sorted(files)
    if not files:
        raise DataError(f"source {source.name!r}: path {base} contains no readable files")
    return files


def check_sources(sources: list[SourceConfig], data_root: str | Path) -> dict[str, list[Path]]:
    """Resolve every source up front so a typo in a path fails before any stage runs.

    A source with `synthesis` has no input path: the synthesis pass writes its documents (its seeds are checked by
    pipeline.data.synthesis.seeds.check_seeds).
    """
    return {s.name: resolve_paths(s, data_root) for s in sources if s.synthesis is None}


def render_qa(record: dict, source: SourceConfig) -> str:
    """Exam question(s) as text, in the source's `qa_format` (pipeline.data.sources.exams)."""
    return exams.render_qa(record, source)


class SourceReader(PipelineStep):
    """Reads all sources of a recipe; with several tasks, each takes its contiguous share of every source
    (pipeline.data.shares), so the tasks' outputs in rank order hold the documents in reading order."""

    name = "📖 recipe sources"
    type = "📖 - READER"

    def __init__(
        self,
        sources: list[SourceConfig],
        data_root: str | Path,
        limit: int = -1,
        progress_dir: str | Path | None = None,
    ):
        super().__init__()
        self.sources = sources
        self.data_root = str(data_root)
        self.limit = limit
        self.progress_dir = str(progress_dir) if progress_dir else None

    def _skip(self, source: SourceConfig, reason: str, message: str, count: bool = True) -> None:
        """A counted (`skipped_<reason>/<source>` in the stats) and logged skip; `count=False` for a task that only
        repeats what the counting task sees."""
        if count:
            self.stat_update(f"skipped_{reason}/{source.name}")
            logger.warning(message)

    def _records(
        self, source: SourceConfig, paths: list[Path], rank: int, world_size: int
    ) -> Iterator[tuple[str, int, RawRecord, int]]:
        """This task's records of a source (pipeline.data.shares: its contiguous share of the source's bytes), unparsed
        where parsing costs: a JSON line as its string, a file as its Path; with the bytes each stands for. `_parse`
        turns one into a record. A file-level skip is counted by the task that owns the file's first byte."""
        if source.format == "code_repos":
            items = list(self._code_files(source))
            sizes = [file_size(Path(item.path)) for _, _, item in items]
            for i in owned_units(sizes, rank, world_size):
                yield (*items[i], sizes[i])
            return
        if source.format == "files":
            sizes = [file_size(p) for p in paths]
            for i in owned_units(sizes, rank, world_size):
                yield str(paths[i]), 0, paths[i], sizes[i]
            return
        if source.format == "parquet":
            # Units are row groups, not files: one big Parquet file is shared by many tasks.
            units = [u for path in paths for u in parquet_units(path)]
            for i in owned_units([u.nbytes for u in units], rank, world_size):
                nbytes = units[i].nbytes  # counted with the row group's first row
                for record in self._parquet_records(source, units[i]):
                    yield (*record, nbytes)
                    nbytes = 0
            return
        for path, lo, hi, owns_start in file_share(paths, rank, world_size).parts:
            warned = False
            try:
                for line_no, raw in lines_in(path, lo, hi):
                    if not raw.strip():
                        continue
                    try:
                        yield str(path), line_no, raw.decode("utf-8"), len(raw)
                    except UnicodeDecodeError as e:
                        # Line by line, not "stop at the first bad byte": a stop would depend on where shares begin.
                        self.stat_update(f"skipped_invalid_utf8/{source.name}")
                        if not warned:
                            logger.warning(f"{path}:{line_no}: skipped a line that is not valid UTF-8 ({e.reason})")
                            warned = True
            except OSError as e:
                self._skip(source, "unreadable_file", f"{path}: skipped unreadable file ({e})", owns_start)

    def _parse(
        self, source: SourceConfig, path: str, line_no: int, raw: RawRecord, count: bool = True
    ) -> dict | str | CodeFile | None:
        """A JSON line → its object, a file → its text (HTML through decode_page); skips counted and logged."""
        if isinstance(raw, Path):
            try:
                data = raw.read_bytes()
            except OSError as e:
                return self._skip(source, "unreadable_file", f"{path}: skipped unreadable file ({e})", count)
            if source.resolved_content == "html":
                # Crawled pages: charset rules, binary and size checks (pipeline.data.sources.html_input).
                page = decode_page(data)
                if page.html is None:
                    self._skip(source, page.reason, f"{path}: skipped ({page.reason})", count)
                return page.html
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError as e:
                return self._skip(source, "unreadable_file", f"{path}: skipped unreadable file ({e})", count)
        if not isinstance(raw, str):
            return raw
        try:
            return json_object(raw)
        except BadLine as e:  # malformed, too deep, a huge number, a lone surrogate: pipeline.shared.jsonl
            return self._skip(source, e.reason, f"{path}:{line_no}: {e.skipped}", count)

    def parsed_records(self, source: SourceConfig) -> Iterator[tuple[str, int, dict | str | CodeFile]]:
        """(path, line, record) of every record of one source, parsed, in reading order (one process, all records)."""
        return self._parsed(source, self._records(source, resolve_paths(source, self.data_root), 0, 1), count=True)

    def _parsed(self, source: SourceConfig, records, count: bool) -> Iterator[tuple[str, int, dict]]:
        """Parsed records for grouping; only one task's skips are counted (they all parse everything)."""
        for path, line_no, raw, _ in records:
            record = self._parse(source, path, line_no, raw, count)
            if record is not None:
                yield path, line_no, record

    def _parquet_records(self, source: SourceConfig, unit: ParquetUnit) -> Iterator[tuple[str, int, dict]]:
        """The rows of one row group (row numbers count from the file's first row), or the counted skip of an
        unreadable file (by the one task that owns its single unit)."""
        import pyarrow.parquet as pq

        path = unit.path
        if unit.error is not None:
            self._skip(source, "unreadable_file", f"{path}: skipped unreadable Parquet file ({unit.error})")
            return
        try:
            reader = pq.ParquetFile(path)
            batches = reader.iter_batches(batch_size=PARQUET_BATCH_ROWS, row_groups=[unit.row_group])
            row = unit.first_row
            for batch in batches:
                for record in batch.to_pylist():
                    row += 1
                    meta = {
                        k: v
                        for k, v in record.items()
                        if k not in (source.text_key, "id", "metadata") and isinstance(v, (str, int, float, bool))
                    }
                    if isinstance(record.get("metadata"), dict):
                        meta.update(record["metadata"])
                    yield str(path), row, {**record, "metadata": meta}
        except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a corrupt row group
            self._skip(source, "unreadable_row_group", f"{path}: skipped row group {unit.row_group} ({e})")

    def _code_files(self, source: SourceConfig) -> Iterator[tuple[str, int, CodeFile]]:
        """Every file of a `code_repos` source, unread: _document judges it, so each task reads only its share."""
        for item in code_files(source, self.data_root):
            yield item.path, 0, item

    def _book_records(
        self, source: SourceConfig, paths: list[Path], rank: int, world_size: int
    ) -> Iterator[tuple[str, int, dict, int]]:
        """Each task converts its share of the books (not of the sections: a book is converted whole)."""
        from pipeline.data.sources.books.convert import BOOK_COUNTERS, convert_book

        for i in owned_units([file_size(p) for p in paths], rank, world_size):
            path = paths[i]
            with self.track_time():
                records, counts = convert_book(path, source.format, source.book, given=str(path))
            for what, n in sorted(counts.items()):
                if n and (what.startswith("skipped_") or what in BOOK_COUNTERS):
                    self.stat_update(f"{what}/{source.name}", value=n)
            for j, r in enumerate(records):
                record = {"id": r["id"], source.text_key: r["text"], "metadata": r["metadata"]}
                yield r["id"], 0, record, 0 if j else file_size(path)

    def _code_document(self, source: SourceConfig, item: CodeFile) -> Document | None:
        verdict = select_file(item, source.code or CodeSettings())
        if not verdict.kept:
            self.stat_update(f"skipped_{verdict.reason}/{source.name}")
            # Selection decisions are the expected outcome for most files of a repository; only a file that should
            # have been readable is worth a warning.
            if verdict.reason in ("unreadable", "undecodable"):
                logger.warning(f"{item.path}: skipped ({verdict.reason})")
            return None
        metadata = {**verdict.metadata, "source": source.name, "kind": source.kind, "content": "text"}
        return Document(text=verdict.text, id=item.path, metadata=metadata)

    def _document(
        self, source: SourceConfig, path: str, line_no: int, record: dict | str | CodeFile
    ) -> Document | None:
        if isinstance(record, CodeFile):
            return self._code_document(source, record)
        if isinstance(record, str):
            text, doc_id, metadata = record, path, {}
        else:
            if source.format == "qa_jsonl":
                text = render_qa(record, source)
            else:
                text = record.get(source.text_key)
                if not isinstance(text, str):
                    self.stat_update(f"skipped_missing_text/{source.name}")
                    logger.warning(f"{path}:{line_no}: skipped record without a string {source.text_key!r} field")
                    return None
            doc_id = str(record.get("id") or f"{path}:{line_no}")
            metadata = record.get("metadata")
            # Not dict(metadata): it fails on most values and reads a list of pairs as a mapping. And what the next
            # stage's JSONL writer cannot write (an integer past 64 bits, bytes of a Parquet struct) would fail the
            # whole pass there.
            if not (metadata is None or isinstance(metadata, dict)) or (metadata and not json_writable(metadata)):
                self.stat_update(f"skipped_malformed_metadata/{source.name}")
                logger.warning(f"{path}:{line_no}: skipped record whose metadata is not a JSON object it can write")
                return None
            metadata = dict(metadata or {})
        if not text.strip():
            self.stat_update(f"skipped_empty/{source.name}")
            return None
        metadata.update(source=source.name, kind=source.kind, content=source.resolved_content)
        return Document(text=text, id=doc_id, metadata=metadata)

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        # Each source's files are resolved once per task (a LaTeX or code source reads or walks them to do so).
        inputs = {s.name: resolve_paths(s, self.data_root) for s in self.sources}
        sizes = [sum(map(file_size, paths)) for paths in inputs.values()]
        mine = sum(b - a for a, b in (share_bounds(n, rank, world_size) for n in sizes))
        progress = Progress(self.progress_dir, rank, mine, sum(sizes))
        n, started = 0, time.time()
        for source in self.sources:
            paths, parsed = inputs[source.name], True
            if source.format in BOOK_FORMATS:
                records = self._book_records(source, paths, rank, world_size)
            elif source.format == "qa_jsonl" and source.qa_format.layout == "problem_set":
                # Groups must not depend on the task count, so every task parses and groups the whole source, then
                # keeps its contiguous share of the groups; one task counts the skips.
                groups = list(
                    exams.group_problem_sets(
                        self._parsed(source, self._records(source, paths, 0, 1), count=rank == 0),
                        source.qa_format.problems_per_set,
                    )
                )
                records = ((*groups[i], 0) for i in owned_units([1] * len(groups), rank, world_size))
            else:
                records, parsed = self._records(source, paths, rank, world_size), False
            for path, line_no, record, nbytes in records:
                progress.add(nbytes, 0)
                with self.track_time():
                    record = record if parsed else self._parse(source, path, line_no, record)
                    doc = None if record is None else self._document(source, path, line_no, record)
                if doc is None:
                    continue
                progress.add(0)
                self.stat_update("documents", f"documents/{source.name}")
                self.update_doc_stats(doc)
                yield doc
                n += 1
                if n % PROGRESS_EVERY == 0:
                    rate = n / (time.time() - started)
                    logger.info(f"read {n:,} documents ({rate:,.0f} docs/s), now in source {source.name!r}")
                if self.limit > 0 and n >= self.limit:
                    return
        progress.done()


def read_documents(path: str | Path) -> Iterator[dict]:
    """Read a Document-shaped JSONL file strictly: a malformed line is a DataError naming file and line."""
    for _, record in read_jsonl(path, required={"text": str}):
        yield record
