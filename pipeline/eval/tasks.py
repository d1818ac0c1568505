"""Evaluation tasks: benchmark, prompt format, default shots, answer type, stop sequences and exemplars.

    mathcpt eval Qwen/Qwen2-Math-1.5B --benchmarks gsm8k,math,mmlu_stem,cmath,gaokao_math_cloze,gaokao_math_qa

The `instruct` protocol (Qwen2-Math-Instruct's, `mathcpt eval --protocol instruct`) uses none of the exemplars:
zero-shot, the question in the model's chat template (pipeline.shared.chat) with the boxed-answer instruction.
Default shot counts follow the Qwen2-Math base-model table: GSM8K 8, MATH 4, MMLU-STEM 4, CMATH 6, GaoKao Math
Cloze 5, GaoKao Math QA 4 (the others 4). Exemplars are data in `pipeline/eval/exemplars/` (see its README): written
by us, or CMATH's dev split by fixed row numbers; never test items (tests/eval check this against every test set
in ../shared/benchmarks). Each format puts the question after a fixed cue and the solution after another, so a base
model continues in the exemplars' style and ends with the answer phrase the extractor looks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.errors import ConfigError, DataError
from pipeline.shared.benchmarks.registry import BenchmarkItem, load_benchmark
from pipeline.shared.jsonl import read_jsonl

EXEMPLARS = Path(__file__).parent / "exemplars"
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class PromptFormat:
    question_cue: str
    answer_cue: str
    choices_cue: str = ""

    @property
    def stop(self) -> tuple[str, ...]:
        cue = self.question_cue.strip()
        return (f"\n\n{cue}", f"\n{cue}")


EN_QA = PromptFormat("Question: ", "Answer: ")
EN_MATH = PromptFormat("Problem:\n", "Solution:\n")
EN_CHOICE = PromptFormat("Question: ", "Answer: ", "Choices:\n")
ZH_QA = PromptFormat("问题：", "解答：")
ZH_CHOICE = PromptFormat("问题：", "解答：", "选项：\n")


@dataclass(frozen=True)
class Task:
    name: str
    benchmark: str
    shots: int
    answer_type: str  # number | latex | choice
    fmt: PromptFormat
    exemplars: str  # file stem in pipeline/eval/exemplars, or "builtin:mini_gsm"
    max_new_tokens: int = 512

    @property
    def stop(self) -> tuple[str, ...]:
        return self.fmt.stop


TASKS = {
    t.name: t
    for t in [
        Task("mini_gsm", "mini_gsm", 4, "number", EN_QA, "builtin:mini_gsm", max_new_tokens=96),
        Task("gsm8k", "gsm8k", 8, "number", EN_QA, "gsm8k", max_new_tokens=400),
        Task("svamp", "svamp", 4, "number", EN_QA, "gsm8k", max_new_tokens=300),
        Task("asdiv", "asdiv", 4, "number", EN_QA, "gsm8k", max_new_tokens=300),
        Task("math", "math", 4, "latex", EN_MATH, "math", max_new_tokens=1024),
        Task("math500", "math500", 4, "latex", EN_MATH, "math", max_new_tokens=1024),
        Task("minerva_math", "minerva_math", 4, "latex", EN_MATH, "minerva_math", max_new_tokens=1024),
        Task("olympiadbench", "olympiadbench", 4, "latex", EN_MATH, "math", max_new_tokens=2048),
        Task("college_math", "college_math", 4, "latex", EN_MATH, "math", max_new_tokens=1024),
        Task("mmlu_stem", "mmlu_stem", 4, "choice", EN_CHOICE, "mmlu_stem", max_new_tokens=400),
        Task("sat_math", "sat_math", 4, "choice", EN_CHOICE, "sat_math", max_new_tokens=512),
        Task("cmath", "cmath", 6, "number", ZH_QA, "cmath", max_new_tokens=400),
        Task("gaokao_math_cloze", "gaokao_math_cloze", 5, "latex", ZH_QA, "gaokao_math_cloze", max_new_tokens=1024),
        Task("gaokao_math_qa", "gaokao_math_qa", 4, "choice", ZH_CHOICE, "gaokao_math_qa", max_new_tokens=1024),
    ]
}


@lru_cache(maxsize=None)
def exemplars(source: str) -> tuple[BenchmarkItem, ...]:
    if source.startswith("builtin:"):
        return tuple(load_benchmark(source.split(":", 1)[1], split="train"))
    required = {"id": str, "question": str, "answer": str, "solution": str}
    return tuple(
        BenchmarkItem(
            id=r["id"],
            question=r["question"],
            answer=r["answer"],
            solution=r["solution"],
            choices=list(r.get("choices") or []),
        )
        for _, r in read_jsonl(EXEMPLARS / f"{source}.jsonl", required)
    )


def question_text(item: BenchmarkItem) -> str:
    """The question with its lettered choices: what the instruct protocol puts in the user turn."""
    text = item.question.strip()
    if item.choices:
        text += "\n" + "\n".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(item.choices))
    return text


def render(fmt: PromptFormat, item: BenchmarkItem) -> str:
    """The question block of one item: cue, question, lettered choices when it has them, and the answer cue."""
    text = fmt.question_cue + item.question.strip()
    if item.choices:
        text += "\n" + (fmt.choices_cue or "") + "\n".join(f"({LETTERS[i]}) {c}" for i, c in enumerate(item.choices))
    return text + "\n" + fmt.answer_cue


def build_prompt(task: Task, item: BenchmarkItem, shots: int | None = None) -> str:
    shots = task.shots if shots is None else shots
    pool = exemplars(task.exemplars)
    if shots > len(pool):
        raise DataError(f"{task.name}: {shots} shots asked, {len(pool)} exemplars available")
    blocks = [
        render(task.fmt, ex).rstrip() + (" " if not task.fmt.answer_cue.endswith("\n") else "\n") + ex.solution.strip()
        for ex in pool[:shots]
    ]
    blocks.append(render(task.fmt, item).rstrip())
    return "\n\n".join(blocks)


def check_tasks(names: list[str], key: str = "benchmarks") -> None:
    """Every name is an eval task; otherwise a ConfigError naming the config key (or flag) that lists them."""
    unknown = [n for n in names if n not in TASKS]
    if unknown:
        raise ConfigError(f"{key}: unknown eval task(s) {unknown}; available: {', '.join(sorted(TASKS))}")
