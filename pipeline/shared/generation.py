"""Generation backends behind one call: `generate(prompts, SamplingSettings) -> [[k completions] per prompt]`.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --backend hf
    mathcpt eval Qwen/Qwen2-Math-7B --benchmarks gsm8k,math --backend vllm --tensor-parallel 2   # GPU, `pip install vllm`
    mathcpt data data_recipes/synthetic_cpu.yaml --out runs/data/synthetic_cpu     # a recipe's synthetic source

A neutral module shared by evaluation (pipeline.eval) and synthetic data generation (pipeline.data.synthesis), so
neither room imports the other for it.

* `HFGenerator` (transformers; CPU or GPU): batches sorted by prompt length (less padding), left padding so new
  tokens follow each prompt directly, greedy or sampled, `num_return_sequences` for k samples, stop strings
  passed to `generate` (it stops the batch early) and cut again afterwards (the cut is exact, generation's is
  per token).
* `VLLMGenerator` (GPU, the optional `vllm` package): continuous batching and tensor parallelism; the same
  settings map onto `SamplingParams`.

`generate_detailed` returns `Completion`s that also say how many tokens each completion took and whether it ended on
its own (EOS or a stop string) or ran into `max_new_tokens`: synthesis records both as provenance, and its post-filter
uses the second to drop outputs cut off mid-text.
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


@dataclass(frozen=True)
class Completion:
    text: str
    tokens: int  # generated tokens, EOS excluded
    finished: bool  # ended by EOS or a stop string; False = cut at max_new_tokens


def cut_at_stop(text: str, stop: tuple[str, ...]) -> str:
    cut = min((text.find(s) for s in stop if s in text), default=len(text))
    return text[:cut].strip()


def generation_tokenizer(path: str, trust_remote_code: bool = False):
    """A tokenizer set up for batched generation with a decoder-only model."""
    from pipeline.shared.tokenizer import load_tokenizer

    tokenizer = load_tokenizer(path, trust_remote_code)
    tokenizer.padding_side = "left"  # decoder-only: new tokens must follow the prompt directly
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


class HFGenerator:
    def __init__(self, model_path: str, batch_size: int = 8, trust_remote_code: bool = False, dtype: str | None = None):
        from transformers import AutoModelForCausalLM

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = generation_tokenizer(model_path, trust_remote_code)
        torch_dtype = getattr(torch, dtype) if dtype else (torch.bfloat16 if self.device == "cuda" else torch.float32)
        self.model = AutoModelForCausalLM.from_pretrained(
            model_path, dtype=torch_dtype, trust_remote_code=trust_remote_code
        ).to(self.device)
        self.model.eval()
        self.batch_size = batch_size
        self.generated_tokens = 0  # for throughput figures

    def generate(self, prompts: list[str], s: SamplingSettings) -> list[list[str]]:
        return [[c.text for c in row] for row in self.generate_detailed(prompts, s)]

    @torch.inference_mode()
    def generate_detailed(self, prompts: list[str], s: SamplingSettings) -> list[list[Completion]]:
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        results: list[list[Completion]] = [[] for _ in prompts]
        torch.manual_seed(s.seed)
        ends = {t for t in (self.tokenizer.eos_token_id, self.tokenizer.pad_token_id) if t is not None}
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            enc = self.tokenizer([prompts[i] for i in idx], return_tensors="pt", padding=True).to(self.device)
            sampling = (
                {"do_sample": True, "temperature": s.temperature, "top_p": s.top_p}
                if s.temperature > 0
                else {"do_sample": False}
            )
            gen = self.model.generate(
                **enc,
                max_new_tokens=s.max_new_tokens,
                num_return_sequences=s.n,
                pad_token_id=self.tokenizer.pad_token_id,
                eos_token_id=self.tokenizer.eos_token_id,
                stop_strings=list(s.stop) or None,
                tokenizer=self.tokenizer,
                **sampling,
            )
            new = gen[:, enc["input_ids"].shape[1] :]
            self.generated_tokens += int((new != self.tokenizer.pad_token_id).sum())
            texts = self.tokenizer.batch_decode(new, skip_special_tokens=True)
            for j, i in enumerate(idx):
                row = []
                for k in range(j * s.n, (j + 1) * s.n):
                    ids = new[k].tolist()
                    # Rows of a batch that ended early are padded (pad is often EOS): the first end token ends it.
                    n_tokens = next((p for p, t in enumerate(ids) if t in ends), len(ids))
                    stopped = n_tokens < len(ids) or any(x in texts[k] for x in s.stop)
                    row.append(
                        Completion(cut_at_stop(texts[k], s.stop), n_tokens, stopped or n_tokens < s.max_new_tokens)
                    )
                results[i] = row
        return results


class VLLMGenerator:
    def __init__(
        self,
        model_path: str,
        tensor_parallel: int = 1,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int = 4096,
        trust_remote_code: bool = False,
        dtype: str | None = None,
    ):
        try:
            from vllm import LLM
        except ImportError:
            raise ConfigError("--backend vllm needs the vllm package on a GPU machine: pip install vllm") from None
        self.llm = LLM(
            model=model_path,
            tensor_parallel_size=tensor_parallel,
            max_model_len=max_model_len,
            gpu_memory_utilization=gpu_memory_utilization,
            trust_remote_code=trust_remote_code,
            dtype=dtype or "auto",
        )
        self.tokenizer = self.llm.get_tokenizer()
        self.generated_tokens = 0

    def generate(self, prompts: list[str], s: SamplingSettings) -> list[list[str]]:
        return [[c.text for c in row] for row in self.generate_detailed(prompts, s)]

    def generate_detailed(self, prompts: list[str], s: SamplingSettings) -> list[list[Completion]]:
        from vllm import SamplingParams

        params = SamplingParams(
            n=s.n,
            temperature=s.temperature,
            top_p=s.top_p if s.temperature > 0 else 1.0,
            max_tokens=s.max_new_tokens,
            stop=list(s.stop),
            seed=s.seed,
        )
        outputs = self.llm.generate(prompts, params)
        self.generated_tokens += sum(len(c.token_ids) for o in outputs for c in o.outputs)
        return [
            [Completion(cut_at_stop(c.text, s.stop), len(c.token_ids), c.finish_reason != "length") for c in o.outputs]
            for o in outputs
        ]


def make_generator(backend: str, model: str, batch_size: int = 8, tensor_parallel: int = 1, **kwargs):
    """The backend's generator; a model that cannot be loaded is a ConfigError naming the model and the cause."""
    if backend not in ("hf", "vllm"):
        raise ConfigError(f"unknown backend {backend!r}; use hf or vllm")
    try:
        if backend == "hf":
            return HFGenerator(model, batch_size=batch_size, **kwargs)
        return VLLMGenerator(model, tensor_parallel=tensor_parallel, **kwargs)
    except (OSError, ValueError) as e:
        # transformers raises OSError for a missing folder or hub id and ValueError for a folder it cannot read as a
        # model; the first line of its message says which file or id was missing.
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ConfigError(f"cannot load the generator model {model!r} with the {backend} backend: {first}") from None
