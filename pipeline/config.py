"""Strict YAML configuration: data recipes and training configs.

    mathcpt data data_recipes/demo.yaml --set stages.dedup.near=false --dry-run
    mathcpt train configs/tiny_cpu.yaml --set train.max_steps=5 --dry-run

One loader serves both kinds of file. YAML goes through `yaml.safe_load` only; the result is validated by
pydantic models that forbid extra keys, so a misspelled key is an error naming the file and the key path
(`sources.2.wieght`) instead of a silently ignored setting. `--set a.b=c` overrides are applied to the raw
mapping before validation, so they are checked exactly like keys written in the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import ConfigError


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


# ----------------------------------------------------------------------------------------------------------------
# Data recipes
# ----------------------------------------------------------------------------------------------------------------

SourceKind = Literal["web", "books", "code", "exams", "synthetic"]
PROSE_KINDS: list[str] = ["web", "books", "exams", "synthetic"]


class QAFields(Strict):
    """Field names of a question/answer record (`format: qa_jsonl`)."""

    question: str = "question"
    solution: str = "solution"
    answer: str = "answer"
    choices: str = Field(
        default="choices", description="options of a multiple-choice item: a list, or a mapping letter → option"
    )


class QAFormat(Strict):
    """How `qa_jsonl` records become pretraining text (pipeline.data.exams)."""

    layout: Literal["worked_solution", "problem_set"] = Field(
        default="worked_solution",
        description="worked_solution: one document per item (problem, solution, answer); "
        "problem_set: problems_per_set items per document, answers (and solutions) at the end",
    )
    language: Literal["en", "zh", "auto"] = Field(
        default="en",
        description="language of the labels (Problem/题目); auto: zh when the question holds Chinese characters",
    )
    problems_per_set: int = Field(default=5, ge=2, le=100)


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
    """The generator (pipeline.generation) and its sampling settings, recorded in every output's provenance."""

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

    @model_validator(mode="after")
    def _known_templates(self) -> "SynthesisConfig":
        from pipeline.data.synthesis.templates import check_template_ids

        check_template_ids(self.templates, self.custom_templates)
        return self


CODE_LANGUAGES: tuple[str, ...] = (
    "lean",
    "coq",
    "isabelle",
    "agda",
    "python",
    "julia",
    "r",
    "matlab",
    "mathematica",
    "sage",
)
FORMAL_MATH_LANGUAGES: tuple[str, ...] = CODE_LANGUAGES[:4]
CodeLanguage = Literal[CODE_LANGUAGES]  # type: ignore[valid-type]


class CodeThresholds(Strict):
    """Minimum code_math_score per language (`format: code_repos`); unset = the selector's tuned default."""

    default: float | None = Field(default=None, ge=0, le=1, description="for every language not named here")
    lean: float | None = Field(default=None, ge=0, le=1)
    coq: float | None = Field(default=None, ge=0, le=1)
    isabelle: float | None = Field(default=None, ge=0, le=1)
    agda: float | None = Field(default=None, ge=0, le=1)
    python: float | None = Field(default=None, ge=0, le=1)
    julia: float | None = Field(default=None, ge=0, le=1)
    r: float | None = Field(default=None, ge=0, le=1)
    matlab: float | None = Field(default=None, ge=0, le=1)
    mathematica: float | None = Field(default=None, ge=0, le=1)
    sage: float | None = Field(default=None, ge=0, le=1)


class CodeSettings(Strict):
    """Math-code selection of a `format: code_repos` source (pipeline.data.code_select)."""

    languages: list[CodeLanguage] = Field(default=list(CODE_LANGUAGES), min_length=1)
    min_math_score: CodeThresholds = CodeThresholds()
    max_file_bytes: int = Field(default=1_000_000, gt=0, description="larger files are skipped as too_large")
    keep_formal_math_always: bool = Field(default=True, description="Lean/Coq/Isabelle/Agda files skip the score")

    @field_validator("min_math_score", mode="before")
    @classmethod
    def _one_number_for_all(cls, value: Any) -> Any:
        # `min_math_score: 0.4` is shorthand for {default: 0.4}.
        return {"default": value} if isinstance(value, (int, float)) and not isinstance(value, bool) else value


