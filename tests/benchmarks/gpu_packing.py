"""Packing on the GPU: a packed flash-attention-2 (varlen) forward equals each document run alone, and equals sdpa.

    python tests/benchmarks/gpu_packing.py                 # on a CUDA GPU, bf16 (one of tests/benchmarks/gpu_check.sh's checks)
    python tests/benchmarks/gpu_packing.py --device cpu    # the same comparison on CPU: sdpa and eager, fp32

The trainer packs documents into one row and restarts `position_ids` at every document (attention_mask=None,
use_cache=False); transformers turns the restarts into cu_seqlens for flash-attention-2's varlen kernel, and into
a block-diagonal mask for sdpa. On CPU `tests/train/test_packing.py` checks sdpa and eager; this checks the GPU
kernels our users run. A random Qwen2 with head_dim 64 (what flash-attn needs and Qwen2 has), documents of 1 to
1,500 tokens in one row; printed, one JSON line: the largest |difference| of the logits (packed vs alone, per
implementation; packed flash vs packed sdpa), against a tolerance of `--atol` (bf16: 0.05 on logits of order 1;
fp32: 1e-4), and whether each holds. Exit status 1 when one does not hold.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys

LENGTHS = (1, 37, 300, 1500, 5, 700)


def max_diff(a, b) -> float:
    return float((a.float() - b.float()).abs().max())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--atol", type=float, default=None, help="tolerance on logits (default: bf16 0.05, fp32 1e-4)")
    args = parser.parse_args(argv)

    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_packing: no CUDA device; run with --device cpu for the CPU comparison", file=sys.stderr)
        return 2
    dtype = torch.bfloat16 if args.device == "cuda" else torch.float32
    atol = args.atol if args.atol is not None else (0.05 if dtype == torch.bfloat16 else 1e-4)
    if args.device == "cuda":
        impls = ["flash_attention_2", "sdpa"] if importlib.util.find_spec("flash_attn") else ["sdpa"]
    else:
        impls = ["sdpa", "eager"]

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=4096,
        hidden_size=512,
        intermediate_size=1024,
        num_hidden_layers=4,
        num_attention_heads=8,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        use_cache=False,
    )
    docs = [torch.randint(1, config.vocab_size, (n,)) for n in LENGTHS]
    packed = torch.cat(docs)[None].to(args.device)
    positions = torch.cat([torch.arange(len(d)) for d in docs])[None].to(args.device)
    state = Qwen2ForCausalLM(config).state_dict()  # one set of weights for every implementation

    figures: dict = {}
    packed_logits = {}
    for impl in impls:
        model = Qwen2ForCausalLM._from_config(config, attn_implementation=impl, dtype=dtype)
        model.load_state_dict(state)
        model.to(args.device).eval()
        with torch.no_grad():
            out = model(input_ids=packed, position_ids=positions, attention_mask=None, use_cache=False).logits[0]
            worst, offset = 0.0, 0
            for d in docs:
                alone = model(input_ids=d[None].to(args.device), use_cache=False).logits[0]
                worst = max(worst, max_diff(out[offset : offset + len(d)], alone))
                offset += len(d)
            # Control: without the restarts later documents attend to earlier ones, so the logits must move.
            leaky = model(input_ids=packed, use_cache=False).logits[0]
            second = slice(LENGTHS[0], LENGTHS[0] + LENGTHS[1])
            control = max_diff(leaky[second], out[second])
        packed_logits[impl] = out
        figures[impl] = {
            "packed_vs_alone_max_abs": round(worst, 6),
            "holds": worst <= atol,
            "leak_control_max_abs": round(control, 6),
            "control_moves": control > atol,
        }
        del model
    between = None
    if len(impls) == 2:
        between = round(max_diff(packed_logits[impls[0]], packed_logits[impls[1]]), 6)
    ok = all(f["holds"] and f["control_moves"] for f in figures.values()) and (between is None or between <= atol)
    print(
        json.dumps(
            {
                "figure": "gpu_packing",
                "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
                "dtype": str(dtype).removeprefix("torch."),
                "documents": list(LENGTHS),
                "implementations": figures,
                "between_implementations": {"pair": impls, "max_abs": between} if between is not None else None,
                "flash_attn_installed": importlib.util.find_spec("flash_attn") is not None,
                "atol": atol,
                "ok": ok,
            }
        ),
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
