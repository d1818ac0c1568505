"""Generation backend on transformers: batched, left-padded, greedy, with stop strings.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --backend hf

The vLLM backend (GPU, tensor parallel) joins behind the same `generate(prompts, max_new_tokens, stop)` call in the
evaluation issue.
"""

from __future__ import annotations

import torch


class HFGenerator:
    def __init__(self, model_path: str, batch_size: int = 8, trust_remote_code: bool = False):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, trust_remote_code=trust_remote_code)
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens must follow the prompt directly
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        self.model = AutoModelForCausalLM.from_pretrained(
            model_path, dtype=dtype, trust_remote_code=trust_remote_code
        ).to(self.device)
        self.model.eval()
        self.batch_size = batch_size

    @torch.inference_mode()
    def generate(self, prompts: list[str], max_new_tokens: int, stop: tuple[str, ...]) -> list[str]:
        outputs: list[str] = []
        for i in range(0, len(prompts), self.batch_size):
            chunk = prompts[i : i + self.batch_size]
            enc = self.tokenizer(chunk, return_tensors="pt", padding=True).to(self.device)
            gen = self.model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
            )
            for row in gen[:, enc["input_ids"].shape[1] :]:
                text = self.tokenizer.decode(row, skip_special_tokens=True)
                cut = min((text.find(s) for s in stop if s in text), default=len(text))
                outputs.append(text[:cut].strip())
        return outputs
