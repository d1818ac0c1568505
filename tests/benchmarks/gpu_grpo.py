"""GRPO on a GPU: step time with HF against vLLM rollouts, and proof that vLLM samples from the updated policy.

    python tests/benchmarks/gpu_grpo.py                       # on a CUDA GPU (gpu_check.sh runs it): both parts
    python tests/benchmarks/gpu_grpo.py --shape tiny --steps 2   # the same path, small (the gpu-marked test)

1. **Weight sync** (run as a 1-rank torchrun child, `--sync-check`): a random Qwen2 under ZeRO-3 and a vLLM engine
   (pipeline.train.grpo_rollout.VLLMRollout) loaded from the same folder; the ZeRO-3 weights are then changed (every
   parameter scaled by 0.7), and vLLM's per-token log-probs of fixed sequences are compared with the changed HF
   model's before and after `sync()`. Before: far apart; after: equal within bf16 tolerance. That is the failure
   users of public GRPO tools hit silently (vLLM sampling from stale weights); here it is measured.
2. **Step time**: `mathcpt grpo` (1 rank, bf16 ZeRO-3, a reference model) on a random Qwen2 of `--shape`
   (default Qwen2-1.5B's) for `--steps` steps with `rollout.backend: hf`, then `vllm`; generation and training
   seconds per step (mean over steps after the first) and the generation speed-up. Random weights rarely emit EOS,
   so every response runs `--new-tokens` tokens: the figure is the decoding cost at a known length.

One JSON line per part and backend; a missing vllm package gives a `missing` line, never a figure. Exit 1 when a
part that ran failed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from gpu_generation import QWEN2_0_5B, TINY, make_model  # noqa: E402

QWEN2_1_5B = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                  num_key_value_heads=2)  # fmt: skip
SHAPES = {"1.5b": QWEN2_1_5B, "0.5b": QWEN2_0_5B, "tiny": TINY}


def sync_check(folder: Path) -> dict:
    """Under torchrun (1 rank): vLLM's log-probs against the changed ZeRO-3 policy's, before and after sync."""
    import deepspeed
    import torch
    from deepspeed.runtime.zero import unwrap_model_for_generation
    from transformers import AutoConfig, AutoModelForCausalLM
    from transformers.integrations import HfDeepSpeedConfig

    from pipeline.train.grpo_rollout import VLLMRollout

    torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    deepspeed.init_distributed("nccl")
    ds = {"train_micro_batch_size_per_gpu": 1, "bf16": {"enabled": True}, "zero_optimization": {"stage": 3}}
    keep = HfDeepSpeedConfig(ds)  # noqa: F841  (alive while the model loads: every rank loads its partition)
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.bfloat16)
    engine, *_ = deepspeed.initialize(model=model, config=ds)
    vocab = AutoConfig.from_pretrained(folder).vocab_size
    rollout = VLLMRollout(engine, str(folder), [vocab - 1], max_model_len=512, gpu_share=0.3, seed=0)
    g = torch.Generator().manual_seed(0)
    sequences = [torch.randint(0, vocab - 1, (n,), generator=g).tolist() for n in (24, 48, 96)]

    with deepspeed.zero.GatheredParameters(list(engine.module.parameters()), modifier_rank=0):
        for p in engine.module.parameters():
            p.data.mul_(0.7)  # a policy update vLLM has not seen

    def hf_logprobs() -> list[float]:
        out = []
        with torch.no_grad(), unwrap_model_for_generation(engine) as e:
            for seq in sequences:
                ids = torch.tensor([seq], device=engine.device)
                logp = e.module(input_ids=ids).logits[0, :-1].float().log_softmax(-1)
                out += logp.gather(1, ids[0, 1:, None])[:, 0].tolist()
        return out

    def vllm_logprobs() -> list[float]:
        from vllm import SamplingParams

        params = SamplingParams(max_tokens=1, prompt_logprobs=0, detokenize=False)
        outs = rollout.llm.generate([{"prompt_token_ids": s} for s in sequences], params, use_tqdm=False)
        return [d[t].logprob for o, s in zip(outs, sequences) for d, t in zip(o.prompt_logprobs[1:], s[1:])]

    reference = hf_logprobs()
    before = max(abs(a - b) for a, b in zip(vllm_logprobs(), reference))
    copied = rollout.sync()
    after = max(abs(a - b) for a, b in zip(vllm_logprobs(), reference))
    ok = after < 0.15 and before > 5 * after
    return {"figure": "grpo_vllm_sync", "tensors_copied": copied, "tokens": len(reference),
            "max_logprob_diff_before_sync": round(before, 4), "max_logprob_diff_after_sync": round(after, 4),
            "status": "ok" if ok else "failed: vLLM's log-probs do not follow the synced weights"}  # fmt: skip


def grpo_step_times(folder: Path, work: Path, backend: str, steps: int, new_tokens: int) -> dict:
    queries = work / "queries.jsonl"
    queries.write_text("".join(json.dumps({"id": f"q{i}", "question": f"What is {i} + {i + 3}?", "gold": str(2 * i + 3)})
                               + "\n" for i in range(64)))  # fmt: skip
    out = work / f"run_{backend}"
    sets = {"model.name_or_path": folder, "data.queries": f"[{queries}]", "output_dir": out, "data.seq_len": 1024,
            "rollout.backend": backend, "rollout.max_new_tokens": new_tokens, "rollout.group_size": 8,
            "batch.micro_batch_size": 4, "batch.global_batch_size": 4, "train.max_steps": steps,
            "deepspeed.config": "../deepspeed/zero3_bf16.json", "deepspeed.precision": "bf16",
            "model.gradient_checkpointing": "true", "wandb.enabled": "false"}  # fmt: skip
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1", "-m",
            "pipeline.cli", "grpo", str(ROOT / "configs/instruct/grpo_tiny_cpu.yaml")]  # fmt: skip
    argv += [a for k, v in sets.items() for a in ("--set", f"{k}={v}")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    line = {"figure": "grpo_step", "backend": backend, "steps": steps, "responses_per_step": 32,
            "new_tokens": new_tokens}  # fmt: skip
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-6:]
        return {**line, "status": f"failed (exit {done.returncode})", "log_tail": tail}
    rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    timed = [r for r in rows if "generation_s" in r][1:] or [r for r in rows if "generation_s" in r]
    gen = sum(r["generation_s"] for r in timed) / len(timed)
    train = sum(r["training_s"] for r in timed) / len(timed)
    return {**line, "generation_s_per_step": round(gen, 3), "training_s_per_step": round(train, 3),
            "step_s": round(gen + train, 3), "status": "ok"}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", choices=sorted(SHAPES), default="1.5b")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--new-tokens", type=int, default=256)
    ap.add_argument("--sync-check", type=Path, default=None, help=argparse.SUPPRESS)  # the torchrun child
    a = ap.parse_args(argv)
    import torch

    if a.sync_check:
        print(json.dumps(sync_check(a.sync_check)), flush=True)
        return 0
    if not torch.cuda.is_available():
        print("gpu_grpo: no CUDA device (GRPO's CPU path is tested in tests/instruct/test_grpo.py)", file=sys.stderr)
        return 2
    has_vllm = importlib.util.find_spec("vllm") is not None
    failed = False
    with tempfile.TemporaryDirectory(prefix="gpu_grpo_") as tmp:
        folder = Path(tmp) / "model"
        make_model(folder, SHAPES[a.shape])
        if has_vllm:
            argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
                    str(Path(__file__).resolve()), "--sync-check", str(folder)]  # fmt: skip
            done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
            lines = [x for x in done.stdout.splitlines() if x.startswith("{")]
            line = json.loads(lines[-1]) if lines else {"figure": "grpo_vllm_sync", "status": f"failed (exit "
                   f"{done.returncode})", "log_tail": done.stderr.strip().splitlines()[-6:]}  # fmt: skip
            failed |= line["status"] != "ok"
            print(json.dumps({**line, "shape": a.shape}), flush=True)
        results = {}
        for backend in ("hf", "vllm"):
            if backend == "vllm" and not has_vllm:
                print(json.dumps({"figure": "grpo_step", "backend": "vllm", "status": "missing: no vllm package"}))
                continue
            results[backend] = grpo_step_times(folder, Path(tmp), backend, a.steps, a.new_tokens)
            failed |= results[backend]["status"] != "ok"
            print(
                json.dumps({**results[backend], "shape": a.shape, "device": torch.cuda.get_device_name()}), flush=True
            )
        if all(results.get(b, {}).get("status") == "ok" for b in ("hf", "vllm")):
            h, v = results["hf"], results["vllm"]
            print(json.dumps({"figure": "grpo_step_ratio", "shape": a.shape,
                              "generation_hf_over_vllm": round(h["generation_s_per_step"] / v["generation_s_per_step"], 2),
                              "step_hf_over_vllm": round(h["step_s"] / v["step_s"], 2)}), flush=True)  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
