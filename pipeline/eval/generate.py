"""Generation backends for evaluation: `generate(prompts, SamplingSettings) -> [[k completions] per prompt]`.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --backend hf
    mathcpt eval Qwen/Qwen2-Math-7B --benchmarks gsm8k,math --backend vllm --tensor-parallel 2   # GPU, `pip install vllm`

The backends live in the neutral module `pipeline.generation`, which synthetic data generation
(pipeline.data.synthesis) shares; this module keeps evaluation's import path and names.
"""

from __future__ import annotations

from pipeline.generation import (Completion, HFGenerator, SamplingSettings, VLLMGenerator, cut_at_stop,
                                 make_generator)

__all__ = ["Completion", "HFGenerator", "SamplingSettings", "VLLMGenerator", "cut_at_stop", "make_generator"]
