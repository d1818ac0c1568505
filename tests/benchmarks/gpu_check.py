"""Everything only a GPU can show, in priority order, one JSON line per check; run through gpu_check.sh.

    bash tests/benchmarks/gpu_check.sh [--wheels .whl] [--only mfu,packing] [--limit mfu=300] [--peak-tflops 989]
    bash tests/benchmarks/gpu_check.sh --list

Checks, most valuable first, each a child process with its own time limit (a hang costs its limit, not the budget):

1. `mfu`: bench_gpu_mfu.py, Qwen2-1.5B shape, random init, seq 4096, bf16 ZeRO-3, flash-attn-2 (sdpa when the
   package is missing: the line says which ran), activation checkpointing; tokens/s, TFLOP/s, MFU vs the dense
   bf16 peak (H100/H200: 989 TFLOP/s), target 0.40;
2. `packing`: gpu_packing.py, packed varlen flash-attn-2 forward = each document alone = sdpa (bf16 tolerance);
3. `resume`: gpu_resume.py, bf16 ZeRO-3 on one GPU: the loss falls, save → kill -9 → resume gives the same losses;
4. `generation`: gpu_generation.py, vLLM vs HF generate through our generation backend, tokens/s and ratio;
5. `grpo`: gpu_grpo.py, vLLM's log-probs equal the updated ZeRO-3 policy's after a weight sync (and differ before),
   then Qwen2-1.5B-shaped GRPO step time with HF against vLLM rollouts;
6. `memory`: from the `mfu` line's peak memory, the 1.5B step's model states and activations, and what they predict
   for Qwen2-7B on 8 GPUs with configs/deepspeed/zero3_bf16.json (a prediction, labelled as one).

Before anything: without a CUDA device it exits 2 at once with one line saying so (it never fakes a figure); then it
lists the Python packages the checks need that are missing (gpu_check.sh installs the wheels of a `--wheels` folder
first), and a check whose packages are missing prints a `missing` line instead of running. Every check ends in a
line with `"check"` and `"status"` (ok, failed, timeout, missing), its figures merged in; the last line is a summary.
The summary is `ok`, `incomplete` (some check could not run: `missing`) or `failed`. Exit status: 0 when every
check that ran is ok, 1 otherwise, 2 without CUDA, 64 on bad arguments.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0}  # dense, SXM where both
NEEDED = ["torch", "transformers", "accelerate", "deepspeed", "pydantic", "yaml", "loguru", "safetensors", "psutil"]
OPTIONAL = ["flash_attn", "vllm"]  # the checks say when they ran without them


@dataclass
class Check:
    name: str
    argv: list[str]
    limit_s: float
    needs: list[str] = field(default_factory=lambda: list(NEEDED))


def checks(peak_tflops: float | None) -> list[Check]:
    py = sys.executable
    mfu = [py, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1", str(HERE / "bench_gpu_mfu.py")]
    mfu += ["--steps", "8", "--warmup", "3"] + (["--peak-tflops", str(peak_tflops)] if peak_tflops else [])
    return [
        Check("mfu", mfu, 300),
        Check("packing", [py, str(HERE / "gpu_packing.py")], 120, ["torch", "transformers"]),
        Check("resume", [py, str(HERE / "gpu_resume.py"), "--run-timeout", "120"], 330),
        Check("generation", [py, str(HERE / "gpu_generation.py")], 240, ["torch", "transformers", "tokenizers"]),
        Check("grpo", [py, str(HERE / "gpu_grpo.py"), "--steps", "3", "--new-tokens", "128"], 240),
    ]


CHECK_NAMES = ["mfu", "packing", "resume", "generation", "grpo", "memory"]


def missing_modules(names: list[str]) -> list[str]:
    return [n for n in names if importlib.util.find_spec(n) is None]


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def run_check(name: str, argv: list[str], limit_s: float, log_dir: Path) -> dict:
    """Run one check's child process under its limit; its JSON lines become the check's figures."""
    log = log_dir / f"{name}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    t0 = time.perf_counter()
    with log.open("w") as f:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=f, text=True,
                                start_new_session=True)  # fmt: skip
        try:
            stdout, _ = proc.communicate(timeout=limit_s)
            status = "ok" if proc.returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the whole group: torchrun's ranks too
            stdout, _ = proc.communicate()
            status = "timeout"
    seconds = time.perf_counter() - t0
    with log.open("a") as f:
        f.write(stdout)
    result: dict = {"check": name, "status": status, "seconds": round(seconds, 1), "limit_s": limit_s}
    lines = json_lines(stdout)
    if len(lines) == 1:
        result.update({k: v for k, v in lines[0].items() if k not in result})
    elif lines:
        result["figures"] = lines
    if status != "ok":
        result["returncode"] = proc.returncode
        result["log_tail"] = log.read_text(errors="replace").splitlines()[-8:]
        result["log"] = str(log)
    return result


# --- memory: what the 1.5B step's peak predicts for 7B on 8 GPUs --------------------------------------------------

QWEN2_7B = {
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
    "vocab_size": 152064,
    "tie_word_embeddings": False,
}


def parameters(shape: dict, vocab: int | None = None) -> int:
    """Qwen2's parameter count: embeddings (+ an untied head), q/k/v with biases, o, the gated MLP, two norms."""
    h, inter, layers = shape["hidden_size"], shape["intermediate_size"], shape["num_hidden_layers"]
    v = vocab or shape["vocab_size"]
    kv = h // shape["num_attention_heads"] * shape["num_key_value_heads"]
    attention = h * h + h + 2 * (h * kv + kv) + h * h
    per_layer = attention + 3 * h * inter + 2 * h
    return v * h * (1 if shape["tie_word_embeddings"] else 2) + layers * per_layer + h


