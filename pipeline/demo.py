"""`mathcpt demo`: the whole pipeline on a generated sample corpus, on CPU, in a few minutes.

    mathcpt demo --out demo_out

generate sample corpus → `mathcpt data data_recipes/demo.yaml` → 2-rank DeepSpeed ZeRO-3 training of a tiny Qwen2
(`configs/tiny_cpu.yaml`, launched with torchrun) → `mathcpt export` → `mathcpt eval` on the built-in mini_gsm set,
then a summary (also written to OUT/summary.md). Each step is the same code path as its own subcommand.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from loguru import logger

from pipeline.data.report.markdown import stage_name, stage_reasons
from pipeline.errors import DataError
from pipeline.train.metrics import read_metrics

ROOT = Path(__file__).resolve().parent.parent
MARKER = ".mathcpt-demo"


def project_file(relative: str) -> Path:
    path = ROOT / relative
    if not path.is_file():
        raise DataError(f"{path} not found: run the demo from a source checkout installed with `pip install -e .`")
    return path


def prepare(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if overwrite and (out / MARKER).is_file():
            shutil.rmtree(out)
        elif overwrite:
            raise DataError(f"{out} is not empty and was not written by `mathcpt demo`; refusing to delete it")
        else:
            raise DataError(f"output folder {out} is not empty; pass --overwrite to replace an earlier demo")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by mathcpt demo\n")


def run_training(out: Path, steps: int | None) -> None:
    """Launch 2 ranks with torchrun (gloo on CPU) exactly as a user would."""
    overrides = [f"data.path={out / 'data'}", f"output_dir={out / 'train'}"]
    if steps:
        overrides.append(f"train.max_steps={steps}")
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "pipeline.cli",
        "train",
        str(project_file("configs/tiny_cpu.yaml")),
    ]
    for o in overrides:
        cmd += ["--set", o]
    env = {**os.environ, "WANDB_MODE": "offline", "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    logger.info("training: " + " ".join(cmd))
    result = subprocess.run(cmd, env=env)
    if result.returncode:
        raise DataError(f"training exited with status {result.returncode}; see the log above")


def run_demo(out: Path, overwrite: bool = False, scale: float = 1.0, steps: int | None = None) -> dict:
    t0 = time.time()
    prepare(out, overwrite)
    from pipeline.config.eval import load_eval_config
    from pipeline.config.recipe import load_recipe
    from pipeline.data.recipe_run import run_recipe
    from pipeline.eval.evaluate import run_eval
    from pipeline.sample.corpus import generate_sample_corpus
    from pipeline.train.export import export_checkpoint

    timings: dict[str, float] = {}

    logger.info("[1/5] generating the sample corpus")
    corpus = generate_sample_corpus(out / "corpus", seed=0, scale=scale)
    timings["corpus"] = time.time() - t0

    logger.info("[2/5] running data_recipes/demo.yaml")
    recipe = load_recipe(project_file("data_recipes/demo.yaml"), [f"data_root={out / 'corpus'}"])
    report = run_recipe(recipe, out / "data")
    timings["data"] = time.time() - t0 - sum(timings.values())

    logger.info("[3/5] training a tiny Qwen2 with DeepSpeed ZeRO-3 on 2 CPU ranks")
    run_training(out, steps)
    timings["train"] = time.time() - t0 - sum(timings.values())

    logger.info("[4/5] exporting the checkpoint to an HF model folder")
    export_checkpoint(out / "train" / "checkpoints", out / "model", dtype="float32")
    timings["export"] = time.time() - t0 - sum(timings.values())

    logger.info("[5/5] evaluating few-shot on the built-in mini_gsm set")
    overrides = [f"model={out / 'model'}", f"output={out / 'eval' / 'results.json'}"]
    results = run_eval(load_eval_config(project_file("configs/eval/demo.yaml"), overrides))
    timings["eval"] = time.time() - t0 - sum(timings.values())

    rows = read_metrics(out / "train")
    metrics = [r for r in rows if "loss" in r]
    summary = {
        "corpus": {name: c["documents"] for name, c in corpus.items()},
        "stages": report["stages"],
        "ground_truth": report["ground_truth"],
        "tokens_per_source": {n: s["tokens"] for n, s in report["sources"].items()},
        "loss": {"first_step": metrics[0]["loss"], "last_step": metrics[-1]["loss"], "steps": metrics[-1]["step"]},
        "model": str(out / "model"),
        "data_report": str(out / "data" / "report" / "index.html"),
        "eval": {"results": str(out / "eval" / "results.json"), **results["tasks"]["mini_gsm"]},
        "seconds": {k: round(v, 1) for k, v in timings.items()} | {"total": round(time.time() - t0, 1)},
    }
    text = render_summary(summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    (out / "summary.md").write_text(text)
    print(text)
    return summary


def render_summary(s: dict) -> str:
    lines = ["# mathcpt demo summary", "", "## Curation (documents in → out, drop reasons)", ""]
    for st in s["stages"]:
        reasons = stage_reasons(st)
        lines.append(f"- {stage_name(st)}: {st['in']} → {st['out']}" + (f" ({reasons})" if reasons else ""))
    lines += ["", "## Planted cases (ground truth → where they ended)", ""]
    for label, where in s["ground_truth"].items():
        lines.append(f"- {label}: " + ", ".join(f"{k} {v}" for k, v in sorted(where.items())))
    lines += ["", "## Tokens per source", ""]
    lines += [f"- {name}: {n:,}" for name, n in s["tokens_per_source"].items()]
    loss = s["loss"]
    lines += [
        "",
        "## Training",
        "",
        f"- loss {loss['first_step']:.4f} at step 1 → {loss['last_step']:.4f} at step {loss['steps']}",
        "",
        "## Outputs",
        "",
        f"- HF model: {s['model']}",
        *([f"- data report (plots, kept/dropped examples): {s['data_report']}"] if s.get("data_report") else []),
        f"- eval results: {s['eval']['results']} (mini_gsm accuracy {s['eval']['accuracy']:.3f}, "
        f"n={s['eval']['n']}, {s['eval']['shots']}-shot; a tiny model scores near zero)",
        "",
        "Seconds per step: " + ", ".join(f"{k} {v}" for k, v in s["seconds"].items()),
    ]
    return "\n".join(lines) + "\n"
