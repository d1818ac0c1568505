"""A training config: model shape or checkpoint, data run, optimizer, batch, loop, DeepSpeed JSON, wandb.

    mathcpt train configs/qwen2_7b.yaml --set train.max_steps=10 --dry-run

`train.task_eval` names eval tasks; `mathcpt train` checks them against pipeline.eval.tasks before it starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipeline.config.base import Strict, load


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


class DataStage(Strict):
    """A later phase of training on another mixture (e.g. the decay of a WSD schedule): of the same data run, or of
    another `mathcpt data` run made with the same tokenizer (`path`, e.g. a higher-quality anneal corpus)."""

    from_step: int | None = Field(default=None, gt=0, description="first optimizer step of this stage (0-based)")
    from_tokens: int | None = Field(
        default=None, gt=0, description="or: training tokens before it (rounded up to a whole step)"
    )
    weights: dict[str, float] | None = Field(
        default=None,
        description="source name -> weight; unnamed sources get 0. Required unless `path` is given (then default: "
        "that run's mixture shares); with `path` it names that run's sources by their plain names",
    )
    path: str | None = Field(
        default=None,
        description="output folder of another `mathcpt data` run to read in this stage instead of data.path (same "
        "tokenizer); its sources are logged as `<folder name>:<source>` (e.g. loss/anneal:books); a later stage "
        "naming the same path reads on where this one stopped",
    )

    @model_validator(mode="after")
    def _one_start(self) -> "DataStage":
        if (self.from_step is None) == (self.from_tokens is None):
            raise ValueError("give exactly one of from_step and from_tokens")
        return self

    @model_validator(mode="after")
    def _weights_or_path(self) -> "DataStage":
        if self.weights is None and self.path is None:
            raise ValueError("give weights (or path: another data run, whose mixture shares are then the weights)")
        return self


class TrainData(Strict):
    path: str = Field(description="output folder of `mathcpt data` (holds manifest.json and tokens/)")
    seq_len: int = Field(default=128, gt=1)
    weights: dict[str, float] | None = Field(
        default=None, description="source name -> weight, replacing the data run's mixture shares (unnamed: 0)"
    )
    stages: list[DataStage] = Field(
        default=[],
        description="later mixtures, each from a step or a token count (in increasing order), of this data run or "
        "of another one (`path`); the validation split (train.eval_every) stays this run's",
    )


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
    max_steps: int | None = Field(default=None, gt=0, description="optimizer steps (or give epochs)")
    epochs: float | None = Field(
        default=None, gt=0, description="passes over the data instead of max_steps (SFT): steps derived from it"
    )
    objective: Literal["cpt", "sft"] = Field(
        default="cpt",
        description="cpt: every token is a target; sft: shards must carry a loss mask (mathcpt sft-data), only "
        "response tokens train",
    )
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

    @model_validator(mode="after")
    def _one_length(self) -> "TrainLoop":
        if (self.max_steps is None) == (self.epochs is None):
            raise ValueError("give exactly one of max_steps and epochs (set the other to null)")
        return self


class DeepSpeedSection(Strict):
    config: str = Field(description="DeepSpeed JSON, relative to the training config's folder")
    precision: Literal["fp32", "bf16"] = "fp32"


class WandbConfig(Strict):
    enabled: bool = True
    mode: Literal["offline", "online", "disabled"] = "offline"
    project: str = "mathcpt"
    entity: str | None = None
    group: str | None = Field(default=None, description="wandb run group (an ablation groups its runs)")
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


def load_train_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    return load(TrainConfig, path, overrides)