def memory_prediction(mfu: dict) -> dict:
    """Split the measured 1.5B peak into ZeRO-3 model states (16 bytes per parameter: bf16 weights and gradients,
    fp32 master weights and two Adam moments, partitioned over the ranks), logits (fp32 values and gradients) and the
    rest (checkpointed activations, one layer's recompute, buffers); scale the rest by layers × hidden to 7B."""
    from bench_gpu_mfu import QWEN2_1_5B

    gib = 2**30
    n15, n7 = parameters(QWEN2_1_5B, 151936), parameters(QWEN2_7B)
    world15, world7 = int(mfu.get("devices", 1)), 8
    tokens = int(mfu["seq_len"]) * int(mfu["micro_batch"])
    logits15, logits7 = tokens * 151936 * 8, tokens * QWEN2_7B["vocab_size"] * 8
    states15, states7 = 16 * n15 / world15, 16 * n7 / world7
    peak15 = float(mfu["max_memory_gib"]) * gib
    rest15 = max(peak15 - states15 - logits15, 0.0)
    scale = (QWEN2_7B["num_hidden_layers"] * QWEN2_7B["hidden_size"]) / (
        QWEN2_1_5B["num_hidden_layers"] * QWEN2_1_5B["hidden_size"]
    )
    ds = json.loads((ROOT / "configs" / "deepspeed" / "zero3_bf16.json").read_text())["zero_optimization"]
    # The largest module gathered whole at once: the 7B embedding (or head), in bf16; bounded by max_live_parameters.
    gathered7 = 2 * min(QWEN2_7B["vocab_size"] * QWEN2_7B["hidden_size"], ds["stage3_max_live_parameters"])
    predicted = states7 + logits7 + rest15 * scale + gathered7
    return {
        "prediction": True,
        "measured_1_5b_peak_gib": round(peak15 / gib, 2),
        "measured_1_5b_on_gpus": world15,
        "parameters_1_5b": n15,
        "parameters_7b": n7,
        "micro_batch_tokens": tokens,
        "model_states_1_5b_gib": round(states15 / gib, 2),
        "logits_1_5b_gib": round(logits15 / gib, 2),
        "activations_and_buffers_1_5b_gib": round(rest15 / gib, 2),
        "model_states_7b_per_gpu_gib": round(states7 / gib, 2),
        "activations_7b_gib": round(rest15 * scale / gib, 2),
        "gathered_module_7b_gib": round(gathered7 / gib, 2),
        "predicted_7b_per_gpu_on_8_gib": round(predicted / gib, 2),
        "fits_80_gib": predicted / gib < 78,
        # False when the measured peak is below states + logits: the split's assumptions do not hold for this run
        # (e.g. logits not kept in fp32 at once), and the prediction's activations term is then a floor of 0.
        "split_consistent": peak15 >= states15 + logits15,
    }


