"""The `mathcpt` command line: one subcommand per stage; each parses, builds, runs.

    mathcpt demo --out demo_out
    mathcpt data data_recipes/demo.yaml --out runs/data/demo [--set k=v] [--dry-run]   # = mathcpt data run ...
    mathcpt data RECIPE.yaml --out RUN --set executor.kind=slurm [--write-scripts-only]   # submits a job chain
    mathcpt data inspect runs/data/demo --samples 3
    mathcpt extract page.html docs/ crawl.warc.gz -o pages.jsonl
    mathcpt books book/main.tex notes.md -o books.jsonl [--split chapter|section|file] [--format latex|text]
    mathcpt code-select repos/ Basic.lean -o code.jsonl [--languages coq,python] [--min-score 0.6]
    mathcpt decontaminate in.jsonl -o out.jsonl --benchmarks mini_gsm [--benchmarks-dir DIR] [--report R.json]
    mathcpt classifier train --positives math.jsonl --negatives other.jsonl -o math.bin [--holdout 0.1]
    mathcpt classifier score math.bin pages.jsonl -o scored.jsonl [--threshold 0.5]
    mathcpt classifier recall recall.yaml [--set iterations=2]
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli train configs/tiny_cpu.yaml [--set k=v]
    mathcpt sample configs/instruct/sample_toy.yaml [--set policy=runs/toy/model]        # k graded responses each
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli rm train configs/instruct/rm_toy.yaml
    mathcpt sft-data configs/instruct/sft_data_toy.yaml                                   # loss-masked SFT shards
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli grpo configs/instruct/grpo_tiny_cpu.yaml
    mathcpt export runs/tiny/checkpoints -o runs/tiny/model
    mathcpt eval runs/tiny/model --benchmarks mini_gsm --limit 20 -o results.json   # or --config EVAL.yaml
    mathcpt grade predictions.jsonl [-o graded.jsonl]
    mathcpt report RUN_DIR [--html]

Each command is a pair: `add_<command>(subparsers)` declares its flags, `cmd_<command>(args)` runs it; `main` only
registers the pairs and dispatches. Errors a user can cause (bad config, missing input, malformed data) print one
paragraph and exit with status 2; anything else is a bug and keeps its traceback. Heavy imports happen inside the
commands so `--help` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.errors import ConfigError, DataError, MathcptError


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a config value (YAML-parsed), e.g. --set stages.dedup.near=false; repeatable",
    )
    p.add_argument("--dry-run", action="store_true", help="print the resolved, validated config and exit")


def _print_config(config) -> int:
    from pipeline.config.base import dump

    print(dump(config), end="")
    return 0


# ---------------------------------------------------------------------------------------------------------- demo


def add_demo(sub) -> None:
    p = sub.add_parser("demo", help="whole pipeline on a generated sample corpus (CPU, a few minutes)")
    p.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    p.add_argument("--overwrite", action="store_true", help="replace a previous demo's output folder")
    p.add_argument("--scale", type=float, default=1.0, help="sample corpus size multiplier (default 1.0)")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the tiny config's)")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args) -> int:
    from pipeline.demo import run_demo

    run_demo(Path(args.out), overwrite=args.overwrite, scale=args.scale, steps=args.steps)
    return 0


# ---------------------------------------------------------------------------------------------------------- data

DATA_ACTIONS = ("run", "inspect")


def add_data(sub) -> None:
    p = sub.add_parser(
        "data",
        help="run a data recipe → shards, mixture manifest, report; `data inspect RUN_DIR` shows what the model "
        "will see",
        description="`mathcpt data RECIPE.yaml` is short for `mathcpt data run RECIPE.yaml`.",
    )
    actions = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    r = actions.add_parser("run", help="run a recipe (the default action: `mathcpt data RECIPE.yaml`)")
    r.add_argument("recipe", help="recipe YAML (see data_recipes/)")
    r.add_argument("--out", help="output folder (default runs/data/<recipe name>)")
    r.add_argument("--overwrite", action="store_true", help="replace an earlier run of another recipe in --out")
    r.add_argument(
        "--write-scripts-only",
        action="store_true",
        help="executor.kind slurm: write and validate the sbatch scripts and RUN/slurm/submit.sh, submit nothing "
        "(without sbatch on PATH this happens anyway, with exit status 2)",
    )
    _add_set(r)
    r.set_defaults(func=cmd_data)
    i = actions.add_parser(
        "inspect",
        help="tokens per source, document lengths and decoded training samples of a completed data run",
        usage="mathcpt data inspect RUN_DIR [--samples N] [--seq-len L]",
    )
    i.add_argument("run_dir", metavar="RUN_DIR", help="a completed data run's folder (holds manifest.json)")
    i.add_argument("--samples", type=int, default=3, help="training samples to decode (default 3)")
    i.add_argument("--seq-len", type=int, default=96, help="sample length in tokens (default 96)")
    i.set_defaults(func=cmd_data_inspect)


def cmd_data(args) -> int:
    from pipeline.config.recipe import load_recipe
    from pipeline.data.recipe_run import check_recipe

    recipe = load_recipe(args.recipe, args.overrides)
    check_recipe(recipe, args.recipe)
    if args.dry_run:
        return _print_config(recipe)
    out = args.out or f"runs/data/{recipe.name}"
    if recipe.executor.kind == "slurm":
        return _submit_data(recipe, out, args)
    if args.write_scripts_only:
        raise MathcptError(
            f"--write-scripts-only applies to executor.kind slurm, this recipe's is {recipe.executor.kind}; add "
            "--set executor.kind=slurm"
        )
    from pipeline.data.recipe_run import run_recipe
    from pipeline.data.report.markdown import render_markdown

    report = run_recipe(recipe, out, overwrite=args.overwrite)
    print(render_markdown(report))
    print(f"data run complete: {out}/manifest.json")
    return 0


def _submit_data(recipe, out: str, args) -> int:
    """Slurm: submit the chain and return at once; 0 when submitted or when only the scripts were asked for.

    Without sbatch on PATH (and no --write-scripts-only) the scripts are still written and validated, but nothing
    was submitted, which is not what was asked for: exit status 2, with the message saying where they are.
    """
    from pipeline.data.recipe_run import submit_slurm

    scripts = submit_slurm(recipe, out, overwrite=args.overwrite, submit=not args.write_scripts_only)
    chain = " → ".join(j.name for j in scripts.jobs)
    if scripts.submitted:
        print(
            f"submitted {chain} (ids {', '.join(j.job_id for j in scripts.jobs)}); scripts and job ids in "
            f"{scripts.folder}; the run is complete when {out}/manifest.json exists"
        )
        return 0
    where = (
        f"wrote and validated {len(scripts.jobs)} sbatch scripts ({chain}) in {scripts.folder}; submit them in "
        f"order with: bash {scripts.folder / 'submit.sh'}"
    )
    if args.write_scripts_only:
        print(where)
        return 0
    print(
        f"mathcpt data: sbatch is not on PATH (or MATHCPT_SBATCH=none), nothing was submitted; {where} (on a "
        "machine with Slurm), or pass "
        "--write-scripts-only to ask for exactly this",
        file=sys.stderr,
    )
    return 2


def cmd_data_inspect(args) -> int:
    from pipeline.train.inspect_data import inspect_text

    print(inspect_text(args.run_dir, samples=args.samples, seq_len=args.seq_len), end="")
    return 0


def _with_implied_data_run(argv: list[str]) -> list[str]:
    """`mathcpt data RECIPE.yaml ...` → `mathcpt data run RECIPE.yaml ...` (a recipe path is not an action name)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):  # global options (the deepspeed launcher's --local_rank=N)
        i += 2 if argv[i] in ("--local_rank", "--local-rank") else 1
    if i + 1 < len(argv) and argv[i] == "data" and argv[i + 1] not in (*DATA_ACTIONS, "-h", "--help"):
        return [*argv[: i + 1], "run", *argv[i + 1 :]]
    return argv


