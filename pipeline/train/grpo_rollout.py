"""GRPO's rollout engines: G sampled responses per prompt from the current policy, HF generate or vLLM, one API.

    torchrun --nproc_per_node 8 -m pipeline.cli grpo CONFIG.yaml --set rollout.backend=vllm   # GPU, `pip install vllm`

Both take prompts as token ids (rendered once when the queries load, so neither engine re-tokenizes) and return, per
prompt, G lists of new token ids ending at the first end-of-turn or EOS id (kept: the model learns to stop) or cut
at `max_new_tokens`. Sampling is seeded by the caller's seed, so a resumed run samples what the uninterrupted one did.

* `HFRollout` (CPU and GPU): the ZeRO-3 weights gathered once per rollout by DeepSpeed's own
  `unwrap_model_for_generation` (TRL's approach for ZeRO-3; it avoids the per-layer gather on every decoding step
  that makes generation under ZeRO-3 crawl), then HF `generate`. Ours: nothing to sync, it reads the live weights.
* `VLLMRollout` (GPU, optional `vllm` package): a vLLM engine inside every rank's process (TRL's "colocate" mode:
  `distributed_executor_backend="external_launcher"`, the engine in-process so its model can be written to), taking
  `rollout.vllm_gpu_memory_utilization` of the GPU beside the ZeRO-3 engine. After every optimizer step the policy's
  weights are copied in before the next rollout (`sync`): gathered one decoder layer at a time (ZeRO-3 never
  materialises the whole model), handed to vLLM's own `load_weights` (which maps HF names onto its fused
  layers), then the prefix cache is dropped (it holds keys and values of the old weights). A run that resumes
  syncs before its first rollout, so vLLM never samples from the checkpoint it started from by mistake.
"""

from __future__ import annotations

import itertools
import os
import re

import torch

from pipeline.errors import ConfigError


class HFRollout:
    def __init__(self, engine, pad_token_id: int, end_ids: list[int]):
        self.engine, self.pad_token_id, self.end_ids = engine, pad_token_id, end_ids

    def mark_stale(self) -> None:
        """Nothing to do: generation reads the engine's live weights."""

    @torch.no_grad()
    def generate(self, prompt_ids: list[list[int]], group_size: int, settings, seed: int) -> list[list[int]]:
        from deepspeed.runtime.zero import unwrap_model_for_generation

        torch.manual_seed(seed)
        width = max(len(p) for p in prompt_ids)  # left padding: every prompt ends where generation starts
        ids = torch.full((len(prompt_ids), width), self.pad_token_id, dtype=torch.long)
        attention = torch.zeros_like(ids)
        for i, p in enumerate(prompt_ids):
            ids[i, width - len(p) :] = torch.tensor(p)
            attention[i, width - len(p) :] = 1
        device = self.engine.device
        with unwrap_model_for_generation(self.engine) as engine:
            out = engine.module.generate(
                input_ids=ids.to(device), attention_mask=attention.to(device), do_sample=True,
                temperature=settings.temperature, top_p=settings.top_p, max_new_tokens=settings.max_new_tokens,
                num_return_sequences=group_size, eos_token_id=self.end_ids, pad_token_id=self.pad_token_id,
                use_cache=True,
            )  # fmt: skip
        return [cut_at_end(row, self.end_ids) for row in out[:, width:].tolist()]


