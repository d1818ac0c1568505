"""Seed records of a synthetic source: another source of the recipe, or a problem-set file.

    mathcpt data RECIPE.yaml --out RUN          # the synthesize_<source> pass reads its seeds through this module

`seeds.source: NAME` uses that source's documents as the recipe's reader yields them, after math-aware extraction
(web pages become text) and before the language, math and quality filters: synthesis runs before the filter pass,
and its outputs go through those filters themselves. A `qa_jsonl` source (and a `seeds.path` file with
`format: qa_jsonl`) gives one seed per item with the fields question / solution / answer / choices (mapped by its
`qa_fields`) plus `text`, the item rendered as a worked problem; any other source gives `id` and `text`.

Every task of the pass reads the seeds in the same order (files sorted, records in file order), so chunk c always
holds the same seeds: that is what lets a resumed run skip finished chunks.
"""

from __future__ import annotations

from itertools import islice
from typing import Iterator

from pipeline.config.recipe import Recipe
from pipeline.config.sources import SourceConfig
from pipeline.data.sources.exams import qa_parts, render_worked
from pipeline.data.sources.readers import SourceReader, resolve_paths
from pipeline.errors import DataError


def seed_source(source: SourceConfig, recipe: Recipe) -> SourceConfig:
    """The source the seeds are read from (for seeds.path, a stand-in source for the file)."""
    seeds = source.synthesis.seeds
    if seeds.source is not None:
        return next(s for s in recipe.sources if s.name == seeds.source)
    return SourceConfig(
        name=f"{source.name}_seeds",
        kind="exams",
        path=seeds.path,
        format=seeds.format,
        text_key=seeds.text_key,
        qa_fields=seeds.qa_fields,
        weight=1,
    )


def describe(source: SourceConfig) -> str:
    seeds = source.synthesis.seeds
    return f"source {seeds.source}" if seeds.source else str(seeds.path)


def check_seeds(recipe: Recipe) -> None:
    """Fail before any work when a synthetic source's seed file is missing (seed sources are checked as sources)."""
    for s in recipe.sources:
        if s.synthesis is not None and s.synthesis.seeds.path is not None:
            try:
                resolve_paths(seed_source(s, recipe), recipe.data_root)
            except DataError as e:
                raise DataError(f"synthetic source {s.name!r}: seeds.path: {e}") from None


def clip(text: str, max_chars: int) -> str:
    """Cut a long seed field at a paragraph (or line) break before max_chars, so prompts fit the context."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    for sep in ("\n\n", "\n", ". "):
        cut = head.rfind(sep)
        if cut > max_chars // 2:
            return head[:cut].rstrip()
    return head


def iter_seeds(source: SourceConfig, recipe: Recipe) -> Iterator[dict]:
    """Seed records `{"id", "text", ...}` of a synthetic source, in a fixed order, fields clipped to max_chars."""
    seeds = source.synthesis.seeds
    src = seed_source(source, recipe)
    reader = SourceReader([src], recipe.data_root)
    if src.format == "qa_jsonl":
        # Items one by one (never the source's problem-set grouping), with their fields kept apart for templates.
        def records() -> Iterator[dict]:
            for path, line_no, record in reader.parsed_records(src):
                parts = qa_parts(record, src.qa_fields)
                if parts["question"]:
                    yield {
                        "id": str(record.get("id") or f"{path}:{line_no}"),
                        "text": render_worked(record, src),
                        **parts,
                    }
    else:
        from pipeline.data.filter.extract import MathExtractor

        def records() -> Iterator[dict]:
            for doc in MathExtractor(recipe.stages.extraction).run(reader.run()):
                yield {"id": doc.id, "text": doc.text}

    for record in islice(records(), seeds.limit):
        yield {k: clip(v, seeds.max_chars) if k != "id" else v for k, v in record.items()}
