"""Run a data recipe end to end with datatrove's executors: local, Ray, or a Slurm dependency chain.

    mathcpt data data_recipes/demo.yaml --out runs/data/demo
    mathcpt data RECIPE.yaml --out /shared/runs/x --set executor.kind=slurm --set executor.slurm.partition=cpu

The passes, each a list of datatrove PipelineSteps, then the manifest. Every per-document pass runs on
`executor.tasks` tasks, each reading its contiguous share of its input's bytes and writing one file per task
(pipeline.data.shares), so the run's output is the same whatever the task count (tested: 1 against 3 tasks):

0. synthesize_<source> (one pass per synthetic source with `synthesis:`, `synthesis.tasks` tasks): seeds × prompt
   templates → generator → `work/synthetic/<source>/` in resumable chunks (pipeline.data.synthesis.generate); the
   filter pass reads those chunks as the source's documents and post-filters them first.
1. filter: read sources → math-aware extraction → language → math score → math-safe quality →
   `work/filtered/<source>/`. Dropped documents land in `dropped/<stage>/` with their reason.
2. dedup and decontamination, over the whole filtered corpus: `dedup_index` (text hash, MinHash signature and
   keep-rule priority per document), `dedup_buckets` (candidate pairs, per LSH band and hash range),
   `dedup_plan` (one process: which copy of each duplicate group survives),
   `decontamination_index` (one process: the benchmark n-gram index, built once for every task), then `dedup`
   (exact dedup → MinHash near-dedup → n-gram decontamination → `kept/<source>/`).
3. `tokenizer` (one task: imported, or trained on the kept corpus), then tokenize_<split> (every task): every
   source's `tokens/<source>/*.ds` (and `validation/`) with EOS after every document.

A run resumes with the same command (datatrove skips completed tasks); the task count cannot change between a run
and its resumption (refused, naming `executor.tasks`), the executor's kind and workers can.

Executors (`executor.kind`, built in pipeline.data.executors.build_executor): `local` and `ray` run every pass from
this process, one after the other. `slurm` cannot wait on a login node, so `submit_slurm` submits the recipe as a
chain of job arrays linked by `--dependency=afterok` (datatrove's `depends=`): synthesis passes (if any) → filter →
each dedup pass → tokenizer → each tokenize pass → finish. The finish job runs `run_recipe` itself with a local
executor: the passes before it left their completion markers in `logs/<pass>/completions/`, so datatrove skips
them, and what runs is the in-process tail that a local run ends with (token counts, mixture plan, report,
manifest) plus any pass a resubmission left incomplete. One code path finishes every kind of run.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import yaml
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.writers import JsonlWriter
from loguru import logger

from pipeline.config.base import dump, invalid
from pipeline.config.executor import ExecutorConfig
from pipeline.config.recipe import Recipe
from pipeline.data.decontaminate import BenchmarkDecontaminationFilter, DecontaminationIndexBuilder
from pipeline.data.dedup import DedupDecisionTagger, DedupIndexWriter, ExactDedupFilter, MinhashNearDedupFilter
from pipeline.data.dedup_plan import DedupBuckets, DedupPlanner
from pipeline.data.executors import (
    SlurmScripts,
    build_executor,
    check_completed,
    merge_stats,
    sbatch_command,
    slurm_scripts,
)
from pipeline.data.filter.classifier import resolve_model_path
from pipeline.data.filter.extract import MathExtractor
from pipeline.data.filter.language import MathLanguageFilter
from pipeline.data.filter.math_score import MathClassifierFilter, MathScoreFilter
from pipeline.data.filter.quality import MathSafeQualityFilter
from pipeline.data.mixture import plan_mixture
from pipeline.data.report.html import write_html_report
from pipeline.data.report.markdown import summarize_stats, write_report
from pipeline.data.shares import RunFolderReader
from pipeline.data.sources.readers import SourceReader, check_sources
from pipeline.data.synthesis.generate import check_generators, postfilter_steps, reader_sources, synthesis_passes
from pipeline.data.synthesis.seeds import check_seeds
from pipeline.data.synthesis.templates import check_seed_fields, check_template_ids
from pipeline.data.tokenize import PrepareTokenizer, ShardTokenizer, TokenizeSources, ValidationSplit
from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_write_text
from pipeline.shared.benchmarks.registry import expand_names
from pipeline.shared.shards import MANIFEST, SourceShards

RESOLVED = "recipe.resolved.yaml"


def check_recipe(recipe: Recipe, origin: str | None = None) -> None:
    """What the recipe's schema cannot know by itself, checked against the stages' own tables: benchmark names in
    the registry, template ids in the library, the seed fields the templates use. `start_run` and `--dry-run` call it;
    the error reads like the schema's own (`origin: invalid recipe: key.path: problem`)."""
    problems = []
    try:
        expand_names(recipe.stages.decontamination.benchmarks)
    except DataError as e:
        problems.append(f"stages.decontamination.benchmarks: {e}")
    sources = {s.name: s for s in recipe.sources}
    for i, s in enumerate(recipe.sources):
        if s.synthesis is not None:
            where = f"sources.{i}.synthesis"
            try:
                check_template_ids(s.synthesis.templates, s.synthesis.custom_templates)
            except ValueError as e:
                problems.append(f"{where}.{e}")
                continue
            try:
                check_seed_fields(where, s.synthesis, sources)
            except ValueError as e:
                problems.append(str(e))
    if problems:
        raise invalid("recipe", origin or f"recipe {recipe.name!r}", problems)


