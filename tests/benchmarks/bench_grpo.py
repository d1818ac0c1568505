"""GRPO on the toy task, end to end on CPU: does it raise the reward and the held-out accuracy, with the KL bounded,
and where does a step spend its time.

    .venv/bin/python tests/benchmarks/bench_grpo.py [--out DIR] [--steps 60]
    .venv/bin/python tests/benchmarks/bench_grpo.py --quick            # the same path, tiny

The path a user runs, each step a `mathcpt` command (helpers shared with bench_instruct.py):
1. a tiny Qwen2 policy warmed up by SFT on worked answers of the toy task (additions of operands below `--limit`,
   pipeline.sample.arithmetic) for `--policy-steps` steps, exported;
2. accuracy before, by `mathcpt sample` (greedy, k = 1; and pass@1 over 8 samples at temperature 1), on two sets:
   the sums the RL queries ask, asked anew (fresh samples; the toy has only `--limit`² sums, so this is the
   accuracy on the RL task's own distribution), and the fifth of the sums the RL queries never ask (seen only in the
   SFT warm-up: what RL on the other sums does to them);
3. `mathcpt grpo` for `--steps` steps on `--ranks` ZeRO-3 ranks: 16 queries × 8 responses per step, rule reward
   (our grader), KL coefficient `--beta`, LR `--lr`;
4. the same accuracies after, on the exported GRPO model.

Printed, one JSON line: mean reward over the first and the last 10 steps, the accuracies before and after, KL at the
end and its maximum, entropy, and the step time split into generation and training.
GPU step time with HF against vLLM rollouts is gpu_grpo.py's (check `grpo` of gpu_check.sh), not this script's.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_instruct import cli, sets, train_policy  # noqa: E402


def accuracy(work: Path, model: Path, problems_file: Path, name: str, k: int = 1, temperature: float = 0.0) -> float:
    """pass@1 of `mathcpt sample` on the problems: greedy with k = 1, or the mean over k samples."""
    config = {
        "output_dir": str(work / name),
        "policy": str(model),
        "problems": [{"name": "heldout", "path": str(problems_file)}],
        "generation": {"k": k, "temperature": temperature, "max_new_tokens": 24, "batch_size": 32},
        "decontamination": {"enabled": False},
        "chunk_size": 256,
    }
    (work / f"{name}.yaml").write_text(json.dumps(config))
    cli(["sample", str(work / f"{name}.yaml")], 1)
    return json.loads((work / name / "report.json").read_text())["pass@1"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary folder, removed)")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--limit", type=int, default=5)
    ap.add_argument("--problems", type=int, default=400, help="worked answers the policy is warmed up on")
    ap.add_argument("--policy-steps", type=int, default=200)
    ap.add_argument("--steps", type=int, default=150, help="GRPO steps")
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--beta", type=float, default=0.04, help="KL coefficient")
    ap.add_argument("--group-size", type=int, default=8, help="responses per query (G)")
    ap.add_argument("--queries-per-step", type=int, default=16, help="queries per rollout batch")
    ap.add_argument(
        "--policy", type=Path, default=None, help="an exported SFT policy to start from (skips the warm-up)"
    )
    ap.add_argument("--quick", action="store_true", help="one rank, tiny: the same path")
    a = ap.parse_args()
    if a.quick:
        a.ranks, a.problems, a.policy_steps, a.steps = 1, 48, 10, 3
    with tempfile.TemporaryDirectory(prefix="bench_grpo_") as tmp:
        work = a.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        policy = a.policy or train_policy(work, a)
        queries, heldout = work / "queries.jsonl", work / "heldout.jsonl"
        pairs = [(x, y) for x in range(a.limit) for y in range(a.limit)]
        random.Random(21).shuffle(pairs)
        held, rl = pairs[: len(pairs) // 5], pairs[len(pairs) // 5 :]  # held-out sums the RL queries never ask
        queries.write_text("".join(json.dumps({"id": f"rl-{i}", "question": f"What is {x} + {y}?", "gold": str(x + y),
                                               "source": "toy"}) + "\n" for i, (x, y) in enumerate(rl)))  # fmt: skip
        heldout.write_text("".join(json.dumps({"id": f"held-{i}", "question": f"What is {x} + {y}?", "answer": str(x + y)})
                                   + "\n" for i, (x, y) in enumerate(held)))  # fmt: skip
        rl_eval = work / "rl_sums.jsonl"
        rl_eval.write_text("".join(json.dumps({"id": f"eval-{i}", "question": f"What is {x} + {y}?", "answer": str(x + y)})
                                   + "\n" for i, (x, y) in enumerate(rl)))  # fmt: skip

        def measure(model: Path, when: str) -> dict:
            return {
                f"rl_sums_greedy_{when}": accuracy(work, model, rl_eval, f"rl_greedy_{when}"),
                f"rl_sums_sampled_pass1_{when}": accuracy(work, model, rl_eval, f"rl_sampled_{when}", 8, 1.0),
                f"unseen_sums_greedy_{when}": accuracy(work, model, heldout, f"unseen_greedy_{when}"),
                f"unseen_sums_sampled_pass1_{when}": accuracy(work, model, heldout, f"unseen_sampled_{when}", 8, 1.0),
            }

        figures = measure(policy, "before")
        cli(["grpo", str(ROOT / "configs/instruct/grpo_tiny_cpu.yaml"), *sets(**{
            "model.name_or_path": policy, "data.queries": f"[{queries}]", "output_dir": work / "grpo",
            "train.max_steps": a.steps, "optim.lr": a.lr, "optim.warmup_steps": min(10, a.steps // 4), "grpo.beta": a.beta,
            "rollout.group_size": a.group_size, "batch.global_batch_size": a.queries_per_step,
            "wandb.enabled": "false"})], a.ranks)  # fmt: skip
        cli(["export", str(work / "grpo"), "-o", str(work / "grpo_model")], 1)
        figures.update(measure(work / "grpo_model", "after"))
        rows = [json.loads(line) for line in (work / "grpo" / "metrics.jsonl").read_text().splitlines()]
        steps = [r for r in rows if "accuracy" in r]
        window = min(10, max(1, len(steps) // 2))
        mean = lambda key, part: round(statistics.mean(r[key] for r in part), 4)  # noqa: E731
        print(json.dumps({
            "bench": "grpo", "quick": a.quick, "ranks": a.ranks, "steps": len(steps), "rl_sums": len(rl),
            "unseen_sums": len(held), "limit": a.limit, "lr": a.lr, "beta": a.beta, "group_size": a.group_size,
            "queries_per_step": a.queries_per_step,
            "reward_first": mean("reward/total/mean", steps[:window]), "reward_last": mean("reward/total/mean", steps[-window:]),
            **{k: round(v, 4) for k, v in figures.items()}, "kl_last": mean("kl", steps[-window:]),
            "kl_max": round(max(r["kl"] for r in steps), 4), "entropy_first": mean("entropy", steps[:window]),
            "entropy_last": mean("entropy", steps[-window:]), "generation_s_per_step": mean("generation_s", steps),
            "training_s_per_step": mean("training_s", steps), "zero_signal_share": mean("zero_signal_share", steps),
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