# ------------------------------------------------------------------------------------- file-to-file curation


def add_extract(sub) -> None:
    p = sub.add_parser("extract", help="HTML files, folders or WARC files → math-preserving text (JSONL)")
    p.add_argument("inputs", nargs="+", help="HTML files, folders (searched for *.html / *.htm) or .warc[.gz] files")
    p.add_argument("-o", "--output", required=True, help="output JSONL ({id, text, metadata} per page)")
    p.add_argument("--no-code", action="store_true", help="drop <pre> code blocks instead of keeping them fenced")
    p.set_defaults(func=cmd_extract)


def cmd_extract(args) -> int:
    from pipeline.data.filter.extract import extract_inputs

    stats = extract_inputs(args.inputs, args.output, keep_code_blocks=not args.no_code)
    skipped = ", ".join(f"{k}: {v}" for k, v in stats["skipped"].items()) or "none"
    print(f"wrote {stats['written']} documents to {args.output}; skipped {skipped}", file=sys.stderr)
    return 0


def add_books(sub) -> None:
    p = sub.add_parser(
        "books",
        help="LaTeX, Markdown or plain-text books → one JSONL record per chapter or section, every formula verbatim",
    )
    p.add_argument("inputs", nargs="+", help="top-level .tex files, .md/.txt files, or folders holding them")
    p.add_argument("-o", "--output", required=True, help="output JSONL ({id, text, metadata} per chapter/section)")
    p.add_argument(
        "--split",
        default="chapter",
        choices=["chapter", "section", "file"],
        help="one document per chapter (default), per section, or per book",
    )
    p.add_argument(
        "--format",
        choices=["latex", "text"],
        help="latex or text (Markdown, PDF text); default: by suffix, and for a folder latex when it has a "
        "top-level .tex file",
    )
    p.add_argument(
        "--no-expand-macros",
        action="store_true",
        help="keep the book's own \\newcommand/\\def macros as written instead of expanding them",
    )
    p.add_argument("--max-file-bytes", type=int, help="skip larger files as too_large (default 8000000)")
    p.set_defaults(func=cmd_books)


