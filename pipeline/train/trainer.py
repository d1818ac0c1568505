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
import os
import socket
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from loguru import logger

from pipeline.config import TrainConfig, dump
from pipeline.errors import ConfigError
from pipeline.logs import rank_zero_logging
from pipeline.train.data_loader import PackedMixture, global_indices
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
            raise ConfigError(f"{path}: {where}{key}={section[key]} conflicts with the training config ({value}); "
                              f'use "auto"')  # fmt: skip
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Trainer:
    def __init__(self, cfg: TrainConfig, config_path: str | Path):
        self.cfg = cfg
        self.config_dir = Path(config_path).resolve().parent
        self.out = Path(cfg.output_dir)
        self.step = 0
        self.samples_consumed = 0

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
        ckpt = self.out / "checkpoints"
        # Every rank checks (a raise on rank 0 alone would leave the others waiting at the barrier forever).
        if ckpt.exists() and any(ckpt.iterdir()):
            raise ConfigError(f"output_dir {self.out} already holds checkpoints from another run; choose a new output_dir")
        torch.distributed.barrier()
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "train_config.resolved.yaml").write_text(dump(self.cfg))
        torch.distributed.barrier()

    def build_dataloader(self) -> None:
        self.data = PackedMixture(self.cfg.data.path, self.cfg.data.seq_len, self.cfg.train.seed)

    def build_model(self) -> None:
        import deepspeed
        from transformers.integrations import HfDeepSpeedConfig

        from pipeline.train.model import build_model, model_config

        config = model_config(self.cfg.model, self.data.vocab_size)
        self.ds_config = deepspeed_config(self.cfg, self.plan, self.config_dir, config.hidden_size)
        # Must be alive before the model exists: transformers reads it to build/load under zero.Init.
        self._hf_ds_config = HfDeepSpeedConfig(self.ds_config)
        torch.manual_seed(self.cfg.train.seed)
        dtype = torch.bfloat16 if self.cfg.deepspeed.precision == "bf16" else torch.float32
        model = build_model(self.cfg.model, config, dtype)
        o, max_steps = self.cfg.optim, self.cfg.train.max_steps
        groups = [
            {"params": [p for p in model.parameters() if p.ndim >= 2], "weight_decay": o.weight_decay},
            {"params": [p for p in model.parameters() if p.ndim < 2], "weight_decay": 0.0},  # norms and biases
        ]

        def scheduler(wrapped_optimizer):
            # Built on DeepSpeed's wrapped optimizer: ZeRO-3 regroups parameters, so a scheduler made on the raw
            # torch optimizer would step the wrong param groups.
            return torch.optim.lr_scheduler.LambdaLR(
                wrapped_optimizer, lambda s: lr_multiplier(s, o.schedule, o.warmup_steps, max_steps, o.min_lr_ratio)
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
        self.write_run_info()

    def write_run_info(self) -> None:
        """run_info.json: batch plan and how ZeRO-3 partitioned the parameters (each rank's share)."""
        local = sum(p.ds_tensor.numel() if hasattr(p, "ds_tensor") else p.numel() for p in self.engine.module.parameters())
        total = sum(getattr(p, "ds_numel", p.numel()) for p in self.engine.module.parameters())
        shares = [None] * self.world_size
        torch.distributed.all_gather_object(shares, local)
        if self.is_main:
            info = {"world_size": self.world_size, "batch": self.plan.__dict__, "parameters": total,
                    "parameters_per_rank": shares, "zero_stage": self.engine.zero_optimization_stage()}  # fmt: skip
            (self.out / "run_info.json").write_text(json.dumps(info, indent=2))
            logger.info(f"ZeRO-{info['zero_stage']}: {total:,} parameters, per rank {shares}")

    # ------------------------------------------------------------------ training
    def train_step(self) -> float:
        """One optimizer step over grad_accum micro batches; returns the step's mean loss over all ranks."""
        p, losses = self.plan, []
        for micro in range(p.grad_accum):
            idx = global_indices(self.step, micro, self.rank, p.world_size, p.micro_batch_size, p.grad_accum)
            batch = self.data.batch(idx)
            device = self.engine.device
            logits = self.engine(
                input_ids=batch["input_ids"].to(device),
                position_ids=batch["position_ids"].to(device),
                attention_mask=None,
                use_cache=False,
            ).logits
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), batch["labels"].to(device).view(-1))
            self.engine.backward(loss)
            self.engine.step()  # DeepSpeed steps the optimizer only at the accumulation boundary
            losses.append(loss.detach())
        mean = torch.stack(losses).mean()
        torch.distributed.all_reduce(mean, op=torch.distributed.ReduceOp.SUM)  # gloo has no AVG
        mean /= self.world_size
        self.step += 1
        self.samples_consumed += p.global_batch_size
        return float(mean)

    def train(self) -> None:
        cfg = self.cfg
        metrics = MetricsLogger(self.out, cfg, enabled=self.is_main)
        started = time.time()
        try:
            while self.step < cfg.train.max_steps:
                t0 = time.time()
                lr = self.engine.get_lr()[0]
                loss = self.train_step()
                dt = time.time() - t0
                if self.step % cfg.train.log_every == 0 or self.step == cfg.train.max_steps:
                    metrics.log({
                        "step": self.step,
                        "loss": round(loss, 6),
                        "lr": lr,
                        "tokens": self.samples_consumed * self.plan.seq_len,
                        "samples": self.samples_consumed,
                        "tokens_per_s": round(self.plan.tokens_per_step / dt, 1),
                        "eta_s": round((time.time() - started) / self.step * (cfg.train.max_steps - self.step), 1),
                    })  # fmt: skip
                if cfg.train.save_every and self.step % cfg.train.save_every == 0 and self.step < cfg.train.max_steps:
                    self.save_checkpoint()
            metrics.log({"step": self.step, "eval_loss": self.evaluate()})
            self.save_checkpoint()
        finally:
            metrics.close(wall_seconds=time.time() - started)

    @torch.no_grad()
    def evaluate(self, num_samples: int = 16) -> float:
        """Token-mean loss of the current weights on the first samples of the global sequence, over all ranks.

        Logged as `eval_loss` (metrics.jsonl) so an exported model can be checked against the model that was
        trained. Ranks take equal contiguous slices in micro-batch chunks (ZeRO-3 needs every rank in every forward).
        """
        micro, world = self.plan.micro_batch_size, self.world_size
        per_rank = -(-max(num_samples, world) // world)
        per_rank = -(-per_rank // micro) * micro
        first = self.rank * per_rank
        self.engine.eval()
        device = self.engine.device
        totals = torch.zeros(2, dtype=torch.float64)
        for start in range(first, first + per_rank, micro):
            batch = self.data.batch(list(range(start, start + micro)))
            logits = self.engine(input_ids=batch["input_ids"].to(device), position_ids=batch["position_ids"].to(device),
                                 attention_mask=None, use_cache=False).logits  # fmt: skip
            loss_sum = F.cross_entropy(logits.float().view(-1, logits.size(-1)), batch["labels"].to(device).view(-1),
                                       reduction="sum")  # fmt: skip
            totals += torch.tensor([loss_sum.item(), batch["labels"].numel()], dtype=torch.float64)
        torch.distributed.all_reduce(totals, op=torch.distributed.ReduceOp.SUM)
        self.engine.train()
        return float(totals[0] / totals[1])

    def save_checkpoint(self) -> Path:
        """ZeRO-3 checkpoint with the loader position; DeepSpeed writes `latest` last, so it marks completeness."""
        ckpt = self.out / "checkpoints"
        tag = f"step_{self.step:08d}"
        state = {"step": self.step, "samples_consumed": self.samples_consumed, "data_path": self.cfg.data.path}
        self.engine.save_checkpoint(str(ckpt), tag=tag, client_state=state)
        if self.is_main:
            # What export needs to rebuild an HF model: the architecture and the tokenizer of the shards.
            self.model_config.save_pretrained(str(ckpt / tag))
            tok_dir = Path(self.cfg.data.path) / "tokenizer"
            if tok_dir.is_dir():
                from transformers import AutoTokenizer

                AutoTokenizer.from_pretrained(str(tok_dir)).save_pretrained(str(ckpt / tag / "tokenizer"))
            logger.info(f"saved checkpoint {ckpt / tag}")
        torch.distributed.barrier()
        return ckpt / tag

    def close(self) -> None:
        if torch.distributed.is_initialized():
            torch.distributed.barrier()
            torch.distributed.destroy_process_group()


def run_training(cfg: TrainConfig, config_path: str | Path) -> None:
    """parse → build → train → close, with close in finally (torchtitan's shape)."""
    trainer = Trainer(cfg, config_path)
    try:
        trainer.init_distributed()
        trainer.prepare_output()
        trainer.build_dataloader()
        trainer.build_model()
        trainer.train()
    finally:
        trainer.close()
