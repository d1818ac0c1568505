"""datatrove executors for the recipe's passes, chosen by the recipe's `executor.kind`: local, slurm or ray.

    mathcpt data data_recipes/demo.yaml --out runs/data/demo                             # local (default)
    mathcpt data RECIPE.yaml --out /shared/runs/x --set executor.kind=ray                 # a local Ray instance
    mathcpt data RECIPE.yaml --out /shared/runs/x --set executor.kind=slurm \\
        --set executor.slurm.partition=cpu [--write-scripts-only]                         # a Slurm dependency chain

`build_executor` is the one place a pass's executor is made. Local and Ray passes run in this process one after the
other (`run()` returns when the pass is done); Slurm passes are submitted by `pipeline.data.recipe_run.submit_slurm`
as a chain of job arrays, and `slurm_scripts` keeps every script it submits (or would submit) under RUN/slurm/,
validated before sbatch sees it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor, RayPipelineExecutor, SlurmPipelineExecutor
from datatrove.executor.base import PipelineExecutor
from datatrove.utils.stats import PipelineStats
from loguru import logger

from pipeline.config.executor import SBATCH_TOKEN, ExecutorConfig, RaySettings, SlurmSettings
from pipeline.data.resources import MeasuredTasks
from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_write_text

SBATCH_ENV = "MATHCPT_SBATCH"


def die_with_parent() -> None:
    """In a forked child (os.register_at_fork): on Linux, the child is killed when the process that forked it dies,
    even by SIGKILL; else a worker of a killed `mathcpt data` lingers, sleeping, holding its files. The run then
    resumes with the same command (completed tasks are skipped)."""
    import ctypes
    import signal

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


_AT_FORK = []  # registered once per process


class MeasuredLocalExecutor(MeasuredTasks, LocalPipelineExecutor):
    """datatrove's local executor; each task measures itself (pipeline.data.resources).

    Worker processes are forked on Linux instead of datatrove's default forkserver: a forkserver worker imports
    and unpickles every stage anew, about 0.5 s for an empty pass and more with models, paid by every pass of a
    run (tests/benchmarks/bench_scaling.py). Forking is safe here: the passes run one after the other, no thread of
    ours is alive when a pool starts, and tokenizers is told to stay single-threaded in the children (one task
    per core is the parallelism; its thread pool does not survive a fork anyway).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if sys.platform == "linux":
            self.start_method = "fork"

    def run(self):
        if sys.platform == "linux" and not _AT_FORK:
            os.register_at_fork(after_in_child=die_with_parent)  # first thing in every worker, before its task
            _AT_FORK.append(True)
        saved = os.environ.get("TOKENIZERS_PARALLELISM")
        if self.workers > 1 and self.start_method == "fork":
            os.environ["TOKENIZERS_PARALLELISM"] = "false"  # read by the children at fork; restored for this process
        try:
            return super().run()
        finally:
            if saved is None:
                os.environ.pop("TOKENIZERS_PARALLELISM", None)
            else:
                os.environ["TOKENIZERS_PARALLELISM"] = saved


class MeasuredRayExecutor(MeasuredTasks, RayPipelineExecutor):
    """datatrove's Ray executor; each task measures itself (pipeline.data.resources)."""


class ChainedSlurmExecutor(MeasuredTasks, SlurmPipelineExecutor):
    """datatrove's SlurmPipelineExecutor without the extra `merge_stats` job it submits after every pass.

    The chain's finish job merges each pass's `stats/*.json` itself (`merge_stats`) before writing the report; a
    separate merge job would run concurrently with the next pass and race the report for `stats.json`.
    """

    def launch_merge_stats(self):
        pass


def build_executor(
    ex: ExecutorConfig, pipeline: list, out: Path, name: str, tasks: int = 1, depends: PipelineExecutor | None = None
) -> PipelineExecutor:
    """The executor of one pass, logging to `out/logs/<name>` (completion markers there make re-runs resume).
    Every task measures itself (pipeline.data.resources: `logs/<name>/resources/`)."""
    logs = str(out / "logs" / name)
    if ex.kind == "local":
        # A one-task pass (tokenizer training, the planner) runs in this process: no pool to fork, and tokenizers'
        # Rust threads stay on (in a pool of several tasks they are off, one task per core): measured 3.1 s against
        # 5.4 s for the demo's BPE training at scale 40 (tests/benchmarks/bench_scaling.py).
        workers = min(ex.workers or 1, tasks)
        return MeasuredLocalExecutor(pipeline=pipeline, tasks=tasks, workers=workers, logging_dir=logs)
    if ex.kind == "ray":
        start_ray(ex.ray)
        r = ex.ray
        return MeasuredRayExecutor(
            pipeline=pipeline,
            tasks=tasks,
            workers=ex.workers or -1,
            logging_dir=logs,
            cpus_per_task=r.cpus_per_task,
            mem_per_cpu_gb=r.mem_per_cpu_gb,
        )
    s = ex.slurm
    sbatch_args: dict = {"account": s.account} if s.account else {}
    cwd = os.getcwd()
    if re.match(SBATCH_TOKEN, cwd):
        # Relative paths in the recipe resolve against the folder mathcpt ran in, wherever submit.sh is run from.
        sbatch_args["chdir"] = cwd
    return ChainedSlurmExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=ex.workers or -1,
        logging_dir=logs,
        depends=depends,
        time=s.time,
        partition=s.partition,
        cpus_per_task=s.cpus_per_task,
        mem_per_cpu_gb=s.mem_per_cpu_gb,
        qos=s.qos,
        sbatch_args={**sbatch_args, **s.sbatch_args},
        env_command=slurm_env_command(s),
        job_name=job_name(out, name),
        slurm_logs_folder=str(Path(s.logs or out / "slurm" / "logs") / name),
        max_array_size=s.max_array_size,
    )


