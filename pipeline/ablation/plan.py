"""What an ablation runs: one data run per distinct resolved recipe, one proxy training run per (variant, seed).

    mathcpt ablate configs/ablations/demo.yaml --dry-run        # prints this plan

Variants whose recipes resolve to the same settings share one data run (a variant that changes only training
settings, `data.weights` included, reuses the base variant's run: no pass is recomputed). The recipe's identity is
the hash of its resolved settings, so two ablations of the same recipe also find each other's run in the same
output folder. Every run gets the same number of training tokens (`tokens`, through `train.max_steps`), the same
shape and, per seed, the same seed.
"""

from __future__ import annotations

import hashlib
import json
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config.ablation import AblationConfig
from pipeline.config.recipe import load_recipe
from pipeline.config.train import load_train_config
from pipeline.errors import ConfigError


def as_sets(mapping: dict) -> list[str]:
    """A variant's `{dotted.key: value}` as `--set` strings (JSON values: valid YAML, any type)."""
    return [f"{k}={json.dumps(v)}" for k, v in mapping.items()]


@dataclass
class DataRun:
    key: str
    folder: Path
    sets: list[str]
    variants: list[str] = field(default_factory=list)
    after_reference: bool = False  # tokenizes with the reference run's tokenizer, so runs after that run


@dataclass
class TrainRun:
    variant: str
    seed: int
    folder: Path
    data: DataRun
    sets: list[str]
    max_steps: int
    tokens: int
    seq_len: int  # the proxy's context, which scoring windows documents by

    @property
    def name(self) -> str:
        return f"{self.variant}/seed{self.seed}"

    @property
    def model(self) -> Path:
        return self.folder / "model"


@dataclass
class Plan:
    reference: str
    data_runs: list[DataRun]
    train_runs: list[TrainRun]

    def summary(self) -> dict:
        return {
            "reference": self.reference,
            "data_runs": [{"key": d.key, "folder": str(d.folder), "variants": d.variants, "sets": d.sets}
                          for d in self.data_runs],
            "train_runs": [{"run": t.name, "folder": str(t.folder), "data": t.data.key, "max_steps": t.max_steps,
                            "tokens": t.tokens, "sets": t.sets} for t in self.train_runs],
        }  # fmt: skip


@contextmanager
def naming(where: str):
    """A config error in a variant's overrides names the variant as well as the file and key."""
    try:
        yield
    except ConfigError as e:
        raise ConfigError(f"ablation {where}: {e}") from None


def recipe_key(recipe) -> str:
    """The data run's identity: its resolved settings, less the executor (results do not depend on where the passes
    ran or on how many tasks: a variant that changes only the executor shares the run)."""
    return hashlib.sha256(recipe.model_dump_json(exclude={"executor"}).encode()).hexdigest()[:12]


def plan_ablation(cfg: AblationConfig) -> Plan:
    """Resolve and validate every variant's recipe and training config (a bad key fails here, before any run)."""
    out = Path(cfg.output_dir)
    reference = cfg.scoring.reference or cfg.variants[0].name
    ordered = sorted(cfg.variants, key=lambda v: v.name != reference)  # the reference's data run first
    common = [f"mixture.validation_fraction={cfg.scoring.validation_fraction}"]
    if cfg.data_root:
        common.append(f"data_root={json.dumps(cfg.data_root)}")
    runs: dict[str, DataRun] = {}
    data_of: dict[str, DataRun] = {}
    ref_run: DataRun | None = None
    for v in ordered:
        sets = common + as_sets(v.recipe)
        with naming(f"variant {v.name}, recipe"):
            recipe = load_recipe(cfg.recipe, sets)
        key = recipe_key(recipe)
        shared = cfg.share_tokenizer and recipe.stages.tokenizer.path is None and ref_run and key != ref_run.key
        if shared:
            # Compare models per token: a variant with its own data tokenizes with the reference run's tokenizer.
            sets = sets + [f"stages.tokenizer.path={json.dumps(str(ref_run.folder / 'tokenizer'))}"]
            key = recipe_key(load_recipe(cfg.recipe, sets))
        run = runs.setdefault(key, DataRun(key, out / "data" / key, sets, after_reference=bool(shared)))
        run.variants.append(v.name)
        data_of[v.name] = run
        if v.name == reference:
            ref_run = run
    train_runs = []
    for v in cfg.variants:
        for seed in cfg.seeds:
            folder = out / "train" / v.name / f"seed{seed}"
            sets = [f"data.path={json.dumps(str(data_of[v.name].folder))}", f"output_dir={json.dumps(str(folder))}",
                    f"train.seed={seed}", f"run_name={cfg.name}-{v.name}-seed{seed}", *as_sets(v.train)]  # fmt: skip
            if cfg.wandb_project:
                sets += ["wandb.enabled=true", f"wandb.project={cfg.wandb_project}", f"wandb.group={cfg.name}"]
            with naming(f"variant {v.name}, train"):
                tcfg = load_train_config(cfg.train, sets)
            step_tokens = tcfg.batch.global_batch_size * tcfg.data.seq_len
            steps = math.ceil(cfg.tokens / step_tokens) if cfg.tokens else tcfg.train.max_steps
            if steps is None:
                raise ConfigError(f"variant {v.name}: give the ablation `tokens` or the training config max_steps")
            sets += [f"train.max_steps={steps}", "train.epochs=null"]
            load_train_config(cfg.train, sets)  # still valid with the step count
            train_runs.append(
                TrainRun(v.name, seed, folder, data_of[v.name], sets, steps, steps * step_tokens, tcfg.data.seq_len)
            )
    return Plan(reference, list(runs.values()), train_runs)
