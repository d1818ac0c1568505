"""Few-shot chain-of-thought evaluation of an HF model folder or hub id.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --limit 20 -o runs/demo/eval/results.json

Writes one JSON file: per task accuracy, n and shots, and every prediction (prompt-free: question id, response,
extracted answer, gold, correct). Written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from loguru import logger

from pipeline.atomic import atomic_write_text
from pipeline.benchmarks.registry import load_benchmark
from pipeline.errors import ConfigError
from pipeline.eval.generate import HFGenerator
from pipeline.eval.grading import grade_response
from pipeline.eval.tasks import TASKS, build_prompt


def run_eval(model: str, benchmarks: list[str], out: str | Path, limit: int | None = None, shots: int | None = None,
             batch_size: int = 8, benchmarks_dir: str | None = None, max_new_tokens: int | None = None) -> dict:  # fmt: skip
    unknown = [b for b in benchmarks if b not in TASKS]
    if unknown:
        raise ConfigError(f"--benchmarks: unknown task(s) {unknown}; available: {sorted(TASKS)}")
    started = time.time()
    generator = HFGenerator(model, batch_size=batch_size)
    results: dict = {"model": str(model), "tasks": {}, "predictions": []}
    for name in benchmarks:
        task = TASKS[name]
        items = load_benchmark(task.benchmark, benchmarks_dir)[:limit] if limit else load_benchmark(
            task.benchmark, benchmarks_dir
        )
        n_shots = task.shots if shots is None else shots
        prompts = [build_prompt(task, item, n_shots) for item in items]
        logger.info(f"{name}: {len(items)} items, {n_shots}-shot")
        responses = generator.generate(prompts, max_new_tokens or task.max_new_tokens, task.stop)
        correct = 0
        for item, response in zip(items, responses):
            ok, predicted = grade_response(response, item.answer)
            correct += ok
            results["predictions"].append({"task": name, "id": item.id, "response": response,
                                           "predicted": predicted, "answer": item.answer, "correct": ok})  # fmt: skip
        results["tasks"][name] = {"accuracy": correct / max(len(items), 1), "n": len(items), "shots": n_shots}
        logger.info(f"{name}: accuracy {correct}/{len(items)} = {correct / max(len(items), 1):.3f}")
    results["wall_seconds"] = round(time.time() - started, 2)
    atomic_write_text(out, json.dumps(results, indent=2, ensure_ascii=False))
    return results
