"""DeepSpeed ZeRO-3 trainer for Qwen2 continued pretraining on a packed, weighted mixture.

    torchrun --standalone --nproc_per_node 2 -m pipeline.cli train configs/tiny_cpu.yaml --set data.path=runs/demo/data
    deepspeed --num_gpus 8 --module pipeline.cli train configs/qwen2_1.5b.yaml

Reads top to bottom (`run_training`): `init_distributed` → `prepare_output` → `build_dataloader` → `build_model`
(under HfDeepSpeedConfig) → `train` (a loop of `train_step`, then `evaluate` and `save_checkpoint`) → `close`. Batch arithmetic is derived in
`batch_plan` and asserted there only. Logging happens on rank 0 (`is_main`), metrics go to `metrics.jsonl`
(the record tests read) and to wandb.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
import yaml
from loguru import logger

from pipeline.config.base import dump
from pipeline.config.train import TrainConfig
from pipeline.errors import ConfigError
from pipeline.shared.logs import rank_zero_logging
from pipeline.train import checkpoint
from pipeline.train.data_loader import IGNORE, MixtureError, PackedMixture, Stage, global_indices
from pipeline.train.metrics import MetricsLogger
from pipeline.train.schedule import lr_multiplier


@dataclass
class BatchPlan:
    world_size: int
    micro_batch_size: int
    global_batch_size: int
    grad_accum: int
    seq_len: int

    @property
    def tokens_per_step(self) -> int:
        return self.global_batch_size * self.seq_len


def batch_plan(cfg: TrainConfig, world_size: int) -> BatchPlan:
    """global batch = micro batch × world size × gradient accumulation, exactly."""
    micro, glob = cfg.batch.micro_batch_size, cfg.batch.global_batch_size
    if glob % (micro * world_size):
        raise ConfigError(
            f"batch.global_batch_size={glob} is not a multiple of micro_batch_size × world size = {micro} × "
            f"{world_size}; choose a global batch divisible by {micro * world_size}"
        )
    plan = BatchPlan(world_size, micro, glob, glob // (micro * world_size), cfg.data.seq_len)
    assert plan.micro_batch_size * plan.world_size * plan.grad_accum == plan.global_batch_size
    return plan


def deepspeed_config(cfg: TrainConfig, plan: BatchPlan, config_dir: Path, hidden_size: int) -> dict:
    """The DeepSpeed JSON with the fields this config owns filled in.

    Owned here (the JSON may say "auto" or repeat the same value, anything else is a conflict): batch sizes,
    clipping, precision, the optimizer's hyperparameters, and ZeRO bucket sizes derived from the hidden size
    (reduce bucket h², prefetch 0.9·h², persistence threshold 10·h: the rules HF's DeepSpeed integration uses).
    """
    path = Path(cfg.deepspeed.config)
    path = path if path.is_absolute() else config_dir / path
    try:
        ds = json.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"deepspeed.config: {path} not found") from None
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: invalid JSON at line {e.lineno}: {e.msg}") from None

    def own(section: dict, key: str, value, where: str) -> None:
        if section.get(key, "auto") not in ("auto", value):
            raise ConfigError(
                f'{path}: {where}{key}={section[key]} conflicts with the training config ({value}); use "auto"'
            )
        section[key] = value

    for key, value in {
        "train_batch_size": plan.global_batch_size,
        "train_micro_batch_size_per_gpu": plan.micro_batch_size,
        "gradient_accumulation_steps": plan.grad_accum,
        "gradient_clipping": cfg.optim.grad_clip,
    }.items():
        own(ds, key, value, "")
    zero = ds.setdefault("zero_optimization", {})
    for key, value in {
        "reduce_bucket_size": hidden_size * hidden_size,
        "stage3_prefetch_bucket_size": int(0.9 * hidden_size * hidden_size),
        "stage3_param_persistence_threshold": 10 * hidden_size,
    }.items():
        if zero.get(key) == "auto":
            zero[key] = value
    if "optimizer" in ds:
        o = cfg.optim
        params = ds["optimizer"].setdefault("params", {})
        for key, value in {"lr": o.lr, "betas": list(o.betas), "eps": o.eps, "weight_decay": o.weight_decay}.items():
            own(params, key, value, "optimizer.params.")
    ds["bf16"] = {"enabled": cfg.deepspeed.precision == "bf16"}
    ds.setdefault("steps_per_print", 10**9)  # our own logging; DeepSpeed's per-step prints are noise
    return ds


def new_loss_totals(num_sources: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """The accumulator `add_losses` fills: loss sum, tokens, then per-source loss sums and per-source tokens.

    It lives on the losses' device: no host sync per micro batch, and NCCL (which only reduces CUDA tensors) can
    all-reduce it."""
    return torch.zeros(2 + 2 * num_sources, dtype=torch.float64, device=device)


def add_losses(
    totals: torch.Tensor, token_loss: torch.Tensor, sources: torch.Tensor, targets: torch.Tensor | None = None
) -> None:
    """Accumulate [loss sum, tokens, per-source loss sums..., per-source tokens...] from (samples, tokens) losses;
    `targets` (bool, same shape) marks the tokens that count (SFT: response tokens), all of them when None."""
    n_src = (len(totals) - 2) // 2
    sample_sums = token_loss.detach().sum(dim=1).double().to(totals.device)
    if targets is None:
        counts = torch.full((len(sources),), float(token_loss.size(1)), dtype=torch.float64, device=totals.device)
    else:
        counts = targets.sum(dim=1).double().to(totals.device)
    sources = sources.to(totals.device)
    totals[0] += sample_sums.sum()
    totals[1] += counts.sum()
    totals[2 : 2 + n_src].index_add_(0, sources, sample_sums)
    totals[2 + n_src :].index_add_(0, sources, counts)


def token_cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy per token, (samples, tokens), computed in fp32; 0 where the label is IGNORE (SFT context)."""
    return F.cross_entropy(
        logits.float().view(-1, logits.size(-1)), labels.view(-1), reduction="none", ignore_index=IGNORE
    ).view(labels.shape)


def reduce_losses(totals: torch.Tensor, names: list[str]) -> tuple[float, dict[str, float]]:
    """Sum over ranks; (token-mean loss, token-mean loss per source that had tokens)."""
    torch.distributed.all_reduce(totals, op=torch.distributed.ReduceOp.SUM)
    values, n_src = totals.tolist(), len(names)  # one device-to-host copy
    sums, counts = values[2 : 2 + n_src], values[2 + n_src :]
    return values[0] / max(values[1], 1.0), {n: sums[i] / counts[i] for i, n in enumerate(names) if counts[i] > 0}


def install_stop_handler() -> dict:
    """SIGTERM (Slurm preemption, torchrun shutdown) and SIGINT set a flag the loop checks after each step."""
    flag = {"stop": False}

    def handler(signum, frame):  # noqa: ARG001 - signal handler signature
        flag["stop"] = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)
    return flag