class BookSettings(Strict):
    """How a book source (`format: latex` or `book_text`) becomes documents (pipeline.data.books)."""

    split: Literal["chapter", "section", "file"] = Field(
        default="chapter", description="one document per chapter, per section, or per book (file)"
    )
    expand_macros: bool = Field(default=True, description="latex: expand the book's own \\newcommand/\\def macros")
    max_file_bytes: int = Field(default=8_000_000, gt=0, description="larger files are skipped as too_large")


BOOK_FORMATS = ("latex", "book_text")
# Source formats with their own settings section, filled with defaults when absent and refused on other formats.
FORMAT_SETTINGS = {"book": BOOK_FORMATS, "code": ("code_repos",), "qa_format": ("qa_jsonl",)}
TEXT_FORMATS = (*BOOK_FORMATS, "code_repos")  # read by their own readers, never as HTML


class SourceConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="names the source in metadata, shards and stats")
    kind: SourceKind
    path: str | None = Field(
        default=None,
        description="file, folder or glob; relative paths resolve against the "
        "recipe's data_root; unset for a source with synthesis",
    )
    format: Literal["jsonl", "qa_jsonl", "parquet", "files", "code_repos", "latex", "book_text"] = "jsonl"
    content: Literal["html", "text"] | None = Field(
        default=None, description="html runs math-aware extraction; default html for kind web, text otherwise"
    )
    text_key: str = "text"
    qa_fields: QAFields = QAFields()
    qa_format: QAFormat | None = Field(
        default=None,
        description="for format: qa_jsonl, how items become text "
        "(filled with the defaults when the source does not say)",
    )
    synthesis: SynthesisConfig | None = Field(
        default=None,
        description="generate this source's documents with a model (kind synthetic; see README, Synthetic data)",
    )
    file_glob: str = Field(default="**/*", description="format files or code_repos: which files in the folder")
    code: CodeSettings | None = Field(
        default=None,
        description="for format: code_repos, which files are selected "
        "(filled with the defaults when the source does not say)",
    )
    book: BookSettings | None = Field(
        default=None,
        description="for format: latex or book_text, how a book is split "
        "(filled with the defaults when the source does not say)",
    )
    weight: float | None = Field(default=None, gt=0, description="share of training tokens (normalised over sources)")
    tokens: int | None = Field(default=None, gt=0, description="explicit token budget instead of a weight")
    max_epochs: float = Field(default=4.0, gt=0, description="cap on how often the trainer may repeat this source")

    @model_validator(mode="before")
    @classmethod
    def _format_settings_defaults(cls, data: Any) -> Any:
        # A source whose format has a settings section always carries it, so the resolved recipe (--dry-run) shows
        # what applies.
        if isinstance(data, dict):
            for key, formats in FORMAT_SETTINGS.items():
                if data.get("format") in formats and data.get(key) is None:
                    data = {**data, key: {}}
        return data

    @model_validator(mode="after")
    def _format_settings_match_format(self) -> "SourceConfig":
        # A settings section on another format would be silently ignored; say so instead.
        for key, formats in FORMAT_SETTINGS.items():
            if getattr(self, key) is not None and self.format not in formats:
                raise ValueError(
                    f"{key}: settings apply to format: {' or '.join(formats)}, this source's format is {self.format}"
                )
        if self.format in TEXT_FORMATS and self.content == "html":
            raise ValueError(
                f"format: {self.format} reads its files as text (its own reader converts them); remove content: html"
            )
        return self

    @model_validator(mode="after")
    def _weight_or_budget(self) -> "SourceConfig":
        if (self.weight is None) == (self.tokens is None):
            raise ValueError("give exactly one of weight (a share of training tokens) or tokens (a token budget)")
        if self.synthesis is not None:
            if self.kind != "synthetic":
                raise ValueError(f"synthesis needs kind: synthetic (this source is kind {self.kind})")
            if self.path is not None:
                raise ValueError(
                    "a source with synthesis writes its own documents (RUN/work/synthetic/NAME): remove "
                    "path, or remove synthesis to read existing synthetic data"
                )
        elif not self.path:
            raise ValueError("path is required (a file, folder or glob) unless the source has a synthesis section")
        return self

    @property
    def resolved_content(self) -> str:
        if self.format in TEXT_FORMATS:
            return "text"  # a book is converted by its reader, whatever the source's kind
        return self.content or ("html" if self.kind == "web" else "text")


