"""A tiny randomly initialised Qwen2 generator, to run a synthetic-data recipe on CPU without downloading weights.

    python -m pipeline.data.synthesis.tiny_model runs/tiny_generator [--tokenizer ../shared/tokenizers/qwen2]
    mathcpt data data_recipes/synthetic_cpu.yaml --out runs/data/synthetic_cpu --set data_root=demo_out/corpus

Its outputs are random tokens: it exercises the synthesis path (prompts, batching, chunks, provenance, resume,
post-filters, report) and measures backend throughput, nothing about text quality. The tokenizer is a byte-level
BPE trained here on a few sentences of our own math text (or any HF tokenizer folder given with --tokenizer).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

EOS = "<|endoftext|>"
_TEXT = [
    "The derivative of $x^2 + 3x$ is $2x + 3$ by the power rule, and the integral of $2x$ is $x^2 + C$.",
    "Solve $3x - 7 = 11$: add 7 to both sides to get $3x = 18$, then divide by 3. Final answer: 6",
    "A triangle with sides 3, 4 and 5 is a right triangle because $3^2 + 4^2 = 5^2$; its area is 6.",
    "The sum of the first $n$ odd numbers is $n^2$, which we prove by induction on $n$.",
    "解方程 $2x + 5 = 13$：两边减去 5 得 $2x = 8$，再除以 2。答案：4",
    "A prime number has exactly two divisors. The primes below 20 are 2, 3, 5, 7, 11, 13, 17 and 19.",
]


def build_tiny_model(
    out: str | Path,
    tokenizer: str | Path | None = None,
    vocab_size: int = 512,
    hidden: int = 32,
    layers: int = 1,
    seed: int = 0,
) -> Path:
    """Write an HF model folder (random Qwen2 weights + tokenizer) to `out` and return its path."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from pipeline.data.tokenize import train_bpe
    from pipeline.shared.tokenizer import load_tokenizer

    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        if tokenizer is None:
            corpus = Path(tmp) / "text.jsonl"
            corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in _TEXT * 4), encoding="utf-8")
            train_bpe([corpus], vocab_size, EOS, Path(tmp) / "tok")
            tokenizer = Path(tmp) / "tok"
        tok = load_tokenizer(tokenizer)
    if tok.eos_token is None:
        tok.eos_token = EOS
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="write a tiny random Qwen2 generator (model + tokenizer) to a folder")
    p.add_argument("out", help="output folder (an HF model folder)")
    p.add_argument("--tokenizer", help="HF tokenizer folder to use instead of a BPE trained on a few sentences")
    p.add_argument("--vocab-size", type=int, default=512)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    path = build_tiny_model(a.out, a.tokenizer, a.vocab_size, a.hidden, a.layers, a.seed)
    print(f"tiny generator written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
