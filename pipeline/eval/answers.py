"""Final-answer extraction from chain-of-thought responses.

    mathcpt grade predictions.jsonl -o graded.jsonl

Order of preference, first match wins: the last `\\boxed{...}` (nested braces balanced), "The answer is X" /
"Final answer: X" / Chinese "答案是 X", then the last number in the text. The evaluation issue adds
multiple-choice letters and LaTeX-expression answers.
"""

from __future__ import annotations

import re

from pipeline.benchmarks.boxed import last_boxed

ANSWER_PHRASE = re.compile(r"the final answer is|the answer is|final answer:|答案是|答案为", re.I)
ANSWER_TEXT = re.compile(r"\s*[:：]?\s*(.+?)(?:\.\s|\.$|。|\n|$)")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")


def extract_answer(response: str) -> str | None:
    boxed = last_boxed(response)
    if boxed:
        return boxed
    # The last phrase wins ("Final Answer: The final answer is X" holds two).
    phrases = list(ANSWER_PHRASE.finditer(response))
    if phrases:
        m = ANSWER_TEXT.match(response, phrases[-1].end())
        if m and m.group(1).strip():
            return m.group(1).strip().rstrip(".").strip("$ ")
    numbers = NUMBER.findall(response)
    return numbers[-1] if numbers else None
