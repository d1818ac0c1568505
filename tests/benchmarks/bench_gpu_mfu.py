"""Trainer throughput and MFU of a Qwen2-1.5B-shaped model (random init, bf16, ZeRO-3, seq 4096) on GPUs.

    .venv/bin/python -m torch.distributed.run --standalone --nproc_per_node 1 tests/benchmarks/bench_gpu_mfu.py \
        [--peak-tflops 989] [--micro 4] [--steps 10] [--warmup 3] [--attn flash_attention_2|sdpa]
    # CPU check of the code path only (tiny shape, fp32, no MFU target):
    .venv/bin/python tests/benchmarks/bench_gpu_mfu.py --tiny [--out DIR]    # --quick: the same, 1 + 2 steps

The physical limit it is compared with is the device's dense bf16 peak (H100/H200 SXM: 989 TFLOP/s). It writes a data
run of random token ids (Qwen2's 151,936-token vocabulary, documents of random length, so position ids restart as in
real packed data), builds `configs/qwen2_1.5b.yaml` with `model.init=scratch` and Qwen2-1.5B's shape, and times our
`Trainer.train_step` (the real loop: loader, per-source loss, ZeRO-3 step). MFU counts 6N plus causal attention
FLOPs per token (the trainer's own `flops_per_token`). Rank 0 prints one JSON line: tokens/s, achieved TFLOP/s per
device, peak, MFU, and MFU over the 0.40 target. The data run and the trainer's output go to --out (default: a
temporary folder, removed at the end).
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

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

QWEN2_1_5B = {
    "hidden_size": 1536,
    "intermediate_size": 8960,
    "num_hidden_layers": 28,
    "num_attention_heads": 12,
    "num_key_value_heads": 2,
    "max_position_embeddings": 32768,
    "rope_theta": 1000000.0,
    "tie_word_embeddings": True,
}
TINY = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "max_position_embeddings": 512,
    "rope_theta": 10000.0,
    "tie_word_embeddings": True,
}


def write_data_run(out: Path, ids: np.ndarray, lengths: list[int], vocab: int, seed: int = 0) -> None:
    """A one-source data run in the shard format (`pipeline.shared.shards`): `ids` are the documents' tokens back to
    back, each document of `lengths[i]` tokens ending with EOS (id 0)."""
    ids = np.asarray(ids, dtype=np.uint32)
    ids[np.cumsum(lengths) - 1] = 0  # EOS closes every document
    (out / "tokens" / "random").mkdir(parents=True, exist_ok=True)
    ids.astype("<u4").tofile(out / "tokens" / "random" / "00000.ds")
    np.cumsum(lengths).astype("<u8").tofile(out / "tokens" / "random" / "00000.ds.index")
    manifest = {
        "recipe": "random",
        "seed": seed,
        "tokenizer": {"path": None, "vocab_size": vocab, "eos_token": "<|endoftext|>", "eos_id": 0, "token_size": 4},
        "sources": {
            "random": {
                "kind": "web",
                "weight": 1.0,
                "tokens": int(ids.size),
                "documents": len(lengths),
                "share": 1.0,
                "path": "tokens/random",
            }
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))


def document_lengths(tokens: int, rng: np.random.Generator, low: int = 200, high: int = 6000) -> list[int]:
    lengths = []
    while sum(lengths) < tokens:
        lengths.append(int(rng.integers(low, high)))
    return lengths


def write_random_data_run(out: Path, vocab: int, tokens: int, seed: int = 0) -> None:
    """A data run of random documents of 200-6000 tokens (position ids restart as in real packed data)."""
    rng = np.random.default_rng(seed)
    lengths = document_lengths(tokens, rng)
    write_data_run(out, rng.integers(1, vocab, size=sum(lengths), dtype=np.uint32), lengths, vocab, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="CPU check: tiny shape, fp32, seq 256")
    parser.add_argument("--peak-tflops", type=float, default=989.0)
    parser.add_argument("--micro", type=int, default=4, help="micro batch per device (sequences)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--attn", default="flash_attention_2")
    parser.add_argument("--no-checkpointing", action="store_true", help="turn activation checkpointing off")
    parser.add_argument("--quick", action="store_true", help="--tiny with 1 warm-up and 2 timed steps (seconds)")
    parser.add_argument("--out", type=Path, default=None, help="data run and trainer output (default: temporary)")
    args = parser.parse_args()
    if args.quick:
        args.tiny, args.steps, args.warmup = True, 2, 1
    # One folder per launch: the ranks of one torchrun share its run id and its agent (their parent process).
    launch = (
        f"{os.environ['TORCHELASTIC_RUN_ID']}_{os.getppid()}" if "TORCHELASTIC_RUN_ID" in os.environ else os.getpid()
    )
    work = args.out or Path(tempfile.gettempdir()) / f"bench_gpu_mfu_{launch}"
    try:
        measure(args, work)
    finally:
        if args.out is None and int(os.environ.get("RANK", "0")) == 0:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, work: Path) -> None:
    import torch

    from pipeline.config.train import load_train_config
    from pipeline.train.trainer import Trainer

    world = int(os.environ.get("WORLD_SIZE", "1"))
    seq = 256 if args.tiny else 4096
    if int(os.environ.get("RANK", "0")) == 0 and not (work / "data" / "manifest.json").is_file():
        write_random_data_run(
            work / "data",
            151936 if not args.tiny else 4096,
            (args.steps + args.warmup + 2) * args.micro * world * (seq + 1) * 2,
        )
    shape = TINY if args.tiny else QWEN2_1_5B
    overrides = [
        f"data.path={work / 'data'}",
        f"output_dir={work / 'run'}",
        f"data.seq_len={seq}",
        "model.init=scratch",
        "model.name_or_path=null",
        f"model.shape={json.dumps(shape)}",
        f"model.attn_implementation={'sdpa' if args.tiny else args.attn}",
        f"model.gradient_checkpointing={str(not args.no_checkpointing).lower()}",
        f"batch.micro_batch_size={args.micro}",
        f"batch.global_batch_size={args.micro * world}",
        f"train.max_steps={10**6}",
        "wandb.enabled=false",
        f"train.peak_tflops={args.peak_tflops}",
    ]
    if args.tiny:
        overrides += ["deepspeed.config=deepspeed/zero3_cpu.json", "deepspeed.precision=fp32"]
    cfg = load_train_config(ROOT / "configs" / "qwen2_1.5b.yaml", overrides)
    trainer = Trainer(cfg, ROOT / "configs" / "qwen2_1.5b.yaml")
    trainer.init_distributed()
    trainer.prepare_output()
    trainer.build_dataloader()
    trainer.build_model()
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    for _ in range(args.warmup):
        trainer.train_step()
    times = []
    for _ in range(args.steps):
        sync()
        torch.distributed.barrier()
        t0 = time.perf_counter()
        trainer.train_step()
        sync()
        times.append(time.perf_counter() - t0)
    if trainer.is_main:
        step_s = statistics.median(times)
        tokens_per_s = trainer.plan.tokens_per_step / step_s
        achieved = tokens_per_s * trainer.flops_per_token / world / 1e12
        mfu = achieved / args.peak_tflops
        mem = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
        device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
        print(
            json.dumps(
                {
                    "figure": "trainer_mfu",
                    "device": device,
                    "devices": world,
                    "shape": "tiny" if args.tiny else "qwen2-1.5b",
                    "seq_len": seq,
                    "micro_batch": args.micro,
                    "attn": trainer.model_config._attn_implementation,
                    "step_s": round(step_s, 4),
                    "tokens_per_s": round(tokens_per_s, 1),
                    "tflops_per_device": round(achieved, 2),
                    "peak_tflops": args.peak_tflops,
                    "mfu": round(mfu, 4),
                    "target_mfu": 0.40,
                    "ratio_to_target": round(mfu / 0.40, 4),
                    "max_memory_gib": None if mem is None else round(mem, 2),
                }
            ),
            flush=True,
        )
    trainer.close()


if __name__ == "__main__":
    main()