class VLLMRollout:
    def __init__(self, engine, model_path: str, end_ids: list[int], max_model_len: int, gpu_share: float,
                 seed: int, trust_remote_code: bool = False):  # fmt: skip
        if not torch.cuda.is_available():
            raise ConfigError("rollout.backend: vllm needs a CUDA GPU; use rollout.backend: hf on CPU")
        # The engine core in this process (not a child): its model's weights are written in place after each update.
        os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
        try:
            from vllm import LLM
        except ImportError:
            raise ConfigError(
                "rollout.backend: vllm needs the vllm package on a GPU machine: pip install vllm"
            ) from None
        self.engine, self.end_ids, self.stale = engine, end_ids, True
        self.llm = LLM(
            model=model_path,
            skip_tokenizer_init=True,  # prompts come as ids and responses go back as ids
            tensor_parallel_size=1,
            distributed_executor_backend="external_launcher",  # one engine per torchrun rank, in its process
            gpu_memory_utilization=gpu_share,
            max_model_len=max_model_len,
            enable_prefix_caching=True,  # a group's G samples share the prompt
            seed=seed,
            trust_remote_code=trust_remote_code,
        )

    def mark_stale(self) -> None:
        """The policy changed (an optimizer step): copy its weights in before the next rollout."""
        self.stale = True

    def load_weights(self, named: list) -> None:
        """vLLM's own loader of HF-named tensors, on the in-process engine's model (the path TRL's colocate mode
        uses; `apply_model` where a vLLM version no longer exposes it)."""
        try:
            worker = self.llm.llm_engine.model_executor.driver_worker
            worker = getattr(worker, "worker", worker)  # vLLM V1 wraps the worker; V0 does not
            worker.model_runner.model.load_weights(weights=named)
        except AttributeError:
            self.llm.apply_model(lambda model: model.load_weights(weights=named))

    @torch.no_grad()
    def sync(self) -> int:
        """Copy the policy's weights into vLLM one decoder layer at a time; returns the tensors copied."""
        copied = 0
        for named in gathered_layers(self.engine.module):
            self.load_weights(named)
            copied += len(named)
        if hasattr(self.llm, "reset_prefix_cache"):
            self.llm.reset_prefix_cache()
        self.stale = False
        return copied

    def generate(self, prompt_ids: list[list[int]], group_size: int, settings, seed: int) -> list[list[int]]:
        from vllm import SamplingParams

        if self.stale:
            self.sync()
        params = [
            SamplingParams(
                n=group_size,
                temperature=settings.temperature,
                top_p=settings.top_p,
                max_tokens=settings.max_new_tokens,
                stop_token_ids=list(self.end_ids),
                seed=seed + i,
                detokenize=False,
            )  # fmt: skip
            for i in range(len(prompt_ids))
        ]
        outputs = self.llm.generate([{"prompt_token_ids": p} for p in prompt_ids], params, use_tqdm=False)
        responses = []
        for c in (c for o in outputs for c in o.outputs):
            ids = list(c.token_ids)
            if c.finish_reason == "stop" and (not ids or ids[-1] not in self.end_ids):
                # stopped on a stop id that vLLM left out of the output: put it back, the model learns to stop
                ids.append(c.stop_reason if isinstance(c.stop_reason, int) else self.end_ids[0])
            responses.append(cut_at_end(ids, self.end_ids))
        return responses


LAYER = re.compile(r"^(.*?\.layers\.\d+)\.")


def gathered_layers(module):
    """(name, full tensor) lists, one decoder layer (or one other parameter) at a time, gathered from ZeRO-3
    partitions for the duration of the yield; a no-op gather where the parameters are whole."""
    import deepspeed

    def layer_of(item):
        m = LAYER.match(item[0])
        return m.group(1) if m else item[0]

    for _, group in itertools.groupby(module.named_parameters(), key=layer_of):
        group = list(group)
        with deepspeed.zero.GatheredParameters([p for _, p in group], modifier_rank=None):
            yield [(name, p.data) for name, p in group]


def cut_at_end(ids: list[int], end_ids: list[int]) -> list[int]:
    """The response up to and including its first end id (padding after it dropped); all of it when none came."""
    end = next((i for i, t in enumerate(ids) if t in end_ids), None)
    return ids[: end + 1] if end is not None else ids


def make_rollout(backend: str, engine, *, model_path: str, pad_token_id: int, end_ids: list[int],
                 max_model_len: int, gpu_share: float, seed: int, trust_remote_code: bool = False):  # fmt: skip
    if backend == "vllm":
        return VLLMRollout(engine, model_path, end_ids, max_model_len, gpu_share, seed, trust_remote_code)
    return HFRollout(engine, pad_token_id, end_ids)
