"""`mathcpt ablate ABLATION.yaml`: data runs, proxy trainings, exports, scoring and the report, resumable.

    mathcpt ablate configs/ablations/demo.yaml [--set seeds=[0,1,2]] [--dry-run] [--overwrite]
    mathcpt ablate configs/ablations/demo.yaml --set launcher.kind=slurm --set launcher.slurm.partition=gpu [--wait]

Each step is the command a user would type (`mathcpt data`, `torchrun -m pipeline.cli train`, `mathcpt export`), run
as a child process with its log in `logs/`, so an ablation is exactly the runs it reports and each run can be
inspected or re-run alone. A step whose output is complete is skipped when the same command is run again (a data
run with its manifest, a training run with its exported model), so an interrupted ablation resumes where it
stopped; a failed step stops the ablation with its log's last lines. Every step that runs records its wall seconds
in `timings/`, so the report's figures are the same whether the steps ran here one after the other (`launcher.kind:
local`) or as Slurm jobs (`pipeline.ablation.slurm`, where each job runs one step through `--step`). Writes
`ablation.json` (plan, per-run times, scores, comparison), `report.md`, `loss_curves.png`, `bpb_by_source.png`, and
per run `scores.json`.
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

from pipeline.ablation.plan import DataRun, Plan, TrainRun
from pipeline.ablation.report import write_report
from pipeline.ablation.score import compare, evaluation_texts, score_model
from pipeline.config.ablation import AblationConfig
from pipeline.config.base import dump, safe_load
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


def data_command(cfg: AblationConfig, run: DataRun) -> list[str]:
    argv = [*CLI, "data", "run", cfg.recipe, "--out", str(run.folder), "--overwrite"]
    return argv + [a for s in run.sets for a in ("--set", s)]


def check_output(out: Path, cfg: AblationConfig, overwrite: bool) -> None:
    """An output folder holds one ablation: another config there is refused unless --overwrite. The launcher is not
    part of an ablation's identity (runs a Slurm submission completed are reused locally, and the other way)."""
    resolved = out / "ablation.resolved.yaml"
    if resolved.is_file() and not overwrite:
        try:
            earlier = AblationConfig.model_validate(safe_load(resolved.read_text()))
            same = earlier.model_copy(update={"launcher": cfg.launcher}) == cfg
        except ValueError:  # written by another version: its settings cannot be compared
            same = False
        if not same:
            raise ConfigError(
                f"{out} holds an ablation of another config ({resolved}); use another output_dir or --overwrite "
                "(completed data and training runs whose settings did not change are still reused)"
            )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(resolved, dump(cfg))


# ------------------------------------------------------------------------------------------------ one step each


def timing_path(out: Path, name: str) -> Path:
    return out / "timings" / f"{name.replace('/', '_')}.json"


def record_timing(out: Path, name: str, seconds: dict[str, float]) -> None:
    """A step's wall seconds, with when it finished: the report sums the steps that ran since the ablation began."""
    record = {"run": name, "seconds": {k: round(v, 2) for k, v in seconds.items()}, "finished": time.time()}
    path = timing_path(out, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(record))


def data_is_complete(run: DataRun) -> bool:
    return (run.folder / "manifest.json").is_file()


def training_is_complete(run: TrainRun) -> bool:
    return (run.model / "config.json").is_file()


def run_data(cfg: AblationConfig, run: DataRun) -> None:
    """One data run (`mathcpt data run`), unless its manifest says it is complete. A recipe whose executor is Slurm
    submits its chain of jobs and returns: this step then waits for the chain, so it ends with the run complete
    (or an error) whatever the executor."""
    if data_is_complete(run):
        logger.info(f"ablation: data run {run.key} ({', '.join(run.variants)}) is complete, reused")
        return
    logger.info(f"ablation: data run {run.key} for {', '.join(run.variants)}")
    out = Path(cfg.output_dir)
    started = time.time()
    run_step(data_command(cfg, run), out / "logs" / f"data_{run.key}.log")
    chain = run.folder / "slurm" / "jobs.json"
    if not data_is_complete(run) and chain.is_file():
        ids = [j["job_id"] for j in json.loads(chain.read_text())]
        logger.info(f"ablation: waiting for data run {run.key}'s Slurm jobs {ids}")
        while queued(ids):
            time.sleep(5)
    if not data_is_complete(run):
        raise DataError(f"data run {run.folder} ended without its manifest.json (logs: {run.folder / 'logs'}, "
                        f"{out / 'logs' / f'data_{run.key}.log'})")  # fmt: skip
    record_timing(out, f"data/{run.key}", {"data": time.time() - started})