def stop_requested(flag: dict, device: torch.device | str = "cpu") -> bool:
    """True on every rank when any rank received a stop signal (they must save the same step together)."""
    t = torch.tensor([1.0 if flag["stop"] else 0.0], device=device)  # on the device: NCCL reduces CUDA tensors only
    torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
    return bool(t.item())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The periodic few-shot evaluation: (generator, task names, limit=, benchmarks_dir=, max_new_tokens=) → (summary per
# task, rows). `mathcpt train` passes pipeline.eval's `evaluate_tasks`; train itself never imports eval.
TaskEvaluator = Callable[..., tuple[dict, list[dict]]]


class Trainer:
    def __init__(self, cfg: TrainConfig, config_path: str | Path, task_evaluator: TaskEvaluator | None = None):
        if cfg.train.task_eval_every and task_evaluator is None:
            raise ConfigError(
                "train.task_eval_every: periodic task evaluation needs an evaluator (`mathcpt train` passes "
                "pipeline.eval.evaluate.evaluate_tasks; pass task_evaluator= when building the Trainer yourself)"
            )
        self.cfg = cfg
        self.task_evaluator = task_evaluator
        self.config_dir = Path(config_path).resolve().parent
        self.out = Path(cfg.output_dir)
        self.step = 0
        self.samples_consumed = 0
        self._task_generator = None

    # ------------------------------------------------------------------ setup
    def init_distributed(self) -> None:
        import deepspeed
        import deepspeed.ops

        # DeepSpeed still calls the old collective names; the warning repeats every step and hides our logs.
        warnings.filterwarnings("ignore", message=r".*`torch\.distributed\.\w+` is deprecated", category=FutureWarning)
        if not torch.cuda.is_available():
            # Without this the first CPU launch JIT-compiles a shared-memory comm op (~30 s, needs a compiler).
            deepspeed.ops.__compatible_ops__["deepspeed_shm_comm"] = False
        if "RANK" not in os.environ:
            # `mathcpt train` without a launcher: a one-rank job instead of DeepSpeed's MPI discovery.
            os.environ.update(RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1")
            os.environ.setdefault("MASTER_PORT", str(_free_port()))
        if torch.cuda.is_available():
            # Before any collective: NCCL and the object collectives used before the engine exists (resume checks)
            # run on the current device, which must be this rank's GPU, not GPU 0 for every rank.
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        deepspeed.init_distributed(dist_backend="nccl" if torch.cuda.is_available() else "gloo")
        self.rank = torch.distributed.get_rank()
        self.world_size = torch.distributed.get_world_size()
        self.is_main = self.rank == 0
        rank_zero_logging(self.rank)
        self.plan = batch_plan(self.cfg, self.world_size)
        if self.is_main:
            p = self.plan
            logger.info(
                f"batch: global {p.global_batch_size} seqs = micro {p.micro_batch_size} × world {p.world_size} × "
                f"accum {p.grad_accum}; {p.tokens_per_step:,} tokens/step of seq_len {p.seq_len}"
            )

    def prepare_output(self) -> None:
        """A fresh output folder, or the same run's folder to resume from (`train.resume: auto`)."""
        ckpt = self.out / "checkpoints"
        self.resume_tag = checkpoint.latest_tag(ckpt) if ckpt.is_dir() else None
        # Every rank checks (a raise on rank 0 alone would leave the others waiting at the barrier forever).
        if self.resume_tag and self.cfg.train.resume == "never":
            raise ConfigError(
                f"output_dir {self.out} already holds checkpoints and train.resume is never; choose a new output_dir"
            )
        if self.resume_tag:
            saved = yaml.safe_load((self.out / "train_config.resolved.yaml").read_text())
            mine = json.loads(self.cfg.model_dump_json())
            changed = [k for k in ("model", "data", "batch") if saved.get(k) != mine.get(k)]
            if changed:
                raise ConfigError(
                    f"output_dir {self.out} holds checkpoints of another model or config ({', '.join(changed)} "
                    f"differ from train_config.resolved.yaml); choose a new output_dir"
                )
            self.prepare_resume(ckpt)
        torch.distributed.barrier()
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "train_config.resolved.yaml").write_text(dump(self.cfg))
        torch.distributed.barrier()

    def prepare_resume(self, ckpt: Path) -> None:
        """Resume from `ckpt/<tag>` as saved, or, when it was saved by another number of ranks, from its DeepSpeed
        universal form (converted once by rank 0; every rank learns the outcome, so a failure cannot hang the rest)."""
        self.load_dir, self.load_universal = ckpt, False
        saved_world = checkpoint.read_state(ckpt, self.resume_tag)["world_size"]
        if saved_world == self.world_size:
            return
        outcome = [None]
        if self.is_main:
            try:
                if not checkpoint.universal_dir(ckpt, self.resume_tag):
                    logger.info(
                        f"{ckpt / self.resume_tag} was saved by {saved_world} ranks, this job has "
                        f"{self.world_size}: converting it to a universal checkpoint"
                    )
                    checkpoint.convert_to_universal(ckpt, self.resume_tag)
            except ConfigError as e:
                outcome = [str(e)]
        torch.distributed.broadcast_object_list(outcome, src=0)
        if outcome[0]:
            raise ConfigError(outcome[0])
        self.load_dir, self.load_universal = ckpt / checkpoint.UNIVERSAL, True

    def build_dataloader(self) -> None:
        t = self.cfg.train
        self.data_path = self.cfg.data.path  # recorded in every checkpoint
        d = self.cfg.data
        try:
            self.data = PackedMixture(d.path, d.seq_len, t.seed, weights=d.weights, stages=self.stage_starts())
        except MixtureError as e:  # names its field: data.weights, data.stages[i].weights, data.stages[i].path
            raise ConfigError(f"data.{e}") from None
        except ValueError as e:
            raise ConfigError(f"data: {e}") from None
        if self.data.masked != (t.objective == "sft"):
            raise ConfigError(
                f"train.objective is {t.objective} but {self.cfg.data.path} holds "
                + ("SFT shards (with loss masks): set train.objective: sft" if self.data.masked else
                   "shards without loss masks: SFT data comes from `mathcpt sft-data`")
            )  # fmt: skip
        # Epochs: passes over every source's windows of data.path at the mixture's shares (for SFT, the usual single
        # source); a stage's other data run does not count.
        self.max_steps = t.max_steps or math.ceil(
            t.epochs * sum(self.data.windows[n] for n in self.data.run_sources[""]) / self.plan.global_batch_size
        )
        if self.is_main and t.epochs:
            logger.info(f"train.epochs {t.epochs}: {self.max_steps} steps")
        self.validation = None
        if self.cfg.train.eval_every:
            try:
                self.validation = PackedMixture(
                    self.cfg.data.path, self.cfg.data.seq_len, self.cfg.train.seed, split="validation"
                )
            except ValueError as e:
                raise ConfigError(f"train.eval_every needs a validation split in the data run: {e}") from None

    def stage_starts(self) -> list[Stage]:
        """data.stages as loader stages (first global sample, weights, other data run): a stage starts at a step
        boundary, so every rank and every world size switches at the same sample."""
        d, gb = self.cfg.data, self.plan.global_batch_size
        out = []
        for st in getattr(d, "stages", []):
            step = st.from_step if st.from_step is not None else math.ceil(st.from_tokens / (d.seq_len * gb))
            out.append(Stage(step * gb, st.weights, getattr(st, "path", None)))
        return out

    def model_architecture(self):
        """The architecture to build (cheap: no weights); the DeepSpeed config derives its buckets from it."""
        from pipeline.train.model import model_config

        return model_config(self.cfg.model, self.data.vocab_size)

    def create_model(self, config, dtype: torch.dtype):
        """The model, built or loaded under the live HfDeepSpeedConfig (so each rank holds only its partition)."""
        from pipeline.train.model import build_model

        return build_model(self.cfg.model, config, dtype)

    def build_model(self) -> None:
        import deepspeed
        from transformers.integrations import HfDeepSpeedConfig

        config = self.model_architecture()
        self.ds_config = deepspeed_config(self.cfg, self.plan, self.config_dir, config.hidden_size)
        # Must be alive before the model exists: transformers reads it to build/load under zero.Init.
        if self.resume_tag and self.load_universal:
            self.ds_config.setdefault("checkpoint", {})["load_universal"] = True
        self._hf_ds_config = HfDeepSpeedConfig(self.ds_config)
        torch.manual_seed(self.cfg.train.seed)
        dtype = torch.bfloat16 if self.cfg.deepspeed.precision == "bf16" else torch.float32
        model = self.create_model(config, dtype)
        # The schedule counts optimizer steps: one per training step, or GRPO's mu per rollout batch.
        o, max_steps = self.cfg.optim, getattr(self, "scheduler_steps", self.max_steps)
        groups = [
            {"params": [p for p in model.parameters() if p.ndim >= 2], "weight_decay": o.weight_decay},
            {"params": [p for p in model.parameters() if p.ndim < 2], "weight_decay": 0.0},  # norms and biases
        ]

        def scheduler(wrapped_optimizer):
            # Built on DeepSpeed's wrapped optimizer: ZeRO-3 regroups parameters, so a scheduler made on the raw
            # torch optimizer would step the wrong param groups.
            return torch.optim.lr_scheduler.LambdaLR(
                wrapped_optimizer,
                lambda s: lr_multiplier(s, o.schedule, o.warmup_steps, max_steps, o.min_lr_ratio, o.decay_fraction),
            )

        if "optimizer" in self.ds_config:
            # GPU configs name DeepSpeed's fused (or CPU-offload) Adam; it takes our parameter groups.
            self.engine, _, _, _ = deepspeed.initialize(
                model=model, model_parameters=groups, lr_scheduler=scheduler, config=self.ds_config
            )
        else:
            # A torch AdamW: DeepSpeed's CPU Adam would JIT-compile an extension on first use on CPU.
            optimizer = torch.optim.AdamW(groups, lr=o.lr, betas=o.betas, eps=o.eps)
            self.ds_config["zero_allow_untested_optimizer"] = True
            self.engine, _, _, _ = deepspeed.initialize(
                model=model, optimizer=optimizer, lr_scheduler=scheduler, config=self.ds_config
            )
        self.model_config = model.config
        num_parameters = self.write_run_info()
        self.flops_per_token = (
            6 * num_parameters + 12 * config.num_hidden_layers * config.hidden_size * self.plan.seq_len
        )
        # 6N for the dense matmuls plus causal attention (PaLM's accounting)
        if self.resume_tag:
            self.load_checkpoint(self.resume_tag)

    def write_run_info(self) -> int:
        """run_info.json: batch plan and how ZeRO-3 partitioned the parameters (each rank's share); returns the
        model's parameter count."""
        local = sum(
            p.ds_tensor.numel() if hasattr(p, "ds_tensor") else p.numel() for p in self.engine.module.parameters()
        )
        total = sum(getattr(p, "ds_numel", p.numel()) for p in self.engine.module.parameters())
        shares = [None] * self.world_size
        torch.distributed.all_gather_object(shares, local)
        if self.is_main:
            info = {
                "world_size": self.world_size,
                "batch": self.plan.__dict__,
                "parameters": total,
                "parameters_per_rank": shares,
                "zero_stage": self.engine.zero_optimization_stage(),
            }
            (self.out / "run_info.json").write_text(json.dumps(info, indent=2))
            logger.info(f"ZeRO-{info['zero_stage']}: {total:,} parameters, per rank {shares}")
        return total

    # ------------------------------------------------------------------ training
    def token_losses(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Forward with packed positions (no mask, no cache) → cross-entropy per token, shaped (samples, tokens);
        0 where the label is IGNORE (SFT context tokens)."""
        device = self.engine.device
        logits = self.engine(
            input_ids=batch["input_ids"].to(device),
            position_ids=batch["position_ids"].to(device),
            attention_mask=None,
            use_cache=False,
        ).logits
        return token_cross_entropy(logits, batch["labels"].to(device))

    def train_step(self) -> tuple[float, dict[str, float]]:
        """One optimizer step over grad_accum micro batches: (mean loss over all ranks, mean loss per source).

        CPT: each micro batch's token mean (every micro batch holds the same number of targets). SFT: the targets
        differ per sample, so the step's loss is the sum over every target token of the global batch divided by
        their number, whatever the split into ranks and micro batches: each rank counts the step's targets from
        the loader (a pure function of the index), and DeepSpeed's averaging over ranks and accumulation steps is
        undone by the factor world × accumulation."""
        p, totals = self.plan, new_loss_totals(len(self.data.names), self.engine.device)
        if self.data.masked:
            first = self.step * p.global_batch_size
            step_targets = self.data.target_count(range(first, first + p.global_batch_size))
            scale = p.world_size * p.grad_accum / max(step_targets, 1)
        for micro in range(p.grad_accum):
            idx = global_indices(self.step, micro, self.rank, p.world_size, p.micro_batch_size, p.grad_accum)
            batch = self.data.batch(idx)
            token_loss = self.token_losses(batch)
            targets = batch["labels"] != IGNORE if self.data.masked else None
            self.engine.backward(token_loss.sum() * scale if self.data.masked else token_loss.mean())
            self.engine.step()  # DeepSpeed steps the optimizer only at the accumulation boundary
            add_losses(totals, token_loss, batch["source"], targets)
        self.step += 1
        self.samples_consumed += p.global_batch_size
        return reduce_losses(totals, self.data.names)

    def train(self) -> None:
        cfg = self.cfg
        metrics = MetricsLogger(self.out, cfg, enabled=self.is_main)
        started, start_step = time.time(), self.step
        stop = install_stop_handler()
        try:
            while self.step < self.max_steps:
                t0 = time.time()
                lr = self.engine.get_lr()[0]
                loss, per_source = self.train_step()
                dt = time.time() - t0
                if self.step % cfg.train.log_every == 0 or self.step == self.max_steps:
                    metrics.log(self.step_metrics(loss, per_source, lr, dt, started, start_step))
                if self.validation is not None and self.step % cfg.train.eval_every == 0:
                    metrics.log(self.validation_metrics())
                if cfg.train.task_eval_every and self.step % cfg.train.task_eval_every == 0:
                    metrics.log(self.task_eval_metrics())
                if stop_requested(stop, self.engine.device):
                    # Graceful preemption: the step is finished; save it and leave with status 0.
                    logger.warning(f"stop signal received: saving step {self.step} and exiting")
                    self.save_checkpoint()
                    return
                if cfg.train.save_every and self.step % cfg.train.save_every == 0 and self.step < self.max_steps:
                    self.save_checkpoint()
            metrics.log(self.final_metrics())
            self.save_checkpoint()
        finally:
            metrics.close(wall_seconds=time.time() - started)

    def final_metrics(self) -> dict:
        """Logged once at the end: the loss of the final weights on the first training samples (export checks it)."""
        return {"step": self.step, "eval_loss": self.evaluate()[0]}

    def step_metrics(
        self, loss: float, per_source: dict[str, float], lr: float, dt: float, started: float, start_step: int
    ) -> dict:
        tokens_per_s = self.plan.tokens_per_step / dt
        row = {
            "step": self.step,
            "loss": round(loss, 6),
            "lr": lr,
            "tokens": self.samples_consumed * self.plan.seq_len,
            "samples": self.samples_consumed,
            "tokens_per_s": round(tokens_per_s, 1),
            "eta_s": round((time.time() - started) / (self.step - start_step) * (self.max_steps - self.step), 1),
        }
        row.update({f"loss/{name}": round(v, 6) for name, v in per_source.items()})
        if len(self.data.stage_starts) > 1:  # the stage of the step just taken
            row["data_stage"] = self.data.stage_of(self.samples_consumed - 1)
        grad_norm = self.engine.get_global_grad_norm()
        if grad_norm is not None:
            row["grad_norm"] = round(float(grad_norm), 6)
        if self.cfg.train.peak_tflops:
            row["mfu"] = round(
                tokens_per_s * self.flops_per_token / (self.cfg.train.peak_tflops * 1e12 * self.world_size), 4
            )
        if torch.cuda.is_available():
            row["memory_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        return row

    @torch.no_grad()
    def evaluate(self, data: PackedMixture | None = None, num_samples: int = 16) -> tuple[float, dict[str, float]]:
        """Token-mean loss (and per source) of the current weights on the first samples of a sequence, all ranks.

        On the training sequence it is logged as `eval_loss` so an exported model can be checked against the model
        that was trained; on the validation split as `val_loss` and `val_ppl` per source. Ranks take equal contiguous
        slices in micro-batch chunks (ZeRO-3 needs every rank in every forward).
        """
        data = data or self.data
        micro, world = self.plan.micro_batch_size, self.world_size
        per_rank = -(-max(num_samples, world) // world)
        per_rank = -(-per_rank // micro) * micro
        first = self.rank * per_rank
        self.engine.eval()
        totals = new_loss_totals(len(data.names), self.engine.device)
        for start in range(first, first + per_rank, micro):
            batch = data.batch(list(range(start, start + micro)))
            token_loss = self.token_losses(batch)
            add_losses(totals, token_loss, batch["source"], batch["labels"] != IGNORE if data.masked else None)
        self.engine.train()
        return reduce_losses(totals, data.names)

    def validation_metrics(self) -> dict:
        loss, per_source = self.evaluate(self.validation, self.cfg.train.eval_samples)
        row = {"step": self.step, "val_loss": round(loss, 6), "val_ppl": round(math.exp(min(loss, 50)), 4)}
        for name, value in per_source.items():
            row[f"val_loss/{name}"], row[f"val_ppl/{name}"] = round(value, 6), round(math.exp(min(value, 50)), 4)
        return row

    def task_eval_metrics(self) -> dict:
        """A small few-shot generation eval on the live ZeRO-3 model (`task_evaluator`), every rank taking part."""
        t, started = self.cfg.train, time.time()
        if self._task_generator is None:  # built once: the tokenizer load is not per evaluation
            self._task_generator = ShardedGenerator(
                self.engine.module, Path(self.cfg.data.path) / "tokenizer", self.rank, self.world_size
            )
        generator = self._task_generator
        self.engine.module.eval()
        try:
            summaries, _ = self.task_evaluator(
                generator,
                t.task_eval,
                limit=t.task_eval_limit,
                benchmarks_dir=t.task_eval_benchmarks_dir,
                max_new_tokens=t.task_eval_max_new_tokens,
            )
        finally:
            self.engine.module.train()
        row = {"step": self.step, "task_eval_seconds": round(time.time() - started, 2)}
        row.update({f"task_eval/{name}/accuracy": round(r["accuracy"], 4) for name, r in summaries.items()})
        return row

    def save_checkpoint(self) -> Path:
        """Atomic ZeRO-3 checkpoint with the trainer state (pipeline.train.checkpoint)."""
        state = {
            "step": self.step,
            "samples_consumed": self.samples_consumed,
            "world_size": self.world_size,
            "data_path": str(self.data_path),
            "seed": self.cfg.train.seed,
            "rng_cpu": torch.get_rng_state().tolist(),
        }
        path = checkpoint.save(
            self.engine,
            self.out / "checkpoints",
            f"step_{self.step:08d}",
            state,
            self.is_main,
            self.write_export_files,
            self.cfg.train.keep_last,
        )
        if self.is_main:
            logger.info(f"saved checkpoint {path}")
        return path

    def write_export_files(self, folder: Path) -> None:
        """What export needs to rebuild an HF model: the architecture and the tokenizer of the shards."""
        self.model_config.save_pretrained(str(folder))
        tok_dir = Path(self.cfg.data.path) / "tokenizer"
        if tok_dir.is_dir():
            # The data run wrote it with save_pretrained (pipeline.data.tokenize): a copy is the same folder.
            shutil.copytree(tok_dir, folder / "tokenizer", dirs_exist_ok=True)

    def load_checkpoint(self, tag: str) -> None:
        """Model, optimizer, scheduler and the loader position: the run continues exactly where it stopped."""
        ckpt = self.load_dir
        _, client = self.engine.load_checkpoint(str(ckpt), tag=tag)
        self.step, self.samples_consumed = client["step"], client["samples_consumed"]
        torch.set_rng_state(torch.tensor(client["rng_cpu"], dtype=torch.uint8))
        if self.is_main:
            logger.info(f"resumed from {ckpt / tag}: step {self.step}, {self.samples_consumed:,} samples consumed")

    def close(self, barrier: bool = True) -> None:
        """`barrier=False` when leaving on an error: the other ranks may never reach a barrier, and this rank must
        exit (so torchrun stops the job) rather than wait for them."""
        if torch.distributed.is_initialized():
            if barrier:
                torch.distributed.barrier()
            torch.distributed.destroy_process_group()


class ShardedGenerator:
    """The eval generator interface over a ZeRO-3 model in training: each rank generates its share of the prompts
    (`synced_gpus` keeps every rank stepping until all are done, as ZeRO-3 gathers each layer from all ranks),
    then every rank receives all completions in order."""

    def __init__(self, module, tokenizer_dir: Path, rank: int, world_size: int):
        from pipeline.shared.generation import generation_tokenizer

        self.module, self.rank, self.world_size = module, rank, world_size
        self.tokenizer = generation_tokenizer(str(tokenizer_dir))
        self.generated_tokens = 0

    @torch.no_grad()
    def generate(self, prompts: list[str], s) -> list[list[str]]:
        from pipeline.shared.generation import cut_at_stop

        mine = list(range(self.rank, len(prompts), self.world_size)) or [0]  # a rank with nothing still steps along
        device = next(self.module.parameters()).device
        enc = self.tokenizer([prompts[i] for i in mine], return_tensors="pt", padding=True).to(device)
        out = self.module.generate(
            **enc,
            max_new_tokens=s.max_new_tokens,
            do_sample=False,
            synced_gpus=True,
            pad_token_id=self.tokenizer.pad_token_id,
            eos_token_id=self.tokenizer.eos_token_id,
            use_cache=True,
        )
        texts = self.tokenizer.batch_decode(out[:, enc["input_ids"].shape[1] :], skip_special_tokens=True)
        local = {i: [cut_at_stop(t, s.stop)] for i, t in zip(mine, texts) if self.rank < len(prompts)}
        gathered = [None] * self.world_size
        torch.distributed.all_gather_object(gathered, local)
        merged = {k: v for part in gathered for k, v in part.items()}
        self.generated_tokens += int((out[:, enc["input_ids"].shape[1] :] != self.tokenizer.pad_token_id).sum())
        return [merged[i] for i in range(len(prompts))]


def run_training(cfg: TrainConfig, config_path: str | Path, task_evaluator: TaskEvaluator | None = None) -> None:
    """parse → build → train → close (torchtitan's shape); an error closes without the final barrier."""
    drive(Trainer(cfg, config_path, task_evaluator))


def drive(trainer: Trainer) -> None:
    """The one run order every trainer shares (CPT/SFT, reward model, GRPO); an error closes without the barrier."""
    try:
        trainer.init_distributed()
        trainer.prepare_output()
        trainer.build_dataloader()
        trainer.build_model()
        trainer.train()
    except BaseException:
        trainer.close(barrier=False)
        raise
    trainer.close()
