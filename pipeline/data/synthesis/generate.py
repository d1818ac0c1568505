"""The synthesis pass: seeds × templates → a generator model → `work/synthetic/<source>/chunk_NNNNN.jsonl`.

    mathcpt data data_recipes/synthetic_cpu.yaml --out runs/data/synthetic_cpu

One pass per synthetic source (`synthesize_<source>`), run before the recipe's filter pass through the same
executor machinery as every pass (local, Ray, or the first jobs of the Slurm chain). Its output is then read by
the filter pass like any JSONL source (`reader_sources`), so generated documents go through the post-filters
(pipeline.data.synthesis.postfilters) and then the recipe's language, math, quality, dedup and decontamination
stages like every other source.

Chunks and resume: seeds are cut into chunks of `chunk_size` in their fixed order; chunk c belongs to task
c % tasks and is written whole or not at all (a temporary file renamed when complete), with a `.stats.json` beside
it (prompts, outputs, generated tokens, seconds) for the report's throughput. A task skips chunks whose file
exists, loads the model only if a chunk is left, and samples chunk c with seed `generation.seed + c`: a run killed
at any point and started again regenerates only the chunks that were not finished, and datatrove skips tasks that
completed. A backend error stops the pass with a message naming the chunk; finished chunks stay.

Provenance, in every output's `metadata.synthesis`: generator (backend, model), template id and language, seed id
and where the seeds came from, sampling settings, sample index, chunk, generated tokens, whether generation ended
on its own, the prompt-echo measures, and the seed's gold answer when it has one.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
from pathlib import Path
from typing import Callable

from datatrove.pipeline.base import PipelineStep
from datatrove.utils.batching import batched
from loguru import logger

from pipeline.config.recipe import Recipe
from pipeline.config.sources import SourceConfig
from pipeline.config.synthesis import GenerationSettings
from pipeline.data.synthesis.postfilters import SyntheticPostFilter, answer_type, echo_measures
from pipeline.data.synthesis.seeds import describe, iter_seeds
from pipeline.data.synthesis.templates import Template, resolve_templates
from pipeline.errors import ConfigError, DataError, MathcptError
from pipeline.shared.atomic import atomic_open, atomic_write_text

SYNTHETIC_DIR = Path("work") / "synthetic"
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def synthesized(recipe: Recipe) -> list[SourceConfig]:
    return [s for s in recipe.sources if s.synthesis is not None]


def output_dir(out: Path, name: str) -> Path:
    return Path(out) / SYNTHETIC_DIR / name


def pass_name(name: str) -> str:
    return f"synthesize_{name}"


def chunk_path(folder: Path, chunk: int) -> Path:
    return folder / f"chunk_{chunk:05d}.jsonl"


def synthesis_passes(recipe: Recipe, out: Path) -> list[tuple[str, list, int]]:
    """(pass name, pipeline, tasks) of every synthetic source, in recipe order; run before the filter pass."""
    return [
        (pass_name(s.name), [SyntheticGenerator(s, recipe, output_dir(out, s.name))], s.synthesis.tasks)
        for s in synthesized(recipe)
    ]


def reader_sources(recipe: Recipe, out: Path) -> list[SourceConfig]:
    """The sources as the filter pass reads them: a synthetic source reads the chunks its pass wrote."""
    return [
        s.model_copy(update={"path": str(output_dir(out, s.name).absolute()), "format": "jsonl"})
        if s.synthesis is not None
        else s
        for s in recipe.sources
    ]


def postfilter_steps(recipe: Recipe, exclusion_writer: Callable[[], object]) -> list:
    """The post-filter step of the filter pass ([] without synthetic sources); drops go to the writer it makes."""
    settings = {s.name: s.synthesis.postfilters for s in synthesized(recipe) if s.synthesis.postfilters.enabled}
    return [SyntheticPostFilter(settings, exclusion_writer=exclusion_writer())] if settings else []


def resolve_model(model: str, data_root: str | Path | None, where: str = "generation.model") -> str:
    """A local folder (relative to data_root) when one exists, else a hub id; a missing local path is an error."""
    path = Path(model).expanduser()
    if not path.is_absolute() and data_root is not None and (Path(data_root) / path).exists():
        return str(Path(data_root) / path)
    if path.exists():
        return str(path)
    if path.is_absolute() or model.startswith((".", "~")) or not HUB_ID.match(model):
        raise ConfigError(f"{where}: {model} does not exist (give a local model folder or a hub id)")
    return model


def pass_complete(out: Path, source: SourceConfig) -> bool:
    done = Path(out) / "logs" / pass_name(source.name) / "completions"
    return done.is_dir() and sum(1 for _ in done.iterdir()) >= source.synthesis.tasks


def check_generators(recipe: Recipe, out: Path, on_this_machine: bool = True) -> None:
    """Fail before any pass runs when an unfinished synthetic source's generator cannot be loaded: its model path
    is missing or not a model folder, or (when the pass runs on this machine) vllm or a GPU is missing."""
    for s in synthesized(recipe):
        if pass_complete(out, s):
            continue
        g = s.synthesis.generation
        where = f"sources.{recipe.sources.index(s)}.synthesis.generation"
        model = resolve_model(g.model, recipe.data_root, f"{where}.model")
        if Path(model).is_dir() and not (Path(model) / "config.json").is_file():
            raise ConfigError(f"{where}.model: {model} is not a model folder (it has no config.json)")
        if g.backend == "vllm" and on_this_machine:
            import torch

            if importlib.util.find_spec("vllm") is None:
                raise ConfigError(
                    f"{where}.backend: vllm needs the vllm package (pip install vllm) on a GPU machine; "
                    "backend: hf runs on CPU or GPU"
                )
            if not torch.cuda.is_available():
                raise ConfigError(
                    f"{where}.backend: vllm needs a CUDA GPU and this machine has none; backend: hf runs on CPU"
                )


def load_generator(g: GenerationSettings, data_root):
    from pipeline.shared.generation import make_generator

    model = resolve_model(g.model, data_root)
    if g.backend == "hf":
        return make_generator(
            "hf", model, batch_size=g.batch_size, trust_remote_code=g.trust_remote_code, dtype=g.dtype
        )
    return make_generator(
        "vllm",
        model,
        tensor_parallel=g.tensor_parallel,
        trust_remote_code=g.trust_remote_code,
        gpu_memory_utilization=g.gpu_memory_utilization,
        max_model_len=g.max_model_len,
        dtype=g.dtype,
    )


def format_prompts(tokenizer, prompts: list[str], mode: str, model: str) -> list[str]:
    """Wrap prompts in the tokenizer's chat template (instruction models expect it) or leave them plain."""
    template = getattr(tokenizer, "chat_template", None)
    if mode == "plain" or (mode == "auto" and not template):
        return prompts
    if not template:
        raise ConfigError(f"generation.prompt_format is chat, but the tokenizer of {model} has no chat template")
    return [
        tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
        for p in prompts
    ]


