"""bf16 ZeRO-3 on one GPU: the loss falls on a data run, and save → kill -9 → resume gives the same losses.

    python tests/benchmarks/gpu_resume.py                  # on a CUDA GPU (one of tests/benchmarks/gpu_check.sh's checks)
    python tests/benchmarks/gpu_resume.py --device cpu     # the same path on CPU: fp32, gloo, zero3_cpu.json

Three real `mathcpt train` runs under torchrun (one rank), a small Qwen2 from scratch on a data run of low-entropy
documents (a Markov chain over 256 tokens with 3 successors each, so the loss has far to fall from ln(vocab)): `straight`
trains `--steps` steps saving halfway; `killed` is the same run, SIGKILLed as a process group as soon as its
halfway checkpoint is published; `resumed` runs the same command on the killed run's folder. Printed, one JSON line:
the loss at the first and last steps (and whether it fell by at least half a nat), and the largest |difference|
between the straight and the resumed losses after the checkpoint, with whether they are bit-exact and whether they
are within `--rtol`. On CPU resume is bit-exact (tests/train/test_resume.py asserts it); on a GPU bf16 kernels
(flash-attention's backward accumulates with atomics) need not be, which is what the tolerance is for. Exit
status 1 when the loss does not fall or the resumed losses leave the tolerance.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from bench_gpu_mfu import document_lengths, write_data_run  # noqa: E402

VOCAB = 4096
SHAPE = {
    "hidden_size": 256,
    "intermediate_size": 704,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 4096,
    "rope_theta": 10000.0,
    "tie_word_embeddings": True,
}


def write_markov_data_run(out: Path, tokens: int, seed: int = 0) -> None:
    """Documents drawn from a fixed random Markov chain over 256 of the vocabulary's tokens, each with 3 possible
    successors: the loss falls from ln(4096) towards ln(3) as the model learns the used tokens, then the chain."""
    rng = np.random.default_rng(seed)
    states = rng.choice(np.arange(1, VOCAB), size=256, replace=False)
    successors = rng.integers(0, len(states), size=(len(states), 3))
    lengths = document_lengths(tokens, rng, 64, 1500)
    ids = np.empty(sum(lengths), dtype=np.uint32)
    current = 0
    choice = rng.integers(0, 3, size=len(ids))
    for i in range(len(ids)):
        ids[i] = states[current]
        current = int(successors[current, choice[i]])
    write_data_run(out, ids, lengths, VOCAB, seed)


def command(work: Path, run: str, device: str, steps: int, seq: int) -> list[str]:
    overrides = [
        f"data.path={work / 'data'}",
        f"output_dir={work / run}",
        f"data.seq_len={seq}",
        "model.init=scratch",
        "model.name_or_path=null",
        f"model.shape={json.dumps(SHAPE)}",
        f"model.attn_implementation={'flash_attention_2' if device == 'cuda' else 'sdpa'}",
        "model.gradient_checkpointing=true",
        "batch.micro_batch_size=4",
        "batch.global_batch_size=8",  # two micro-batches per step: accumulation is part of what resumes
        f"train.max_steps={steps}",
        f"train.save_every={steps // 2}",
        "train.log_every=1",
        "optim.lr=3.0e-3",
        "optim.warmup_steps=2",
        "wandb.enabled=false",
    ]
    if device == "cpu":
        overrides += ["deepspeed.config=deepspeed/zero3_cpu.json", "deepspeed.precision=fp32"]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1"]
    cmd += ["-m", "pipeline.cli", "train", str(ROOT / "configs" / "qwen2_1.5b.yaml")]
    for o in overrides:
        cmd += ["--set", o]
    return cmd


def launch(cmd: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "TOKENIZERS_PARALLELISM": "false"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )


def finish(proc: subprocess.Popen, log: Path, what: str, timeout: float) -> None:
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise SystemExit(f"gpu_resume: the {what} run did not finish in {timeout:.0f} s; its log: {log}") from None
    if rc != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"gpu_resume: the {what} run exited {rc}:\n{tail}")


def losses(run: Path) -> dict[int, float]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--steps", type=int, default=None, help="steps per run (default: GPU 40, CPU 20)")
    parser.add_argument("--rtol", type=float, default=5e-3, help="relative tolerance of the resumed losses")
    parser.add_argument("--work", default=None, help="folder for the runs (default: a temporary one)")
    parser.add_argument("--run-timeout", type=float, default=240, help="seconds each training run may take")
    args = parser.parse_args(argv)

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_resume: no CUDA device; run with --device cpu for the CPU path", file=sys.stderr)
        return 2
    steps = args.steps or (40 if args.device == "cuda" else 20)
    steps += steps % 2
    seq = 1024 if args.device == "cuda" else 128
    work = Path(args.work or tempfile.mkdtemp(prefix="gpu_resume_"))
    write_markov_data_run(work / "data", tokens=(steps + 4) * 8 * (seq + 1) * 2)

    t0 = time.perf_counter()
    straight = launch(command(work, "straight", args.device, steps, seq), work / "straight.log")
    finish(straight, work / "straight.log", "straight", args.run_timeout)
    straight_s = time.perf_counter() - t0

    killed = launch(command(work, "killed", args.device, steps, seq), work / "killed.log")
    latest = work / "killed" / "checkpoints" / "latest"
    deadline = time.time() + args.run_timeout
    while not (latest.is_file() and latest.read_text().strip() == f"step_{steps // 2:08d}"):
        if killed.poll() is not None:
            raise SystemExit(
                f"gpu_resume: the run to kill ended first (exit {killed.returncode}); log: {work}/killed.log"
            )
        if time.time() > deadline:
            os.killpg(killed.pid, signal.SIGKILL)
            raise SystemExit(f"gpu_resume: no halfway checkpoint in {args.run_timeout:.0f} s; log: {work}/killed.log")
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)  # the whole job, mid-run, no chance to clean up
    killed.wait()
    resumed = launch(command(work, "killed", args.device, steps, seq), work / "resumed.log")
    finish(resumed, work / "resumed.log", "resumed", args.run_timeout)

    a, b = losses(work / "straight"), losses(work / "killed")
    after = [s for s in range(steps // 2 + 1, steps + 1)]
    missing = [s for s in range(1, steps + 1) if s not in a or s not in b]
    if missing:
        raise SystemExit(f"gpu_resume: steps {missing[:5]} have no loss in metrics.jsonl ({work})")
    diffs = [abs(a[s] - b[s]) for s in after]
    relative = max(d / max(abs(a[s]), 1e-12) for d, s in zip(diffs, after))
    first, last = a[1], float(np.mean([a[s] for s in range(steps - 1, steps + 1)]))
    fell = first - last >= 0.5
    within = relative <= args.rtol
    print(
        json.dumps(
            {
                "figure": "gpu_resume",
                "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
                "precision": "bf16" if args.device == "cuda" else "fp32",
                "steps": steps,
                "checkpoint_step": steps // 2,
                "loss_first": round(first, 4),
                "loss_last": round(last, 4),
                "loss_fell": fell,
                "resumed_max_abs_diff": float(f"{max(diffs):.3g}"),
                "resumed_max_rel_diff": float(f"{relative:.3g}"),
                "bit_exact": max(diffs) == 0.0,
                "rtol": args.rtol,
                "within_rtol": within,
                "straight_run_s": round(straight_s, 1),
                "ok": fell and within,
            }
        ),
        flush=True,
    )
    return 0 if fell and within else 1


if __name__ == "__main__":
    sys.exit(main())
