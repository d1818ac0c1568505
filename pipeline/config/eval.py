"""The evaluation config: what `mathcpt eval` evaluates and how, from a YAML file, flags, or both.

    mathcpt eval --config configs/eval/qwen2_math_base.yaml --set model=runs/qwen2_7b_math/model
    mathcpt eval runs/demo/model --benchmarks mini_gsm --limit 20 -o results.json --dry-run

Flags given on the command line replace the file's values, then `--set key=value` overrides apply; the result is
validated like every other config (an unknown key is an error naming the file and key). Paths are used as given
(relative to the working directory), as on the command line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.base import Strict, load


class EvalConfig(Strict):
    model: str = Field(description="HF model folder, hub id, or a training run / checkpoints folder (exported first)")
    benchmarks: list[str] = Field(min_length=1, description="eval task names (pipeline.eval.tasks)")
    output: str = Field(default="results.json", description="RESULTS.json; .samples.jsonl and .md go beside it")
    backend: Literal["hf", "vllm"] = "hf"
    limit: int | None = Field(default=None, gt=0, description="evaluate the first N items of each task")
    shots: int | None = Field(default=None, ge=0, description="few-shot exemplars; default: the task's")
    max_new_tokens: int | None = Field(default=None, gt=0, description="default: the task's")
    batch_size: int = Field(default=8, gt=0, description="hf backend: prompts per forward batch")
    benchmarks_dir: str | None = Field(default=None, description="folder laid out NAME/test.jsonl; hub if unset")
    samples: int = Field(default=1, ge=1, description="samples per item (the k of maj@k and rm@k)")
    temperature: float = Field(default=0.0, ge=0, description="0 = greedy")
    top_p: float = Field(default=1.0, gt=0, le=1)
    seed: int = 0
    protocol: Literal["fewshot", "instruct"] = Field(
        default="fewshot",
        description="fewshot: the base-model protocol (exemplars, plain text); instruct: zero-shot in the model's "
        "chat template, the question then 'Please reason step by step, and put your final answer within \\boxed{}.'",
    )
    reward: str | None = Field(default=None, description="module:function(prompt, response) -> score, for rm@k")
    reward_model: str | None = Field(
        default=None, description="a trained reward model (HF folder, `mathcpt rm train` + export) for rm@k"
    )
    tensor_parallel: int = Field(default=1, ge=1, description="vllm backend")
    wandb_project: str | None = Field(default=None, description="log the accuracies here (offline without a login)")

    @field_validator("benchmarks", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # `--benchmarks gsm8k,math --benchmarks cmath` and `benchmarks: gsm8k,math` mean the same list.
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            return [name.strip() for item in items for name in item.split(",") if name.strip()]
        return value

    @model_validator(mode="after")
    def _samples_need_sampling(self) -> "EvalConfig":
        if self.samples > 1 and self.temperature <= 0:
            raise ValueError("samples > 1 needs --temperature (temperature) > 0: greedy samples would all be identical")
        if self.reward and self.reward_model:
            raise ValueError("give reward (a function) or reward_model (a trained model), not both")
        if self.reward_model and self.protocol != "instruct":
            raise ValueError("reward_model scores chat-format responses: use protocol instruct (--protocol instruct)")
        return self


def load_eval_config(path: str | Path, overrides: list[str] | None = None) -> EvalConfig:
    return load(EvalConfig, path, overrides)