def start_run(recipe: Recipe, out: Path, overwrite: bool, on_this_machine: bool) -> dict[str, list[Path]]:
    """Everything fatal is checked before any work (the recipe against the stages' tables, source paths, synthesis
    seeds and generators), then the output folder is claimed; a re-run is incomplete until it writes the manifest
    again. Returns each source's files."""
    check_recipe(recipe)
    source_files = check_sources(recipe.sources, recipe.data_root)
    check_seeds(recipe)
    check_generators(recipe, out, on_this_machine=on_this_machine)
    prepare_output(out, dump(recipe), overwrite)
    (out / MANIFEST).unlink(missing_ok=True)
    return source_files


def prepare_output(out: Path, resolved_yaml: str, overwrite: bool) -> None:
    """Refuse to mix two runs in one folder; resume the same recipe; wipe only folders we wrote.

    The executor may change between a run and its resumption (a local run finished on Slurm, more workers), except
    its task count: every pass's outputs are split into one file per task, and a pass resumes task by task.
    """
    if out.exists() and any(out.iterdir()):
        marker = out / RESOLVED
        ours = marker.is_file()
        same, tasks_before = _same_recipe(marker.read_text(), resolved_yaml) if ours else (False, None)
        if ours and overwrite:
            shutil.rmtree(out)
        elif same and tasks_before is not None:
            raise DataError(
                f"{out} was run with executor.tasks={tasks_before[0]}: resume it with executor.tasks={tasks_before[0]} "
                f"(every pass resumes task by task), or pass --overwrite to start again with {tasks_before[1]}"
            )
        elif same and not (out / MANIFEST).is_file():
            logger.info(f"{out}: resuming an unfinished run of the same recipe")
        elif same:
            logger.info(f"{out}: this recipe already completed here; re-running the last steps")
        else:
            what = "another recipe's run" if ours else "files this tool did not write"
            hint = "pass --overwrite to replace it" if ours else "choose an empty folder"
            raise DataError(f"output folder {out} is not empty and holds {what}; {hint}")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / RESOLVED, resolved_yaml)


def _same_recipe(before: str, now: str) -> tuple[bool, tuple[int, int] | None]:
    """Whether two resolved recipes are the same but for the executor; and (tasks before, now) if those differ."""
    a, b = yaml.safe_load(before) or {}, yaml.safe_load(now) or {}
    ex_a, ex_b = a.pop("executor", None) or {}, b.pop("executor", None) or {}
    if a != b:
        return False, None
    tasks = ex_a.get("tasks", 1), ex_b.get("tasks", 1)
    return True, tasks if tasks[0] != tasks[1] else None


def _writer(folder: Path, filename: str = "${rank}.jsonl") -> JsonlWriter:
    return JsonlWriter(str(folder), output_filename=filename, compression=None)


def _run(ex: ExecutorConfig, pipeline: list, out: Path, name: str, tasks: int = 1) -> None:
    """Run one pass (logs in `out/logs/<name>`) to completion with a local or Ray executor."""
    executor = build_executor(ex, pipeline, out, name, tasks)
    executor.run()
    check_completed(executor, out, name)
    merge_stats(out / "logs" / name)


def _progress_dir(out: Path, name: str) -> Path:
    return out / "logs" / name / "progress"