def cmd_books(args) -> int:
    from pipeline.config.base import validate
    from pipeline.config.formats import BookSettings
    from pipeline.data.sources.books.convert import books_to_jsonl

    raw = {"split": args.split, "expand_macros": not args.no_expand_macros}
    if args.max_file_bytes is not None:
        raw["max_file_bytes"] = args.max_file_bytes
    settings = validate(BookSettings, raw, "mathcpt books")
    fmt = {"latex": "latex", "text": "book_text", None: None}[args.format]
    stats = books_to_jsonl(args.inputs, args.output, fmt, settings)
    print(f"wrote {stats['written']} documents from {stats['books']} books to {args.output}", file=sys.stderr)
    for reason, n in stats["skipped"].items():
        print(f"  skipped {reason}: {n}", file=sys.stderr)
    for what, n in stats["counted"].items():
        print(f"  {what}: {n}", file=sys.stderr)
    return 0


def add_code_select(sub) -> None:
    p = sub.add_parser(
        "code-select",
        help="repositories or source files → math code (formal math, math-heavy Python/Julia/R/MATLAB/Mathematica/"
        "Sage) as JSONL, whole files",
    )
    p.add_argument("inputs", nargs="+", help="a repository, a folder of repositories, or source files")
    p.add_argument("-o", "--output", required=True, help="output JSONL ({id, text, metadata} per kept file)")
    p.add_argument(
        "--languages",
        action="append",
        help="comma-separated languages to keep (default all: lean, coq, isabelle, agda, python, julia, r, matlab, "
        "mathematica, sage)",
    )
    p.add_argument(
        "--min-score",
        action="append",
        default=[],
        metavar="[LANGUAGE=]SCORE",
        help="minimum code math score, for all languages or one (repeatable); default: tuned per language (python 0.5)",
    )
    p.add_argument("--max-file-bytes", type=int, help="skip larger files as too_large (default 1000000)")
    p.add_argument(
        "--score-formal",
        action="store_true",
        help="apply the score to Lean/Coq/Isabelle/Agda too (by default they are kept whatever it is)",
    )
    p.set_defaults(func=cmd_code_select)


def cmd_code_select(args) -> int:
    from pipeline.data.sources.code_select import select_code_inputs

    settings = code_settings(args.languages, args.min_score, args.max_file_bytes, args.score_formal)
    stats = select_code_inputs(args.inputs, args.output, settings)
    languages = ", ".join(f"{k}: {v}" for k, v in stats["languages"].items()) or "none"
    print(f"kept {stats['written']} files ({languages}) in {args.output}", file=sys.stderr)
    for reason, n in stats["skipped"].items():
        print(f"  skipped {reason}: {n}", file=sys.stderr)
    return 0