class ExtractionStage(Strict):
    keep_code_blocks: bool = True
    min_text_chars: int = Field(default=50, ge=0, description="pages whose extracted text is shorter are dropped")


class LanguageStage(Strict):
    enabled: bool = True
    languages: list[str] = ["en", "zh"]  # lid.176 codes; English and Chinese, the Qwen2-Math languages
    min_score: float = Field(default=0.65, ge=0, le=1)
    apply_to: list[SourceKind] = PROSE_KINDS  # code has no natural language to identify


class MathStage(Strict):
    enabled: bool = True
    scorer: Literal["rule", "classifier"] = Field(
        default="rule", description="rule: pipeline.data.filters.math_score; classifier: a `mathcpt classifier` model"
    )
    classifier_path: str | None = Field(
        default=None, description="fastText model for scorer: classifier; relative paths resolve against data_root"
    )
    min_score: float = Field(
        default=0.2, ge=0, le=1, description="threshold on the scorer's output; default 0.2 (rule) or 0.5 (classifier)"
    )
    apply_to: list[SourceKind] = ["web", "books", "synthetic"]

    @model_validator(mode="before")
    @classmethod
    def _threshold_default(cls, data: Any) -> Any:
        # The two scorers live on different scales: a classifier's P(math) defaults to 0.5, not the rule's 0.2.
        if isinstance(data, dict) and data.get("min_score") is None and data.get("scorer") == "classifier":
            data = {**data, "min_score": 0.5}
        return data

    @model_validator(mode="after")
    def _classifier_needs_path(self) -> "MathStage":
        if self.scorer == "classifier" and not self.classifier_path:
            raise ValueError("scorer: classifier needs classifier_path (a model from `mathcpt classifier train`)")
        if self.scorer == "rule" and self.classifier_path:
            raise ValueError("classifier_path is only used with scorer: classifier (set scorer or remove the path)")
        return self


class QualityStage(Strict):
    enabled: bool = True
    min_words: int = Field(default=40, ge=0)
    max_words: int = Field(default=200_000, gt=0)
    max_duplicate_line_fraction: float = Field(default=0.3, ge=0, le=1)
    min_mean_word_length: float = Field(default=2.0, ge=0)
    max_mean_word_length: float = Field(default=12.0, gt=0)
    apply_to: list[SourceKind] = PROSE_KINDS


class DedupStage(Strict):
    """Exact and MinHash near-dedup over all sources (pipeline.data.dedup)."""

    exact: bool = True
    near: bool = True
    ngram: int = Field(default=5, ge=1, description="token n-gram shingle size for MinHash")
    # 40 bands × 5 rows = 200 MinHash values: a pair at Jaccard 0.8 shares a band with probability ≈1 (14 × 8:
    # 0.92); candidates below the threshold are removed by verification on all 200 values (σ of the Jaccard
    # estimate ≈ 0.03). Measured in tests/benchmarks/bench_near_dedup.py: recall 1.0, precision 1.0 on real pages.
    num_bands: int = Field(default=40, ge=1)
    rows_per_band: int = Field(default=5, ge=1)
    threshold: float = Field(
        default=0.75, gt=0, le=1, description="a candidate pair is a duplicate when this share of MinHash values agree"
    )
    keep: Literal["first", "oldest", "longest", "highest_score"] = Field(
        default="first", description="which copy of a duplicate group survives (ties: the first read)"
    )
    score_key: str = Field(default="math_score", description="metadata field that keep: highest_score compares")
    date_key: str = Field(default="date", description="metadata field (ISO date) that keep: oldest compares")
    seed: int = 1


