"""Our prompt template library for synthetic math data (EN and ZH), and the checks that tie templates to seeds.

    mathcpt data RECIPE.yaml --dry-run          # validates every synthetic source's templates against its seeds

Templates are data: an id, the language the output is written in, the prompt with `{{field}}` placeholders, and
two flags the post-filters read: `final_answer` (the output must end with a final answer, otherwise it was cut off)
and `solves_seed` (the output answers the seed's own question, so its final answer can be checked against the
seed's gold answer). Placeholders use double braces because prompts quote LaTeX, whose single braces
(`\\frac{a}{b}`) would otherwise read as fields.

Seed fields: every seed has `id` and `text`; question/answer seeds (a `qa_jsonl` source or problem-set file) also
have `question` (with its choices appended when there are any), `solution`, `answer` and `choices`. A template that
needs a field its seeds cannot have is a config error naming the template and the field (checked when the recipe
is loaded, `check_seed_fields`); a seed whose field is empty is skipped for that template at run time and counted.

The library covers the four tasks of the design: rewrite a web page as textbook exposition (`textbook_*`), a new
problem with a step-by-step solution in the style of a seed (`new_problem_*`), a step-by-step solution of the
seed's problem (`solve_*`, rejection-sampled against the gold answer) or an explanation of its given solution
(`explain_solution_*`), and translation (`translate_en_zh`, `translate_zh_en`). The prompts are written for
instruction-tuned models; with `prompt_format: auto` they are wrapped in the tokenizer's chat template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config.sources import SourceConfig
    from pipeline.config.synthesis import CustomTemplate, SynthesisConfig

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TEXT_FIELDS = ("id", "text")
QA_FIELDS = ("id", "text", "question", "solution", "answer", "choices")


@dataclass(frozen=True)
class Template:
    id: str
    language: str  # of the output
    prompt: str
    final_answer: bool = False
    solves_seed: bool = False

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(PLACEHOLDER.findall(self.prompt)))

    @property
    def instruction(self) -> str:
        """The template's own words (placeholders removed): what an output that echoes its prompt repeats."""
        return PLACEHOLDER.sub("\n", self.prompt)

    def render(self, seed: dict) -> str:
        return PLACEHOLDER.sub(lambda m: str(seed.get(m.group(1)) or ""), self.prompt)


_FINAL_EN = 'Finish with a line of the form "Final answer: ...".'
_FINAL_ZH = "最后一行写成“答案：……”的形式。"

LIBRARY: dict[str, Template] = {
    t.id: t
    for t in [
        Template(
            "textbook_en",
            "en",
            "Rewrite the following web page as a section of a mathematics textbook. Explain the ideas in order, define "
            "every term before using it, work through the examples step by step, and keep all formulas in LaTeX. "
            "Leave out everything that is not mathematics, such as navigation, advertisements and comments.\n\n"
            "Web page:\n{{text}}\n\nTextbook section:\n",
        ),
        Template(
            "textbook_zh",
            "zh",
            "请把下面的网页改写成一本数学教科书中的一节。按顺序讲解其中的概念，每个术语在使用前先给出定义，例题要逐步求解，"
            "所有公式都用 LaTeX 书写。删去与数学无关的内容，例如导航栏、广告和评论。请用中文写作。\n\n"
            "网页：\n{{text}}\n\n教科书章节：\n",
        ),
        Template(
            "new_problem_en",
            "en",
            "Here is an example of a math problem. Write one new problem of the same type and difficulty, with "
            f"different numbers and a different setting, then solve it step by step. {_FINAL_EN}\n\n"
            "Example problem:\n{{question}}\n\nNew problem:\n",
            final_answer=True,
        ),
        Template(
            "new_problem_zh",
            "zh",
            f"下面是一道数学题的例子。请编写一道类型和难度相同、但数字和情境不同的新题，然后逐步解答。{_FINAL_ZH}\n\n"
            "例题：\n{{question}}\n\n新题：\n",
            final_answer=True,
        ),
        Template(
            "solve_en",
            "en",
            f"Solve the following problem step by step, saying why each step is taken. {_FINAL_EN}\n\n"
            "Problem:\n{{question}}\n\nSolution:\n",
            final_answer=True,
            solves_seed=True,
        ),
        Template(
            "solve_zh",
            "zh",
            f"请逐步解答下面的题目，并说明每一步的理由。{_FINAL_ZH}\n\n"  # placeholders stay outside f-strings
            "题目：\n{{question}}\n\n解答：\n",
            final_answer=True,
            solves_seed=True,
        ),
        Template(
            "explain_solution_en",
            "en",
            "Below are a math problem and its solution. Explain the solution to a student: say why each step is "
            f"taken, fill in any steps that are skipped, and point out the key idea. {_FINAL_EN}\n\n"
            "Problem:\n{{question}}\n\nSolution:\n{{solution}}\n\nExplanation:\n",
            final_answer=True,
            solves_seed=True,
        ),
        Template(
            "explain_solution_zh",
            "zh",
            f"下面是一道数学题及其解答。请向学生讲解这个解答：说明每一步的理由，补全被省略的步骤，并指出关键思路。{_FINAL_ZH}\n\n"
            "题目：\n{{question}}\n\n解答：\n{{solution}}\n\n讲解：\n",
            final_answer=True,
            solves_seed=True,
        ),
        Template(
            "translate_en_zh",
            "zh",
            "Translate the following mathematical text from English into Chinese. Keep every formula, number and "
            "variable name exactly as it is, and use standard Chinese mathematical terms.\n\n"
            "English:\n{{text}}\n\nChinese:\n",
        ),
        Template(
            "translate_zh_en",
            "en",
            "Translate the following mathematical text from Chinese into English. Keep every formula, number and "
            "variable name exactly as it is, and use standard English mathematical terms.\n\n"
            "Chinese:\n{{text}}\n\nEnglish:\n",
        ),
    ]
}


