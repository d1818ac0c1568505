"""Trainer overhead: our `Trainer.train_step` vs a bare DeepSpeed ZeRO-3 loop, same tiny Qwen2, batch and ranks.

    OMP_NUM_THREADS=1 .venv/bin/python -m torch.distributed.run --standalone --nproc_per_node 2 \
        tests/benchmarks/bench_trainer_overhead.py --data RUN/data [--steps 30]

RUN/data is a completed `mathcpt data` run (e.g. `mathcpt demo`'s demo_out/data). Both loops run in the same
processes, alternating in rounds, on `configs/tiny_cpu.yaml`'s model and batch; the bare loop feeds batches built once
in advance and does only forward, backward and step. Rank 0 prints one JSON line: median step time of each and the
overhead ratio (target ≤ 1.05).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per loop per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import deepspeed
    import torch
    import torch.nn.functional as F
    from transformers.integrations import HfDeepSpeedConfig

    from pipeline.config.train import load_train_config
    from pipeline.train.model import build_model, model_config
    from pipeline.train.trainer import Trainer, deepspeed_config

    config_path = ROOT / "configs" / "tiny_cpu.yaml"
    out = f"/tmp/bench_trainer_overhead/{os.environ.get('TORCHELASTIC_RUN_ID', os.getpid())}"
    cfg = load_train_config(
        config_path, [f"data.path={args.data}", f"output_dir={out}", "wandb.enabled=false", f"train.max_steps={10**6}"]
    )
    trainer = Trainer(cfg, config_path)
    trainer.init_distributed()
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
    for _ in range(2):  # warm-up of both
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
        print(
            json.dumps(
                {
                    "figure": "trainer_overhead",
                    "ranks": trainer.world_size,
                    "steps": len(ours),
                    "tokens_per_step": trainer.plan.tokens_per_step,
                    "ours_step_s": round(a, 5),
                    "bare_deepspeed_step_s": round(b, 5),
                    "ratio": round(a / b, 4),
                    "target": 1.05,
                }
            ),
            flush=True,
        )
    trainer.close()


if __name__ == "__main__":
    main()