class DecontaminationStage(Strict):
    enabled: bool = True
    benchmarks: list[str] = Field(default=["mini_gsm"], min_length=1, description="registry names, or `all`")
    benchmarks_dir: str | None = Field(default=None, description="folder laid out NAME/test.jsonl; hub if unset")
    ngram: int = Field(default=13, ge=3)
    lcs_threshold: float = Field(default=0.6, gt=0, le=1, description="LCS(item, window)/len(item) that confirms")
    include_solutions: bool = Field(default=False, description="also index solutions and answers, not only questions")
    min_item_tokens: int = Field(default=5, ge=1, description="shorter items match only a document that is the item")
    mode: Literal["document", "span"] = "document"
    min_remaining_tokens: int = Field(default=50, ge=0, description="span mode: drop what is left if shorter")

    @field_validator("benchmarks")
    @classmethod
    def _known_benchmarks(cls, names: list[str]) -> list[str]:
        from pipeline.benchmarks.registry import known

        unknown = [n for n in names if n != "all" and n not in known()]
        if unknown:
            raise ValueError(f"unknown benchmark(s) {unknown}; known: {', '.join(known())} (or all)")
        return names


class TokenizerStage(Strict):
    path: str | None = Field(default=None, description="tokenizer.json file or HF tokenizer folder; trained if unset")
    train_vocab_size: int = Field(default=2048, ge=300, description="vocabulary of the BPE trained when path is unset")
    eos_token: str = "<|endoftext|>"


class Stages(Strict):
    extraction: ExtractionStage = ExtractionStage()
    language: LanguageStage = LanguageStage()
    math: MathStage = MathStage()
    quality: QualityStage = QualityStage()
    dedup: DedupStage = DedupStage()
    decontamination: DecontaminationStage = DecontaminationStage()
    tokenizer: TokenizerStage = TokenizerStage()


class MixtureConfig(Strict):
    total_tokens: int | None = Field(default=None, gt=0, description="planned training tokens; unset = one pass")
    on_exceeding_max_epochs: Literal["error", "warn"] = "error"
    validation_fraction: float = Field(
        default=0.0, ge=0, lt=0.5, description="share of each source's documents held out, chosen by content hash"
    )


# Values that end up in `#SBATCH --key=value` lines: one token each, so a value can never add a line to the script.
SBATCH_TOKEN = r"^[^\s'\"\\]+$"


class SlurmSettings(Strict):
    """datatrove's SlurmPipelineExecutor: one job array per pass, chained with --dependency=afterok."""

    partition: str | None = Field(default=None, pattern=SBATCH_TOKEN, description="required when kind is slurm")
    time: str = Field(default="24:00:00", description="limit per job: minutes, HH:MM:SS or D-HH:MM:SS")
    cpus_per_task: int = Field(default=1, ge=1)
    mem_per_cpu_gb: int = Field(default=2, ge=1)
    qos: str | None = Field(default=None, pattern=SBATCH_TOKEN)
    account: str | None = Field(default=None, pattern=SBATCH_TOKEN)
    sbatch_args: dict[str, str | int] = Field(default={}, description="more #SBATCH directives, e.g. {constraint: cpu}")
    venv: str | None = Field(
        default=None, description="virtual environment the jobs activate; default: the one running mathcpt"
    )
    env_command: str | None = Field(
        default=None,
        description="shell line(s) run verbatim before each job instead "
        "of activating a venv, e.g. `module load python/3.11 && source ~/env/bin/activate`",
    )
    logs: str | None = Field(default=None, description="folder of the Slurm log files; default RUN/slurm/logs")
    max_array_size: int = Field(default=1001, ge=1, description="the cluster's MaxArraySize")

    @field_validator("time", mode="before")
    @classmethod
    def _slurm_time(cls, value: Any) -> str:
        import re

        if isinstance(value, int):
            # YAML 1.1 reads an unquoted 24:00:00 as the base-60 number 86400: minutes or seconds cannot be told apart.
            raise ValueError(f"write the time limit as a quoted string ('24:00:00', '90'); YAML read {value}")
        if not isinstance(value, str) or not re.match(r"^(\d+-)?\d+(:\d{2}){0,2}$", value):
            raise ValueError(f"{value!r} is not a Slurm time limit (e.g. 90 for minutes, 24:00:00, 2-00:00:00)")
        return value

    @field_validator("sbatch_args")
    @classmethod
    def _one_line_directives(cls, args: dict[str, str | int]) -> dict[str, str | int]:
        import re

        # An empty value writes a bare flag (`#SBATCH --exclusive`).
        def one_line(k: str, v: str | int) -> bool:
            return bool(re.match(r"^[a-z][a-z0-9-]*$", k) and (v == "" or re.match(SBATCH_TOKEN, str(v))))

        bad = [k for k, v in args.items() if not one_line(k, v)]
        if bad:
            raise ValueError(f"{bad}: keys are long sbatch option names (e.g. constraint), values one token each")
        return args


