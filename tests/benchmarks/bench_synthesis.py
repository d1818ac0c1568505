"""Synthetic data: generation throughput of the backends, and what the post-filters catch on planted bad outputs.

    .venv/bin/python tests/benchmarks/bench_synthesis.py [--shared ../shared] [--prompts 32] [--max-new-tokens 64]
    python tests/benchmarks/bench_synthesis.py --vllm            # on a GPU machine with vllm: adds vLLM throughput
    .venv/bin/python tests/benchmarks/bench_synthesis.py --quick [--out DIR]   # seconds: 4 seeds a set, 4 prompts

Throughput: a tiny randomly initialised Qwen2 (hidden 64, 2 layers; Qwen2's tokenizer from ../shared when present,
else a BPE trained on a few sentences) generates `--max-new-tokens` tokens for `--prompts` solve_en prompts through
`pipeline.shared.generation.HFGenerator` (the backend the synthesis pass uses), sampled at temperature 1 so outputs run to
the limit; `hf_small_vocab` is the same shape with the tests' 512-token BPE. tokens/s = generated tokens / wall seconds of `generate_detailed` (model loading excluded). With
`--vllm` (GPU and the vllm package needed; without them the figure is null with the reason) the same model runs
through `VLLMGenerator` with `--vllm-prompts` prompts.

Post-filters (defaults of `synthesis.postfilters`): for every seed problem we plant one output of each kind and
count which are dropped, and with which reason:

* good — a real worked solution ending in its answer (MATH-500 solutions with their `\\boxed{}`, GSM8K rationales
  with "Final answer: N"; without ../shared, the sample corpus's generated problems) and, for Chinese, CMATH
  questions with a short solution ending "答案：N": none should be dropped (false-drop rate);
* empty — blank, whitespace, a bare number or label;
* truncated — the good solution cut at 30–80% of its length, before its final answer;
* prompt_echo — the prompt itself, the prompt with a short continuation, or the instruction followed by a start;
* repetitive — one sentence of the solution repeated, a short formula loop, or the first half of the good
  solution followed by one of its sentences 5–12 times;
* wrong_answer — the good solution with its final answer (and boxed answer) changed to a different value.

Prints one JSON line: throughput figures and, per planted kind, the share dropped at all and the share dropped
with its own reason (target: every empty, truncated and prompt-echo output caught). The line and the two tiny models
go to --out (default: a temporary folder, removed). `--quick`: 4 seed problems per set, 4 prompts of 8 new tokens in
batches of 2, the 512-token BPE for both models, the same backends and filters.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.config.synthesis import SynthesisPostFilters
from pipeline.data.synthesis.postfilters import drop_reason, echo_measures  # noqa: E402
from pipeline.data.synthesis.templates import LIBRARY  # noqa: E402
from pipeline.shared.grading import to_number

INTENDED = {
    "empty": "empty",
    "truncated": "truncated_no_final_answer",
    "prompt_echo": "prompt_echo",
    "repetitive": "repetitive",
    "wrong_answer": "answer_mismatch",
}


# ------------------------------------------------------------------ seeds with good solutions


def _sample_seeds(n: int, rng: random.Random) -> list[dict]:
    from pipeline.sample import problems

    makers = [f for name, f in sorted(vars(problems).items()) if name.startswith("ex_")]
    out = []
    for i in range(n):
        p = makers[i % len(makers)](rng)
        out.append(
            {
                "lang": "en",
                "question": p["question"],
                "answer": p["answer"],
                "good": " ".join(p["steps"]) + f"\nFinal answer: {p['answer']}",
                "set": "sample",
            }
        )
    return out


def _real_seeds(shared: Path, per_set: int) -> list[dict]:
    from pipeline.shared.benchmarks.registry import load_benchmark

    bench = shared / "benchmarks"
    out = []
    for item in load_benchmark("math500", bench)[:per_set]:
        if f"\\boxed{{{item.answer}}}" in item.solution:  # the solution's own boxed answer is the gold one
            out.append(
                {
                    "lang": "en",
                    "question": item.question,
                    "answer": item.answer,
                    "good": item.solution,
                    "set": "math500",
                }
            )
    for item in load_benchmark("gsm8k", bench)[:per_set]:
        body = re.sub(r"<<[^>]*>>", "", item.solution or "").split("####")[0].strip()
        out.append(
            {
                "lang": "en",
                "question": item.question,
                "answer": item.answer,
                "good": f"{body}\nFinal answer: {item.answer}",
                "set": "gsm8k",
            }
        )
    for item in load_benchmark("cmath", bench)[:per_set]:
        q = item.question
        out.append(
            {
                "lang": "zh",
                "question": q,
                "answer": item.answer,
                "set": "cmath",
                "good": f"解：题目问的是“{q[-14:]}”。先根据题意找出已知条件，再列式计算，得到结果为 {item.answer}。\n"
                f"答案：{item.answer}",
            }
        )
    return out


def _wrong(answer: str) -> str | None:
    value = to_number(answer)
    if value is not None:
        wrong = value + 1
        return str(wrong.numerator) if wrong.denominator == 1 else f"\\frac{{{wrong.numerator}}}{{{wrong.denominator}}}"
    digits = list(re.finditer(r"\d", answer))
    if not digits:
        return None
    d = digits[0]
    return answer[: d.start()] + str((int(d.group()) + 1) % 10) + answer[d.end() :]


def planted_outputs(seed: dict, rng: random.Random) -> list[tuple[str, str, bool]]:
    """(kind, output, finished) for one seed: one good output and one of each bad kind."""
    t = LIBRARY["solve_zh" if seed["lang"] == "zh" else "solve_en"]
    prompt = t.render({"question": seed["question"]})
    good, answer = seed["good"], seed["answer"]
    cut_at = min(
        [i for i in (good.find("\\boxed"), good.find("Final answer"), good.find("答案：")) if i >= 0] + [len(good)]
    )
    truncated = good[: int(cut_at * rng.uniform(0.3, 0.8))]
    sentences = [s for s in re.split(r"(?<=[.。])\s*", good) if len(s) > 15] or [good[:40]]
    out = [
        ("good", good, True),
        ("empty", rng.choice(["", "   ", "\n\n", answer, "Solution:", "解：", "Final answer:"]), True),
        ("truncated", truncated, False),
        (
            "prompt_echo",
            rng.choice(
                [prompt, prompt + " First, we read the problem carefully.", t.instruction.strip() + "\n" + good[:60]]
            ),
            True,
        ),
        (
            "repetitive",
            rng.choice(
                [
                    " ".join([rng.choice(sentences)] * rng.randint(6, 15)),
                    "$x = x + 1$, " * rng.randint(20, 40),
                    "所以 " + "答案是 1 所以 " * rng.randint(10, 30),
                    # a decoding loop after a sound start: the case a model gets stuck in
                    good[: len(good) // 2] + " " + " ".join([rng.choice(sentences)] * rng.randint(5, 12)),
                ]
            ),
            False,
        ),
    ]
    wrong = _wrong(answer)
    if wrong is not None:
        bad = good.replace(f"\\boxed{{{answer}}}", f"\\boxed{{{wrong}}}")
        bad = re.sub(r"(Final answer: |答案：)" + re.escape(answer) + r"\s*$", lambda m: m.group(1) + wrong, bad)
        if bad != good:
            out.append(("wrong_answer", bad, True))
    return [(kind, text, finished, prompt, t) for kind, text, finished in out]


def postfilter_figures(seeds: list[dict], rng: random.Random) -> dict:
    cfg = SynthesisPostFilters()
    results: dict[str, Counter] = {}
    for seed in seeds:
        for kind, text, finished, prompt, t in planted_outputs(seed, rng):
            syn = {
                "final_answer": t.final_answer,
                "solves_seed": t.solves_seed,
                "gold_answer": seed["answer"],
                "answer_type": "latex",
                "finished": finished,
                **echo_measures(text, prompt, t.instruction),
            }
            reason = drop_reason(text, syn, cfg)
            results.setdefault(kind, Counter())[reason or "kept"] += 1
    figures = {}
    for kind, c in results.items():
        n = sum(c.values())
        entry = {"n": n, "reasons": dict(c.most_common())}
        if kind == "good":
            entry["false_drop_rate"] = round(1 - c["kept"] / n, 4)
        else:
            entry["caught"] = round(1 - c["kept"] / n, 4)
            entry["caught_by_its_filter"] = round(c[INTENDED[kind]] / n, 4)
        figures[kind] = entry
    return figures


# ------------------------------------------------------------------ throughput


def _prompts(seeds: list[dict], n: int) -> list[str]:
    return [
        LIBRARY["solve_zh" if s["lang"] == "zh" else "solve_en"].render({"question": s["question"]})
        for s in (seeds * (n // max(len(seeds), 1) + 1))[:n]
    ]


def hf_throughput(model: Path, prompts: list[str], max_new_tokens: int, batch_size: int) -> dict:
    import torch

    from pipeline.shared.generation import HFGenerator, SamplingSettings

    gen = HFGenerator(str(model), batch_size=batch_size)
    settings = SamplingSettings(max_new_tokens=max_new_tokens, temperature=1.0, seed=0)
    gen.generate_detailed(prompts[:batch_size], settings)  # warm-up: first-call allocations are not throughput
    started = time.perf_counter()
    rows = gen.generate_detailed(prompts, settings)
    seconds = time.perf_counter() - started
    tokens = sum(c.tokens for row in rows for c in row)
    return {
        "device": gen.device,
        "threads": torch.get_num_threads(),
        "prompts": len(prompts),
        "batch_size": batch_size,
        "max_new_tokens": max_new_tokens,
        "generated_tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
    }


def vllm_throughput(model: Path, prompts: list[str], max_new_tokens: int) -> dict:
    import importlib.util

    import torch

    if importlib.util.find_spec("vllm") is None or not torch.cuda.is_available():
        return {"tokens_per_s": None, "why": "needs a CUDA GPU and the vllm package"}
    from pipeline.shared.generation import SamplingSettings, VLLMGenerator

    gen = VLLMGenerator(str(model), gpu_memory_utilization=0.5, max_model_len=2048)
    settings = SamplingSettings(max_new_tokens=max_new_tokens, temperature=1.0, seed=0)
    gen.generate_detailed(prompts[:8], settings)
    started = time.perf_counter()
    rows = gen.generate_detailed(prompts, settings)
    seconds = time.perf_counter() - started
    tokens = sum(c.tokens for row in rows for c in row)
    return {
        "device": torch.cuda.get_device_name(),
        "prompts": len(prompts),
        "max_new_tokens": max_new_tokens,
        "generated_tokens": tokens,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(tokens / seconds, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--shared", type=Path, default=ROOT.parent / "shared", help="folder with benchmarks/ and tokenizers/"
    )
    p.add_argument("--per-set", type=int, default=200, help="seed problems per benchmark set")
    p.add_argument("--prompts", type=int, default=32)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--vllm", action="store_true", help="also measure vLLM (GPU)")
    p.add_argument("--vllm-prompts", type=int, default=512)
    p.add_argument("--vllm-max-new-tokens", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="seconds: 4 seeds a set, 4 prompts of 8 tokens, batch 2")
    p.add_argument("--out", type=Path, default=None, help="where outputs go (default: a temporary folder)")
    a = p.parse_args()
    if a.quick:
        a.per_set, a.prompts, a.max_new_tokens, a.batch_size = 4, 4, 8, 2
        a.vllm_prompts, a.vllm_max_new_tokens = 8, 16
    if a.out is None:
        with tempfile.TemporaryDirectory(prefix="bench_synthesis_") as tmp:
            return run(a, Path(tmp))
    a.out.mkdir(parents=True, exist_ok=True)
    return run(a, a.out)


def run(a: argparse.Namespace, out: Path) -> int:
    rng = random.Random(a.seed)
    have_shared = (a.shared / "benchmarks").is_dir()
    seeds = _real_seeds(a.shared, a.per_set) if have_shared else _sample_seeds(3 * a.per_set, rng)
    started = time.perf_counter()
    filters = postfilter_figures(seeds, rng)
    filter_seconds = time.perf_counter() - started

    from pipeline.data.synthesis.tiny_model import build_tiny_model

    tokenizer = a.shared / "tokenizers" / "qwen2"
    # --quick: loading Qwen2's tokenizer takes seconds every time; the 512-token BPE runs the same path
    qwen2 = tokenizer.is_dir() and not a.quick
    model = build_tiny_model(out / "m", tokenizer if qwen2 else None, hidden=64, layers=2)
    prompts = _prompts(seeds, a.prompts)
    hf = hf_throughput(model, prompts, a.max_new_tokens, a.batch_size)
    # The same shape with a 512-token vocabulary (the tests' model): the LM head no longer dominates.
    small = build_tiny_model(out / "small", None, hidden=64, layers=2)
    hf_small = hf_throughput(small, prompts, a.max_new_tokens, a.batch_size)
    vllm = vllm_throughput(model, _prompts(seeds, a.vllm_prompts), a.vllm_max_new_tokens) if a.vllm else None
    line = json.dumps(
        {
            "benchmark": "synthesis",
            "status": "ok",
            "quick": a.quick,
            "seeds": dict(Counter(s["set"] for s in seeds)),
            "model": {
                "shape": "Qwen2 hidden 64, 2 layers, random init",
                "tokenizer": "qwen2 (151,646 tokens)" if qwen2 else "BPE 512",
            },
            "hf_cpu" if hf["device"] == "cpu" else "hf_gpu": hf,
            "hf_small_vocab": hf_small,
            "vllm": vllm,
            "postfilters": filters,
            "postfilter_outputs_per_s": round(sum(f["n"] for f in filters.values()) / filter_seconds, 1),
        },
        ensure_ascii=False,
    )
    print(line)
    (out / "synthesis.jsonl").write_text(line + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
