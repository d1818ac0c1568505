"""`mathcpt sample`: k responses per problem from a policy, each graded against the gold answer.

    mathcpt sample configs/instruct/sample_toy.yaml --set policy=runs/toy/model
    mathcpt sample configs/instruct/sample_gsm8k.yaml --set generation.backend=vllm     # GPU

The policy (an HF hub id, an HF folder, or a training run / checkpoint of ours, consolidated for the run) answers
every problem (pipeline.instruct.problems: read, gold checked, decontaminated) in its chat format
(pipeline.shared.chat: the question, then the boxed-answer instruction), through the shared generation backends
(HF on CPU or GPU, vLLM on GPU). Each response is graded by our grader (pipeline.shared.grading).

Output (`output_dir/`):
* `chunks/chunk_NNNNN.jsonl`: one line per problem: id, source, question, gold, answer type, the prompt as
  rendered, and its k responses (text, tokens, finished, extracted answer, correct); written whole or not at all
  (a temporary file renamed), with `.stats.json` beside it (generated tokens, seconds);
* `sampling.json`: the policy, its tokenizer's fingerprint (the reward model and SFT data check it), prompt and
  generation settings; `decontamination.jsonl`: the problems removed and the test items they matched;
* `report.json` / `report.md`: problems in, left out by reason, pass@1 (mean share of correct responses), pass@k,
  the shares of problems with 0 and with k correct, empty and truncated responses, generated tokens per second;
* `queries.jsonl` with `query_filter`: the problems with min_correct..max_correct of k correct (GRPO's queries).

Resume: chunk c holds problems [c·chunk_size, (c+1)·chunk_size) and is sampled with seed `generation.seed + c`;
a run killed at any point (even `kill -9`) and started again with the same command samples only the chunks that
have no file, and ends with the same files as an uninterrupted run. Another config in the same output_dir is
refused.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from loguru import logger

from pipeline.config.base import dump
from pipeline.config.instruct import SampleConfig
from pipeline.errors import DataError
from pipeline.instruct.problems import Problem, decontaminate, load_problems
from pipeline.shared.atomic import atomic_open, atomic_write_text
from pipeline.shared.chat import ChatFormat, tokenizer_fingerprint
from pipeline.shared.grading import grade_response

RESOLVED = "sample_config.resolved.yaml"


def chunk_path(out: Path, chunk: int) -> Path:
    return out / "chunks" / f"chunk_{chunk:05d}.jsonl"


def read_samples(folder: str | Path) -> tuple[dict, list[dict]]:
    """(sampling.json, every problem's record in chunk order) of a finished sampling run."""
    folder = Path(folder)
    meta_path = folder / "sampling.json"
    if not (folder / "report.json").is_file() or not meta_path.is_file():
        raise DataError(f"{folder}: not a finished `mathcpt sample` run (no report.json); run or resume it first")
    rows = []
    for path in sorted((folder / "chunks").glob("chunk_*.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(meta_path.read_text()), rows


def prepare_output(out: Path, resolved: str, overwrite: bool) -> None:
    marker = out / RESOLVED
    if out.exists() and any(out.iterdir()):
        if not marker.is_file():
            raise DataError(f"output_dir {out} is not empty and holds no sampling run; choose an empty folder")
        if overwrite:
            shutil.rmtree(out)
        elif marker.read_text() != resolved:
            raise DataError(
                f"output_dir {out} holds a sampling run of another config ({RESOLVED} differs); "
                "choose a new output_dir or pass --overwrite"
            )
        else:
            logger.info(f"{out}: resuming (chunks already written are kept)")
    (out / "chunks").mkdir(parents=True, exist_ok=True)
    (out / "report.json").unlink(missing_ok=True)  # the run is finished only when the report is written again
    atomic_write_text(marker, resolved)


def grade_row(problem: Problem, prompt: str, completions) -> dict:
    responses = []
    for c in completions:
        if not c.text.strip():
            responses.append({"text": c.text, "tokens": c.tokens, "finished": c.finished, "answer": None,
                              "correct": False})  # fmt: skip
            continue
        correct, answer = grade_response(c.text, problem.gold, problem.answer_type, max(len(problem.choices), 4))
        responses.append(
            {"text": c.text, "tokens": c.tokens, "finished": c.finished, "answer": answer, "correct": bool(correct)}
        )
    row = problem.record() | {"prompt": prompt, "responses": responses}
    row["n_correct"] = sum(r["correct"] for r in responses)
    return row


def summarize(rows: list[dict], k: int, skipped: Counter, removed: int, stats: list[dict]) -> dict:
    n = len(rows)
    responses = [r for row in rows for r in row["responses"]]
    seconds = sum(s["seconds"] for s in stats)
    tokens = sum(s["generated_tokens"] for s in stats)
    return {
        "problems": n,
        "left_out": dict(sorted(skipped.items())),
        "contaminated": removed,
        "k": k,
        "responses": len(responses),
        "pass@1": sum(row["n_correct"] / max(len(row["responses"]), 1) for row in rows) / max(n, 1),
        f"pass@{k}": sum(row["n_correct"] > 0 for row in rows) / max(n, 1),
        "share_none_correct": sum(row["n_correct"] == 0 for row in rows) / max(n, 1),
        "share_all_correct": sum(row["n_correct"] == len(row["responses"]) for row in rows) / max(n, 1),
        "empty_responses": sum(not r["text"].strip() for r in responses),
        "truncated_responses": sum(not r["finished"] for r in responses),
        "generated_tokens": tokens,
        "generation_seconds": round(seconds, 2),
        "generated_tokens_per_s": round(tokens / seconds, 1) if seconds else None,
    }


def render_report(report: dict) -> str:
    k = report["k"]
    lines = [
        "# Sampling report",
        "",
        f"- problems sampled: {report['problems']} (k = {k}); removed as contaminated: {report['contaminated']}",
        f"- pass@1 {100 * report['pass@1']:.1f}% · pass@{k} {100 * report[f'pass@{k}']:.1f}% · "
        f"none correct {100 * report['share_none_correct']:.1f}% · all correct "
        f"{100 * report['share_all_correct']:.1f}%",
        f"- empty responses {report['empty_responses']}, cut at max_new_tokens {report['truncated_responses']}",
        f"- generated {report['generated_tokens']:,} tokens in {report['generation_seconds']} s "
        f"({report['generated_tokens_per_s']} tokens/s)",
    ]
    if report["left_out"]:
        lines += ["", "Left out before sampling:", *(f"- {k}: {v}" for k, v in report["left_out"].items())]
    return "\n".join(lines) + "\n"


def run_sampling(cfg: SampleConfig, overwrite: bool = False) -> dict:
    """Sample, grade and report (see the module docstring); returns the report."""
    from pipeline.shared.generation import SamplingSettings, make_generator
    from pipeline.train.export import as_hf_model

    out = Path(cfg.output_dir)
    prepare_output(out, dump(cfg), overwrite)
    problems, skipped = load_problems(cfg.problems, cfg.data_root)
    problems, removed = decontaminate(problems, cfg.decontamination)
    atomic_write_text(out / "decontamination.jsonl", "".join(json.dumps(r) + "\n" for r in removed))
    if not problems:
        raise DataError(f"no problem left to sample (left out: {dict(skipped)}, contaminated: {len(removed)})")
    g, cs = cfg.generation, cfg.chunk_size
    chunks = [problems[i : i + cs] for i in range(0, len(problems), cs)]
    with ExitStack() as stack:
        policy = stack.enter_context(as_hf_model(cfg.policy))
        chat = ChatFormat.load(policy, cfg.prompt.system, cfg.prompt.instruction, cfg.trust_remote_code)
        meta = {
            "policy": cfg.policy,
            "tokenizer_fingerprint": tokenizer_fingerprint(chat.tokenizer),
            "prompt": cfg.prompt.model_dump(),
            "generation": g.model_dump(),
            "chat_template": chat.template,
        }
        atomic_write_text(out / "sampling.json", json.dumps(meta, indent=2))
        generator = None
        for c, chunk in enumerate(chunks):
            if chunk_path(out, c).is_file():
                continue
            if generator is None:
                generator = make_generator(g.backend, policy, batch_size=g.batch_size, tensor_parallel=g.tensor_parallel,
                                           trust_remote_code=cfg.trust_remote_code, dtype=g.dtype)  # fmt: skip
            sample_chunk(cfg, c, chunk, chat, generator, SamplingSettings)
            logger.info(f"sampled chunk {c + 1}/{len(chunks)}")
    rows, stats = [], []
    for c in range(len(chunks)):
        rows += [json.loads(line) for line in chunk_path(out, c).read_text(encoding="utf-8").splitlines()]
        stats.append(json.loads(chunk_path(out, c).with_suffix(".stats.json").read_text()))
    too_long = Counter(s.get("prompt_too_long", 0) for s in stats)
    skipped["prompt_too_long"] += sum(k * v for k, v in too_long.items())
    skipped = Counter({k: v for k, v in skipped.items() if v})
    report = summarize(rows, g.k, skipped, len(removed), stats)
    if cfg.query_filter is not None:
        q = cfg.query_filter
        queries = [row for row in rows if q.min_correct <= row["n_correct"] <= q.max_correct]
        text = "".join(json.dumps({k: row[k] for k in ("id", "source", "question", "gold", "answer_type", "prompt")
                                   } | {"n_correct": row["n_correct"], "k": g.k}) + "\n" for row in queries)  # fmt: skip
        atomic_write_text(out / "queries.jsonl", text)
        report["queries"] = len(queries)
    atomic_write_text(out / "report.md", render_report(report))
    atomic_write_text(out / "report.json", json.dumps(report, indent=2))  # last: its presence marks the run done
    return report


def sample_chunk(cfg: SampleConfig, c: int, chunk: list[Problem], chat: ChatFormat, generator, settings_cls) -> None:
    """Generate, grade and write one chunk (its file and stats appear together, only when the chunk is complete)."""
    g = cfg.generation
    prompts, kept, too_long = [], [], 0
    for p in chunk:
        prompt = chat.prompt(p.question)
        if len(chat.tokenizer(prompt, add_special_tokens=False)["input_ids"]) > cfg.prompt.max_prompt_tokens:
            too_long += 1
            continue
        prompts.append(prompt)
        kept.append(p)
    settings = settings_cls(max_new_tokens=g.max_new_tokens, stop=chat.stop, n=g.k, temperature=g.temperature,
                            top_p=g.top_p, seed=g.seed + c)  # fmt: skip
    before, started = generator.generated_tokens, time.perf_counter()
    outputs = generator.generate_detailed(prompts, settings) if prompts else []
    seconds = time.perf_counter() - started
    rows = [grade_row(p, prompt, completions) for p, prompt, completions in zip(kept, prompts, outputs)]
    stats = {"problems": len(rows), "prompt_too_long": too_long, "seconds": round(seconds, 3),
             "generated_tokens": int(generator.generated_tokens - before)}  # fmt: skip
    write_chunk(Path(cfg.output_dir), c, rows, stats)


def write_chunk(out: Path, c: int, rows: list[dict], stats: dict) -> None:
    """One chunk's graded rows and its stats; the rows file last, so a chunk whose file exists is complete."""
    atomic_write_text(chunk_path(out, c).with_suffix(".stats.json"), json.dumps(stats))
    with atomic_open(chunk_path(out, c)) as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