def filter_pipeline(recipe: Recipe, out: Path) -> list:
    st = recipe.stages
    dropped = out / "dropped"
    steps: list = [
        SourceReader(reader_sources(recipe, out), recipe.data_root, progress_dir=_progress_dir(out, "filter")),
        MathExtractor(st.extraction),
        # Generated documents face checks of their own first (empty, echo, loops, truncation, wrong answers).
        *postfilter_steps(recipe, lambda: _writer(dropped / "synthesis")),
    ]
    if st.language.enabled:
        steps.append(MathLanguageFilter(st.language, exclusion_writer=_writer(dropped / "language")))
    if st.math.enabled:
        m, math_dropped = st.math, _writer(dropped / "math")
        if m.scorer == "classifier":
            model = resolve_model_path(m.classifier_path, recipe.data_root, "stages.math.classifier_path")
            steps.append(MathClassifierFilter(m, model, exclusion_writer=math_dropped))
        else:
            steps.append(MathScoreFilter(m, exclusion_writer=math_dropped))
    if st.quality.enabled:
        steps.append(MathSafeQualityFilter(st.quality, exclusion_writer=_writer(dropped / "quality")))
    steps.append(_writer(out / "work" / "filtered", "${source}/${rank}.jsonl"))
    return steps


def _filtered_reader(recipe: Recipe, out: Path, name: str) -> RunFolderReader:
    """The filter pass's output in reading order: sources in recipe order, each source's task files in rank order
    (pipeline.data.shares), so every task count reads the same sequence."""
    folders = [out / "work" / "filtered" / s.name for s in recipe.sources]
    return RunFolderReader(folders, progress_dir=_progress_dir(out, name))


def dedup_index_pipeline(recipe: Recipe, out: Path) -> list:
    """Pass 2a: text hash, MinHash signature and keep-rule priority per document (pipeline.data.dedup)."""
    return [
        _filtered_reader(recipe, out, "dedup_index"),
        DedupIndexWriter(out / "work" / "dedup_index", recipe.stages.dedup),
    ]


def dedup_buckets_pipeline(recipe: Recipe, out: Path, index_tasks: int) -> list:
    """Pass 2b: candidate pairs, one unit per LSH band and hash range, shared round-robin by the tasks."""
    return [DedupBuckets(out / "work" / "dedup_index", recipe.stages.dedup, index_tasks=index_tasks)]


def dedup_plan_pipeline(recipe: Recipe, out: Path, index_tasks: int) -> list:
    """Pass 2c (one task): which document of each duplicate group survives, over the index of every task."""
    return [DedupPlanner(out / "work" / "dedup_index", recipe.stages.dedup, index_tasks=index_tasks)]


def decontamination_index_pipeline(recipe: Recipe, out: Path) -> list:
    """Pass 2d (one task): the benchmark index, built once for every task of pass 2d."""
    return [DecontaminationIndexBuilder(recipe.stages.decontamination, out / "work" / "decontamination_index")]


def dedup_pipeline(recipe: Recipe, out: Path, index_tasks: int) -> list:
    """Pass 2e: apply the dedup plan, then decontaminate; the same reader shares as pass 2a."""
    st, dropped = recipe.stages, out / "dropped"
    steps: list = [_filtered_reader(recipe, out, "dedup")]
    if st.dedup.exact or st.dedup.near:
        steps.append(DedupDecisionTagger(out / "work" / "dedup_index", index_tasks=index_tasks))
    if st.dedup.exact:
        steps.append(ExactDedupFilter(exclusion_writer=_writer(dropped / "exact_dedup")))
    if st.dedup.near:
        steps.append(MinhashNearDedupFilter(exclusion_writer=_writer(dropped / "near_dedup")))
    if st.decontamination.enabled:
        steps.append(
            BenchmarkDecontaminationFilter(
                st.decontamination,
                exclusion_writer=_writer(dropped / "decontamination"),
                index_dir=out / "work" / "decontamination_index",
            )
        )
    steps.append(_writer(out / "kept", "${source}/${rank}.jsonl"))
    return steps


