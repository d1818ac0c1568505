"""An ablation as Slurm jobs (`launcher.kind: slurm`): data runs, one training job per run, then the report.

    mathcpt ablate configs/ablations/demo.yaml --set launcher.kind=slurm --set launcher.slurm.partition=gpu [--wait]

Submits up to four jobs, chained with `--dependency=afterok` (and `--kill-on-invalid-dep=yes`, so a failed run
cancels what depends on it instead of leaving it pending forever):

1. **data**: a job array, one job per data run not yet complete, each `mathcpt ablate RESOLVED.yaml --step data`
   on `launcher.slurm.cpus_per_task` CPUs; data runs that tokenize with the reference run's tokenizer are a second
   array (`data_after_reference`) after the reference's. A recipe whose executor is Slurm submits its own chain of
   job arrays from that job, which waits for the chain (holding one CPU slot), so a data job always ends with its
   run complete.
2. **train**: a job array with one job per (variant, seed) training run not yet exported, each torchrun with
   `nproc` ranks on one node (`--gpus-per-node` = `launcher.gpus_per_run`, default `nproc`), then `mathcpt export`;
   `launcher.max_parallel` caps how many run at once.
3. **report**: scoring every proxy, the comparison, `ablation.json`, `report.md` and the plots.

Each job runs exactly the step the local launcher runs (`pipeline.ablation.run`), on the resolved config the
submission wrote (`ablation.resolved.yaml`), so the two launchers give the same runs and the same report. The jobs'
scripts, their ids and the submission time are in `OUT/slurm/` (`jobs.json`); logs in `OUT/logs/slurm/`. Submitting
again resubmits only what is not complete, and is refused while this ablation's jobs are still queued. Values that
end up in `#SBATCH` lines are one token each (the recipe executor's rule), and every value in a command is quoted.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from loguru import logger

from pipeline.ablation.plan import Plan
from pipeline.ablation.run import check_output, data_is_complete, queued, training_is_complete
from pipeline.config.ablation import AblationConfig
from pipeline.config.executor import SBATCH_TOKEN
from pipeline.data.executors import bash_syntax, sbatch_command, slurm_env_command
from pipeline.errors import ConfigError, DataError
from pipeline.shared.atomic import atomic_write_text


def one_token(value: str, what: str) -> str:
    if not re.match(SBATCH_TOKEN, value):
        raise ConfigError(f"{what} {value!r} goes into an #SBATCH line: it must have no spaces or quotes")
    return value


def job_script(cfg: AblationConfig, step: str, resolved: Path, array: bool) -> str:
    """The sbatch script of one step: the launcher's #SBATCH directives, the environment, `mathcpt ablate --step`."""
    s, launcher = cfg.launcher.slurm, cfg.launcher
    out = Path(cfg.output_dir).resolve()
    logs = Path(s.logs).resolve() if s.logs else out / "logs" / "slurm"
    directives = {
        "job-name": f"mathcpt-ablate-{cfg.name}-{step}",
        "partition": s.partition,
        "time": s.time,
        "cpus-per-task": str(s.cpus_per_task),
        "mem-per-cpu": f"{s.mem_per_cpu_gb}G",
        "account": s.account,
        "qos": s.qos,
        "output": one_token(str(logs / ("%x-%A_%a.out" if array else "%x-%j.out")), "the log folder"),
        "chdir": one_token(str(Path.cwd()), "the working directory"),
    }
    gpus = cfg.nproc if launcher.gpus_per_run is None else launcher.gpus_per_run
    if step == "train" and gpus:
        directives["gpus-per-node"] = str(gpus)
    directives.update({k: str(v) for k, v in s.sbatch_args.items()})
    lines = ["#!/bin/bash"]
    lines += [f"#SBATCH --{k}={v}" if v != "" else f"#SBATCH --{k}" for k, v in directives.items() if v is not None]
    # With an env_command (modules, another venv) the job's own `python` runs; else this interpreter.
    python = "python" if s.env_command else shlex.quote(sys.executable)
    lines += [
        "# mathcpt wrote this script: one step of an ablation (pipeline/ablation/slurm.py).",
        "set -euo pipefail",
        slurm_env_command(s),
        "export TOKENIZERS_PARALLELISM=false",
        f"exec {python} -m pipeline.cli ablate {shlex.quote(str(resolved))} --step {step}",
    ]
    logs.mkdir(parents=True, exist_ok=True)
    return "\n".join(line for line in lines if line) + "\n"


