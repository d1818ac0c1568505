"""A recipe's `executor:` section: which datatrove executor runs the passes (local, Slurm, Ray) and its settings.

    mathcpt data RECIPE.yaml --set executor.kind=slurm --set executor.slurm.partition=cpu --write-scripts-only

Values that end up in `#SBATCH` lines are one token each (SBATCH_TOKEN), so no value can add a line to a script.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.config.base import Strict

# Values that end up in `#SBATCH --key=value` lines: one token each, so a value can never add a line to the script.
SBATCH_TOKEN = r"^[^\s'\"\\]+$"


class SlurmSettings(Strict):
    """datatrove's SlurmPipelineExecutor: one job array per pass, chained with --dependency=afterok."""

    partition: str | None = Field(default=None, pattern=SBATCH_TOKEN, description="required when kind is slurm")
    time: str = Field(default="24:00:00", description="limit per job: minutes, HH:MM:SS or D-HH:MM:SS")
    cpus_per_task: int = Field(default=1, ge=1)
    mem_per_cpu_gb: int = Field(default=2, ge=1)
    qos: str | None = Field(default=None, pattern=SBATCH_TOKEN)
    account: str | None = Field(default=None, pattern=SBATCH_TOKEN)
    sbatch_args: dict[str, str | int] = Field(default={}, description="more #SBATCH directives, e.g. {constraint: cpu}")
    venv: str | None = Field(
        default=None, description="virtual environment the jobs activate; default: the one running mathcpt"
    )
    env_command: str | None = Field(
        default=None,
        description="shell line(s) run verbatim before each job instead "
        "of activating a venv, e.g. `module load python/3.11 && source ~/env/bin/activate`",
    )
    logs: str | None = Field(default=None, description="folder of the Slurm log files; default RUN/slurm/logs")
    max_array_size: int = Field(default=1001, ge=1, description="the cluster's MaxArraySize")

    @field_validator("time", mode="before")
    @classmethod
    def _slurm_time(cls, value: Any) -> str:
        import re

        if isinstance(value, int):
            # YAML 1.1 reads an unquoted 24:00:00 as the base-60 number 86400: minutes or seconds cannot be told apart.
            raise ValueError(f"write the time limit as a quoted string ('24:00:00', '90'); YAML read {value}")
        if not isinstance(value, str) or not re.match(r"^(\d+-)?\d+(:\d{2}){0,2}$", value):
            raise ValueError(f"{value!r} is not a Slurm time limit (e.g. 90 for minutes, 24:00:00, 2-00:00:00)")
        return value

    @field_validator("sbatch_args")
    @classmethod
    def _one_line_directives(cls, args: dict[str, str | int]) -> dict[str, str | int]:
        import re

        # An empty value writes a bare flag (`#SBATCH --exclusive`).
        def one_line(k: str, v: str | int) -> bool:
            return bool(re.match(r"^[a-z][a-z0-9-]*$", k) and (v == "" or re.match(SBATCH_TOKEN, str(v))))

        bad = [k for k, v in args.items() if not one_line(k, v)]
        if bad:
            raise ValueError(f"{bad}: keys are long sbatch option names (e.g. constraint), values one token each")
        return args


def require_partition(kind: str, slurm: SlurmSettings) -> None:
    """Slurm jobs need a partition to be submitted to (a recipe's executor and an ablation's launcher alike)."""
    if kind == "slurm" and not slurm.partition:
        raise ValueError("kind: slurm needs slurm.partition (the partition the jobs are submitted to)")


class RaySettings(Strict):
    """datatrove's RayPipelineExecutor: every pass runs as Ray tasks; the recipe waits for each pass to finish."""

    address: str | None = Field(
        default=None,
        description="cluster to join (`auto`, `ray://head:10001`); unset = start a local Ray instance for the run",
    )
    local_cpus: int | None = Field(default=None, ge=1, description="CPUs of the local instance; default all")
    cpus_per_task: int = Field(default=1, ge=1)
    mem_per_cpu_gb: float = Field(default=2.0, gt=0)
    ship_code: bool = Field(
        default=True,
        description="with an address: upload the `pipeline` package to the "
        "workers (runtime_env py_modules); false if the cluster has it installed",
    )


class ExecutorConfig(Strict):
    """Which datatrove executor runs the passes; `tasks` splits the filter pass, the other passes are one task."""

    kind: Literal["local", "slurm", "ray"] = "local"
    tasks: int = Field(default=1, ge=1)
    workers: int | None = Field(
        default=None,
        ge=1,
        description="tasks running at once; default 1 locally, no "
        "limit on Slurm and Ray (the cluster's free CPUs decide)",
    )
    slurm: SlurmSettings = SlurmSettings()
    ray: RaySettings = RaySettings()

    @model_validator(mode="after")
    def _kind_needs(self) -> "ExecutorConfig":
        require_partition(self.kind, self.slurm)
        return self