class RaySettings(Strict):
    """datatrove's RayPipelineExecutor: every pass runs as Ray tasks; the recipe waits for each pass to finish."""

    address: str | None = Field(
        default=None,
        description="cluster to join (`auto`, `ray://head:10001`); unset = start a local Ray instance for the run",
    )
    local_cpus: int | None = Field(default=None, ge=1, description="CPUs of the local instance; default all")
    cpus_per_task: int = Field(default=1, ge=1)
    mem_per_cpu_gb: float = Field(default=2.0, gt=0)
    ship_code: bool = Field(
        default=True,
        description="with an address: upload the `pipeline` package to the "
        "workers (runtime_env py_modules); false if the cluster has it installed",
    )


class ExecutorConfig(Strict):
    """Which datatrove executor runs the passes; `tasks` splits the filter pass, the other passes are one task."""

    kind: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(default=1, ge=1)
    workers: int | None = Field(
        default=None,
        ge=1,
        description="tasks running at once; default 1 locally, no "
        "limit on Slurm and Ray (the cluster's free CPUs decide)",
    )
    slurm: SlurmSettings = SlurmSettings()
    ray: RaySettings = RaySettings()

    @model_validator(mode="after")
    def _kind_needs(self) -> "ExecutorConfig":
        if self.kind == "slurm" and not self.slurm.partition:
            raise ValueError("kind: slurm needs slurm.partition (the partition the jobs are submitted to)")
        return self


class Recipe(Strict):
    name: str
    seed: int = 0
    data_root: str | None = Field(default=None, description="base for relative source paths; default recipe folder")
    sources: list[SourceConfig] = Field(min_length=1)
    stages: Stages = Stages()
    mixture: MixtureConfig = MixtureConfig()
    executor: ExecutorConfig = ExecutorConfig()

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig]) -> list[SourceConfig]:
        names = [s.name for s in sources]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"source names must be unique, repeated: {dup}")
        return sources

    @model_validator(mode="after")
    def _synthesis_seeds(self) -> "Recipe":
        # Needs the whole recipe: seeds may name another source, whose format decides the fields templates can use.
        from pipeline.data.synthesis.templates import check_seed_fields

        for i, s in enumerate(self.sources):
            if s.synthesis is not None:
                check_seed_fields(f"sources.{i}.synthesis", s.synthesis, {x.name: x for x in self.sources})
        return self


# ----------------------------------------------------------------------------------------------------------------
# Training configs
# ----------------------------------------------------------------------------------------------------------------