def custom_template(c: "CustomTemplate") -> Template:
    return Template(c.id, c.language, c.prompt, c.final_answer, c.solves_seed)


def check_template_ids(ids: list[str], customs: list["CustomTemplate"]) -> None:
    """At run start (and --dry-run): every template id is known, custom ids are unique and do not shadow the library's."""
    custom_ids = [c.id for c in customs]
    clash = sorted({i for i in custom_ids if i in LIBRARY or custom_ids.count(i) > 1})
    if clash:
        raise ValueError(f"custom_templates: ids must be unique and differ from the library's: {clash}")
    for c in customs:
        if not custom_template(c).fields:
            raise ValueError(
                f"custom_templates: custom template {c.id!r} uses no seed field: put e.g. {{{{text}}}} or {{{{question}}}} in its prompt"
            )
    unknown = [i for i in ids if i not in LIBRARY and i not in custom_ids]
    if unknown:
        raise ValueError(
            f"templates: unknown template(s) {unknown}; the library has {', '.join(LIBRARY)}"
            + (f"; custom_templates define {', '.join(custom_ids)}" if custom_ids else "")
        )
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise ValueError(f"templates: listed twice: {dup}")


def resolve_templates(synthesis: "SynthesisConfig") -> list[Template]:
    customs = {c.id: custom_template(c) for c in synthesis.custom_templates}
    return [customs.get(i) or LIBRARY[i] for i in synthesis.templates]


def seed_fields(synthesis: "SynthesisConfig", sources: dict[str, "SourceConfig"]) -> tuple[tuple[str, ...], str]:
    """The fields every seed record has, and a description of the seeds for messages."""
    seeds = synthesis.seeds
    if seeds.source is None:
        return (QA_FIELDS if seeds.format == "qa_jsonl" else TEXT_FIELDS), f"{seeds.path} (format {seeds.format})"
    src = sources[seeds.source]
    return (QA_FIELDS if src.format == "qa_jsonl" else TEXT_FIELDS), f"source {src.name!r} (format {src.format})"


def check_seed_fields(where: str, synthesis: "SynthesisConfig", sources: dict[str, "SourceConfig"]) -> None:
    """At run start (and --dry-run): the seed source exists and provides every field the templates use."""
    seeds = synthesis.seeds
    if seeds.source is not None:
        if seeds.source not in sources:
            raise ValueError(
                f"{where}.seeds.source: no source named {seeds.source!r} in this recipe (sources: {', '.join(sources)})"
            )
        if sources[seeds.source].synthesis is not None:
            raise ValueError(
                f"{where}.seeds.source: {seeds.source!r} is itself synthesized; seed from the source "
                "it generates from instead"
            )
    provided, described = seed_fields(synthesis, sources)
    for t in resolve_templates(synthesis):
        missing = [f for f in t.fields if f not in provided]
        if missing:
            raise ValueError(
                f"{where}.templates: template {t.id!r} needs field {missing[0]!r}, which seeds from "
                f"{described} do not provide (they provide: {', '.join(provided)})"
            )
