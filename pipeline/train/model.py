"""Qwen2 construction for training: from a shape (scratch) or from an HF checkpoint, partitioned under ZeRO-3.

    mathcpt train configs/tiny_cpu.yaml      # model section of the training config

The trainer first reads the architecture (`model_config`: cheap, no weights) so the DeepSpeed config can derive its
bucket sizes from the hidden size, then creates `HfDeepSpeedConfig`, then calls `build_model`. HfDeepSpeedConfig
must exist (and stay referenced) before the model is built: transformers then constructs or loads it inside
`deepspeed.zero.Init`, so each rank only ever holds its partition and HF's weight init still runs (a bare zero.Init
around `_from_config` skips it: loss 62 instead of 8 at step 0, measured here).
"""

from __future__ import annotations

import torch
from transformers import AutoConfig, AutoModelForCausalLM, PretrainedConfig, Qwen2Config

from pipeline.config.train import ModelConfig
from pipeline.errors import ConfigError


def model_config(cfg: ModelConfig, vocab_size: int) -> PretrainedConfig:
    """The architecture to train, checked against the shards' tokenizer vocabulary."""
    if cfg.init == "scratch":
        config = Qwen2Config(vocab_size=vocab_size, **cfg.shape.model_dump())
    else:
        config = AutoConfig.from_pretrained(cfg.name_or_path, trust_remote_code=cfg.trust_remote_code)
        if config.vocab_size < vocab_size:
            raise ConfigError(
                f"model.name_or_path: {cfg.name_or_path} has a {config.vocab_size}-token embedding but the shards were "
                f"tokenized with a {vocab_size}-token tokenizer; tokenize with the model's own tokenizer"
            )
    # Packed documents are isolated by position_ids only while the KV cache is off (measured: it leaks otherwise).
    config.use_cache = False
    return config


def attention_implementation(requested: str) -> str:
    """flash_attention_2 when the package and a GPU are there, sdpa otherwise (with a warning, not a crash)."""
    if requested != "flash_attention_2":
        return requested
    import importlib.util

    if importlib.util.find_spec("flash_attn") is None or not torch.cuda.is_available():
        from loguru import logger

        logger.warning("model.attn_implementation=flash_attention_2 needs the flash-attn package and a GPU; using sdpa")
        return "sdpa"
    return requested


def build_model(cfg: ModelConfig, config: PretrainedConfig, dtype: torch.dtype):
    attn = attention_implementation(cfg.attn_implementation)
    if cfg.init == "scratch":
        model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation=attn)
    else:
        model = AutoModelForCausalLM.from_pretrained(
            cfg.name_or_path,
            config=config,
            dtype=dtype,
            attn_implementation=attn,
            trust_remote_code=cfg.trust_remote_code,
        )
    model.config.use_cache = False
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return model
