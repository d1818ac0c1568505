"""Published reference numbers and the Markdown table that puts ours beside them.

    python -c "from pipeline.eval.references import REFERENCES; print(REFERENCES)"

Only numbers with a source we can name are here: the Qwen2-Math base models, few-shot chain-of-thought, as the
Qwen2-Math release reports them (GSM8K 8-shot, MATH 4-shot, MMLU-STEM 4-shot, CMATH 6-shot, GaoKao Math Cloze 5-shot,
GaoKao Math QA 4-shot); and the Qwen2-Math-Instruct models, zero-shot chain of thought, greedy, as the Qwen2.5-Math
technical report tabulates them (for `--protocol instruct`). Add a row (model → {task: accuracy in %}) to compare with another checkpoint.
"""

from __future__ import annotations

SOURCE = "Qwen2-Math release (qwenlm.github.io/blog/qwen2-math), base models, few-shot CoT"
COLUMNS = ["gsm8k", "math", "mmlu_stem", "cmath", "gaokao_math_cloze", "gaokao_math_qa"]
REFERENCES: dict[str, dict[str, float]] = {
    "Qwen2-Math-1.5B": dict(zip(COLUMNS, [71.3, 44.4, 50.4, 79.6, 37.3, 50.7])),
    "Qwen2-Math-7B": dict(zip(COLUMNS, [80.4, 50.4, 65.7, 83.2, 48.3, 57.3])),
}

# Qwen2-Math-Instruct, greedy zero-shot chain of thought, as the Qwen2.5-Math technical report (arXiv:2409.12122)
# tabulates it (Tables 2 and 3; MMLU-STEM there is few-shot). Its "GaoKao" column is a composite of several GaoKao
# sets, not one of ours, so it is left out; CMATH is the test split.
INSTRUCT_SOURCE = (
    "Qwen2.5-Math technical report (arXiv:2409.12122), Tables 2-3: Qwen2-Math-Instruct, greedy, zero-shot CoT"
)
INSTRUCT_COLUMNS = ["gsm8k", "math", "minerva_math", "olympiadbench", "college_math", "mmlu_stem", "cmath"]
INSTRUCT_REFERENCES: dict[str, dict[str, float]] = {
    "Qwen2-Math-1.5B-Instruct": dict(zip(INSTRUCT_COLUMNS, [84.2, 69.4, 29.4, 31.3, 44.2, 54.9, 84.2])),
    "Qwen2-Math-7B-Instruct": dict(zip(INSTRUCT_COLUMNS, [89.9, 75.1, 34.6, 38.2, 45.9, 63.8, 90.0])),
    "Qwen2-Math-72B-Instruct": dict(zip(INSTRUCT_COLUMNS, [96.7, 84.0, 40.1, 43.0, 47.9, 79.9, 92.8])),
}


def render_table(results: dict) -> str:
    """Our accuracies (in %, with n) next to the reference rows, one column per task we ran or they report; the
    instruct protocol's results beside Qwen2-Math-Instruct's, the few-shot ones beside the base models'."""
    if results.get("protocol") == "instruct":
        reported, references, source = INSTRUCT_COLUMNS, INSTRUCT_REFERENCES, INSTRUCT_SOURCE
    else:
        reported, references, source = COLUMNS, REFERENCES, SOURCE
    ours = results["tasks"]
    columns = [c for c in reported if c in ours] + [c for c in ours if c not in reported]
    columns += [c for c in reported if c not in columns]
    header = "| model | " + " | ".join(columns) + " |"
    lines = [f"# Evaluation of {results['model']}", "", header, "|---|" + "---:|" * len(columns)]
    cells = []
    for c in columns:
        r = ours.get(c)
        cells.append(f"**{100 * r['accuracy']:.1f}** (n={r['n']}, {r['shots']}-shot)" if r else "–")
    lines.append(f"| {results['model']} (ours) | " + " | ".join(cells) + " |")
    for model, row in references.items():
        lines.append(
            f"| {model} (reported) | " + " | ".join(f"{row[c]:.1f}" if c in row else "–" for c in columns) + " |"
        )
    extra = [
        f"- {task}: " + ", ".join(f"{k} {100 * v:.1f}" for k, v in r.items() if "@" in k)
        for task, r in ours.items()
        if any("@" in k for k in r)
    ]
    lines += [
        "",
        f"Reference numbers: {source}. Runs with `--limit` evaluate a prefix of each test set and are not "
        "comparable with full-set numbers.",
    ]
    if extra:
        lines += ["", "Sampling:", *extra]
    return "\n".join(lines) + "\n"
