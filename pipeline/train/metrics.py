"""Training metrics: `metrics.jsonl` (one JSON object per logged step, the record tests and reports read) and wandb.

    mathcpt train configs/tiny_cpu.yaml      # writes OUTPUT_DIR/metrics.jsonl and OUTPUT_DIR/wandb/

wandb runs in the mode the config says (offline by default: no network, files under OUTPUT_DIR/wandb); its API key,
if any, comes from the WANDB_API_KEY environment variable and is never written to configs or logs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from loguru import logger

from pipeline.config.train import TrainConfig
from pipeline.shared.jsonl import read_jsonl

METRICS = "metrics.jsonl"


class MetricsLogger:
    def __init__(self, out: Path, cfg: TrainConfig, enabled: bool):
        self.enabled = enabled
        self.run = None
        if not enabled:
            return
        self.file = (out / METRICS).open("a", encoding="utf-8")
        if cfg.wandb.enabled and cfg.wandb.mode != "disabled":
            import wandb

            os.environ.setdefault("WANDB_SILENT", "true")
            settings = dict(
                project=cfg.wandb.project,
                entity=cfg.wandb.entity,
                name=cfg.run_name,
                tags=cfg.wandb.tags,
                group=getattr(cfg.wandb, "group", None),
                dir=str(out),
                config=json.loads(cfg.model_dump_json()),
            )
            try:
                self.run = wandb.init(mode=cfg.wandb.mode, **settings)
            except Exception as e:  # noqa: BLE001 - a key or network problem must not stop a multi-node job
                if cfg.wandb.mode != "online":
                    raise
                logger.warning(f"wandb online failed ({type(e).__name__}: {e}); logging offline under {out}/wandb")
                self.run = wandb.init(mode="offline", **settings)

    def log(self, row: dict) -> None:
        if not self.enabled:
            return
        self.file.write(json.dumps(row) + "\n")
        self.file.flush()
        if self.run is not None:
            try:
                self.run.log({k: v for k, v in row.items() if k != "step"}, step=row["step"])
            except Exception as e:  # noqa: BLE001 - see _wandb_lost
                self._wandb_lost(e)
        logger.info(" | ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))

    def close(self, wall_seconds: float) -> None:
        if not self.enabled:
            return
        self.file.close()
        if self.run is not None:
            try:
                self.run.summary["wall_seconds"] = wall_seconds
                self.run.finish()
            except Exception as e:  # noqa: BLE001 - see _wandb_lost
                self._wandb_lost(e)

    def _wandb_lost(self, error: Exception) -> None:
        """wandb's service process died (on Slurm, a preemption's SIGTERM reaches every process of the job, wandb's
        too): training goes on and saves, metrics.jsonl keeps every row, only the dashboard stops here."""
        logger.warning(f"wandb stopped ({type(error).__name__}: {error}); {METRICS} keeps logging every step")
        self.run = None


def read_metrics(run_dir: str | Path) -> list[dict]:
    """Every row of a training run's metrics.jsonl (steps, evaluations), in the order they were logged."""
    return [row for _, row in read_jsonl(Path(run_dir) / METRICS)]


def training_report(run: Path) -> str:
    all_rows = read_metrics(run)
    rows = [r for r in all_rows if "loss" in r]
    evals = [r for r in all_rows if "eval_loss" in r]
    if not rows:
        return f"# Training run {run}\n\nNo steps logged yet.\n"
    first, last = rows[0], rows[-1]
    lines = [
        f"# Training run {run}",
        "",
        f"- steps: {last['step']}, tokens: {last['tokens']:,}",
        f"- loss: {first['loss']:.4f} at step {first['step']} → {last['loss']:.4f} at step {last['step']}",
        f"- last lr: {last['lr']:.3g}, throughput: {last.get('tokens_per_s', 0):,.0f} tokens/s",
        *(f"- eval loss at step {e['step']}: {e['eval_loss']:.4f}" for e in evals),
        "",
        "| step | loss | lr | tokens |",
        "|---:|---:|---:|---:|",
    ]
    every = max(1, len(rows) // 20)
    for r in rows[::every] + ([last] if (len(rows) - 1) % every else []):
        lines.append(f"| {r['step']} | {r['loss']:.4f} | {r['lr']:.3g} | {r['tokens']:,} |")
    return "\n".join(lines) + "\n"
