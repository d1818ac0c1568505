"""Configs of the instruct stage: sampling (`mathcpt sample`), SFT data (`mathcpt sft-data`), reward model training
(`mathcpt rm train`).

    mathcpt sample configs/instruct/sample_toy.yaml --set generation.k=4 --dry-run
    mathcpt sft-data configs/instruct/sft_data_toy.yaml --dry-run
    mathcpt rm train configs/instruct/rm_toy.yaml --dry-run

Strict like every config (pipeline.config.base): an unknown key is an error naming the file and key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from pipeline.config.base import Strict, load
from pipeline.config.formats import QAFields
from pipeline.config.stages import DecontaminationStage
from pipeline.config.train import BatchConfig, DeepSpeedSection, ModelConfig, OptimConfig, TrainLoop, WandbConfig

# Qwen2-Math-Instruct's zero-shot chain-of-thought protocol (its evaluation's "qwen-boxed" prompt): the question as
# the user turn followed by this instruction, after a generic system turn.
BOXED_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
DEFAULT_SYSTEM = "You are a helpful assistant."


class ProblemSource(Strict):
    """Problems with gold answers: a `qa_jsonl` file (fields named by `fields`), or a registered benchmark's split
    (`benchmark: gsm8k`, `split: train`; local `benchmarks_dir/NAME/<split>.jsonl` or the hub)."""

    name: str = Field(min_length=1, description="a label for reports and ids")
    path: str | None = Field(default=None, description="qa_jsonl file, relative to the config's data_root")
    fields: QAFields = QAFields()
    benchmark: str | None = Field(default=None, description="registry name instead of a file")
    split: str = Field(default="train", description="benchmark split (never a test split you evaluate on)")
    benchmarks_dir: str | None = None
    answer_type: Literal["auto", "number", "latex", "letter"] = Field(
        default="auto", description="how answers compare; auto: number when the gold is a number, else latex"
    )
    limit: int | None = Field(default=None, gt=0, description="first N problems only")

    @model_validator(mode="after")
    def _one_origin(self) -> "ProblemSource":
        if (self.path is None) == (self.benchmark is None):
            raise ValueError("give exactly one of path and benchmark")
        return self


class PromptSettings(Strict):
    system: str | None = Field(default=DEFAULT_SYSTEM, description="system turn (null: none)")
    instruction: str = Field(default=BOXED_INSTRUCTION, description="appended to the question in the user turn")
    max_prompt_tokens: int = Field(default=2048, gt=0, description="longer prompts are skipped and counted")


class SamplingGeneration(Strict):
    backend: Literal["hf", "vllm"] = "hf"
    k: int = Field(default=8, ge=1, description="responses per problem")
    temperature: float = Field(default=0.7, ge=0)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_new_tokens: int = Field(default=1024, gt=0)
    batch_size: int = Field(default=8, gt=0, description="prompts per HF generate call")
    tensor_parallel: int = Field(default=1, ge=1, description="vllm only")
    seed: int = 0
    dtype: str | None = None


class QueryFilter(Strict):
    """An output option for RL queries (Qwen2.5-Math's: keep problems with 2 to 5 of 8 responses correct)."""

    min_correct: int = Field(default=2, ge=0)
    max_correct: int = Field(default=5, ge=0)


class SampleConfig(Strict):
    output_dir: str
    data_root: str = "."
    policy: str = Field(description="HF hub id, HF folder, or a training run / checkpoint folder of ours")
    trust_remote_code: bool = False
    problems: list[ProblemSource] = Field(min_length=1)
    prompt: PromptSettings = PromptSettings()
    generation: SamplingGeneration = SamplingGeneration()
    decontamination: DecontaminationStage = DecontaminationStage(benchmarks=["all"])
    chunk_size: int = Field(default=64, gt=0, description="problems per resumable chunk")
    query_filter: QueryFilter | None = Field(default=None, description="also write queries.jsonl for GRPO")


class SFTSelection(Strict):
    top_n: int = Field(default=1, ge=1, description="correct responses kept per problem")
    near_duplicate_threshold: float = Field(
        default=0.8, gt=0, le=1, description="MinHash similarity above which two kept responses are one"
    )
    max_response_tokens: int = Field(default=2048, gt=0, description="longer responses are dropped and counted")
    require_finished: bool = Field(default=True, description="drop responses cut at max_new_tokens")


class SFTDataConfig(Strict):
    output_dir: str
    samples: list[str] = Field(min_length=1, description="`mathcpt sample` output folders")
    tokenizer: str | None = Field(default=None, description="tokenizer to render with; default: the policy's")
    reward_model: str | None = Field(default=None, description="rank correct responses by this RM (HF folder)")
    selection: SFTSelection = SFTSelection()
    seq_len: int = Field(default=4096, gt=1, description="training seq_len: examples are packed into bins of +1")
    validation_fraction: float = Field(default=0.0, ge=0, lt=1, description="problems held out, by id hash")
    seed: int = 0


class RewardData(Strict):
    samples: list[str] = Field(default=[], description="`mathcpt sample` output folders (groups of k responses)")
    pairs: list[str] = Field(default=[], description="JSONL files of {prompt, chosen, rejected} (or id too)")
    seq_len: int = Field(default=1024, gt=1, description="prompt + response tokens; longer ones are cut from the left")
    max_responses: int = Field(default=8, ge=2, description="responses per problem kept (the first k)")
    validation_fraction: float = Field(default=0.1, ge=0, lt=1, description="problems held out, by id hash")

    @model_validator(mode="after")
    def _some(self) -> "RewardData":
        if not self.samples and not self.pairs:
            raise ValueError("give samples (sampling runs) or pairs (JSONL files)")
        return self


class RewardModelConfig(Strict):
    """`mathcpt rm train`: a scalar head on Qwen2 (Qwen2ForSequenceClassification, one label) on the ZeRO-3
    trainer. `batch` counts problems (groups of responses), not sequences."""

    run_name: str
    output_dir: str
    data: RewardData
    model: ModelConfig
    tokenizer: str | None = Field(default=None, description="default: model.name_or_path's tokenizer")
    optim: OptimConfig
    batch: BatchConfig
    train: TrainLoop
    deepspeed: DeepSpeedSection
    wandb: WandbConfig = WandbConfig()
    eval_k: int = Field(default=8, ge=2, description="best-of-k on held-out problems")


class GRPOData(Strict):
    queries: list[str] = Field(
        min_length=1,
        description="JSONL files of {id, question, gold (or answer), answer_type?, source?}: `mathcpt sample`'s "
        "queries.jsonl (2 to 5 of 8 correct), or any problems file with gold answers",
    )
    seq_len: int = Field(default=2048, gt=1, description="prompt + response tokens (longer prompts are skipped)")


class Rollout(Strict):
    group_size: int = Field(default=8, ge=2, description="G: responses sampled per query")
    temperature: float = Field(default=1.0, gt=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    max_new_tokens: int = Field(default=1024, gt=0)
    backend: Literal["hf", "vllm"] = Field(
        default="hf",
        description="hf: generate on the ZeRO-3 model, its weights gathered once per rollout (DeepSpeed's "
        "unwrap_model_for_generation); vllm (GPU, the vllm package): a vLLM engine in every rank's process, "
        "the policy's weights copied into it after every update",
    )
    vllm_gpu_memory_utilization: float = Field(
        default=0.3, gt=0, lt=1, description="share of the GPU the colocated vLLM engine may take (weights + KV cache)"
    )


class GRPOSettings(Strict):
    epsilon: float = Field(default=0.2, gt=0, description="clip range of the ratio, low side (and high side)")
    epsilon_high: float | None = Field(default=None, gt=0, description="a wider high side (DAPO's clip-higher)")
    beta: float = Field(default=1e-3, ge=0, description="k3 KL to the reference model; 0 loads no reference")
    mu: int = Field(default=1, ge=1, description="optimisation passes over each rollout batch")
    scale_rewards: Literal["group", "none"] = Field(
        default="group", description="group: (r - mean) / (std + 1e-4) per query; none: r - mean"
    )


class RewardSettings(Strict):
    rule: bool = Field(default=True, description="1 when our grader says the final answer is the gold, else 0")
    reward_model: str | None = Field(default=None, description="a `mathcpt rm train` model (HF folder)")
    shaping: Literal["qwen", "sum"] = Field(
        default="qwen",
        description="qwen: sigma(alpha * r_rm) + (r_rule - 1), every correct answer above every wrong one "
        "(Qwen2.5-Math); sum: r_rule + alpha * r_rm",
    )
    alpha: float = Field(default=0.5, gt=0)
    hook: str | None = Field(
        default=None, description="module:function(prompts, responses, golds) -> list of floats, added to the reward"
    )

    @model_validator(mode="after")
    def _some(self) -> "RewardSettings":
        if not self.rule and not self.reward_model and not self.hook:
            raise ValueError("give at least one reward: rule, reward_model or hook")
        return self


class GRPOConfig(Strict):
    """`mathcpt grpo`: GRPO on the ZeRO-3 trainer. `batch` counts queries (each with `rollout.group_size`
    responses); `train.max_steps` counts rollout batches, each followed by `grpo.mu` optimizer steps."""

    run_name: str
    output_dir: str
    data: GRPOData
    model: ModelConfig
    prompt: PromptSettings = PromptSettings()
    rollout: Rollout = Rollout()
    grpo: GRPOSettings = GRPOSettings()
    rewards: RewardSettings = RewardSettings()
    optim: OptimConfig
    batch: BatchConfig
    train: TrainLoop
    deepspeed: DeepSpeedSection
    wandb: WandbConfig = WandbConfig()


def load_grpo_config(path: str | Path, overrides: list[str] | None = None) -> GRPOConfig:
    return load(GRPOConfig, path, overrides)


def load_sample_config(path: str | Path, overrides: list[str] | None = None) -> SampleConfig:
    return load(SampleConfig, path, overrides)


def load_sft_data_config(path: str | Path, overrides: list[str] | None = None) -> SFTDataConfig:
    return load(SFTDataConfig, path, overrides)


def load_reward_model_config(path: str | Path, overrides: list[str] | None = None) -> RewardModelConfig:
    return load(RewardModelConfig, path, overrides)