def code_settings(languages: list[str] | None, min_scores: list[str], max_file_bytes: int | None, score_formal: bool):
    """The flags as the recipe's `code:` settings, validated the same way (a bad language is a ConfigError)."""
    from pipeline.config.base import validate
    from pipeline.config.formats import CodeSettings

    raw: dict = {"keep_formal_math_always": not score_formal}
    if languages:
        raw["languages"] = [lang.strip().lower() for item in languages for lang in item.split(",") if lang.strip()]
    if max_file_bytes is not None:
        raw["max_file_bytes"] = max_file_bytes
    thresholds: dict = {}
    for item in min_scores:
        language, _, value = item.rpartition("=")
        try:
            thresholds[language.strip().lower() or "default"] = float(value)
        except ValueError:
            raise ConfigError(f"--min-score {item!r}: expected a number or LANGUAGE=NUMBER") from None
    if thresholds:
        raw["min_math_score"] = thresholds
    return validate(CodeSettings, raw, "command-line flags (--languages, --min-score, --max-file-bytes)")


def add_decontaminate(sub) -> None:
    p = sub.add_parser("decontaminate", help="remove documents that contain benchmark test questions")
    p.add_argument("input", help="input JSONL of documents")
    p.add_argument("-o", "--output", required=True, help="output JSONL of kept documents")
    p.add_argument(
        "--benchmarks",
        action="append",
        required=True,
        help="comma-separated registry names, or `all` (every registered benchmark)",
    )
    p.add_argument(
        "--benchmarks-dir",
        help="folder laid out NAME/test.jsonl (e.g. ../shared/benchmarks); without it benchmarks load from their "
        "hub datasets",
    )
    p.add_argument("--ngram", type=int, default=13, help="n-gram length in tokens (words; CJK characters) (13)")
    p.add_argument(
        "--lcs-threshold",
        type=float,
        default=0.6,
        help="a candidate counts when LCS(item, document window) / item length reaches this (0.6)",
    )
    p.add_argument(
        "--mode",
        choices=["document", "span"],
        default="document",
        help="remove contaminated documents, or only the contaminated spans",
    )
    p.add_argument("--include-solutions", action="store_true", help="also index solutions and answers")
    p.add_argument("--report", help="write a JSON report of every removal here")
    p.set_defaults(func=cmd_decontaminate)


def cmd_decontaminate(args) -> int:
    from pipeline.config.base import validate
    from pipeline.config.stages import DecontaminationStage
    from pipeline.data.decontaminate import decontaminate_file

    raw = {
        "benchmarks": [b for item in args.benchmarks for b in item.split(",") if b],
        "benchmarks_dir": args.benchmarks_dir,
        "ngram": args.ngram,
        "lcs_threshold": args.lcs_threshold,
        "mode": args.mode,
        "include_solutions": args.include_solutions,
    }
    settings = validate(DecontaminationStage, raw, "mathcpt decontaminate flags")
    stats = decontaminate_file(args.input, args.output, settings, args.report)
    print(f"kept {stats['kept']} of {stats['documents']} documents, removed {stats['removed']}", file=sys.stderr)
    for name, b in stats["per_benchmark"].items():
        print(
            f"  {name}: {b['documents_removed']} removed, {b['spans_removed']} with spans cut, "
            f"{b['items_hit']} items hit",
            file=sys.stderr,
        )
    return 0


