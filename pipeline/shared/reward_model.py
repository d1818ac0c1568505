"""A trained math reward model as a scorer: (prompt, response) → one scalar, higher is better.

    mathcpt eval runs/sft/model --protocol instruct --samples 8 --temperature 0.7 --reward-model runs/rm/model
    mathcpt sft-data configs/instruct/sft_data_toy.yaml          # `reward_model:` ranks the correct responses

The model is what `mathcpt rm train` exports: transformers' `Qwen2ForSequenceClassification` with one label, loaded
without remote code. Its input is the text the reward model was trained on (`reward_text`): the prompt exactly as
the policy saw it, then the response and the chat template's end of turn; the score is the head's output at the
last token (sequences right-padded, so the last real token is found from the attention mask, never from the pad
id, which is often EOS and also ends real text).
"""

from __future__ import annotations

import torch

from pipeline.errors import ConfigError


def reward_text(prompt: str, target: str) -> str:
    """What a reward model reads: the rendered prompt and the response with its end of turn (pipeline.shared.chat)."""
    return prompt + target


def last_token_scores(logits: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """(batch,) scores at each row's last real token, from (batch, tokens, 1) head outputs of right-padded rows."""
    last = attention_mask.long().sum(dim=1) - 1
    return logits[torch.arange(logits.size(0), device=logits.device), last.to(logits.device), 0]


class RewardScorer:
    def __init__(self, path: str, batch_size: int = 8, max_len: int = 4096, trust_remote_code: bool = False):
        from transformers import AutoModelForSequenceClassification

        from pipeline.shared.tokenizer import load_tokenizer

        self.tokenizer = load_tokenizer(path, trust_remote_code)
        try:
            model = AutoModelForSequenceClassification.from_pretrained(path, trust_remote_code=trust_remote_code)
        except (OSError, ValueError) as e:
            raise ConfigError(f"reward model {path}: cannot load ({str(e).strip().splitlines()[0]})") from None
        if model.config.num_labels != 1:
            raise ConfigError(
                f"reward model {path}: a scalar head has one label, this one has {model.config.num_labels}"
            )
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"  # an over-long text keeps its end: the response, where it is scored
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = model.to(self.device).eval()
        self.batch_size, self.max_len = batch_size, max_len

    @torch.inference_mode()
    def score_texts(self, texts: list[str]) -> list[float]:
        scores: list[float] = []
        for start in range(0, len(texts), self.batch_size):
            enc = self.tokenizer(
                texts[start : start + self.batch_size],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=self.max_len,
                add_special_tokens=False,
            ).to(self.device)
            hidden = self.model.base_model(
                input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]
            ).last_hidden_state
            logits = self.model.score(hidden)
            scores += last_token_scores(logits.float(), enc["attention_mask"]).tolist()
        return scores

    def score(self, prompts: list[str], targets: list[str]) -> list[float]:
        return self.score_texts([reward_text(p, t) for p, t in zip(prompts, targets)])