def dedup_passes(recipe: Recipe, out: Path, tasks: int) -> list[tuple[str, list, int]]:
    """Pass 2 as (name, pipeline, tasks) in run order: every per-document pass and the buckets on `tasks` tasks,
    the planner and the benchmark index on one; run_recipe and the Slurm chain both use this list."""
    passes = []
    if recipe.stages.dedup.exact or recipe.stages.dedup.near:
        passes += [
            ("dedup_index", dedup_index_pipeline(recipe, out), tasks),
            ("dedup_buckets", dedup_buckets_pipeline(recipe, out, tasks), tasks),
            ("dedup_plan", dedup_plan_pipeline(recipe, out, tasks), 1),
        ]
    if recipe.stages.decontamination.enabled:
        passes.append(("decontamination_index", decontamination_index_pipeline(recipe, out), 1))
    return passes + [("dedup", dedup_pipeline(recipe, out, tasks), tasks)]


def splits(recipe: Recipe) -> dict[str, str]:
    """Each split's shard folder: `tokens/`, and `validation/` when the recipe holds documents out."""
    held_out = recipe.mixture.validation_fraction > 0
    return {"train": "tokens", "validation": "validation"} if held_out else {"train": "tokens"}


def tokenize_passes(recipe: Recipe, out: Path, tasks: int) -> list[tuple[str, list, int]]:
    """Pass 3 as (name, pipeline, tasks): the tokenizer (one task), then one tokenize pass per split on `tasks`
    tasks, each over every source's kept files; run_recipe and the Slurm chain both use this list. Built before the
    tokenizer exists: datatrove's tokenizer step loads it when it first tokenizes."""
    tok, fraction = recipe.stages.tokenizer, recipe.mixture.validation_fraction
    tokenizer_json = out / "tokenizer" / "tokenizer.json"
    passes = [("tokenizer", [PrepareTokenizer(tok, out / "kept", out / "tokenizer")], 1)]
    for split, folder in splits(recipe).items():
        parts = [
            (
                out / "kept" / s.name,
                ShardTokenizer(
                    str(out / folder / s.name),
                    tokenizer_name_or_path=str(tokenizer_json),
                    eos_token=tok.eos_token,
                    save_filename=s.name,
                    shuffle_documents=False,  # order is the loader's job (seeded global index), not the shard's
                ),
            )
            for s in recipe.sources
        ]
        name = f"tokenize_{split}"
        split_filter = ValidationSplit(fraction, split) if fraction > 0 else None
        passes.append((name, [TokenizeSources(parts, split_filter, _progress_dir(out, name))], tasks))
    return passes


def require_documents(folder: Path, logs: Path) -> None:
    """A pass that let nothing through ends the run with the place to read why (no empty shards downstream)."""
    if not any(p.stat().st_size for p in folder.glob("**/*.jsonl")):
        raise DataError(f"no documents survived; the drop counts per stage and reason are in {logs / 'stats.json'}")


def run_recipe(
    recipe: Recipe, out_dir: str | Path, overwrite: bool = False, executor: ExecutorConfig | None = None
) -> dict:
    """Run every pass of the recipe into out_dir and return the report dict.

    `executor` replaces the recipe's for this call (the Slurm chain's finish job runs the rest locally).
    """
    started = time.time()
    ex = executor or recipe.executor
    if ex.kind == "slurm":
        raise DataError("executor.kind slurm submits jobs instead of running here: use submit_slurm (mathcpt data)")
    # Ray workers write the outputs: give them paths that do not depend on their working directory.
    out = Path(out_dir) if ex.kind == "local" else Path(out_dir).absolute()
    source_files = start_run(recipe, out, overwrite, on_this_machine=ex.kind == "local")
    for name, steps, tasks in synthesis_passes(recipe, out):
        logger.info(f"[0/3] {name}: generating a synthetic source ({tasks} tasks)")
        _run(ex, steps, out, name, tasks)
    logger.info(f"[1/3] filtering {sum(map(len, source_files.values()))} input files ({ex.tasks} tasks)")
    _run(ex, filter_pipeline(recipe, out), out, "filter", ex.tasks)
    require_documents(out / "work" / "filtered", out / "logs" / "filter")
    logger.info("[2/3] dedup and decontamination")
    for name, steps, tasks in dedup_passes(recipe, out, ex.tasks):
        _run(ex, steps, out, name, tasks)
    require_documents(out / "kept", out / "logs" / "dedup")

    logger.info("[3/3] tokenizing every source")
    for name, steps, tasks in tokenize_passes(recipe, out, ex.tasks):
        _run(ex, steps, out, name, tasks)
    tokenizer_json = out / "tokenizer" / "tokenizer.json"
    token_size = ShardTokenizer(str(out), tokenizer_name_or_path=str(tokenizer_json)).token_size
    counts: dict[str, dict[str, dict]] = {}
    for split, folder in splits(recipe).items():
        counts[split] = {}
        for s in recipe.sources:
            has_shards = any((out / folder / s.name).glob("*.ds"))
            shards = SourceShards(out / folder / s.name, token_size) if has_shards else None
            counts[split][s.name] = {
                "tokens": shards.num_tokens if shards else 0,
                "documents": shards.num_documents if shards else 0,
            }

    plan = plan_mixture(recipe, counts["train"])
    if "validation" in counts:
        for name, entry in plan.items():
            entry["validation"] = {**counts["validation"][name], "path": f"validation/{name}"}
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    tok = recipe.stages.tokenizer
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
    write_html_report(out, report)  # report/index.html + plots, before the manifest marks the run complete
    atomic_write_text(out / MANIFEST, json.dumps(manifest, indent=2))
    return report