def add_classifier(sub) -> None:
    p = sub.add_parser(
        "classifier", help="train a fastText math classifier, score JSONL with it, run the DeepSeekMath recall loop"
    )
    actions = p.add_subparsers(dest="classifier_command", required=True, metavar="ACTION")
    c = actions.add_parser("train", help="train on positive and negative JSONL; prints held-out metrics as JSON")
    c.add_argument("--positives", nargs="+", required=True, metavar="JSONL", help="math documents")
    c.add_argument("--negatives", nargs="+", required=True, metavar="JSONL", help="other documents")
    c.add_argument(
        "-o",
        "--output",
        required=True,
        help="model file; its JSON sidecar OUTPUT.json (settings, metrics) is written next to it",
    )
    c.add_argument("--holdout", type=float, default=0.1, help="share held out for metrics, by content hash (0.1)")
    c.add_argument("--epochs", type=int, default=5, help="fastText epochs (5)")
    c.add_argument("--threads", type=int, default=1, help="training threads; 1 is reproducible (1)")
    c.add_argument("--text-key", default="text", help="field holding the text (text)")
    c.set_defaults(func=cmd_classifier_train)
    c = actions.add_parser("score", help="add metadata.math_classifier_score = P(math) to every line")
    c.add_argument("model", help="model file from `mathcpt classifier train`")
    c.add_argument("input", help="input JSONL")
    c.add_argument("-o", "--output", required=True, help="output JSONL (every input line, score added)")
    c.add_argument("--threshold", type=float, default=0.5, help="count documents at or above this score (0.5)")
    c.add_argument("--text-key", default="text", help="field holding the text (text)")
    c.set_defaults(func=cmd_classifier_score)
    c = actions.add_parser(
        "recall", help="DeepSeekMath recall loop from a YAML config (see pipeline/config/classifier.py)"
    )
    c.add_argument("config", help="recall config YAML")
    _add_set(c)
    c.set_defaults(func=cmd_classifier_recall)


def cmd_classifier_train(args) -> int:
    from pipeline.config.base import validate
    from pipeline.config.classifier import TrainSettings
    from pipeline.data.filter.classifier import train_from_files

    raw = {"holdout": args.holdout, "epochs": args.epochs, "threads": args.threads}
    settings = validate(TrainSettings, raw, "mathcpt classifier train")
    sidecar = train_from_files(args.positives, args.negatives, args.output, settings, args.text_key)
    print(json.dumps({"model": args.output, "heldout": sidecar["heldout"], "counts": sidecar["counts"]}))
    return 0


def cmd_classifier_score(args) -> int:
    from pipeline.data.filter.classifier import score_file

    c = score_file(args.model, args.input, args.output, args.threshold, args.text_key)
    print(
        f"scored {c['documents']} documents: {c['above_threshold']} at or above {c['threshold']}, "
        f"{c['below_threshold']} below; wrote {args.output}",
        file=sys.stderr,
    )
    return 0