class SyntheticGenerator(PipelineStep):
    """datatrove step of the synthesis pass for one source (see the module docstring); yields nothing."""

    name = "✨ synthesis"
    type = "✨ - GENERATOR"

    def __init__(self, source: SourceConfig, recipe: Recipe, folder: Path):
        super().__init__()
        self.source, self.recipe, self.folder = source, recipe, Path(folder)
        self.generator = None

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        synth = self.source.synthesis
        templates = resolve_templates(synth)
        self.folder.mkdir(parents=True, exist_ok=True)
        seen = done = 0
        for chunk, seeds in enumerate(batched(iter_seeds(self.source, self.recipe), synth.chunk_size)):
            seen += len(seeds)
            if chunk % world_size != rank:
                continue
            if chunk_path(self.folder, chunk).is_file():
                self.stat_update("chunks_skipped")
                continue
            self._chunk(chunk, seeds, templates, done)
            done += 1
        if not seen:
            raise DataError(
                f"synthetic source {self.source.name!r}: its seeds ({describe(self.source)}) hold no "
                "records with the fields the templates use"
            )
        logger.info(f"synthesis of {self.source.name!r}: task {rank} wrote {done} chunks into {self.folder}")

    def _generator(self):
        if self.generator is None:
            g = self.source.synthesis.generation
            started = time.perf_counter()
            self.generator = load_generator(g, self.recipe.data_root)
            logger.info(f"loaded {g.model} ({g.backend}) in {time.perf_counter() - started:.1f} s")
        return self.generator

    def _chunk(self, chunk: int, seeds: list[dict], templates: list[Template], finished: int) -> None:
        synth = self.source.synthesis
        g = synth.generation
        jobs = []
        for seed in seeds:
            for t in templates:
                missing = [f for f in t.fields if not str(seed.get(f) or "").strip()]
                if missing:  # e.g. explain_solution on an item without a solution: nothing to explain
                    self.stat_update(f"skipped_no_{missing[0]}/{t.id}")
                    continue
                jobs.append((seed, t, t.render(seed)))
        generator = self._generator()
        from pipeline.shared.generation import SamplingSettings

        settings = SamplingSettings(
            max_new_tokens=g.max_new_tokens,
            stop=tuple(g.stop),
            n=g.samples_per_prompt,
            temperature=g.temperature,
            top_p=g.top_p,
            seed=g.seed + chunk,
        )
        prompts = format_prompts(generator.tokenizer, [p for _, _, p in jobs], g.prompt_format, g.model)
        started = time.perf_counter()
        try:
            completions = generator.generate_detailed(prompts, settings) if jobs else []
        except MathcptError:
            raise
        except Exception as e:  # noqa: BLE001 - any backend failure: name the chunk, keep finished ones, resumable
            raise DataError(
                f"synthetic source {self.source.name!r}: the {g.backend} backend failed on chunk {chunk} "
                f"({type(e).__name__}: {e}); {finished} chunks finished in this run are kept in {self.folder}; "
                "run the same command again to resume from the first unfinished chunk"
            ) from e
        seconds = time.perf_counter() - started
        sampling = {
            "max_new_tokens": g.max_new_tokens,
            "temperature": g.temperature,
            "top_p": g.top_p,
            "n": g.samples_per_prompt,
            "seed": settings.seed,
            "stop": list(g.stop),
        }
        records, tokens = [], 0
        for (seed, t, prompt), row in zip(jobs, completions):
            for k, c in enumerate(row):
                tokens += c.tokens
                gold = seed.get("answer") or None
                syn = {
                    "generator": {"backend": g.backend, "model": g.model},
                    "template": t.id,
                    "template_language": t.language,
                    "seed_id": seed["id"],
                    "seeds": describe(self.source),
                    "sampling": sampling,
                    "sample": k,
                    "chunk": chunk,
                    "completion_tokens": c.tokens,
                    "finished": c.finished,
                    "final_answer": t.final_answer,
                    "solves_seed": t.solves_seed,
                    "gold_answer": gold,
                    "answer_type": answer_type(gold, seed.get("choices", "")) if gold else None,
                    **echo_measures(c.text, prompt, t.instruction),
                }
                records.append(
                    {
                        "id": f"{self.source.name}/{seed['id']}/{t.id}/{k}",
                        "text": c.text,
                        "metadata": {"synthesis": syn},
                    }
                )
                self.stat_update(f"outputs/{t.id}")
        stats = {
            "chunk": chunk,
            "seeds": len(seeds),
            "prompts": len(jobs),
            "outputs": len(records),
            "generated_tokens": tokens,
            "seconds": round(seconds, 4),
            "backend": g.backend,
        }
        # The stats first, the chunk last: the chunk file is what marks the chunk finished.
        atomic_write_text(chunk_path(self.folder, chunk).with_suffix(".stats.json"), json.dumps(stats))
        with atomic_open(chunk_path(self.folder, chunk)) as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        self.stat_update("chunks_written")
        self.stat_update("generated_tokens", value=tokens)
        logger.info(
            f"synthesis of {self.source.name!r}: chunk {chunk}: {len(records)} outputs, {tokens} tokens, "
            f"{tokens / max(seconds, 1e-9):,.1f} tokens/s"
        )
