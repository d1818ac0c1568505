"""Export a ZeRO-3 checkpoint as an HF model folder (safetensors + config + generation config + tokenizer).

    mathcpt export runs/demo/train/checkpoints -o runs/demo/model
    mathcpt export runs/demo/train/checkpoints/step_00000040 -o runs/demo/model

Consolidation uses DeepSpeed's own `get_fp32_state_dict_from_zero_checkpoint` (it merges the per-rank partitions);
we add the HF folder around it. The folder is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from loguru import logger

from pipeline.errors import DataError
from pipeline.shared.atomic import atomic_path
from pipeline.train.checkpoint import LATEST


def resolve_checkpoint(path: str | Path) -> tuple[Path, str]:
    """(checkpoints folder, tag) from a training run's folder, the folder holding `latest`, or a tag folder inside
    it."""
    path = Path(path)
    if (path / "checkpoints" / LATEST).is_file():
        path = path / "checkpoints"
    if (path / LATEST).is_file():
        return path, (path / LATEST).read_text().strip()
    if path.is_dir() and (path.parent / LATEST).is_file():
        return path.parent, path.name
    raise DataError(
        f"{path}: not a DeepSpeed checkpoint (expected a training run, a folder with a `latest` file, or a tag folder "
        f"inside one)"
    )


def export_checkpoint(checkpoint: str | Path, out_dir: str | Path, dtype: str = "bfloat16") -> Path:
    import torch
    from deepspeed.utils.zero_to_fp32 import get_fp32_state_dict_from_zero_checkpoint
    from transformers import (
        AutoConfig,
        AutoModelForCausalLM,
        AutoModelForSequenceClassification,
        GenerationConfig,
    )

    from pipeline.shared.tokenizer import load_tokenizer

    ckpt_dir, tag = resolve_checkpoint(checkpoint)
    tag_dir = ckpt_dir / tag
    if not (tag_dir / "config.json").is_file():
        raise DataError(f"{tag_dir}: no config.json; this checkpoint was not written by `mathcpt train`")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise DataError(f"output folder {out} is not empty; choose a new folder")
    config = AutoConfig.from_pretrained(str(tag_dir))
    state = get_fp32_state_dict_from_zero_checkpoint(str(ckpt_dir), tag=tag)
    # A reward model (`mathcpt rm train`) is a scalar head on the same backbone: no LM head, no generation config.
    reward = any("SequenceClassification" in a for a in (config.architectures or []))
    auto = AutoModelForSequenceClassification if reward else AutoModelForCausalLM
    model = auto.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(state, strict=False)
    tied = {"lm_head.weight"} if config.tie_word_embeddings and not reward else set()
    if set(missing) - tied or unexpected:
        raise DataError(f"{tag_dir}: checkpoint does not match its config (missing {missing}, unexpected {unexpected})")
    if tied:
        model.tie_weights()
    model = model.to(getattr(torch, dtype))
    model.config.use_cache = True  # generation wants the cache; training turned it off for packed documents

    with atomic_path(out) as tmp:
        model.save_pretrained(str(tmp), safe_serialization=True)
        tok_dir = tag_dir / "tokenizer"
        if tok_dir.is_dir():
            tokenizer = load_tokenizer(tok_dir)
            tokenizer.save_pretrained(str(tmp))
            eos = tokenizer.eos_token_id
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
            if not reward:
                GenerationConfig(eos_token_id=eos, pad_token_id=pad, do_sample=False).save_pretrained(str(tmp))
    return out


@contextmanager
def as_hf_model(model: str, dtype: str = "bfloat16") -> Iterator[str]:
    """`model` as something transformers loads: a training run or checkpoint (whatever `resolve_checkpoint` takes)
    is consolidated into a temporary HF folder, deleted on exit; an HF folder or hub id is passed through.

        with as_hf_model("runs/tiny") as path: ...   # what `mathcpt eval runs/tiny` evaluates
    """
    try:
        resolve_checkpoint(model)
    except DataError:
        yield model
        return
    with tempfile.TemporaryDirectory(prefix="mathcpt-export-") as tmp:
        path = str(export_checkpoint(model, Path(tmp) / "model", dtype=dtype))
        logger.info(f"exported {model} to {path}")
        yield path
