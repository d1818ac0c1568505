"""Generation backends behind one call: `generate(prompts, SamplingSettings) -> [[k completions] per prompt]`.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --backend hf
    mathcpt eval Qwen/Qwen2-Math-7B --benchmarks gsm8k,math --backend vllm --tensor-parallel 2   # GPU, `pip install vllm`

* `HFGenerator` (transformers; CPU or GPU): batches sorted by prompt length (less padding), left padding so new
  tokens follow each prompt directly, greedy or sampled, `num_return_sequences` for k samples, stop strings
  passed to `generate` (it stops the batch early) and cut again afterwards (the cut is exact, generation's is
  per token).
* `VLLMGenerator` (GPU, the optional `vllm` package): continuous batching and tensor parallelism; the same
  settings map onto `SamplingParams`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class SamplingSettings:
    max_new_tokens: int
    stop: tuple[str, ...] = ()
    n: int = 1  # samples per prompt (maj@k / rm@k)
    temperature: float = 0.0  # 0 = greedy
    top_p: float = 1.0
    seed: int = 0


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    cut = min((text.find(s) for s in stop if s in text), default=len(text))
    return text[:cut].strip()


class HFGenerator:
    def __init__(self, model_path: str, batch_size: int = 8, trust_remote_code: bool = False, dtype: str | None = None):
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model_path, trust_remote_code=trust_remote_code)
        self.tokenizer.padding_side = "left"  # decoder-only: new tokens must follow the prompt directly
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        torch_dtype = getattr(torch, dtype) if dtype else (torch.bfloat16 if self.device == "cuda" else torch.float32)
        self.model = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch_dtype,
                                                          trust_remote_code=trust_remote_code).to(self.device)  # fmt: skip
        self.model.eval()
        self.batch_size = batch_size
        self.generated_tokens = 0  # for throughput figures

    @torch.inference_mode()
    def generate(self, prompts: list[str], s: SamplingSettings) -> list[list[str]]:
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        results: list[list[str]] = [[] for _ in prompts]
        torch.manual_seed(s.seed)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            enc = self.tokenizer([prompts[i] for i in idx], return_tensors="pt", padding=True).to(self.device)
            sampling = {"do_sample": True, "temperature": s.temperature, "top_p": s.top_p} if s.temperature > 0 else {
                "do_sample": False}  # fmt: skip
            gen = self.model.generate(**enc, max_new_tokens=s.max_new_tokens, num_return_sequences=s.n,
                                      pad_token_id=self.tokenizer.pad_token_id, eos_token_id=self.tokenizer.eos_token_id,
                                      stop_strings=list(s.stop) or None, tokenizer=self.tokenizer, **sampling)  # fmt: skip
            new = gen[:, enc["input_ids"].shape[1] :]
            self.generated_tokens += int((new != self.tokenizer.pad_token_id).sum())
            texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
            for j, i in enumerate(idx):
                results[i] = [cut_at_stop(t, s.stop) for t in texts[j * s.n : (j + 1) * s.n]]
        return results


class VLLMGenerator:
    def __init__(self, model_path: str, tensor_parallel: int = 1, gpu_memory_utilization: float = 0.9,
                 max_model_len: int = 4096, trust_remote_code: bool = False):  # fmt: skip
        try:
            from vllm import LLM
        except ImportError:
            raise ConfigError("--backend vllm needs the vllm package on a GPU machine: pip install vllm") from None
        self.llm = LLM(model=model_path, tensor_parallel_size=tensor_parallel, max_model_len=max_model_len,
                       gpu_memory_utilization=gpu_memory_utilization, trust_remote_code=trust_remote_code)  # fmt: skip
        self.generated_tokens = 0

    def generate(self, prompts: list[str], s: SamplingSettings) -> list[list[str]]:
        from vllm import SamplingParams

        params = SamplingParams(n=s.n, temperature=s.temperature, top_p=s.top_p if s.temperature > 0 else 1.0,
                                max_tokens=s.max_new_tokens, stop=list(s.stop), seed=s.seed)  # fmt: skip
        outputs = self.llm.generate(prompts, params)
        self.generated_tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
        return [[cut_at_stop(c.text, s.stop) for c in o.outputs] for o in outputs]


def make_generator(backend: str, model: str, batch_size: int = 8, tensor_parallel: int = 1, **kwargs):
    if backend == "hf":
        return HFGenerator(model, batch_size=batch_size, **kwargs)
    if backend == "vllm":
        return VLLMGenerator(model, tensor_parallel=tensor_parallel, **kwargs)
    raise ConfigError(f"unknown backend {backend!r}; use hf or vllm")
