"""Few-shot chain-of-thought evaluation: tasks → prompts → a generation backend → extraction → grading → reports.

    mathcpt eval runs/demo/model --benchmarks mini_gsm --limit 20 -o runs/demo/eval/results.json
    mathcpt eval Qwen/Qwen2-Math-1.5B --benchmarks gsm8k,math,cmath --benchmarks-dir ../shared/benchmarks \
        --backend vllm --samples 8 --temperature 0.7 -o results/qwen2_math_1.5b.json        # maj@8

Writes, each under a temporary name then renamed:

* `RESULTS.json`: per task accuracy, n, shots, answer type, accuracy per subject/level/grade when the benchmark
  has them, and with k samples maj@k (majority over equivalent answers) and rm@k (when a reward function is given)
  next to pass@1 of the first sample;
* `RESULTS.samples.jsonl`: one line per item: prompt, every response, extracted answers, gold, correct;
* `RESULTS.md`: a table with the Qwen2-Math reference numbers beside ours.

Evaluation numbers are only comparable at equal settings; the JSON records shots, sampling and backend.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Callable

from loguru import logger

from pipeline.config.eval import EvalConfig
from pipeline.errors import ConfigError
from pipeline.eval.references import render_table
from pipeline.eval.tasks import TASKS, Task, build_prompt, check_tasks, question_text
from pipeline.shared.answers import extract_answer
from pipeline.shared.atomic import atomic_write_text
from pipeline.shared.benchmarks.registry import load_benchmark
from pipeline.shared.callables import import_callable
from pipeline.shared.chat import ChatFormat, tokenizer_fingerprint
from pipeline.shared.generation import SamplingSettings, make_generator
from pipeline.shared.grading import answers_match


def load_reward(spec: str | None) -> Callable[[str, str], float] | None:
    """`module:function` taking (prompt, response) and returning a score; rm@k keeps the best-scored sample."""
    return import_callable(spec, "--reward")


class RewardModelReward:
    """A trained reward model as the rm@k scorer: each generated response gets the chat template's end of turn
    back (generation stopped before it), so the model reads exactly the text it was trained on; one batch per
    item's k responses."""

    def __init__(self, path: str, chat: ChatFormat):
        from pipeline.shared.reward_model import RewardScorer

        self.scorer = RewardScorer(path)
        if tokenizer_fingerprint(self.scorer.tokenizer) != tokenizer_fingerprint(chat.tokenizer):
            raise ConfigError(
                f"reward_model: {path}'s tokenizer differs from the evaluated model's; a reward model scores text "
                "tokenized the way it was trained on (the policy's tokenizer)"
            )
        self.end = chat.end_of_turn()

    def batch(self, prompt: str, responses: list[str]) -> list[float]:
        return self.scorer.score([prompt] * len(responses), [r.strip() + self.end for r in responses])

    def __call__(self, prompt: str, response: str) -> float:
        return self.batch(prompt, [response])[0]


def majority(answers: list[str | None], answer_type: str) -> str | None:
    """The answer most samples agree on, equivalence judged by the grader (ties: the earliest)."""
    groups: list[list[str]] = []
    for a in answers:
        if a is None:
            continue
        for g in groups:
            if answers_match(a, g[0], answer_type):
                g.append(a)
                break
        else:
            groups.append([a])
    return max(groups, key=len)[0] if groups else None


def score_item(task: Task, item, prompt: str, responses: list[str], reward) -> dict:
    extracted = [extract_answer(r, task.answer_type, max(len(item.choices), 4)) for r in responses]
    correct = [answers_match(e, item.answer, task.answer_type) for e in extracted]
    row = {
        "task": task.name,
        "id": item.id,
        "prompt": prompt,
        "responses": responses,
        "extracted": extracted,
        "answer": item.answer,
        "correct": correct[0],
        "meta": item.meta,
    }
    if len(responses) > 1:
        row["maj_answer"] = majority(extracted, task.answer_type)
        maj = row["maj_answer"]  # one of `extracted`, already graded
        row["maj_correct"] = correct[extracted.index(maj)] if maj is not None else False
        if reward is not None:
            scored = (
                reward.batch(prompt, responses) if hasattr(reward, "batch") else [reward(prompt, r) for r in responses]
            )
            scores = [float(s) for s in scored]
            best = max(range(len(scores)), key=scores.__getitem__)
            row["rm_scores"], row["rm_correct"] = scores, correct[best]
    return row


def summarize(task: Task, rows: list[dict], shots: int, settings: SamplingSettings) -> dict:
    n = len(rows)
    out = {
        "accuracy": sum(r["correct"] for r in rows) / max(n, 1),
        "n": n,
        "shots": shots,
        "answer_type": task.answer_type,
        "samples": settings.n,
        "temperature": settings.temperature,
    }
    if settings.n > 1:
        out[f"maj@{settings.n}"] = sum(r["maj_correct"] for r in rows) / max(n, 1)
        if rows and "rm_correct" in rows[0]:
            out[f"rm@{settings.n}"] = sum(r["rm_correct"] for r in rows) / max(n, 1)
    breakdown: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        for key, value in r["meta"].items():
            breakdown[key][value].append(r["correct"])
    for key, groups in breakdown.items():
        out[f"by_{key}"] = {v: {"accuracy": sum(c) / len(c), "n": len(c)} for v, c in sorted(groups.items())}
    return out