class Qwen2Shape(Strict):
    """The fields of transformers' Qwen2Config that a training config may set (vocab comes from the tokenizer)."""

    hidden_size: int = Field(gt=0)
    intermediate_size: int = Field(gt=0)
    num_hidden_layers: int = Field(gt=0)
    num_attention_heads: int = Field(gt=0)
    num_key_value_heads: int = Field(gt=0)
    max_position_embeddings: int = Field(default=4096, gt=0)
    rope_theta: float = 1_000_000.0
    rms_norm_eps: float = 1e-6
    tie_word_embeddings: bool = False

    @model_validator(mode="after")
    def _heads_divide(self) -> "Qwen2Shape":
        if self.hidden_size % self.num_attention_heads:
            raise ValueError("hidden_size must be divisible by num_attention_heads")
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError("num_attention_heads must be divisible by num_key_value_heads")
        return self


class ModelConfig(Strict):
    init: Literal["scratch", "pretrained"] = "scratch"
    name_or_path: str | None = Field(default=None, description="hub id or local folder when init is pretrained")
    shape: Qwen2Shape | None = None
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2"] = "sdpa"
    trust_remote_code: bool = False
    gradient_checkpointing: bool = False

    @model_validator(mode="after")
    def _init_needs(self) -> "ModelConfig":
        if self.init == "scratch" and self.shape is None:
            raise ValueError("init: scratch needs model.shape")
        if self.init == "pretrained" and not self.name_or_path:
            raise ValueError("init: pretrained needs model.name_or_path")
        return self


class TrainData(Strict):
    path: str = Field(description="output folder of `mathcpt data` (holds manifest.json and tokens/)")
    seq_len: int = Field(default=128, gt=1)


class OptimConfig(Strict):
    lr: float = Field(gt=0)
    min_lr_ratio: float = Field(default=0.1, ge=0, le=1)
    warmup_steps: int = Field(default=0, ge=0)
    betas: tuple[float, float] = (0.9, 0.95)
    eps: float = 1e-8
    weight_decay: float = Field(default=0.1, ge=0)
    grad_clip: float = Field(default=1.0, ge=0)
    schedule: Literal["cosine", "wsd", "constant"] = "cosine"
    decay_fraction: float = Field(default=0.2, gt=0, le=1, description="wsd: share of steps in the final decay")


class BatchConfig(Strict):
    micro_batch_size: int = Field(gt=0, description="sequences per rank per forward")
    global_batch_size: int = Field(gt=0, description="sequences per optimizer step over all ranks")


class TrainLoop(Strict):
    max_steps: int = Field(gt=0)
    seed: int = 0
    log_every: int = Field(default=1, gt=0)
    save_every: int = Field(default=0, ge=0, description="0 = only at the end (and on SIGTERM/SIGINT)")
    keep_last: int = Field(default=3, ge=0, description="complete checkpoints kept (0 = all)")
    resume: Literal["auto", "never"] = Field(default="auto", description="auto: continue from output_dir's latest")
    peak_tflops: float | None = Field(
        default=None, gt=0, description="per-device peak for MFU (e.g. 989 for H100 bf16)"
    )
    eval_every: int = Field(
        default=0, ge=0, description="validation loss/perplexity per source every N steps (0 = off)"
    )
    eval_samples: int = Field(default=64, gt=0, description="validation samples per evaluation")
    task_eval_every: int = Field(default=0, ge=0, description="few-shot generation eval every N steps (0 = off)")
    task_eval: list[str] = Field(default=["mini_gsm"], description="eval task names (pipeline.eval.tasks)")
    task_eval_limit: int = Field(default=32, gt=0, description="items per task (a prefix of the test set)")
    task_eval_max_new_tokens: int | None = Field(default=None, gt=0, description="default: the task's")
    task_eval_benchmarks_dir: str | None = Field(default=None, description="folder laid out NAME/test.jsonl")

    @field_validator("task_eval")
    @classmethod
    def _known_tasks(cls, names: list[str]) -> list[str]:
        from pipeline.eval.tasks import TASKS

        unknown = [n for n in names if n not in TASKS]
        if unknown:
            raise ValueError(f"unknown eval task(s) {unknown}; available: {', '.join(sorted(TASKS))}")
        return names


