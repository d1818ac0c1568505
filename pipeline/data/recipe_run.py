"""Run a data recipe end to end with datatrove's LocalPipelineExecutor.

    mathcpt data data_recipes/demo.yaml --out runs/data/demo

Three executor passes, each a list of datatrove PipelineSteps, then the manifest:

1. filter (parallel over `executor.tasks`): read sources → math-aware extraction → language → math score →
   math-safe quality → `work/filtered/`. Dropped documents land in `dropped/<stage>/` with their reason.
2. dedup + decontamination (one task, it needs the whole corpus): exact dedup → MinHash near-dedup → n-gram
   decontamination → `kept/<source>/`.
3. tokenize (one pass per source): `tokens/<source>/*.ds` with EOS after every document.

Then `manifest.json` (mixture plan, tokenizer, files) is written last, atomically: a folder without it is not a
finished run. Per-stage counters come from datatrove's stats (`logs/<pass>/stats.json`) and go into `report.json`
and `report.md`. Re-running the same recipe into the same folder resumes (datatrove skips completed tasks); a
folder holding anything else is refused unless `--overwrite` is given for a folder that this tool wrote.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from loguru import logger

from pipeline.atomic import atomic_write_text
from pipeline.benchmarks.registry import expand_names
from pipeline.config import Recipe, dump
from pipeline.data.decontaminate import BenchmarkDecontaminationFilter
from pipeline.data.dedup import ExactDedupFilter, MinhashNearDedupFilter
from pipeline.data.extract import MathExtractor
from pipeline.data.filters import MathLanguageFilter, MathSafeQualityFilter, MathScoreFilter
from pipeline.data.mixture import plan_mixture
from pipeline.data.readers import SourceReader, check_sources
from pipeline.data.report import summarize_stats, write_report
from pipeline.data.tokenize import ShardTokenizer, ValidationSplit, import_tokenizer, train_bpe
from pipeline.errors import DataError
from pipeline.shards import MANIFEST, SourceShards

RESOLVED = "recipe.resolved.yaml"


def prepare_output(out: Path, resolved_yaml: str, overwrite: bool) -> None:
    """Refuse to mix two runs in one folder; resume the same recipe; wipe only folders we wrote."""
    if out.exists() and any(out.iterdir()):
        marker = out / RESOLVED
        ours = marker.is_file()
        if ours and overwrite:
            shutil.rmtree(out)
        elif ours and marker.read_text() == resolved_yaml and not (out / MANIFEST).is_file():
            logger.info(f"{out}: resuming an unfinished run of the same recipe")
        elif ours and marker.read_text() == resolved_yaml:
            logger.info(f"{out}: this recipe already completed here; re-running the last steps")
        else:
            what = "another recipe's run" if ours else "files this tool did not write"
            hint = "pass --overwrite to replace it" if ours else "choose an empty folder"
            raise DataError(f"output folder {out} is not empty and holds {what}; {hint}")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / RESOLVED, resolved_yaml)


def _writer(folder: Path, filename: str = "${rank}.jsonl") -> JsonlWriter:
    return JsonlWriter(str(folder), output_filename=filename, compression=None)


def _run(pipeline: list, logs: Path, tasks: int = 1, workers: int = 1) -> None:
    executor = LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers, logging_dir=str(logs))
    executor.run()


def filter_pipeline(recipe: Recipe, out: Path) -> list:
    st = recipe.stages
    dropped = out / "dropped"
    steps: list = [
        SourceReader(recipe.sources, recipe.data_root),
        MathExtractor(st.extraction.keep_code_blocks, st.extraction.min_text_chars),
    ]
    if st.language.enabled:
        steps.append(MathLanguageFilter(st.language.languages, st.language.min_score, st.language.apply_to,
                                        exclusion_writer=_writer(dropped / "language")))  # fmt: skip
    if st.math.enabled:
        steps.append(MathScoreFilter(st.math.min_score, st.math.apply_to, exclusion_writer=_writer(dropped / "math")))
    if st.quality.enabled:
        q = st.quality
        steps.append(MathSafeQualityFilter(q.min_words, q.max_words, q.max_duplicate_line_fraction,
                                           q.min_mean_word_length, q.max_mean_word_length, q.apply_to,
                                           exclusion_writer=_writer(dropped / "quality")))  # fmt: skip
    steps.append(_writer(out / "work" / "filtered"))
    return steps


def dedup_pipeline(recipe: Recipe, out: Path) -> list:
    st, dropped = recipe.stages, out / "dropped"
    steps: list = [JsonlReader(str(out / "work" / "filtered"), glob_pattern="*.jsonl", add_file_path=False)]
    if st.dedup.exact:
        steps.append(ExactDedupFilter(exclusion_writer=_writer(dropped / "exact_dedup")))
    if st.dedup.near:
        d = st.dedup
        steps.append(MinhashNearDedupFilter(d.ngram, d.num_bands, d.rows_per_band, d.seed,
                                            exclusion_writer=_writer(dropped / "near_dedup")))  # fmt: skip
    if st.decontamination.enabled:
        c = st.decontamination
        steps.append(BenchmarkDecontaminationFilter(
            expand_names(c.benchmarks), c.ngram, c.lcs_threshold, c.benchmarks_dir, c.include_solutions,
            c.min_item_tokens, c.mode, c.min_remaining_tokens, exclusion_writer=_writer(dropped / "decontamination"),
        ))  # fmt: skip
    steps.append(_writer(out / "kept", "${source}/${rank}.jsonl"))
    return steps


def require_documents(folder: Path, logs: Path) -> None:
    """A pass that let nothing through ends the run with the place to read why (no empty shards downstream)."""
    if not any(p.stat().st_size for p in folder.glob("**/*.jsonl")):
        raise DataError(f"no documents survived; the drop counts per stage and reason are in {logs / 'stats.json'}")


def kept_files(out: Path, source: str | None = None) -> list[Path]:
    base = out / "kept" / source if source else out / "kept"
    return sorted(base.glob("**/*.jsonl")) if base.exists() else []


def run_recipe(recipe: Recipe, out_dir: str | Path, overwrite: bool = False) -> dict:
    """Run every pass of the recipe into out_dir and return the report dict."""
    started = time.time()
    out = Path(out_dir)
    source_files = check_sources(recipe.sources, recipe.data_root)  # fatal: a missing path fails before any work
    prepare_output(out, dump(recipe), overwrite)
    (out / MANIFEST).unlink(missing_ok=True)  # a re-run is incomplete until it writes the manifest again
    ex = recipe.executor
    logger.info(f"[1/3] filtering {sum(map(len, source_files.values()))} input files ({ex.tasks} tasks)")
    _run(filter_pipeline(recipe, out), out / "logs" / "filter", ex.tasks, ex.workers)
    require_documents(out / "work" / "filtered", out / "logs" / "filter")
    logger.info("[2/3] dedup and decontamination")
    _run(dedup_pipeline(recipe, out), out / "logs" / "dedup")
    require_documents(out / "kept", out / "logs" / "dedup")

    tok = recipe.stages.tokenizer
    tok_dir = out / "tokenizer"
    if (tok_dir / "tokenizer.json").is_file():
        # Resuming the same recipe: shards already written must keep the vocabulary they were written with.
        tokenizer_json = tok_dir / "tokenizer.json"
    elif tok.path:
        tokenizer_json = import_tokenizer(tok.path, tok.eos_token, tok_dir)
    else:
        logger.info(f"training a {tok.train_vocab_size}-token byte-level BPE on the kept corpus")
        tokenizer_json = train_bpe(kept_files(out), tok.train_vocab_size, tok.eos_token, tok_dir)

    logger.info("[3/3] tokenizing per source")
    fraction = recipe.mixture.validation_fraction
    splits = {"train": "tokens", "validation": "validation"} if fraction > 0 else {"train": "tokens"}
    counts: dict[str, dict[str, dict]] = {split: {} for split in splits}
    token_size = None
    for s in recipe.sources:
        for split, folder in splits.items():
            tokenizer_step = ShardTokenizer(
                str(out / folder / s.name),
                tokenizer_name_or_path=str(tokenizer_json),
                eos_token=tok.eos_token,
                save_filename=s.name,
                shuffle_documents=False,  # order is the loader's job (seeded global index), not the shard's
            )
            token_size = tokenizer_step.token_size
            if kept_files(out, s.name):
                steps = [JsonlReader(str(out / "kept" / s.name), glob_pattern="*.jsonl", add_file_path=False)]
                steps += [ValidationSplit(fraction, split)] if fraction > 0 else []
                _run(steps + [tokenizer_step], out / "logs" / f"tokenize_{s.name}_{split}")
            has_shards = any((out / folder / s.name).glob("*.ds"))
            shards = SourceShards(out / folder / s.name, token_size) if has_shards else None
            counts[split][s.name] = {"tokens": shards.num_tokens if shards else 0,
                                     "documents": shards.num_documents if shards else 0}  # fmt: skip

    plan = plan_mixture(recipe, counts["train"])
    if "validation" in counts:
        for name, entry in plan.items():
            entry["validation"] = {**counts["validation"][name], "path": f"validation/{name}"}
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    manifest = {
        "recipe": recipe.name,
        "seed": recipe.seed,
        "tokenizer": {
            "path": "tokenizer",
            "vocab_size": tokenizer.get_vocab_size(),
            "eos_token": tok.eos_token,
            "eos_id": tokenizer.token_to_id(tok.eos_token),
            "token_size": token_size,
        },
        "sources": {name: {**entry, "path": f"tokens/{name}"} for name, entry in plan.items()},
    }
    report = summarize_stats(out, recipe, manifest)
    report["wall_seconds"] = round(time.time() - started, 2)
    write_report(out, report)
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2))
    return report
