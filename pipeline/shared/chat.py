"""Chat rendering for the instruct stage: one place that turns a question (and a response) into the text a chat
model sees, so sampling, SFT data, the reward model and instruct evaluation agree to the byte.

    python -c "from pipeline.shared.chat import ChatFormat; print(ChatFormat.load('runs/x/model').prompt('1+1?'))"

The tokenizer's own chat template when it has one (Qwen2's, through `apply_chat_template`), else ChatML, the format
Qwen2 chat models use (`<|im_start|>role\\n...<|im_end|>\\n`), as the fallback for tokenizers trained without one
(the tests' and the demo's). A response ends with the template's end-of-turn text (`<|im_end|>` and what follows it
in the template), which is what SFT trains the model to emit and what generation stops at.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from pipeline.errors import ConfigError


def tokenizer_fingerprint(tokenizer) -> str:
    """A short hash of how a tokenizer maps text to ids: its whole definition (normaliser, pre-tokenizer,
    vocabulary, merges, added tokens) where the backend tokenizer is there, else its vocabulary. Sampling records its
    policy's; the reward model, SFT data and RM@k scoring check theirs against it: the same vocabulary with another
    pre-tokenizer gives other ids for the same text."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    text = backend.to_str() if backend is not None else json.dumps(sorted(tokenizer.get_vocab().items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
END_OF_TURN = "<|im_end|>"


@dataclass
class ChatFormat:
    """A tokenizer and the chat template rendered with it; `system` and `instruction` from the config."""

    tokenizer: object
    system: str | None = None
    instruction: str = ""
    chat_template: str | None = None  # the template a sampling run recorded; default: the tokenizer's, else ChatML

    @classmethod
    def load(cls, path: str, system: str | None = None, instruction: str = "", trust_remote_code: bool = False):
        from pipeline.shared.tokenizer import load_tokenizer

        return cls(load_tokenizer(path, trust_remote_code), system, instruction)

    @property
    def template(self) -> str:
        return self.chat_template or getattr(self.tokenizer, "chat_template", None) or CHATML

    def messages(self, question: str) -> list[dict]:
        user = f"{question.strip()}\n{self.instruction}" if self.instruction else question.strip()
        return ([{"role": "system", "content": self.system}] if self.system else []) + [
            {"role": "user", "content": user}
        ]

    def prompt(self, question: str) -> str:
        """The text the model continues: system and user turns, then the assistant turn's opening."""
        return self.tokenizer.apply_chat_template(
            self.messages(question), chat_template=self.template, tokenize=False, add_generation_prompt=True
        )

    def completion(self, question: str, response: str) -> tuple[str, str]:
        """(prompt, target): the target is the response with the template's end of turn, the text SFT trains on.
        Rendered whole and split at the prompt, so the target is exactly what the template puts after it."""
        prompt = self.prompt(question)
        full = self.tokenizer.apply_chat_template(
            self.messages(question) + [{"role": "assistant", "content": response.strip()}],
            chat_template=self.template,
            tokenize=False,
        )
        if not full.startswith(prompt):
            raise ConfigError(
                "the tokenizer's chat template renders a conversation that does not start with its own generation "
                "prompt; it cannot be used to split prompt and response"
            )
        return prompt, full[len(prompt) :]

    def end_of_turn(self) -> str:
        """What the template puts after a response (`<|im_end|>\n` in ChatML): appended to a generated response
        (which stopped before it) to give the text SFT trained on and a reward model reads."""
        _, target = self.completion("1 + 1?", "2")
        return target[target.index("2") + 1 :]

    @property
    def stop(self) -> tuple[str, ...]:
        """Stop strings for generation: the end of the assistant's turn."""
        return (END_OF_TURN,) if END_OF_TURN in self.template else ()