# --- the run -------------------------------------------------------------------------------------------------------


def parse_limits(items: list[str]) -> dict[str, float]:
    limits = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in CHECK_NAMES or not value:
            raise SystemExit(_usage(f"--limit {item!r}: use NAME=SECONDS with NAME one of {', '.join(CHECK_NAMES)}"))
        try:
            limits[name] = float(value)
        except ValueError:
            raise SystemExit(_usage(f"--limit {item!r}: {value!r} is not a number of seconds")) from None
    return limits


def _usage(message: str) -> int:
    print(f"gpu_check: {message}", file=sys.stderr)
    return 64


def cuda_device() -> str | None:
    """The GPU's name, or None when there is none (torch missing counts as none: it says so)."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(CHECK_NAMES), help="comma-separated checks, in the order given")
    parser.add_argument("--limit", action="append", default=[], help="NAME=SECONDS, e.g. mfu=400 (repeatable)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak (default: from the GPU name)")
    parser.add_argument(
        "--out", default=None, help="folder for the logs and gpu_check.jsonl (default: $OUT or ./gpu_check_out)"
    )
    parser.add_argument("--list", action="store_true", help="print the checks and their limits, then exit")
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 64 if e.code else 0
    wanted = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in CHECK_NAMES]
    if unknown or not wanted:
        return _usage(f"--only: unknown check {unknown[0]!r}; the checks are {', '.join(CHECK_NAMES)}" if unknown
                      else "--only names no check")  # fmt: skip
    try:
        limits = parse_limits(args.limit)
    except SystemExit as e:
        return int(e.code)
    if args.list:
        for c in checks(args.peak_tflops):
            print(json.dumps({"check": c.name, "limit_s": limits.get(c.name, c.limit_s), "needs": c.needs}))
        print(json.dumps({"check": "memory", "limit_s": 0, "needs": [], "from": "mfu"}))
        return 0

    device = cuda_device()
    if device is None:
        why = "torch is not installed" if importlib.util.find_spec("torch") is None else "torch sees no CUDA device"
        print(f"gpu_check: no CUDA GPU here ({why}); nothing was measured", file=sys.stderr)
        return 2
    peak = args.peak_tflops or next((v for k, v in PEAK_BF16_TFLOPS.items() if k in device), None)
    out = Path(args.out or os.environ.get("OUT") or ROOT / "gpu_check_out")
    out.mkdir(parents=True, exist_ok=True)
    record = out / "gpu_check.jsonl"
    record.write_text("")

    def emit(line: dict) -> None:
        text = json.dumps(line)
        print(text, flush=True)
        with record.open("a") as f:
            f.write(text + "\n")

    missing = missing_modules(sorted(set(NEEDED + ["tokenizers"])))
    emit({"check": "environment", "status": "ok" if not missing else "missing", "device": device,
          "peak_bf16_tflops": peak, "missing": missing, "optional_missing": missing_modules(OPTIONAL),
          "python": sys.version.split()[0]})  # fmt: skip

    by_name = {c.name: c for c in checks(peak)}
    results: dict[str, dict] = {}
    for name in wanted:
        if name == "memory":
            mfu = results.get("mfu")
            if not mfu or mfu.get("status") != "ok" or mfu.get("max_memory_gib") is None:
                results[name] = {"check": "memory", "status": "missing", "why": "needs an ok mfu check in this run"}
            else:
                results[name] = {"check": "memory", "status": "ok", **memory_prediction(mfu)}
            emit(results[name])
            continue
        check = by_name[name]
        if name == "mfu" and peak is None:
            results[name] = {
                "check": name,
                "status": "missing",
                "why": f"unknown bf16 peak of {device}: pass --peak-tflops",
            }
        elif gone := missing_modules(check.needs):
            results[name] = {"check": name, "status": "missing", "missing": gone}
        else:
            results[name] = run_check(name, check.argv, limits.get(name, check.limit_s), out)
        emit(results[name])
    statuses = {n: r["status"] for n, r in results.items()}
    ran_ok = all(s in ("ok", "missing") for s in statuses.values())
    summary = "failed" if not ran_ok else ("ok" if all(s == "ok" for s in statuses.values()) else "incomplete")
    emit({"check": "summary", "status": summary, **statuses})
    return 0 if ran_ok else 1


if __name__ == "__main__":
    sys.exit(main())