@lru_cache(maxsize=32)
def task_inputs(name: str, limit: int | None, shots: int, benchmarks_dir: str | None) -> tuple[tuple, tuple[str, ...]]:
    """(items, prompts) of a task: loaded and rendered once per process, so the trainer's periodic evaluation does
    not re-read the benchmark and rebuild every prompt each time."""
    task = TASKS[name]
    items = load_benchmark(task.benchmark, benchmarks_dir)
    items = tuple(items[:limit] if limit else items)
    return items, tuple(build_prompt(task, item, shots) for item in items)


def evaluate_tasks(
    generator,
    benchmarks: list[str],
    limit: int | None = None,
    shots: int | None = None,
    benchmarks_dir: str | None = None,
    max_new_tokens: int | None = None,
    samples: int = 1,
    temperature: float = 0.0,
    top_p: float = 1.0,
    seed: int = 0,
    reward_fn=None,
    chat: ChatFormat | None = None,
) -> tuple[dict, list[dict]]:
    """Generate, extract and grade every task with any generator (`generate(prompts, settings)`, `generated_tokens`):
    (summary per task, one row per item). Shared by `mathcpt eval` and the trainer's periodic evaluation. With
    `chat`, the instruct protocol: zero-shot, each question in that chat format, generation stopping at its end of
    turn."""
    check_tasks(benchmarks)
    summaries, all_rows = {}, []
    for name in benchmarks:
        task = TASKS[name]
        n_shots = 0 if chat is not None else task.shots if shots is None else shots
        items, prompts = task_inputs(name, limit, n_shots, benchmarks_dir)
        stop = task.stop
        if chat is not None:
            prompts, stop = tuple(chat.prompt(question_text(item)) for item in items), chat.stop
        settings = SamplingSettings(max_new_tokens or task.max_new_tokens, stop, samples, temperature, top_p, seed)
        logger.info(f"{name}: {len(items)} items, {n_shots}-shot, {samples} sample(s) each")
        t0, tokens0 = time.time(), generator.generated_tokens
        responses = generator.generate(prompts, settings)
        rows = [score_item(task, item, p, r, reward_fn) for item, p, r in zip(items, prompts, responses)]
        summary = summarize(task, rows, n_shots, settings)
        seconds = time.time() - t0
        summary["generation"] = {
            "seconds": round(seconds, 2),
            "tokens_per_s": round((generator.generated_tokens - tokens0) / max(seconds, 1e-9), 1),
        }
        summaries[name] = summary
        all_rows += rows
        logger.info(f"{name}: accuracy {summary['accuracy']:.3f} (n={len(items)})")
    return summaries, all_rows


def run_eval(cfg: EvalConfig, model_path: str | None = None, generator=None) -> dict:
    """Evaluate `cfg.model` on every task of `cfg.benchmarks` and write RESULTS.json, .samples.jsonl and .md.

    `model_path` is where the model loads from when that differs from `cfg.model` (a training checkpoint the CLI
    exported to a temporary HF folder first); `generator` replaces the backend (tests).
    """
    check_tasks(cfg.benchmarks)
    reward_fn = load_reward(cfg.reward)
    out = Path(cfg.output)
    started = time.time()
    generator = generator or make_generator(
        cfg.backend, model_path or cfg.model, batch_size=cfg.batch_size, tensor_parallel=cfg.tensor_parallel
    )
    chat = None
    if cfg.protocol == "instruct":
        from pipeline.config.instruct import BOXED_INSTRUCTION, DEFAULT_SYSTEM

        chat = ChatFormat(generator.tokenizer, DEFAULT_SYSTEM, BOXED_INSTRUCTION)
        if cfg.reward_model:
            reward_fn = RewardModelReward(cfg.reward_model, chat)
    tasks, all_rows = evaluate_tasks(
        generator,
        cfg.benchmarks,
        cfg.limit,
        cfg.shots,
        cfg.benchmarks_dir,
        cfg.max_new_tokens,
        cfg.samples,
        cfg.temperature,
        cfg.top_p,
        cfg.seed,
        reward_fn,
        chat,
    )
    results: dict = {"model": cfg.model, "backend": cfg.backend, "protocol": cfg.protocol, "tasks": tasks,
                     "config": cfg.model_dump()}  # fmt: skip
    results["wall_seconds"] = round(time.time() - started, 2)
    samples_path, table_path = out.with_suffix(".samples.jsonl"), out.with_suffix(".md")
    results["files"] = {"samples": str(samples_path), "table": str(table_path)}
    atomic_write_text(samples_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in all_rows))
    atomic_write_text(table_path, render_table(results))
    atomic_write_text(out, json.dumps(results, indent=2, ensure_ascii=False))
    if cfg.wandb_project:
        log_to_wandb(results, cfg.wandb_project)
    return results


def log_to_wandb(results: dict, project: str) -> None:
    """One wandb run per evaluation: accuracy (and maj@k/rm@k) per task as summary metrics, offline if no login."""
    import os

    import wandb

    mode = os.environ.get("WANDB_MODE") or ("online" if os.environ.get("WANDB_API_KEY") else "offline")
    run = wandb.init(
        project=project,
        name=f"eval-{Path(results['model']).name}",
        mode=mode,
        job_type="eval",
        config={"model": results["model"], "backend": results["backend"]},
    )
    for task, r in results["tasks"].items():
        for key, value in r.items():
            if isinstance(value, float) and (key == "accuracy" or "@" in key):
                run.summary[f"{task}/{key}"] = value
    run.finish()
