"""Qwen2 construction for training: from a shape (scratch) or from an HF checkpoint, partitioned under ZeRO-3.

    mathcpt train configs/tiny_cpu.yaml      # model section of the training config

`HfDeepSpeedConfig` must exist (and stay referenced) before the model is built: transformers then constructs or
loads it inside `deepspeed.zero.Init`, so each rank only ever holds its partition and HF's weight init still runs
(a bare zero.Init around `_from_config` skips it: loss 62 instead of 8 at step 0, measured here).
"""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, Qwen2Config

from pipeline.config import ModelConfig


def qwen2_config(cfg: ModelConfig, vocab_size: int) -> Qwen2Config:
    shape = cfg.shape.model_dump()
    return Qwen2Config(vocab_size=vocab_size, use_cache=False, attn_implementation=cfg.attn_implementation, **shape)


def build_model(cfg: ModelConfig, vocab_size: int, dtype: torch.dtype):
    if cfg.init == "scratch":
        model = AutoModelForCausalLM.from_config(qwen2_config(cfg, vocab_size), dtype=dtype)
    else:
        model = AutoModelForCausalLM.from_pretrained(
            cfg.name_or_path,
            dtype=dtype,
            attn_implementation=cfg.attn_implementation,
            trust_remote_code=cfg.trust_remote_code,
        )
        model.config.use_cache = False
    # Packed documents are isolated by position_ids only while the KV cache is off (measured: it leaks otherwise).
    model.config.use_cache = False
    if model.config.vocab_size < vocab_size:
        raise ValueError(
            f"model vocabulary ({model.config.vocab_size}) is smaller than the shards' tokenizer ({vocab_size})"
        )
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    return model