def sbatch_command() -> str | None:
    """The sbatch that submits: `$MATHCPT_SBATCH` when set (a path or command name; empty or `none` for none, so
    the scripts are only written, as on a machine without Slurm), else the one on PATH (None without one)."""
    chosen = os.environ.get(SBATCH_ENV)
    if chosen is None:
        return shutil.which("sbatch")
    if chosen.strip().lower() in ("", "none"):
        return None
    return shutil.which(chosen) or chosen


def job_name(out: Path, name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"mathcpt-{out.name}-{name}")


def slurm_env_command(s: SlurmSettings) -> str:
    """What a job runs before the pipeline: the configured env_command, else activate the venv (quoted)."""
    if s.env_command:
        return s.env_command
    venv = s.venv or (sys.prefix if sys.prefix != sys.base_prefix else None)
    # Without a venv the job still finds `launch_pickled_pipeline`: datatrove submits with --export=ALL (our PATH).
    return f"source {shlex.quote(str(Path(venv) / 'bin' / 'activate'))}" if venv else ""


def start_ray(r: RaySettings) -> None:
    """Join the configured Ray cluster, or start a local instance, unless this process already did (or a caller).

    A local instance's workers start with this process's working directory and `sys.path`, so our pipeline steps
    unpickle and import there as they do here. On a remote cluster `ship_code` uploads the `pipeline` package with the
    job (`runtime_env.py_modules`); datatrove and the other dependencies must be installed on its nodes. Ray shuts
    down with this process (ray.init registers that at exit), so one instance serves every pass of the recipe.
    """
    try:
        import ray
    except ImportError:
        raise DataError("executor.kind ray needs the ray package: pip install 'mathcpt[ray]'") from None
    if ray.is_initialized():
        return
    if r.address:
        import pipeline

        runtime_env = {"py_modules": [str(Path(pipeline.__file__).parent)]} if r.ship_code else None
        logger.info(f"joining the Ray cluster at {r.address}")
        ray.init(address=r.address, runtime_env=runtime_env)
    else:
        cpus = r.local_cpus or os.cpu_count() or 1
        logger.info(f"starting a local Ray instance with {cpus} CPUs")
        ray.init(num_cpus=cpus, include_dashboard=False)


def check_completed(executor: PipelineExecutor, out: Path, name: str) -> None:
    """Raise if a pass left tasks unfinished: Ray's executor only logs a warning when tasks fail."""
    incomplete = executor.get_incomplete_ranks(skip_completed=True)
    if incomplete:
        raise DataError(
            f"the {name} pass did not complete {len(incomplete)} of its {executor.world_size} tasks "
            f"(ranks {incomplete[:10]}); their logs are in {out / 'logs' / name / 'logs'}"
        )


def merge_stats(logs: Path) -> None:
    """Write `stats.json` from every task's `stats/*.json`.

    Executors merge only what they ran in this call (datatrove's local executor after a resume), a Slurm chain has
    no merge job (see ChainedSlurmExecutor) and Ray merges only when every task succeeded: the per-task files are
    the record, so the report reads their sum.
    """
    parts = sorted((logs / "stats").glob("*.json"))
    if not parts:
        return
    total = sum((PipelineStats.from_json(json.loads(p.read_text())) for p in parts), start=PipelineStats())
    atomic_write_text(logs / "stats.json", total.to_json())


# ------------------------------------------------------------------------------------------- Slurm scripts


@dataclass
class SlurmJob:
    name: str
    script: Path
    args: list[str]
    job_id: str
    steps: list[str]


