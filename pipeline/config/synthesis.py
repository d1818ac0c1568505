"""A generated source's `synthesis:` section: seeds, prompt templates, the generator and the post-filters.

    mathcpt data data_recipes/synthetic_cpu.yaml --dry-run

Template ids and the seed fields they use are checked against the template library at run start
(pipeline.data.recipe_run.check_recipe), not here: this package imports no stage.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pipeline.config.base import Strict
from pipeline.config.formats import QAFields


class SynthesisSeeds(Strict):
    """What a synthetic source generates from: another source of the recipe, or a problem-set file."""

    source: str | None = Field(
        default=None,
        description="a source of this recipe: its documents as read and "
        "extracted, before the language/math/quality filters",
    )
    path: str | None = Field(
        default=None, description="JSONL file, folder or glob of seed records; relative paths resolve against data_root"
    )
    format: Literal["jsonl", "qa_jsonl"] = Field(
        default="qa_jsonl",
        description="for path: jsonl (a text field) or qa_jsonl (question/solution/answer/choices by qa_fields)",
    )
    text_key: str = "text"
    qa_fields: QAFields = QAFields()
    limit: int | None = Field(default=None, gt=0, description="use only the first N seeds")
    max_chars: int = Field(
        default=6000,
        ge=100,
        description="longer seed fields are cut (at a paragraph break) so a prompt fits the generator's context",
    )

    @model_validator(mode="after")
    def _source_or_path(self) -> "SynthesisSeeds":
        if (self.source is None) == (self.path is None):
            raise ValueError("give exactly one of source (a source of this recipe) or path (a file of seed records)")
        return self


class CustomTemplate(Strict):
    """A prompt template written in the recipe; `{field}` placeholders name seed fields (see the library's)."""

    id: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    prompt: str = Field(min_length=1)
    language: Literal["en", "zh"] = "en"
    final_answer: bool = Field(default=False, description="outputs must end with a final answer (post-filter)")
    solves_seed: bool = Field(
        default=False,
        description="the output answers the seed's own question, so its final "
        "answer is checked against the seed's gold answer",
    )


class GenerationSettings(Strict):
    """The generator (pipeline.shared.generation) and its sampling settings, recorded in every output's provenance."""

    backend: Literal["hf", "vllm"] = Field(default="hf", description="hf: transformers on CPU or GPU; vllm: GPU")
    model: str = Field(description="local model folder (relative paths resolve against data_root) or hub id")
    prompt_format: Literal["auto", "plain", "chat"] = Field(
        default="auto", description="chat wraps each prompt in the tokenizer's chat template; auto: when it has one"
    )
    max_new_tokens: int = Field(default=1024, gt=0)
    temperature: float = Field(default=0.7, ge=0, description="0 = greedy")
    top_p: float = Field(default=0.95, gt=0, le=1)
    samples_per_prompt: int = Field(default=1, ge=1, le=64)
    seed: int = 0
    stop: list[str] = []
    batch_size: int = Field(default=8, ge=1, description="hf backend: prompts per forward batch")
    tensor_parallel: int = Field(default=1, ge=1, description="vllm backend")
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1, description="vllm backend")
    max_model_len: int = Field(default=4096, gt=0, description="vllm backend")
    dtype: str | None = Field(default=None, description="e.g. bfloat16; default bf16 on GPU, fp32 on CPU")
    trust_remote_code: bool = False


class SynthesisPostFilters(Strict):
    """Checks on generated text before the recipe's filters (pipeline.data.synthesis.postfilters); each drop is
    written to dropped/synthesis/ with its reason."""

    enabled: bool = True
    min_chars: int = Field(default=20, ge=1, description="empty: fewer non-space characters than this")
    max_repeated_ngram_fraction: float = Field(
        default=0.3, gt=0, le=1, description="repetitive: share of repeated token 8-grams"
    )
    max_compression_ratio: float = Field(
        default=6.0,
        gt=1,
        description="repetitive: zlib ratio of outputs ≥ 200 "
        "characters (loops of a phrase compress far better than prose)",
    )
    max_prompt_overlap: float = Field(
        default=0.5, gt=0, le=1, description="prompt_echo: share of the output's token 8-grams copied from the prompt"
    )
    require_final_answer: bool = Field(
        default=True, description="truncated_no_final_answer for templates that end with a final answer"
    )
    drop_unfinished: bool = Field(default=True, description="truncated_at_token_limit: prose cut at max_new_tokens")
    check_answers: bool = Field(
        default=True,
        description="answer_mismatch: a template that solves the seed's "
        "question must reach the seed's gold answer (math-verify grading)",
    )


class SynthesisConfig(Strict):
    """A synthetic source generated by the recipe (pipeline.data.synthesis): seeds × templates → generator."""

    seeds: SynthesisSeeds
    templates: list[str] = Field(
        min_length=1,
        description="template ids of the library (pipeline.data.synthesis.templates) or of custom_templates",
    )
    custom_templates: list[CustomTemplate] = []
    generation: GenerationSettings
    postfilters: SynthesisPostFilters = SynthesisPostFilters()
    chunk_size: int = Field(default=32, ge=1, description="seeds per output chunk: the unit a resumed run skips")
    tasks: int = Field(default=1, ge=1, description="parallel generation tasks (chunk c goes to task c % tasks)")
