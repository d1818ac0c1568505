"""The `mathcpt` command line: one subcommand per stage; each parses, builds, runs.

    mathcpt demo --out demo_out
    mathcpt data data_recipes/demo.yaml --out runs/data/demo [--set k=v] [--dry-run]
    mathcpt extract page.html docs/ crawl.warc.gz -o pages.jsonl
    mathcpt decontaminate in.jsonl -o out.jsonl --benchmarks mini_gsm [--benchmarks-dir DIR] [--report R.json]
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli train configs/tiny_cpu.yaml [--set k=v]
    mathcpt export runs/tiny/checkpoints -o runs/tiny/model
    mathcpt eval runs/tiny/model --benchmarks mini_gsm --limit 20 -o results.json
    mathcpt grade predictions.jsonl [-o graded.jsonl]
    mathcpt report RUN_DIR

Errors a user can cause (bad config, missing input, malformed data) print one paragraph and exit with status 2;
anything else is a bug and keeps its traceback. Heavy imports happen inside the subcommands so `--help` is instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import MathcptError


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a config value (YAML-parsed), e.g. --set stages.dedup.near=false; repeatable")  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="print the resolved, validated config and exit")


def cmd_data(args) -> int:
    if args.recipe == "inspect":
        if not args.run_dir:
            raise MathcptError("usage: mathcpt data inspect RUN_DIR (a completed data run's folder)")
        from pipeline.inspect_run import inspect_text

        print(inspect_text(args.run_dir, samples=args.samples, seq_len=args.seq_len), end="")
        return 0
    if args.run_dir:
        raise MathcptError(f"unexpected argument {args.run_dir!r} after the recipe")
    from pipeline.config import dump, load_recipe

    recipe = load_recipe(args.recipe, args.overrides)
    if args.dry_run:
        print(dump(recipe), end="")
        return 0
    from pipeline.data.recipe_run import run_recipe

    out = args.out or f"runs/data/{recipe.name}"
    report = run_recipe(recipe, out, overwrite=args.overwrite)
    from pipeline.data.report import render_markdown

    print(render_markdown(report))
    print(f"data run complete: {out}/manifest.json")
    return 0


def cmd_extract(args) -> int:
    from pipeline.data.extract_cli import extract_inputs

    n = extract_inputs(args.inputs, args.output, keep_code_blocks=not args.no_code)
    print(f"wrote {n} documents to {args.output}", file=sys.stderr)
    return 0


def cmd_decontaminate(args) -> int:
    from pipeline.data.decontaminate_cli import decontaminate_file

    stats = decontaminate_file(args.input, args.output, args.benchmarks, args.benchmarks_dir, args.ngram, args.report,
                               args.lcs_threshold, args.mode, args.include_solutions)  # fmt: skip
    print(f"kept {stats['kept']} of {stats['documents']} documents, removed {stats['removed']}", file=sys.stderr)
    for name, b in stats["per_benchmark"].items():
        print(f"  {name}: {b['documents_removed']} removed, {b['spans_removed']} with spans cut, "
              f"{b['items_hit']} items hit", file=sys.stderr)  # fmt: skip
    return 0


def cmd_train(args) -> int:
    from pipeline.config import dump, load_train_config

    cfg = load_train_config(args.config, args.overrides)
    if args.dry_run:
        print(dump(cfg), end="")
        return 0
    from pipeline.train.trainer import run_training

    run_training(cfg, args.config)
    return 0


def cmd_export(args) -> int:
    from pipeline.train.export import export_checkpoint

    out = export_checkpoint(args.checkpoint, args.output, dtype=args.dtype)
    print(f"exported HF model to {out}", file=sys.stderr)
    return 0


def cmd_eval(args) -> int:
    from pipeline.eval.evaluate import run_eval

    benchmarks = [b for item in args.benchmarks for b in item.split(",") if b]
    if args.backend != "hf":
        raise MathcptError("--backend vllm is not available yet (evaluation issue); use --backend hf")
    results = run_eval(args.model, benchmarks, args.output, limit=args.limit, shots=args.shots,
                       batch_size=args.batch_size, benchmarks_dir=args.benchmarks_dir,
                       max_new_tokens=args.max_new_tokens)  # fmt: skip
    for name, r in results["tasks"].items():
        print(f"{name}: accuracy {r['accuracy']:.3f} (n={r['n']}, {r['shots']}-shot)")
    return 0


def cmd_grade(args) -> int:
    from pipeline.eval.grade_cli import grade_file

    accuracy, n = grade_file(args.predictions, args.output)
    print(f"accuracy {accuracy:.4f} over {n} lines", file=sys.stderr)
    return 0


def cmd_report(args) -> int:
    from pipeline.run_report import report_text

    print(report_text(args.run_dir), end="")
    return 0


def cmd_demo(args) -> int:
    from pipeline.demo import run_demo

    run_demo(Path(args.out), overwrite=args.overwrite, scale=args.scale, steps=args.steps)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mathcpt",
        description="Continued pretraining of Qwen2 math models: curate a corpus with datatrove, train with "
        "DeepSpeed ZeRO-3, export to HF, evaluate few-shot chain-of-thought.",
    )
    # The deepspeed launcher inserts --local_rank=N before the subcommand; the rank itself comes from the environment.
    parser.add_argument("--local_rank", "--local-rank", type=int, default=None, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="whole pipeline on a generated sample corpus (CPU, a few minutes)")
    p.add_argument("--out", default="demo_out", help="output folder (default: demo_out)")
    p.add_argument("--overwrite", action="store_true", help="replace a previous demo's output folder")
    p.add_argument("--scale", type=float, default=1.0, help="sample corpus size multiplier (default 1.0)")
    p.add_argument("--steps", type=int, default=None, help="training steps (default: the tiny config's)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("data", help="run a data recipe → shards, mixture manifest, report; `data inspect RUN_DIR` shows "
                       "what the model will see")
    p.add_argument("recipe", help="recipe YAML (see data_recipes/), or `inspect` followed by a data run's folder")
    p.add_argument("run_dir", nargs="?", help=argparse.SUPPRESS)
    p.add_argument("--samples", type=int, default=3, help="inspect: training samples to decode (default 3)")
    p.add_argument("--seq-len", type=int, default=96, help="inspect: sample length in tokens (default 96)")
    p.add_argument("--out", help="output folder (default runs/data/<recipe name>)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run of another recipe in --out")
    _add_set(p)
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("extract", help="HTML files, folders or WARC files → math-preserving text (JSONL)")
    p.add_argument("inputs", nargs="+", help="HTML files, folders (searched for *.html / *.htm) or .warc[.gz] files")
    p.add_argument("-o", "--output", required=True, help="output JSONL ({id, text, metadata} per page)")
    p.add_argument("--no-code", action="store_true", help="drop <pre> code blocks instead of keeping them fenced")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("decontaminate", help="remove documents that contain benchmark test questions")
    p.add_argument("input", help="input JSONL of documents")
    p.add_argument("-o", "--output", required=True, help="output JSONL of kept documents")
    p.add_argument("--benchmarks", action="append", required=True,
                   help="comma-separated registry names, or `all` (every registered benchmark)")
    p.add_argument("--benchmarks-dir", help="folder laid out NAME/test.jsonl (e.g. ../shared/benchmarks); "
                   "without it benchmarks load from their hub datasets")
    p.add_argument("--ngram", type=int, default=13, help="n-gram length in tokens (words; CJK characters) (13)")
    p.add_argument("--lcs-threshold", type=float, default=0.6,
                   help="a candidate counts when LCS(item, document window) / item length reaches this (0.6)")
    p.add_argument("--mode", choices=["document", "span"], default="document",
                   help="remove contaminated documents, or only the contaminated spans")
    p.add_argument("--include-solutions", action="store_true", help="also index solutions and answers")
    p.add_argument("--report", help="write a JSON report of every removal here")
    p.set_defaults(func=cmd_decontaminate)

    p = sub.add_parser("train", help="DeepSpeed ZeRO-3 training (run under torchrun or the deepspeed launcher)")
    p.add_argument("config", help="training config YAML (see configs/)")
    p.add_argument("--local_rank", "--local-rank", dest="local_rank_train", type=int, help=argparse.SUPPRESS)
    _add_set(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("export", help="consolidate a ZeRO-3 checkpoint into an HF model folder")
    p.add_argument("checkpoint", help="checkpoints folder (holding `latest`) or one step folder inside it")
    p.add_argument("-o", "--output", required=True, help="new HF model folder")
    p.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float16", "float32"])
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("eval", help="few-shot chain-of-thought evaluation of an HF model")
    p.add_argument("model", help="HF model folder or hub id")
    p.add_argument("--benchmarks", action="append", required=True, help="comma-separated task names")
    p.add_argument("--backend", default="hf", choices=["hf", "vllm"])
    p.add_argument("--limit", type=int, help="evaluate the first N items of each task")
    p.add_argument("--shots", type=int, help="few-shot exemplars (default: the task's)")
    p.add_argument("--max-new-tokens", type=int)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--benchmarks-dir", help="folder laid out NAME/test.jsonl for non-builtin benchmarks")
    p.add_argument("-o", "--output", default="results.json", help="results JSON (default results.json)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("grade", help='grade lines {"response", "answer"}: adds "predicted" and "correct"')
    p.add_argument("predictions", help="JSONL with response and answer fields")
    p.add_argument("-o", "--output", help="graded JSONL (default: print to stdout)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("report", help="human report of a data run or training run folder")
    p.add_argument("run_dir")
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
