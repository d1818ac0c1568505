"""Post-filters for synthetic text: drop empty, prompt-echo, repetitive, truncated and wrong-answer outputs.

    mathcpt data RECIPE.yaml --out RUN                  # the first filter of the filter pass, for generated documents
    python tests/benchmarks/bench_synthesis.py          # catch rates on planted bad outputs, false drops on good ones

Checks, in order (the first that fires is the reason, as `metadata.filter_reason` in `dropped/synthesis/`):

1. `empty` — fewer than `min_chars` non-space characters. (Blank outputs never get here: the recipe's reader
   skips blank documents as `skipped_empty/<source>`; the synthesis report counts both as empty.)
2. `prompt_echo` — the output repeats its prompt: at least `max_prompt_overlap` of its token 8-grams occur in the
   prompt, or it opens with the template's own instruction. Measured by the synthesis pass, which has the prompt
   (`synthesis.prompt_overlap`, `synthesis.instruction_echo` in the provenance), and judged here.
3. `repetitive` — a decoding loop: more than `max_repeated_ngram_fraction` of the token 8-grams are repeats, or an
   output of 200+ characters compresses better than `max_compression_ratio` with zlib. 8-grams, not shorter: a
   derivation legitimately repeats short spans (`\\frac{\\cos x}{\\sin x}` down an align chain: up to 41% of MATH-500
   solutions' 4-grams repeat, at most 27% of their 8-grams), a loop repeats long ones.
4. `truncated_no_final_answer` — a template that ends with a final answer (solutions, new problems) and no
   explicit final answer (boxed, "Final answer:", "答案：") in the output: it was cut off or rambled.
   `truncated_at_token_limit` — prose templates (rewrites, translations) that ran into `max_new_tokens`.
5. `answer_mismatch` — a template that answers the seed's own question (`solves_seed`), a seed with a gold answer,
   and a final answer that does not verify against it (pipeline.shared.grading: numbers, normalised strings,
   math-verify). Kept outputs get `synthesis.answer_verified: true`.

Tokens are the decontamination tokens (pipeline.data.decontaminate.tokenize): LaTeX commands, single CJK
characters, words and numbers, case-folded, so the checks work for Chinese outputs too.
"""

from __future__ import annotations

import re
import zlib

from datatrove.data import Document
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter

from pipeline.config.synthesis import SynthesisPostFilters
from pipeline.data.decontaminate import tokenize
from pipeline.shared.answers import explicit_answer
from pipeline.shared.grading import answers_match

ECHO_N = 8
REPEAT_N = 8
COMPRESSION_MIN_CHARS = 200
REASONS = (
    "empty",
    "prompt_echo",
    "repetitive",
    "truncated_no_final_answer",
    "truncated_at_token_limit",
    "answer_mismatch",
)


def _grams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def echo_measures(output: str, prompt: str, instruction: str) -> dict:
    """How much of the output its prompt already holds: share of output 8-grams found in the prompt, and whether the
    output opens with the template's instruction. Outputs shorter than 8 tokens count whole (3 tokens at least)."""
    out = tokenize(output)
    n = min(ECHO_N, len(out))
    if n < 3:
        return {"prompt_overlap": 0.0, "instruction_echo": False}
    grams = _grams(out, n)
    in_prompt = set(_grams(tokenize(prompt), n))
    overlap = sum(g in in_prompt for g in grams) / len(grams)
    opening = grams[0] in set(_grams(tokenize(instruction), n))
    return {"prompt_overlap": round(overlap, 4), "instruction_echo": opening}


def repeated_ngram_fraction(tokens: list[str], n: int = REPEAT_N) -> float:
    grams = _grams(tokens, n)
    return 1 - len(set(grams)) / len(grams) if len(grams) >= n else 0.0


def compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw, 6))


def answer_type(gold: str, choices: str) -> str:
    return "choice" if choices and re.fullmatch(r"\(?[A-J]\)?", gold.strip()) else "latex"


def drop_reason(text: str, syn: dict, cfg: SynthesisPostFilters) -> str | None:
    """The first check an output fails (see the module docstring), or None; records `answer_verified` in syn."""
    if len(re.sub(r"\s", "", text)) < cfg.min_chars:
        return "empty"
    if syn.get("prompt_overlap", 0.0) >= cfg.max_prompt_overlap or syn.get("instruction_echo"):
        return "prompt_echo"
    if repeated_ngram_fraction(tokenize(text)) > cfg.max_repeated_ngram_fraction or (
        len(text) >= COMPRESSION_MIN_CHARS and compression_ratio(text) > cfg.max_compression_ratio
    ):
        return "repetitive"
    final = explicit_answer(text)
    if syn.get("final_answer"):
        if cfg.require_final_answer and final is None:
            return "truncated_no_final_answer"
    elif cfg.drop_unfinished and syn.get("finished") is False:
        return "truncated_at_token_limit"
    gold = syn.get("gold_answer")
    if cfg.check_answers and syn.get("solves_seed") and gold:
        syn["answer_verified"] = answers_match(final, gold, syn.get("answer_type") or "latex")
        if not syn["answer_verified"]:
            return "answer_mismatch"
    return None


class SyntheticPostFilter(BaseFilter):
    """datatrove filter over generated documents (`metadata.synthesis` present) of the sources in `settings`;
    every other document passes untouched."""

    name = "🧪 synthetic post-filter"

    def __init__(self, settings: dict[str, SynthesisPostFilters], exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer=exclusion_writer)
        self.settings = settings

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        syn = doc.metadata.get("synthesis")
        cfg = self.settings.get(doc.metadata.get("source"))
        if not isinstance(syn, dict) or cfg is None:
            return True
        reason = drop_reason(doc.text, syn, cfg)
        return True if reason is None else (False, reason)