# ------------------------------------------------------------------------------------------- Slurm dependency chain


class RequireDocuments:
    """First step of a chained Slurm job: stop the chain with require_documents' message if the pass before it
    let nothing through (instead of a later pass failing on an empty folder). A plain callable, which datatrove
    runs like a step: it has no counters to put in the report."""

    def __init__(self, folder: Path, logs: Path):
        self.folder, self.logs = folder, logs

    def __call__(self, data=None, rank: int = 0, world_size: int = 1):
        require_documents(self.folder, self.logs)
        return data


class FinishRecipe(PipelineStep):
    """The Slurm chain's last job: `run_recipe` with a local executor on the compute node (see the module docstring)."""

    name = "🏁 finish the recipe"
    type = "🏁 - CHAIN"

    def __init__(self, recipe: Recipe, out: Path):
        super().__init__()
        self.recipe, self.out = recipe, out

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        ex = self.recipe.executor
        # The job's CPUs become local workers; only a pass that a resubmission left incomplete has more than one task.
        run_recipe(self.recipe, self.out, executor=ExecutorConfig(tasks=ex.tasks, workers=ex.slurm.cpus_per_task))
        return data


def submit_slurm(recipe: Recipe, out_dir: str | Path, overwrite: bool = False, submit: bool = True) -> SlurmScripts:
    """Submit the recipe as one Slurm dependency chain: filter → dedup passes → finish (returns immediately).

        mathcpt data RECIPE.yaml --out /shared/runs/x --set executor.kind=slurm --set executor.slurm.partition=cpu

    Every script is written to `RUN/slurm/NN-<job>.sbatch` and validated before sbatch sees it; with `submit=False`
    (or no sbatch: none on PATH, or `MATHCPT_SBATCH=none`) nothing is submitted and `RUN/slurm/submit.sh` submits the same chain later. Passes that
    completed in an earlier submission are not resubmitted (datatrove's completion markers); the finish job always is.
    """
    out = Path(out_dir).absolute()  # jobs start in another process, possibly on another node
    start_run(recipe, out, overwrite, on_this_machine=False)  # a login node: model paths only, not GPUs or vllm
    shutil.rmtree(out / "logs" / "finish" / "completions", ignore_errors=True)  # the tail re-runs, as locally
    ex = recipe.executor
    submit = submit and sbatch_command() is not None
    passes = [*synthesis_passes(recipe, out), ("filter", filter_pipeline(recipe, out), ex.tasks)]
    for i, (name, steps, tasks) in enumerate(dedup_passes(recipe, out, ex.tasks)):
        check = [RequireDocuments(out / "work" / "filtered", out / "logs" / "filter")] if i == 0 else []
        passes.append((name, check + steps, tasks))
    for i, (name, steps, tasks) in enumerate(tokenize_passes(recipe, out, ex.tasks)):
        check = [RequireDocuments(out / "kept", out / "logs" / "dedup")] if i == 0 else []
        passes.append((name, check + steps, tasks))
    passes.append(("finish", [FinishRecipe(recipe, out)], 1))
    with slurm_scripts(out / "slurm", ex.slurm, submit) as scripts:
        executor = None
        for name, steps, tasks in passes:
            executor = build_executor(ex, steps, out, name, tasks, depends=executor)
        # datatrove launches the unlaunched `depends=` executors first, each job's id feeding the next --dependency.
        # launch_job, not run(): run() inside a Slurm allocation would execute a task instead of submitting.
        executor.launch_job()
    return scripts