def queued(job_ids: list[str]) -> list[str]:
    """Those of job_ids still pending or running (squeue lists an array's tasks under its job id)."""
    if not job_ids:
        return []
    listed = subprocess.run(["squeue", "-h", "-o", "%F", "-j", ",".join(job_ids)], capture_output=True, text=True)
    if listed.returncode and "Invalid job id" not in listed.stderr:
        raise DataError(f"squeue failed: {listed.stderr.strip()}")
    return sorted(set(listed.stdout.split()) & set(job_ids))


def run_training(cfg: AblationConfig, run: TrainRun) -> None:
    """One proxy training run under torchrun and its export, unless its exported model is there."""
    if training_is_complete(run):
        logger.info(f"ablation: {run.name} is trained and exported, reused")
        return
    if not data_is_complete(run.data):
        raise DataError(f"{run.name}: its data run {run.data.folder} is not complete (run the data step first)")
    logger.info(f"ablation: training {run.name} ({run.max_steps} steps, {run.tokens:,} tokens)")
    out = Path(cfg.output_dir)
    log = out / "logs" / f"train_{run.variant}_seed{run.seed}.log"
    trained = run_step(train_command(cfg, run), log)
    exported = run_step(
        [*CLI, "export", str(run.folder), "-o", str(run.model)], log.with_name(log.stem + "_export.log")
    )
    record_timing(out, run.name, {"train": trained, "export": exported})


def run_one_step(cfg: AblationConfig, plan: Plan, step: str, index: int | None) -> dict | None:
    """What one Slurm job of an ablation runs: data run `index`, training run `index` (plan order), or the report."""
    if step == "report":
        return score_and_report(cfg, plan, since=submitted_at(Path(cfg.output_dir)))
    runs = plan.data_runs if step == "data" else plan.train_runs
    if index is None or not 0 <= index < len(runs):
        raise ConfigError(f"--step {step} needs --index (or SLURM_ARRAY_TASK_ID) in 0..{len(runs) - 1}, got {index}")
    (run_data if step == "data" else run_training)(cfg, runs[index])
    return None


def submitted_at(out: Path) -> float:
    """When the Slurm submission of this ablation was made (its steps' timings count from then)."""
    jobs = out / "slurm" / "jobs.json"
    return json.loads(jobs.read_text())["submitted_at"] if jobs.is_file() else 0.0


# ------------------------------------------------------------------------------------------------ the whole thing


def run_ablation(cfg: AblationConfig, plan: Plan, overwrite: bool = False) -> dict:
    """Every step here, one after the other (`launcher.kind: local`)."""
    started = time.time()
    check_output(Path(cfg.output_dir), cfg, overwrite)
    for d in plan.data_runs:
        run_data(cfg, d)
    for t in plan.train_runs:
        run_training(cfg, t)
    return score_and_report(cfg, plan, since=started)


def step_timings(out: Path, plan: Plan, since: float) -> tuple[dict[str, dict], dict[str, float]]:
    """Per run, the seconds its steps took when they ran since `since` (a reused run has none), and their sums."""
    per_run: dict[str, dict] = {}
    sums = {"data": 0.0, "train": 0.0, "export": 0.0}
    names = [f"data/{d.key}" for d in plan.data_runs] + [t.name for t in plan.train_runs]
    for name in names:
        path = timing_path(out, name)
        record = json.loads(path.read_text()) if path.is_file() else None
        if record is None or record["finished"] < since:
            continue
        per_run[name] = {f"{k}_seconds" if k != "data" else "seconds": v for k, v in record["seconds"].items()}
        for k, v in record["seconds"].items():
            sums[k] += v
    return per_run, sums


def score_and_report(cfg: AblationConfig, plan: Plan, since: float) -> dict:
    """Score every trained proxy, compare, write `ablation.json`, `report.md` and the plots."""
    out = Path(cfg.output_dir)
    missing = [t.name for t in plan.train_runs if not training_is_complete(t)]
    if missing:
        raise DataError(f"cannot score: training runs {missing} have no exported model (see {out / 'logs'})")
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
    per_run, seconds = step_timings(out, plan, since)
    seconds["score"] = time.time() - t0
    # Locally: this command's wall time. Under Slurm: from the submission to this (last) job's end, queueing included.
    seconds["total"] = time.time() - since if since else seconds["score"]
    summary = {
        "name": cfg.name,
        "seeds": cfg.seeds,
        "launcher": cfg.launcher.kind,
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
