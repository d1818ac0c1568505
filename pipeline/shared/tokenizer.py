"""Loading a tokenizer exactly as its files define it, everywhere the project loads one.

    python -c "from pipeline.shared.tokenizer import load_tokenizer; print(load_tokenizer('runs/demo/model'))"

A folder with a `tokenizer.json` is loaded as that file says (transformers' PreTrainedTokenizerFast), never through
AutoTokenizer's model-type mapping: next to a Qwen2 `config.json`, AutoTokenizer (transformers 5) builds
Qwen2Tokenizer and replaces the file's pre-tokenizer with Qwen2's, so a model trained on shards of our own BPE (the
demo's, the tests') split "2 + 0" into other tokens at inference than in training (measured: loss 3.2 against 0.04
on the same text). For Qwen2's own tokenizer both give the same ids (checked on ../shared/tokenizers/qwen2). A hub
id, or a folder without tokenizer.json, goes through AutoTokenizer.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ConfigError


def load_tokenizer(path: str | Path, trust_remote_code: bool = False):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    try:
        if (Path(path) / "tokenizer.json").is_file() and not trust_remote_code:
            return PreTrainedTokenizerFast.from_pretrained(str(path))
        return AutoTokenizer.from_pretrained(str(path), trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"{path}: cannot load a tokenizer ({first})") from None