def cmd_classifier_recall(args) -> int:
    from pipeline.config.classifier import load_recall_config
    from pipeline.data.filter.recall import run_recall

    cfg = load_recall_config(args.config, args.overrides)
    if args.dry_run:
        return _print_config(cfg)
    log = run_recall(cfg)
    for it in log["iterations"]:
        row = {k: it[k] for k in ("iteration", "positives", "heldout", "kept", "keep_threshold")}
        print(json.dumps(row | {"new_math_domains": sorted(it["new_math_domains"])}))
    print(f"recall complete: {cfg.output_dir}/recall_log.json", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------- train and export


def add_train(sub) -> None:
    p = sub.add_parser("train", help="DeepSpeed ZeRO-3 training (run under torchrun or the deepspeed launcher)")
    p.add_argument("config", help="training config YAML (see configs/)")
    p.add_argument("--local_rank", "--local-rank", dest="local_rank_train", type=int, help=argparse.SUPPRESS)
    _add_set(p)
    p.set_defaults(func=cmd_train)


def cmd_train(args) -> int:
    from pipeline.config.train import load_train_config
    from pipeline.eval.tasks import check_tasks

    cfg = load_train_config(args.config, args.overrides)
    check_tasks(cfg.train.task_eval, "train.task_eval")
    if args.dry_run:
        return _print_config(cfg)
    from pipeline.train.trainer import run_training

    evaluator = None
    if cfg.train.task_eval_every:
        # The trainer's periodic few-shot eval is eval's code, handed in here: train never imports eval.
        from pipeline.eval.evaluate import evaluate_tasks as evaluator
    run_training(cfg, args.config, task_evaluator=evaluator)
    return 0


def add_sample(sub) -> None:
    p = sub.add_parser("sample", help="k responses per problem from a policy, each graded against the gold answer")
    p.add_argument("config", help="sampling config YAML (see configs/instruct/)")
    p.add_argument("--overwrite", action="store_true", help="replace a sampling run of another config in output_dir")
    _add_set(p)
    p.set_defaults(func=cmd_sample)


def cmd_sample(args) -> int:
    from pipeline.config.instruct import load_sample_config

    cfg = load_sample_config(args.config, args.overrides)
    if args.dry_run:
        return _print_config(cfg)
    from pipeline.instruct.sampling import run_sampling

    report = run_sampling(cfg, overwrite=args.overwrite)
    print(json.dumps({k: v for k, v in report.items() if not isinstance(v, dict)}))
    return 0


def add_grpo(sub) -> None:
    p = sub.add_parser("grpo", help="GRPO on the ZeRO-3 trainer (run under torchrun or the deepspeed launcher)")
    p.add_argument("config", help="GRPO config YAML (see configs/instruct/grpo_*.yaml)")
    p.add_argument("--local_rank", "--local-rank", dest="local_rank_train", type=int, help=argparse.SUPPRESS)
    _add_set(p)
    p.set_defaults(func=cmd_grpo)


def cmd_grpo(args) -> int:
    from pipeline.config.instruct import load_grpo_config

    cfg = load_grpo_config(args.config, args.overrides)
    if args.dry_run:
        return _print_config(cfg)
    from pipeline.train.grpo import run_grpo

    run_grpo(cfg, args.config)
    return 0


def add_ablate(sub) -> None:
    p = sub.add_parser(
        "ablate",
        help="recipe variants as equal proxy models: train, score, compare (report + plots); locally or on Slurm",
    )
    p.add_argument("config", help="ablation YAML (see configs/ablations/)")
    p.add_argument("--overwrite", action="store_true", help="replace an ablation of another config in output_dir")
    p.add_argument(
        "--wait", action="store_true", help="launcher.kind slurm: block until the jobs end (exit 0 only with a report)"
    )
    p.add_argument(
        "--step",
        choices=["data", "train", "report"],
        help="run one step only (what each Slurm job runs): data run or training run --index, or the report",
    )
    p.add_argument("--index", type=int, help="with --step data|train: which run (default $SLURM_ARRAY_TASK_ID)")
    _add_set(p)
    p.set_defaults(func=cmd_ablate)


def cmd_ablate(args) -> int:
    from pipeline.config.ablation import load_ablation_config

    cfg = load_ablation_config(args.config, args.overrides)
    from pipeline.ablation.plan import plan_ablation

    plan = plan_ablation(cfg)  # every variant's recipe and training config validated before anything runs
    if args.dry_run:
        _print_config(cfg)
        print(json.dumps(plan.summary(), indent=1))
        return 0
    if args.step:
        from pipeline.ablation.run import run_one_step

        index = args.index if args.index is not None else os.environ.get("SLURM_ARRAY_TASK_ID")
        run_one_step(cfg, plan, args.step, None if index is None else int(index))
        return 0
    if cfg.launcher.kind == "slurm":
        from pipeline.ablation.slurm import submit_ablation, wait_for

        record = submit_ablation(cfg, plan, overwrite=args.overwrite)
        print(json.dumps({"jobs": {j["step"]: j["job_id"] for j in record["jobs"]},
                          "slurm": str(Path(cfg.output_dir) / "slurm")}))  # fmt: skip
        if not args.wait:
            return 0
        wait_for(cfg, plan, record)
    else:
        from pipeline.ablation.run import run_ablation

        run_ablation(cfg, plan, overwrite=args.overwrite)
    summary = json.loads((Path(cfg.output_dir) / "ablation.json").read_text())
    print((Path(cfg.output_dir) / "report.md").read_text())
    print(json.dumps({"ablation_json": str(Path(cfg.output_dir) / "ablation.json"), "seconds": summary["seconds"]}))
    return 0


def add_sft_data(sub) -> None:
    p = sub.add_parser("sft-data", help="rejection-sampled SFT data (loss-masked token shards) from sampling runs")
    p.add_argument("config", help="SFT data config YAML (see configs/instruct/)")
    p.add_argument("--overwrite", action="store_true", help="replace what output_dir holds")
    _add_set(p)
    p.set_defaults(func=cmd_sft_data)


def cmd_sft_data(args) -> int:
    from pipeline.config.instruct import load_sft_data_config

    cfg = load_sft_data_config(args.config, args.overrides)
    if args.dry_run:
        return _print_config(cfg)
    from pipeline.instruct.sft_data import build_sft_data

    print(json.dumps(build_sft_data(cfg, overwrite=args.overwrite)))
    return 0


def add_rm(sub) -> None:
    p = sub.add_parser("rm", help="math reward model: train (under torchrun or the deepspeed launcher)")
    actions = p.add_subparsers(dest="rm_command", required=True, metavar="ACTION")
    t = actions.add_parser("train", help="train a scalar-head Qwen2 on graded samples or chosen/rejected pairs")
    t.add_argument("config", help="reward model config YAML (see configs/instruct/)")
    t.add_argument("--local_rank", "--local-rank", dest="local_rank_train", type=int, help=argparse.SUPPRESS)
    _add_set(t)
    t.set_defaults(func=cmd_rm_train)


def cmd_rm_train(args) -> int:
    from pipeline.config.instruct import load_reward_model_config

    cfg = load_reward_model_config(args.config, args.overrides)
    if args.dry_run:
        return _print_config(cfg)
    from pipeline.instruct.reward_data import build_reward_data
    from pipeline.train.reward import run_reward_training

    run_reward_training(cfg, args.config, prepare_data=lambda folder: build_reward_data(cfg, folder))
    return 0


def add_export(sub) -> None:
    p = sub.add_parser("export", help="consolidate a ZeRO-3 checkpoint into an HF model folder")
    p.add_argument("checkpoint", help="checkpoints folder (holding `latest`) or one step folder inside it")
    p.add_argument("-o", "--output", required=True, help="new HF model folder")
    p.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from pipeline.train.export import export_checkpoint

    out = export_checkpoint(args.checkpoint, args.output, dtype=args.dtype)
    print(f"exported HF model to {out}", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------ eval and grading

# Flags of `mathcpt eval` that set a key of EvalConfig (flag dest = key); only the flags given are applied, so a
# flag replaces the --config file's value and an absent flag leaves it.
EVAL_FLAGS = (
    "model",
    "benchmarks",
    "output",
    "backend",
    "limit",
    "shots",
    "max_new_tokens",
    "batch_size",
    "benchmarks_dir",
    "samples",
    "temperature",
    "top_p",
    "seed",
    "protocol",
    "reward",
    "reward_model",
    "tensor_parallel",
    "wandb_project",
)


def add_eval(sub) -> None:
    p = sub.add_parser("eval", help="chain-of-thought evaluation of an HF model: few-shot (base) or instruct")
    given = argparse.SUPPRESS  # absent flags stay absent (see EVAL_FLAGS)
    p.add_argument(
        "model",
        nargs="?",
        default=given,
        help="HF model folder, hub id, or a training run / checkpoints folder (exported first)",
    )
    p.add_argument("--config", help="eval config YAML (pipeline/config/eval.py; e.g. configs/eval/); flags override it")
    p.add_argument("--benchmarks", action="append", default=given, help="comma-separated task names")
    p.add_argument("--backend", choices=["hf", "vllm"], default=given, help="hf (default) or vllm")
    p.add_argument("--limit", type=int, default=given, help="evaluate the first N items of each task")
    p.add_argument("--shots", type=int, default=given, help="few-shot exemplars (default: the task's)")
    p.add_argument("--max-new-tokens", type=int, default=given, help="default: the task's")
    p.add_argument("--batch-size", type=int, default=given, help="hf backend: prompts per batch (8)")
    p.add_argument("--benchmarks-dir", default=given, help="folder laid out NAME/test.jsonl for non-builtin benchmarks")
    p.add_argument("--samples", type=int, default=given, help="samples per item (k of maj@k / rm@k) (1)")
    p.add_argument("--temperature", type=float, default=given, help="0 = greedy (0)")
    p.add_argument("--top-p", type=float, default=given, help="(1.0)")
    p.add_argument("--seed", type=int, default=given, help="(0)")
    p.add_argument(
        "--protocol",
        choices=["fewshot", "instruct"],
        default=given,
        help="fewshot (base models, default) or instruct (zero-shot in the chat template, boxed answer)",
    )
    p.add_argument("--reward", default=given, help="module:function(prompt, response) -> score, for rm@k")
    p.add_argument("--reward-model", default=given, help="a trained reward model (HF folder) for rm@k (instruct)")
    p.add_argument("--tensor-parallel", type=int, default=given, help="vLLM tensor parallel size (1)")
    p.add_argument(
        "--wandb-project", default=given, help="log the accuracies to this wandb project (offline without a login)"
    )
    p.add_argument(
        "-o",
        "--output",
        default=given,
        help="results JSON (default results.json); RESULTS.samples.jsonl and RESULTS.md go beside it",
    )
    _add_set(p)
    p.set_defaults(func=cmd_eval)


def cmd_eval(args) -> int:
    from pipeline.config.base import apply_overrides, read_yaml, validate
    from pipeline.config.eval import EvalConfig
    from pipeline.eval.tasks import check_tasks

    raw = read_yaml(args.config) if args.config else {}
    raw.update({key: getattr(args, key) for key in EVAL_FLAGS if hasattr(args, key)})
    origin = args.config or "mathcpt eval"
    cfg = validate(EvalConfig, apply_overrides(raw, args.overrides, origin), origin)
    check_tasks(cfg.benchmarks)  # before any model loads
    if args.dry_run:
        return _print_config(cfg)
    from pipeline.eval.evaluate import run_eval
    from pipeline.train.export import as_hf_model

    with as_hf_model(cfg.model) as model:  # a training run or checkpoint is exported to a temporary HF folder
        results = run_eval(cfg, model_path=model)
    for name, r in results["tasks"].items():
        extra = "".join(f", {k} {v:.3f}" for k, v in r.items() if "@" in k)
        print(f"{name}: accuracy {r['accuracy']:.3f}{extra} (n={r['n']}, {r['shots']}-shot)")
    files = results["files"]
    print(f"results: {cfg.output}; samples: {files['samples']}; table: {files['table']}", file=sys.stderr)
    return 0


def add_grade(sub) -> None:
    p = sub.add_parser("grade", help='grade lines {"response", "answer"}: adds "predicted" and "correct"')
    p.add_argument("predictions", help="JSONL with response and answer fields")
    p.add_argument("-o", "--output", help="graded JSONL (default: print to stdout)")
    p.add_argument(
        "--answer-type",
        default="latex",
        choices=["latex", "number", "choice"],
        help="how to extract and compare answers, unless a line says (answer_type)",
    )
    p.add_argument("--processes", type=int, default=1, help="grading processes (math-verify timeouts stay on)")
    p.set_defaults(func=cmd_grade)


def cmd_grade(args) -> int:
    from pipeline.shared.grading import grade_file

    accuracy, n = grade_file(args.predictions, args.output, args.answer_type, args.processes)
    print(f"accuracy {accuracy:.4f} over {n} lines", file=sys.stderr)
    return 0


# -------------------------------------------------------------------------------------------------- report


def add_report(sub) -> None:
    p = sub.add_parser("report", help="human report of a data run or training run folder")
    p.add_argument("run_dir")
    p.add_argument(
        "--html",
        action="store_true",
        help="data run: (re)render RUN_DIR/report/index.html with plots (stage funnel, drop reasons, score "
        "histograms, tokens, duplicates, examples) and print its path",
    )
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    run = Path(args.run_dir)
    if args.html:  # first: it also refreshes report.md's plot links
        from pipeline.data.report.html import rerender

        index = rerender(run)
    if (run / "report.md").is_file():
        print((run / "report.md").read_text(encoding="utf-8"), end="")
    elif (run / "metrics.jsonl").is_file():
        from pipeline.train.metrics import training_report

        print(training_report(run), end="")
    else:
        raise DataError(f"{run}: neither a data run (report.md) nor a training run (metrics.jsonl)")
    if args.html:
        print(f"html report: {index}")
    return 0


# ---------------------------------------------------------------------------------------------------- main

COMMANDS = (
    add_demo,
    add_data,
    add_extract,
    add_books,
    add_code_select,
    add_decontaminate,
    add_classifier,
    add_train,
    add_sample,
    add_rm,
    add_sft_data,
    add_grpo,
    add_ablate,
    add_export,
    add_eval,
    add_grade,
    add_report,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mathcpt",
        description="Continued pretraining of Qwen2 math models: curate a corpus with datatrove, train with "
        "DeepSpeed ZeRO-3, export to HF, evaluate few-shot chain-of-thought.",
    )
    # The deepspeed launcher inserts --local_rank=N before the subcommand; the rank itself comes from the environment.
    parser.add_argument("--local_rank", "--local-rank", type=int, default=None, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(_with_implied_data_run(sys.argv[1:] if argv is None else argv))
    try:
        return args.func(args)
    except MathcptError as e:
        print(f"mathcpt {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mathcpt {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
