"""Evaluation tasks: benchmark, few-shot exemplars, prompt format, default shots and generation settings.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --limit 20 -o results.json

Items come from the shared registry (pipeline.benchmarks). Exemplars are never test items: `mini_gsm` and
`gsm8k` use the built-in set's train split, written by us. The evaluation issue adds MATH, MMLU-STEM, CMATH and
GaoKao with their own exemplars and the Qwen2-Math shot counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.benchmarks.registry import BenchmarkItem, load_benchmark


@dataclass(frozen=True)
class Task:
    name: str
    benchmark: str
    shots: int
    max_new_tokens: int
    stop: tuple[str, ...] = ("\n\nQuestion:", "Question:")


TASKS = {
    "mini_gsm": Task("mini_gsm", "mini_gsm", shots=4, max_new_tokens=96),
    "gsm8k": Task("gsm8k", "gsm8k", shots=8, max_new_tokens=256),
}


def exemplars(task: Task) -> list[BenchmarkItem]:
    return load_benchmark("mini_gsm", split="train")


def build_prompt(task: Task, item: BenchmarkItem, shots: int) -> str:
    blocks = [f"Question: {ex.question}\nAnswer: {ex.solution}" for ex in exemplars(task)[:shots]]
    blocks.append(f"Question: {item.question}\nAnswer:")
    return "\n\n".join(blocks)