@dataclass
class SlurmScripts:
    """Every sbatch script of one submission, in submission order; `submitted` is False when only written."""

    folder: Path
    settings: SlurmSettings
    submitted: bool
    jobs: list[SlurmJob] = field(default_factory=list)

    def launch(self, contents: str, job_id_retriever, *args: str) -> str:
        """Stands in for datatrove's `launch_slurm_job`: keep the script, validate it, then sbatch it (or not)."""
        name = re.search(r"^#SBATCH --job-name=(\S+)$", contents, re.M).group(1)
        known = {j.script.read_text(): j.script for j in self.jobs}
        script = known.get(contents) or self.folder / f"{len(self.jobs) + 1:02d}-{name}.sbatch"
        atomic_write_text(script, contents)
        steps = validate_sbatch_script(script, self.settings)
        if self.submitted:
            output = subprocess.run([sbatch_command() or "sbatch", *args, str(script)], capture_output=True, text=True)
            if output.returncode:
                raise DataError(f"sbatch refused {script}: {output.stderr.strip() or output.stdout.strip()}")
            job_id = job_id_retriever(output.stdout)
            logger.info(f"submitted {name}: job {job_id}")
        else:
            # A shell variable set by submit.sh: datatrove writes it into the next job's --dependency=afterok:ID.
            job_id = f"${{job_{len(self.jobs) + 1}}}"
        self.jobs.append(SlurmJob(name, script, list(args), job_id, steps))
        return job_id

    def write_index(self) -> Path:
        """submit.sh (when only written: submits the same chain later) or jobs.json (what was submitted)."""
        if self.submitted:
            path = self.folder / "jobs.json"
            atomic_write_text(
                path,
                json.dumps(
                    [{"name": j.name, "job_id": j.job_id, "script": str(j.script), "args": j.args} for j in self.jobs],
                    indent=2,
                ),
            )
            return path
        lines = [
            "#!/bin/bash",
            "# Submits the data recipe's passes as one Slurm dependency chain (mathcpt wrote it).",
            "set -euo pipefail",
        ]
        for i, j in enumerate(self.jobs, 1):
            # datatrove's own arguments plus our placeholders; the placeholders must expand, so those are "-quoted.
            args = [f'"{a}"' if "${job_" in a else shlex.quote(a) for a in j.args]
            lines.append(f"job_{i}=$(sbatch --parsable {' '.join(args)} {shlex.quote(str(j.script))} | cut -d';' -f1)")
            lines.append(f'echo "{j.name}: job $job_{i}"')
        path = self.folder / "submit.sh"
        atomic_write_text(path, "\n".join(lines) + "\n")
        path.chmod(0o755)
        bash_syntax(path)
        return path


@contextmanager
def slurm_scripts(folder: Path, settings: SlurmSettings, submit: bool):
    """Route datatrove's sbatch calls through a SlurmScripts for the duration of one submission."""
    import datatrove.executor.slurm as slurm

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.sbatch"):
        old.unlink()  # a resubmission writes the chain anew; stale scripts would read as part of it
    scripts = SlurmScripts(folder, settings, submit)
    if not submit:
        logger.info(f"writing the Slurm scripts only: datatrove's 'launched' lines below mean written to {folder}")
    original = slurm.launch_slurm_job
    slurm.launch_slurm_job = scripts.launch
    try:
        yield scripts
    finally:
        slurm.launch_slurm_job = original
    scripts.write_index()


def bash_syntax(path: Path) -> None:
    check = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    if check.returncode:
        raise DataError(f"{path}: not valid bash ({check.stderr.strip()})")


def validate_sbatch_script(path: Path, s: SlurmSettings) -> list[str]:
    """Check a generated script before it is submitted; returns the class names of the steps the job will run.

    `bash -n` parses it; its #SBATCH directives carry the recipe's partition, time, CPUs, memory and extra
    arguments; its command runs datatrove's `launch_pickled_pipeline` on an executor.pik that exists and unpickles
    (here, with this environment) to a pipeline of steps.
    """
    import dill

    bash_syntax(path)
    text = path.read_text()
    directives = dict(re.findall(r"^#SBATCH --([a-z-]+)(?:=(.*))?$", text, re.M))
    expected = {
        "partition": s.partition,
        "time": s.time,
        "cpus-per-task": str(s.cpus_per_task),
        "mem-per-cpu": f"{s.mem_per_cpu_gb}G",
        **({"account": s.account} if s.account else {}),
        **({"qos": s.qos} if s.qos else {}),
        **{k: str(v) for k, v in s.sbatch_args.items()},
    }
    problems = [
        f"#SBATCH --{k} is {directives.get(k)!r}, the recipe says {v!r}"
        for k, v in expected.items()
        if directives.get(k) != v
    ]
    command = re.search(r"^(?:srun .*)?launch_pickled_pipeline (\S+)$", text, re.M)
    steps: list[str] = []
    if not command:
        problems.append("no `launch_pickled_pipeline EXECUTOR.pik` command")
    elif not Path(command.group(1)).is_file():
        problems.append(f"{command.group(1)} does not exist")
    else:
        with open(command.group(1), "rb") as f:
            steps = [type(step).__name__ for step in dill.load(f).pipeline]
        if not steps:
            problems.append(f"{command.group(1)} holds an empty pipeline")
    if problems:
        raise DataError(f"{path}: generated Slurm script is wrong: " + "; ".join(problems))
    return steps
