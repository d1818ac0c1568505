"""The instruct stage on a toy task, end to end on CPU: does the reward model learn, how fast is sampling, what does
the SFT loss mask cost.

    .venv/bin/python tests/benchmarks/bench_instruct.py [--out DIR] [--ranks 2]
    .venv/bin/python tests/benchmarks/bench_instruct.py --quick          # the same path, tiny: about a minute

The path is the one a user runs, each step a `mathcpt` command:
1. a tiny Qwen2 policy (2 layers, hidden 64, a BPE trained here with the ChatML specials) learns the toy task
   (additions of operands below `--limit`, pipeline.sample.arithmetic) from worked answers: `mathcpt sft-data` then
   `mathcpt train` with `train.objective: sft` on `--ranks` ZeRO-3 ranks, then `mathcpt export`;
2. `mathcpt sample`: k = 8 responses per problem at temperature `--temperature`, graded against the gold sums;
3. `mathcpt rm train`: the reward model, initialised from the policy, on those graded samples; held out by problem
   id (the toy's held-out problems share its 25 or 100 sums with the training problems: what is held out is the
   responses, and the RM must judge responses it never saw);
4. SFT against CPT throughput: the same model and the same shards (the SFT data run, and a copy with its loss masks
   and bins removed), `--rounds` alternating runs of `--steps` steps each, the median tokens/s over every step after
   the third of each run (`--only sft_overhead` measures this alone).

Printed, one JSON line each:
* `reward_model`: held-out pairwise accuracy, RM@8 against random-of-8 (the expected accuracy of a random pick) and
  maj@8, and the margin RM@8 − random@8;
* `sampling`: generated tokens per second of the HF backend on this CPU (vLLM: a `missing` line without a GPU);
* `sft_overhead`: tokens per second of SFT and of CPT on the same model and shards, and their ratio (target ≤ 5%
  slower: the mask is a label fill and a target count, no extra compute).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SHAPE = {"hidden_size": 64, "intermediate_size": 192, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2}  # fmt: skip


def cli(args: list[str], ranks: int, timeout: float = 3600) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "WANDB_MODE": "offline"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(ranks), "-m"]
    command = (launcher if ranks > 1 else [sys.executable, "-m"]) + ["pipeline.cli", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def sets(**values) -> list[str]:
    return [a for k, v in values.items() for a in ("--set", f"{k}={v}")]


def train_policy(work: Path, a) -> Path:
    from pipeline.config.instruct import SFTDataConfig
    from pipeline.instruct.sft_data import build_sft_data
    from tests.instruct.conftest import chat_tokenizer, synthetic_run

    chat_tokenizer(work / "tokenizer")
    worked = synthetic_run(work / "worked", work / "tokenizer", n=a.problems, k=1, accuracy=1.0, limit=a.limit)
    build_sft_data(SFTDataConfig(output_dir=str(work / "policy_data"), samples=[str(worked)], seq_len=160))
    shape = {f"model.shape.{k}": v for k, v in SHAPE.items()}
    cli(["train", str(ROOT / "configs" / "tiny_cpu.yaml"), *sets(**shape, **{
        "data.path": work / "policy_data", "output_dir": work / "policy", "data.seq_len": 160,
        "train.objective": "sft", "train.max_steps": a.policy_steps, "train.log_every": 50, "wandb.enabled": "false"})],
        a.ranks)  # fmt: skip
    cli(["export", str(work / "policy"), "-o", str(work / "policy_model")], 1)
    return work / "policy_model"


def sample(work: Path, policy: Path, a) -> dict:
    from pipeline.sample.arithmetic import problems

    path = work / "problems.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in problems(a.problems, seed=7, limit=a.limit)))
    config = {
        "output_dir": str(work / "samples"),
        "policy": str(policy),
        "problems": [{"name": "toy", "path": str(path)}],
        "generation": {"k": 8, "temperature": a.temperature, "max_new_tokens": 24, "batch_size": 16, "seed": 0},
        "decontamination": {"enabled": False},
        "chunk_size": 64,
    }
    (work / "sample.yaml").write_text(json.dumps(config))
    cli(["sample", str(work / "sample.yaml")], 1)
    return json.loads((work / "samples" / "report.json").read_text())


def reward_model(work: Path, policy: Path, a) -> dict:
    cli(["rm", "train", str(ROOT / "configs/instruct/rm_tiny_cpu.yaml"), *sets(**{
        "data.samples": f"[{work / 'samples'}]", "output_dir": work / "rm", "model.init": "pretrained",
        "model.name_or_path": policy, "model.shape": "null", "tokenizer": "null",
        "train.max_steps": a.rm_steps, "train.eval_every": a.rm_steps, "wandb.enabled": "false"})], a.ranks)  # fmt: skip
    rows = [json.loads(line) for line in (work / "rm" / "metrics.jsonl").read_text().splitlines()]
    held = [r for r in rows if "val_rm@8" in r][-1]
    data = json.loads((work / "rm" / "rm_data" / "meta.json").read_text())
    return {"groups": data["groups"], "left_out": data["left_out"], **held}


def step_rates(run: Path) -> list[float]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [r["tokens_per_s"] for r in rows if "tokens_per_s" in r and r["step"] > 3]


def sft_overhead(work: Path, a) -> dict:
    """The same SFT shards trained as SFT (masked) and as CPT (a copy without masks or bins), same model."""
    sft_data, cpt_data = work / "policy_data", work / "cpt_data"
    shutil.rmtree(cpt_data, ignore_errors=True)
    shutil.copytree(sft_data, cpt_data)
    for mask in cpt_data.rglob("*.ds.loss"):
        mask.unlink()
    manifest = json.loads((cpt_data / "manifest.json").read_text())
    for entry in manifest["sources"].values():
        entry.pop("bin_tokens", None)
    (cpt_data / "manifest.json").write_text(json.dumps(manifest))
    shape = {f"model.shape.{k}": v for k, v in SHAPE.items()}
    steps: dict[str, list[float]] = {"sft": [], "cpt": []}
    for r in range(a.rounds):  # alternating, so load that comes and goes on a shared machine hits both alike
        for objective, data in (("sft", sft_data), ("cpt", cpt_data)):
            out = work / f"speed_{objective}_{r}"
            cli(["train", str(ROOT / "configs" / "tiny_cpu.yaml"), *sets(**shape, **{
                "data.path": data, "output_dir": out, "data.seq_len": 160, "train.objective": objective,
                "train.max_steps": a.steps, "wandb.enabled": "false"})], a.ranks)  # fmt: skip
            steps[objective] += step_rates(out)
    rates = {k: statistics.median(v) for k, v in steps.items()}
    return {"sft_tokens_per_s": round(rates["sft"], 1), "cpt_tokens_per_s": round(rates["cpt"], 1),
            "sft_slowdown": round(1 - rates["sft"] / rates["cpt"], 4), "target_slowdown": 0.05,
            "rounds": a.rounds, "steps_per_run": a.steps}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary folder, removed)")
    ap.add_argument("--ranks", type=int, default=2, help="ZeRO-3 ranks of the training steps")
    ap.add_argument("--limit", type=int, default=5, help="toy operands below this")
    ap.add_argument("--problems", type=int, default=400)
    ap.add_argument("--policy-steps", type=int, default=200)
    ap.add_argument("--rm-steps", type=int, default=800)
    ap.add_argument("--temperature", type=float, default=1.2, help="sampling temperature (errors to learn from)")
    ap.add_argument("--steps", type=int, default=30, help="steps of each throughput run")
    ap.add_argument("--rounds", type=int, default=3, help="alternating SFT/CPT throughput runs of each")
    ap.add_argument("--only", choices=["all", "sft_overhead"], default="all", help="sft_overhead: that figure alone")
    ap.add_argument("--quick", action="store_true", help="one rank, tiny: the same path in about a minute")
    a = ap.parse_args()
    if a.quick:
        a.ranks, a.problems, a.policy_steps, a.rm_steps, a.steps, a.rounds = 1, 48, 20, 8, 6, 1
    with tempfile.TemporaryDirectory(prefix="bench_instruct_") as tmp:
        work = a.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        policy = train_policy(work, a)
        if a.only == "sft_overhead":
            print(json.dumps({"bench": "instruct", "what": "sft_overhead", "quick": a.quick, "ranks": a.ranks,
                              **sft_overhead(work, a)}), flush=True)  # fmt: skip
            return
        sampled = sample(work, policy, a)
        print(json.dumps({"bench": "instruct", "what": "sampling", "backend": "hf", "device": "cpu",
                          "problems": sampled["problems"], "k": 8, "pass@1": round(sampled["pass@1"], 4),
                          "pass@8": round(sampled["pass@8"], 4), "generated_tokens": sampled["generated_tokens"],
                          "generated_tokens_per_s": sampled["generated_tokens_per_s"], "quick": a.quick}), flush=True)  # fmt: skip
        import torch

        vllm = importlib.util.find_spec("vllm") is not None and torch.cuda.is_available()
        print(json.dumps({"bench": "instruct", "what": "sampling", "backend": "vllm",
                          "status": "ok" if vllm else "missing: needs the vllm package and a CUDA GPU (gpu_check.sh)"}))  # fmt: skip
        rm = reward_model(work, policy, a)
        print(json.dumps({"bench": "instruct", "what": "reward_model", "quick": a.quick, "limit": a.limit, **rm,
                          "rm_minus_random": round(rm["val_rm@8"] - rm["val_random@8"], 4)}), flush=True)  # fmt: skip
        print(json.dumps({"bench": "instruct", "what": "sft_overhead", "quick": a.quick, "ranks": a.ranks,
                          **sft_overhead(work, a)}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
