"""`mathcpt ablate ABLATION.yaml`: data runs, proxy trainings, exports, scoring and the report, resumable.

    mathcpt ablate configs/ablations/demo.yaml [--set seeds=[0,1,2]] [--dry-run] [--overwrite]

Each step is the command a user would type (`mathcpt data`, `torchrun -m pipeline.cli train`, `mathcpt export`), run
as a child process with its log in `logs/`, so an ablation is exactly the runs it reports and each run can be
inspected or re-run alone. A step whose output is complete is skipped when the same command is run again (a data
run with its manifest, a training run with its exported model), so an interrupted ablation resumes where it
stopped; a failed step stops the ablation with its log's last lines. Writes `ablation.json` (plan, per-run times,
scores, comparison), `report.md`, `loss_curves.png`, `bpb_by_source.png`, and per run `scores.json`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from loguru import logger

from pipeline.ablation.plan import Plan, TrainRun, plan_ablation
from pipeline.ablation.report import write_report
from pipeline.ablation.score import compare, evaluation_texts, score_model
from pipeline.config.ablation import AblationConfig
from pipeline.config.base import dump
from pipeline.errors import ConfigError, DataError
from pipeline.shared.atomic import atomic_write_text

CLI = [sys.executable, "-m", "pipeline.cli"]


def run_step(argv: list[str], log: Path) -> float:
    """Run one child command with its output in `log`; its wall seconds, or a DataError with the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    started = time.time()
    with log.open("w") as f:
        f.write(" ".join(argv) + "\n")
        f.flush()
        code = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, env=env).returncode
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise DataError(f"ablation step failed (exit {code}), log {log}:\n{tail}")
    return time.time() - started


def train_command(cfg: AblationConfig, run: TrainRun) -> list[str]:
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(cfg.nproc),
            "-m", "pipeline.cli", "train", cfg.train]  # fmt: skip
    return argv + [a for s in run.sets for a in ("--set", s)]


def check_output(out: Path, cfg: AblationConfig, overwrite: bool) -> None:
    """An output folder holds one ablation: another config there is refused unless --overwrite."""
    resolved = out / "ablation.resolved.yaml"
    if resolved.is_file() and resolved.read_text() != dump(cfg) and not overwrite:
        raise ConfigError(
            f"{out} holds an ablation of another config ({resolved}); use another output_dir or --overwrite "
            "(completed data and training runs whose settings did not change are still reused)"
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(resolved, dump(cfg))


def run_ablation(cfg: AblationConfig, overwrite: bool = False) -> dict:
    started = time.time()
    plan: Plan = plan_ablation(cfg)
    out = Path(cfg.output_dir)
    check_output(out, cfg, overwrite)
    seconds = {"data": 0.0, "train": 0.0, "export": 0.0, "score": 0.0}
    per_run: dict[str, dict] = {}
    for d in plan.data_runs:
        if (d.folder / "manifest.json").is_file():
            logger.info(f"ablation: data run {d.key} ({', '.join(d.variants)}) is complete, reused")
            continue
        logger.info(f"ablation: data run {d.key} for {', '.join(d.variants)}")
        argv = [*CLI, "data", "run", cfg.recipe, "--out", str(d.folder), "--overwrite"]
        took = run_step(argv + [a for s in d.sets for a in ("--set", s)], out / "logs" / f"data_{d.key}.log")
        seconds["data"] += took
        per_run[f"data/{d.key}"] = {"seconds": round(took, 2)}
    for t in plan.train_runs:
        times = per_run.setdefault(t.name, {})
        if (t.model / "config.json").is_file():
            logger.info(f"ablation: {t.name} is trained and exported, reused")
            continue
        logger.info(f"ablation: training {t.name} ({t.max_steps} steps, {t.tokens:,} tokens)")
        log = out / "logs" / f"train_{t.variant}_seed{t.seed}.log"
        times["train_seconds"] = round(took := run_step(train_command(cfg, t), log), 2)
        seconds["train"] += took
        took = run_step([*CLI, "export", str(t.folder), "-o", str(t.model)], log.with_name(log.stem + "_export.log"))
        times["export_seconds"] = round(took, 2)
        seconds["export"] += took

    t0 = time.time()
    reference = next(d for d in plan.data_runs if plan.reference in d.variants)
    s = cfg.scoring
    texts = evaluation_texts(reference.folder, s.max_documents, s.benchmarks, s.benchmark_split, s.benchmarks_dir)
    if not texts:
        raise DataError(f"nothing to score: {reference.folder} has no held-out documents and no benchmark is named")
    scores: dict[str, dict[int, dict]] = {}
    for t in plan.train_runs:
        result = score_model(t.model, texts, t.seq_len)
        scores.setdefault(t.variant, {})[t.seed] = result
        atomic_write_text(t.folder / "scores.json", json.dumps(
            {src: {k: v.tolist() for k, v in r.items()} for src, r in result.items()}))  # fmt: skip
    comparison = compare(scores, s.bootstrap)
    fewshot = run_fewshot(cfg, plan) if s.fewshot else {}
    seconds["score"] = time.time() - t0
    seconds["total"] = time.time() - started
    summary = {
        "name": cfg.name,
        "seeds": cfg.seeds,
        "plan": plan.summary(),
        "runs": per_run,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "comparison": comparison,
        "fewshot": fewshot,
        "evaluation_documents": {src: len(v) for src, v in texts.items()},
    }
    write_report(out, cfg.name, summary, plan.train_runs)
    atomic_write_text(out / "ablation.json", json.dumps(summary, indent=1))
    return summary


def run_fewshot(cfg: AblationConfig, plan: Plan) -> dict:
    """Few-shot accuracy per variant (mean over seeds) through `mathcpt eval`, for proxies big enough to answer."""
    results: dict[str, list[float]] = {}
    out = Path(cfg.output_dir)
    for t in plan.train_runs:
        path = t.folder / "fewshot.json"
        if not path.is_file():
            argv = [*CLI, "eval", str(t.model), "--benchmarks", ",".join(cfg.scoring.fewshot), "--limit",
                    str(cfg.scoring.fewshot_limit), "-o", str(path)]  # fmt: skip
            if cfg.scoring.benchmarks_dir:
                argv += ["--benchmarks-dir", cfg.scoring.benchmarks_dir]
            run_step(argv, out / "logs" / f"fewshot_{t.variant}_seed{t.seed}.log")
        data = json.loads(path.read_text())
        for bench, r in (data.get("tasks") or {}).items():
            results.setdefault(f"{t.variant}/{bench}", []).append(float(r["accuracy"]))
    return {k: {"mean": round(float(np.mean(v)), 4), "per_seed": v} for k, v in results.items()}
