"""The demo ablation, measured: what it shows (held-out bits per byte per variant and source, with intervals and the
seed spread), and what its orchestration costs against running the same variants by hand.

    .venv/bin/python tests/benchmarks/bench_ablation.py [--out DIR] [--scale 1] [--seeds 0 1 2] [--tokens 204800]
    .venv/bin/python tests/benchmarks/bench_ablation.py --quick          # the same path, tiny
    .venv/bin/python tests/benchmarks/bench_ablation.py --slurm-partition debug   # + the same ablation as Slurm jobs

1. The sample corpus (`--scale`), then `mathcpt ablate configs/ablations/demo.yaml` on it: variants `base` (math
   score filter, 10% general replay), `no_math_filter` (its own data run) and `no_replay` (mixture without the
   general source: the base data run reused), `--seeds` each, `--tokens` each, 2 ranks.
2. By hand, as a user without `mathcpt ablate` would: one `mathcpt data` per variant (no reuse), then every
   `torchrun ... train` and `mathcpt export` of the same runs. Scoring is not repeated (by hand there is nothing to
   run: the user would have to write it).

Printed, one JSON line each: every pair's difference per source (bits per byte, interval, seed spread, beyond it or
not), and the `orchestration` line: wall seconds of the ablation without its scoring against the by-hand runs, their
ratio, and the ablation's own overhead (its wall time minus the commands it ran and the scoring).

3. With `--slurm-partition` (a cluster answering here, e.g. `bash tests/slurm/start-slurm.sh`): the same ablation
   again, in a fresh folder, as Slurm jobs (`launcher.kind: slurm`, `--wait`, each job `--cpus-per-task` = nproc,
   no GPU), so the `slurm_launcher` line compares its wall time (queueing and job start-up included) with the local
   launcher's, and checks that both give the same comparison.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def timed(argv: list[str]) -> float:
    t0 = time.time()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv)}\n{done.stderr[-3000:]}")
    return time.time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary folder, removed)")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--tokens", type=int, default=204800)
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="scale 0.3, one seed, 2 steps, one rank")
    ap.add_argument("--slurm-partition", default=None, help="also run the ablation as Slurm jobs on this partition")
    a = ap.parse_args()
    if a.quick:
        a.scale, a.seeds, a.tokens, a.nproc = 0.3, [0], 2 * 2048, 1
    from pipeline.ablation.plan import plan_ablation
    from pipeline.ablation.run import CLI, train_command
    from pipeline.config.ablation import load_ablation_config
    from pipeline.sample.corpus import generate_sample_corpus

    with tempfile.TemporaryDirectory(prefix="bench_ablation_") as tmp:
        work = (a.out or Path(tmp)).absolute()
        work.mkdir(parents=True, exist_ok=True)
        generate_sample_corpus(work / "corpus", seed=0, scale=a.scale)
        sets = {"output_dir": work / "ablation", "data_root": work / "corpus", "seeds": json.dumps(a.seeds),
                "tokens": a.tokens, "nproc": a.nproc, "scoring.bootstrap": 1000}  # fmt: skip
        argv = [*CLI, "ablate", str(ROOT / "configs/ablations/demo.yaml"), "--overwrite"]
        argv += [x for k, v in sets.items() for x in ("--set", f"{k}={v}")]
        ablate_wall = timed(argv)
        summary = json.loads((work / "ablation" / "ablation.json").read_text())
        for d in summary["comparison"]["differences"]:
            print(json.dumps({"bench": "ablation", "what": "difference", "quick": a.quick, **d}), flush=True)
        for v, row in summary["comparison"]["variants"].items():
            print(
                json.dumps(
                    {
                        "bench": "ablation",
                        "what": "variant",
                        "variant": v,
                        **{s: {k: c[k] for k in ("bpb", "bpb_ci95", "seed_std")} for s, c in row.items()},
                    }
                )
            )

        # By hand: the same variants and runs, each variant's data run its own, in a fresh folder.
        overrides = [f"{k}={v}" for k, v in {**sets, "output_dir": work / "by_hand"}.items()]
        cfg = load_ablation_config(ROOT / "configs/ablations/demo.yaml", overrides)
        plan = plan_ablation(cfg)
        by_hand = 0.0
        for v in cfg.variants:
            d = next(d for d in plan.data_runs if v.name in d.variants)
            # the first variant of a shared run writes where the trainings read; the others recompute it beside
            folder = d.folder if d.variants[0] == v.name else work / "by_hand" / "data" / v.name
            sets_v = [s for s in d.sets if not s.startswith("stages.tokenizer.path=")]
            by_hand += timed([*CLI, "data", "run", cfg.recipe, "--out", str(folder), "--overwrite",
                              *(x for s in sets_v for x in ("--set", s))])  # fmt: skip
        for t in plan.train_runs:
            by_hand += timed(train_command(cfg, t))
            by_hand += timed([*CLI, "export", str(t.folder), "-o", str(t.model)])
        s = summary["seconds"]
        steps = s["data"] + s["train"] + s["export"]
        print(json.dumps({"bench": "ablation", "what": "orchestration", "quick": a.quick, "variants": len(cfg.variants),
                          "seeds": len(a.seeds), "tokens_per_run": a.tokens, "data_runs_ablation": len(plan.data_runs),
                          "data_runs_by_hand": len(cfg.variants), "ablation_wall_s": round(ablate_wall, 1),
                          "ablation_without_scoring_s": round(ablate_wall - s["score"], 1),
                          "by_hand_s": round(by_hand, 1),
                          "ablation_over_by_hand": round((ablate_wall - s["score"]) / by_hand, 3),
                          "scoring_s": s["score"], "own_overhead_s": round(ablate_wall - steps - s["score"], 1)}),
              flush=True)  # fmt: skip
        if a.slurm_partition:
            slurm_sets = {**sets, "output_dir": work / "slurm", "launcher.kind": "slurm",
                          "launcher.slurm.partition": a.slurm_partition, "launcher.slurm.cpus_per_task": a.nproc,
                          "launcher.slurm.time": '"120"', "launcher.gpus_per_run": 0}  # fmt: skip
            argv = [*CLI, "ablate", str(ROOT / "configs/ablations/demo.yaml"), "--overwrite", "--wait"]
            slurm_wall = timed(argv + [x for k, v in slurm_sets.items() for x in ("--set", f"{k}={v}")])
            on_slurm = json.loads((work / "slurm" / "ablation.json").read_text())
            print(json.dumps({"bench": "ablation", "what": "slurm_launcher", "quick": a.quick,
                              "local_wall_s": round(ablate_wall, 1), "slurm_wall_s": round(slurm_wall, 1),
                              "slurm_over_local": round(slurm_wall / ablate_wall, 3),
                              "same_comparison": on_slurm["comparison"] == summary["comparison"]}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
