"""Tokenizers load exactly as their files say, also beside a Qwen2 model's config.json (as in an exported model).

.venv/bin/python -m pytest tests/shared/test_tokenizer.py
"""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast, Qwen2Config

from pipeline.shared.chat import tokenizer_fingerprint
from pipeline.shared.tokenizer import load_tokenizer

TEXTS = ["What is 2 + 0? 2 + 0 = 2.", "Add 12 and 305 to get 317.", "x^2 + 10x = 0, 答案是 42。"]


def our_bpe(folder):
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    bpe.train_from_iterator(TEXTS * 50, trainer)
    PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>").save_pretrained(str(folder))
    return Tokenizer.from_file(str(folder / "tokenizer.json"))


def test_a_trained_bpe_beside_a_qwen2_config_keeps_its_own_pre_tokenizer(tmp_path):
    """An exported model folder holds our tokenizer and a Qwen2 config.json; the ids must be the training shards'
    (AutoTokenizer would build Qwen2Tokenizer there and split digits one by one)."""
    exact = our_bpe(tmp_path)
    Qwen2Config(vocab_size=300, hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=1,
                num_key_value_heads=1).save_pretrained(str(tmp_path))  # fmt: skip
    loaded = load_tokenizer(tmp_path)
    for text in TEXTS:
        assert loaded(text, add_special_tokens=False)["input_ids"] == exact.encode(text).ids
    assert loaded.eos_token == "<|endoftext|>"


def test_qwen2s_own_tokenizer_loads_unchanged(shared_dir):
    from transformers import AutoTokenizer

    path = shared_dir / "tokenizers" / "qwen2"
    ours, auto = load_tokenizer(path), AutoTokenizer.from_pretrained(str(path))
    for text in TEXTS:
        assert ours(text)["input_ids"] == auto(text)["input_ids"]


def test_the_fingerprint_tells_another_pre_tokenizer_apart(tmp_path):
    our_bpe(tmp_path)
    a = load_tokenizer(tmp_path)
    other = tmp_path / "other"
    bpe = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    bpe.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), bpe.pre_tokenizer])
    PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>").save_pretrained(str(other))
    b = load_tokenizer(other)
    assert a.get_vocab() == b.get_vocab() and tokenizer_fingerprint(a) != tokenizer_fingerprint(b)
    assert tokenizer_fingerprint(a) == tokenizer_fingerprint(load_tokenizer(tmp_path))


def test_a_missing_tokenizer_is_a_clear_error(tmp_path):
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot load a tokenizer"):
        load_tokenizer(tmp_path / "nowhere")
