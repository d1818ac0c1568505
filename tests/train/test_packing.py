"""Packed documents with restarting position_ids (attention_mask=None, use_cache=False) equal each doc run alone."""

from __future__ import annotations

import pytest
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_forward_equals_each_document_alone(attn):
    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=97,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
        attn_implementation=attn,
        use_cache=False,
    )
    model = Qwen2ForCausalLM(config).eval()
    docs = [torch.randint(0, 97, (n,)) for n in (7, 12, 5)]
    packed = torch.cat(docs)[None]
    positions = torch.cat([torch.arange(len(d)) for d in docs])[None]
    with torch.no_grad():
        packed_logits = model(input_ids=packed, position_ids=positions, attention_mask=None, use_cache=False).logits[0]
        offset = 0
        for d in docs:
            alone = model(input_ids=d[None], use_cache=False).logits[0]
            torch.testing.assert_close(packed_logits[offset : offset + len(d)], alone, atol=1e-5, rtol=1e-4)
            offset += len(d)
        # Control: without restarting positions, later documents see earlier ones and the logits differ.
        leaky = model(input_ids=packed, use_cache=False).logits[0]
        assert not torch.allclose(leaky[7:19], packed_logits[7:19], atol=1e-3)
