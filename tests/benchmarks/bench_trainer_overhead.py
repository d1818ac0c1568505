"""Trainer overhead: our `Trainer.train_step` vs a bare DeepSpeed ZeRO-3 loop, same tiny Qwen2, batch and ranks.

    OMP_NUM_THREADS=1 .venv/bin/python -m torch.distributed.run --standalone --nproc_per_node 2 \
        tests/benchmarks/bench_trainer_overhead.py --data RUN/data [--steps 30]
    .venv/bin/python tests/benchmarks/bench_trainer_overhead.py --quick [--out DIR]    # seconds: one rank, 3 steps

RUN/data is a completed `mathcpt data` run (e.g. `mathcpt demo`'s demo_out/data). Both loops run in the same
processes, alternating in rounds, on `configs/tiny_cpu.yaml`'s model and batch; the bare loop feeds batches built once
in advance and does only forward, backward and step. Rank 0 prints one JSON line: median step time of each and the
overhead ratio (target ≤ 1.05), also written to --out/trainer_overhead.jsonl. The trainer's output goes to --out
(default: a temporary folder, removed at the end). `--quick`: without --data, a data run of random tokens (512-token
vocabulary, documents of random length) written here; 2 micro-batches per step, one warm-up step and one timed
round of 3 steps per loop; without torchrun it runs as one rank.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="a completed data run (with --quick: default random tokens written here)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per loop per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="seconds: 1 round of 3 steps, random data if no --data")
    parser.add_argument("--out", type=Path, default=None, help="where outputs go (default: a temporary folder)")
    args = parser.parse_args()
    if args.data is None and not args.quick:
        parser.error("--data RUN/data is required (a completed `mathcpt data` run), or pass --quick")
    if args.quick:
        args.steps, args.rounds = 3, 1
    # One folder per launch: the ranks of one torchrun share its run id and its agent (their parent process).
    launch = (
        f"{os.environ['TORCHELASTIC_RUN_ID']}_{os.getppid()}" if "TORCHELASTIC_RUN_ID" in os.environ else os.getpid()
    )
    work = args.out or Path(tempfile.gettempdir()) / f"bench_trainer_overhead_{launch}"
    try:
        measure(args, work)
    finally:
        if args.out is None and int(os.environ.get("RANK", "0")) == 0:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, work: Path) -> None:
    import deepspeed
    import torch
    import torch.nn.functional as F
    from transformers.integrations import HfDeepSpeedConfig

    from pipeline.config.train import load_train_config
    from pipeline.train.model import build_model, model_config
    from pipeline.train.trainer import Trainer, deepspeed_config

    config_path = ROOT / "configs" / "tiny_cpu.yaml"
    data = args.data or work / "data"
    overrides = [f"data.path={data}", f"output_dir={work / 'run'}", "wandb.enabled=false", f"train.max_steps={10**6}"]
    if args.quick:  # two micro-batches per step instead of the config's 16 sequences per step
        overrides.append(f"batch.global_batch_size={8 * int(os.environ.get('WORLD_SIZE', '1'))}")
    cfg = load_train_config(config_path, overrides)
    trainer = Trainer(cfg, config_path)
    trainer.init_distributed()
    if args.data is None:  # --quick without a data run: random documents, written once by rank 0
        from bench_gpu_mfu import write_random_data_run

        if trainer.is_main:
            write_random_data_run(work / "data", vocab=512, tokens=100_000)
        torch.distributed.barrier()
    trainer.prepare_output()
    trainer.build_dataloader()
    trainer.build_model()

    # The bare loop: the same architecture and DeepSpeed config, its own engine, fixed pre-built batches.
    mc = model_config(cfg.model, trainer.data.vocab_size)
    ds = deepspeed_config(cfg, trainer.plan, config_path.parent, mc.hidden_size)
    ds["zero_allow_untested_optimizer"] = True
    keep = HfDeepSpeedConfig(ds)  # noqa: F841 - must stay alive while the model is built
    model = build_model(cfg.model, mc, torch.float32)
    bare, _, _, _ = deepspeed.initialize(
        model=model, optimizer=torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr), config=ds
    )
    batches = [trainer.data.batch(list(range(k * 4, k * 4 + trainer.plan.micro_batch_size))) for k in range(8)]

    def bare_step(k: int) -> None:
        for micro in range(trainer.plan.grad_accum):
            b = batches[(k + micro) % len(batches)]
            logits = bare(input_ids=b["input_ids"], position_ids=b["position_ids"], use_cache=False).logits
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), b["labels"].view(-1))
            bare.backward(loss)
            bare.step()

    ours, plain = [], []
    for _ in range(1 if args.quick else 2):  # warm-up of both
        trainer.train_step()
        bare_step(0)
    for _ in range(args.rounds):
        for k in range(args.steps):
            torch.distributed.barrier()
            t0 = time.perf_counter()
            trainer.train_step()
            ours.append(time.perf_counter() - t0)
        for k in range(args.steps):
            torch.distributed.barrier()
            t0 = time.perf_counter()
            bare_step(k)
            plain.append(time.perf_counter() - t0)
    if trainer.is_main:
        a, b = statistics.median(ours), statistics.median(plain)
        line = json.dumps(
            {
                "figure": "trainer_overhead",
                "status": "ok",
                "quick": args.quick,
                "data": "random tokens" if args.data is None else str(args.data),
                "ranks": trainer.world_size,
                "steps": len(ours),
                "tokens_per_step": trainer.plan.tokens_per_step,
                "ours_step_s": round(a, 5),
                "bare_deepspeed_step_s": round(b, 5),
                "ratio": round(a / b, 4),
                "target": 1.05,
            }
        )
        print(line, flush=True)
        (work / "trainer_overhead.jsonl").write_text(line + "\n")
    trainer.close()


if __name__ == "__main__":
    main()
