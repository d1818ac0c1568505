"""Generation throughput of our backends: vLLM against HF generate, same random Qwen2, same prompts.

    python tests/benchmarks/gpu_generation.py                          # on a CUDA GPU: vllm and hf (gpu_check.sh)
    python tests/benchmarks/gpu_generation.py --device cpu --backends hf   # the code path on CPU, a tiny model

Both go through `pipeline.shared.generation.make_generator`, the entry the evaluation and synthesis use, so the
figure is the one our users get, not a bare engine's. The model is a random Qwen2 of Qwen2-0.5B's shape (CPU: a
tiny one) saved as an HF folder with a byte-level BPE tokenizer trained here (the node has no network), greedy
decoding of `--new-tokens` tokens for `--prompts` prompts. Random weights rarely emit EOS, so nearly every prompt
runs the full length; the tokens counted are the ones each backend reports generating. Printed, one JSON line per
backend (tokens/s, seconds, tokens) and, with both, one line with their ratio. A backend that is not installed
(vllm on most images) gets a line saying so instead of a figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

QWEN2_0_5B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                  num_key_value_heads=2)  # fmt: skip
TINY = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
WORDS = "the sum of a triangle prime number solve equation integer angle area find value let then".split()


def make_model(folder: Path, shape: dict, seed: int = 0) -> None:
    """A random Qwen2 and a trained BPE tokenizer, saved as an HF folder both backends load."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    rng = random.Random(seed)
    text = [" ".join(rng.choice(WORDS) if rng.random() < 0.7 else str(rng.randrange(1000)) for _ in range(40))
            for _ in range(2000)]  # fmt: skip
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=2048,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(text, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tokenizer.save_pretrained(folder)
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        max_position_embeddings=4096,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        **shape,
    )
    Qwen2ForCausalLM(config).to(torch.bfloat16).save_pretrained(folder)


def prompts(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 40))) for _ in range(n)]


def measure(backend: str, model: Path, texts: list[str], new_tokens: int, batch: int) -> dict:
    from pipeline.shared.generation import SamplingSettings, make_generator

    kwargs = {"batch_size": batch} if backend == "hf" else {"gpu_memory_utilization": 0.5, "max_model_len": 2048}
    generator = make_generator(backend, str(model), **kwargs)
    settings = SamplingSettings(max_new_tokens=new_tokens)
    generator.generate_detailed(texts[: min(4, len(texts))], SamplingSettings(max_new_tokens=8))  # warm-up
    generator.generated_tokens = 0
    t0 = time.perf_counter()
    out = generator.generate_detailed(texts, settings)
    seconds = time.perf_counter() - t0
    tokens = sum(c.tokens for row in out for c in row)
    return {"seconds": round(seconds, 3), "tokens": tokens, "tokens_per_s": round(tokens / seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--backends", nargs="+", default=["vllm", "hf"], choices=["vllm", "hf"])
    parser.add_argument("--prompts", type=int, default=None, help="default: GPU 256, CPU 4")
    parser.add_argument("--new-tokens", type=int, default=None, help="default: GPU 256, CPU 8")
    parser.add_argument("--hf-batch", type=int, default=64, help="HF backend batch size")
    args = parser.parse_args(argv)

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_generation: no CUDA device; run with --device cpu --backends hf for the CPU path", file=sys.stderr)
        return 2
    gpu = args.device == "cuda"
    n = args.prompts or (256 if gpu else 4)
    new_tokens = args.new_tokens or (256 if gpu else 8)
    device = torch.cuda.get_device_name() if gpu else "cpu"
    texts = prompts(n)
    results: dict[str, dict] = {}
    failed = False
    with tempfile.TemporaryDirectory(prefix="gpu_generation_") as tmp:
        make_model(Path(tmp), QWEN2_0_5B if gpu else TINY)
        for backend in args.backends:
            line = {"figure": "generation", "backend": backend, "device": device, "prompts": n,
                    "new_tokens": new_tokens, "shape": "qwen2-0.5b" if gpu else "tiny"}  # fmt: skip
            if backend == "vllm" and importlib.util.find_spec("vllm") is None:
                line["status"] = "missing: the vllm package is not installed here"
            else:
                try:
                    results[backend] = measure(backend, Path(tmp), texts, new_tokens, args.hf_batch)
                    line.update(results[backend], status="ok")
                except Exception as e:  # report and go on to the other backend: one broken engine is a finding
                    line["status"] = f"failed: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e) else ''}"
                    failed = True
            print(json.dumps(line), flush=True)
    if "vllm" in results and "hf" in results:
        ratio = results["vllm"]["tokens_per_s"] / results["hf"]["tokens_per_s"]
        print(json.dumps({"figure": "generation_ratio", "device": device, "vllm_over_hf": round(ratio, 2)}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