class DeepSpeedSection(Strict):
    config: str = Field(description="DeepSpeed JSON, relative to the training config's folder")
    precision: Literal["fp32", "bf16"] = "fp32"


class WandbConfig(Strict):
    enabled: bool = True
    mode: Literal["offline", "online", "disabled"] = "offline"
    project: str = "mathcpt"
    entity: str | None = None
    tags: list[str] = []


class TrainConfig(Strict):
    run_name: str
    output_dir: str
    data: TrainData
    model: ModelConfig
    optim: OptimConfig
    batch: BatchConfig
    train: TrainLoop
    deepspeed: DeepSpeedSection
    wandb: WandbConfig = WandbConfig()


# ----------------------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Safe-load a YAML mapping, with errors that name the file (and line for syntax errors)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read ({e})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(raw).__name__}")
    return raw


def apply_overrides(raw: dict[str, Any], overrides: list[str], origin: str) -> dict[str, Any]:
    """Apply `a.b.c=value` overrides; the value is parsed as YAML (so `true`, `3`, `[en, zh]` work).

    List items are addressed by index (`sources.0.weight=2`). Keys that do not exist yet are created and then
    rejected by validation if the schema does not know them, so a typo in --set is caught like one in the file.
    """
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{origin}: --set {item!r}: expected KEY.PATH=VALUE")
        key, value_text = item.split("=", 1)
        parts = key.strip().split(".")
        try:
            value = yaml.safe_load(value_text)
        except yaml.YAMLError:
            value = value_text
        node: Any = raw
        for i, part in enumerate(parts[:-1]):
            node = _child(node, part, create=True, where=f"{origin}: --set {key}")
        last = parts[-1]
        if isinstance(node, list):
            node[_index(node, last, f"{origin}: --set {key}")] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ConfigError(f"{origin}: --set {key}: {'.'.join(parts[:-1])} is not a mapping or list")
    return raw


def _index(node: list, part: str, where: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ConfigError(f"{where}: {part!r} is not an index of a list of {len(node)} items")
    return int(part)


def _child(node: Any, part: str, create: bool, where: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, where)]
    if isinstance(node, dict):
        if part not in node or node[part] is None:
            if not create:
                raise ConfigError(f"{where}: no key {part!r}")
            node[part] = {}
        return node[part]
    raise ConfigError(f"{where}: cannot descend into {part!r}")


def validate(model: type[M], raw: dict[str, Any], origin: str) -> M:
    """Validate a raw mapping, turning pydantic's report into one paragraph naming file and key paths."""
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
            if err["type"] == "extra_forbidden":
                problems.append(f"{loc}: unknown key (check the spelling; see the recipe reference in README.md)")
            else:
                problems.append(f"{loc}: {err['msg']}")
        raise ConfigError(f"{origin}: invalid {model.__name__.lower()}: " + "; ".join(problems)) from None


def load(model: type[M], path: str | Path, overrides: list[str] | None = None) -> M:
    raw = apply_overrides(read_yaml(path), list(overrides or []), str(path))
    return validate(model, raw, str(path))


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    recipe = load(Recipe, path, overrides)
    if recipe.data_root is None:
        recipe.data_root = str(Path(path).resolve().parent)
    return recipe


def load_train_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    return load(TrainConfig, path, overrides)


def load_any(path: str | Path, overrides: list[str] | None = None) -> BaseModel:
    """Validate any YAML in the repository by the kind its location says (used by the validate-all test)."""
    path = Path(path)
    parts = path.resolve().parts
    if "data_recipes" in parts:
        return load_recipe(path, overrides)
    if "configs" in parts:
        return load_train_config(path, overrides)
    raise ConfigError(f"{path}: not under data_recipes/ or configs/, cannot tell which schema applies")


def dump(config: BaseModel) -> str:
    """The resolved config as YAML (what --dry-run prints and what runs record next to their outputs)."""
    return yaml.safe_dump(json.loads(config.model_dump_json()), sort_keys=False)
