"""An ablation: recipe variants trained as equal proxy models and scored the same way (`mathcpt ablate`).

    mathcpt ablate configs/ablations/demo.yaml --dry-run

Paths (`recipe`, `train`, `data_root`) resolve against the ablation file's folder. A variant's `recipe` and `train`
map dotted keys to values, exactly as `--set` would (`stages.math.min_score: 0`, `data.weights: {web: 1}`); they
are checked against the strict recipe and training schemas when the ablation loads, so a misspelled key fails
before anything runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from pipeline.config.base import Strict, load
from pipeline.config.executor import SlurmSettings, require_partition


class AblationVariant(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="folder-safe name, unique in the ablation")
    recipe: dict[str, Any] = Field(default={}, description="dotted recipe key -> value (as --set)")
    train: dict[str, Any] = Field(default={}, description="dotted training-config key -> value (as --set)")


class AblationScoring(Strict):
    reference: str | None = Field(
        default=None,
        description="the variant whose held-out documents every model is scored on (default: the first). The "
        "split is by content hash, so those documents are held out of every variant that keeps them",
    )
    validation_fraction: float = Field(
        default=0.1, gt=0, lt=0.5, description="mixture.validation_fraction set on every variant's recipe"
    )
    max_documents: int = Field(default=200, gt=0, description="held-out documents scored per source")
    benchmarks: list[str] = Field(
        default=["mini_gsm"], description="benchmarks whose worked solutions are scored (never their test split)"
    )
    benchmark_split: Literal["train", "dev", "validation"] = "train"
    benchmarks_dir: str | None = None
    bootstrap: int = Field(default=1000, ge=100, description="resamples of the documents for the intervals")
    fewshot: list[str] = Field(default=[], description="eval task names to run few-shot too (bigger proxies)")
    fewshot_limit: int = Field(default=100, gt=0)


class AblationLauncher(Strict):
    """Where the steps run: here one after the other, or as Slurm jobs (`pipeline.ablation.slurm`)."""

    kind: Literal["local", "slurm"] = "local"
    slurm: SlurmSettings = Field(
        default=SlurmSettings(),
        description="partition, time, CPUs, memory, account, extra #SBATCH directives and environment of every job",
    )
    gpus_per_run: int | None = Field(
        default=None, ge=0, description="GPUs a training job asks for (--gpus-per-node); default nproc, 0 on CPUs"
    )
    max_parallel: int | None = Field(default=None, ge=1, description="training jobs running at once (array %N)")

    @model_validator(mode="after")
    def _kind_needs(self) -> "AblationLauncher":
        require_partition(self.kind, self.slurm)
        return self


class AblationConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    output_dir: str
    recipe: str = Field(description="the base data recipe")
    train: str = Field(description="the base training config (the proxy model)")
    data_root: str | None = Field(default=None, description="data_root for every variant's recipe")
    variants: list[AblationVariant] = Field(min_length=2)
    seeds: list[int] = Field(default=[0], min_length=1, description="training seeds per variant")
    tokens: int | None = Field(
        default=None, gt=0, description="training tokens per run (sets train.max_steps; equal for every variant)"
    )
    nproc: int = Field(default=1, gt=0, description="ranks per training run (torchrun, one node)")
    share_tokenizer: bool = Field(
        default=True,
        description="variants whose recipe trains a tokenizer use the reference run's, so models compare per token",
    )
    scoring: AblationScoring = AblationScoring()
    launcher: AblationLauncher = AblationLauncher()
    wandb_project: str | None = Field(default=None, description="log every run to this project, grouped by ablation")

    @model_validator(mode="after")
    def _names(self) -> "AblationConfig":
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique, got {names}")
        if self.scoring.reference is not None and self.scoring.reference not in names:
            raise ValueError(f"scoring.reference {self.scoring.reference!r} is not a variant ({names})")
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct, got {self.seeds}")
        return self


def load_ablation_config(path: str | Path, overrides: list[str] | None = None) -> AblationConfig:
    cfg = load(AblationConfig, path, overrides)
    here = Path(path).resolve().parent
    for field in ("recipe", "train", "data_root"):
        value = getattr(cfg, field)
        if value is not None and not Path(value).is_absolute():
            setattr(cfg, field, str(here / value))
    return cfg