class Submitter:
    """sbatch each step's script from OUT/slurm/; remembers the jobs for jobs.json."""

    def __init__(self, cfg: AblationConfig, folder: Path, resolved: Path):
        self.cfg, self.folder, self.resolved = cfg, folder, resolved
        self.sbatch = sbatch_command()
        if self.sbatch is None:
            raise ConfigError("launcher.kind slurm: no sbatch on PATH (or $MATHCPT_SBATCH) to submit with")
        self.jobs: list[dict] = []

    def submit(
        self, step: str, indices: list[int] | None, after: list[str], throttle: int | None = None, name: str = ""
    ) -> str:
        label = name or step
        script = self.folder / f"{label}.sbatch"
        atomic_write_text(script, job_script(self.cfg, step, self.resolved, array=indices is not None))
        bash_syntax(script)
        args = ["--parsable"]
        if indices is not None:
            args.append("--array=" + ",".join(map(str, indices)) + (f"%{throttle}" if throttle else ""))
        if after:
            args += [f"--dependency=afterok:{':'.join(after)}", "--kill-on-invalid-dep=yes"]
        done = subprocess.run([self.sbatch, *args, str(script)], capture_output=True, text=True)
        if done.returncode:
            raise DataError(f"sbatch refused {script}: {done.stderr.strip() or done.stdout.strip()}")
        job = done.stdout.strip().split(";")[0]
        logger.info(f"ablation: submitted {label} as job {job}" + (f" (array {indices})" if indices else ""))
        self.jobs.append({"step": label, "job_id": job, "indices": indices, "after": after, "script": str(script)})
        return job


def submit_ablation(cfg: AblationConfig, plan: Plan, overwrite: bool = False) -> dict:
    """Submit what is not complete; returns jobs.json's record (job ids per step, submission time)."""
    out = Path(cfg.output_dir).resolve()
    folder = out / "slurm"
    earlier = folder / "jobs.json"
    if earlier.is_file():
        still = queued([j["job_id"] for j in json.loads(earlier.read_text())["jobs"]])
        if still:
            raise ConfigError(f"this ablation's jobs {still} are still queued ({earlier}): wait or scancel them")
    check_output(Path(cfg.output_dir), cfg, overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    resolved = out / "ablation.resolved.yaml"
    submitted_at = time.time()
    sub = Submitter(cfg, folder, resolved)

    try:
        # Data runs that tokenize with the reference run's tokenizer wait for that run (a second data job).
        pending = [i for i, d in enumerate(plan.data_runs) if not data_is_complete(d)]
        reference = next(i for i, d in enumerate(plan.data_runs) if plan.reference in d.variants)
        later = [i for i in pending if plan.data_runs[i].after_reference and reference in pending]
        first = [i for i in pending if i not in later]
        data_after = [sub.submit("data", first, [])] if first else []
        if later:
            data_after.append(sub.submit("data", later, data_after[:1], name="data_after_reference"))
        train = [i for i, t in enumerate(plan.train_runs) if not training_is_complete(t)]
        after = [sub.submit("train", train, data_after, cfg.launcher.max_parallel)] if train else data_after
        sub.submit("report", None, after)
    except Exception:
        # No half-submitted ablation: the jobs already queued would run without the rest (or wait forever).
        if sub.jobs:
            subprocess.run(["scancel", *[j["job_id"] for j in sub.jobs]], capture_output=True)
        raise
    record = {"submitted_at": submitted_at, "jobs": sub.jobs,
              "data_runs": [str(d.folder) for d in plan.data_runs],
              "train_runs": [t.name for t in plan.train_runs]}  # fmt: skip
    atomic_write_text(earlier, json.dumps(record, indent=1))
    return record


def wait_for(cfg: AblationConfig, plan: Plan, record: dict, poll: float = 2.0) -> None:
    """Block until the submission's jobs have left the queue; an error names the runs that did not complete."""
    ids = [j["job_id"] for j in record["jobs"]]
    while queued(ids):
        time.sleep(poll)
    out = Path(cfg.output_dir).resolve()
    report = out / "ablation.json"
    if report.is_file() and report.stat().st_mtime >= record["submitted_at"]:
        return
    failed = [f"data run {d.key}" for d in plan.data_runs if not data_is_complete(d)]
    failed += [t.name for t in plan.train_runs if not training_is_complete(t)]
    raise DataError(
        f"the ablation's jobs ended without a report; incomplete: {failed or 'none (the report job failed)'}; "
        f"logs in {out / 'logs'} and {out / 'logs' / 'slurm'}"
    )
