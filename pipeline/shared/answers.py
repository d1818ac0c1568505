"""Final-answer extraction from chain-of-thought responses, by the task's answer type.

    mathcpt grade predictions.jsonl -o graded.jsonl          # lines may carry "answer_type": number|latex|choice

Every type looks first for an explicit final answer and only then guesses:

* `latex`  — the last `\\boxed{...}` (nested braces balanced; `\\fbox` too), else the last "The final answer is X" /
  "The answer is X" / "Final answer: X" / "答案是 X" / "答案为 X", else the last `$...$` of the last line, else the last
  number;
* `number` — the same explicit forms, else the last number in the text (GSM8K, CMATH, SVAMP, ASDiv);
* `choice` — a boxed letter, "answer is (B)" / "答案是 B" / "选 B", else the last standalone letter among the
  choices (`(C)`, `C.`, `C)`).

The last explicit answer wins because base models often restate: "Final Answer: The final answer is X" holds two.
"""

from __future__ import annotations

import re

ANSWER_PHRASE = re.compile(
    r"the final answer is|the answer is|final answer\s*:|答案是|答案为|答案:|答案：|故选|所以选", re.I
)
ANSWER_TEXT = re.compile(r"\s*[:：]?\s*(.+?)(?:\.\s|\.$|。|\n|$)")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")
INLINE_MATH = re.compile(r"\$([^$]+)\$")
LETTERS = "ABCDEFGH"


def _explicit(response: str) -> str | None:
    boxed = last_boxed(response)
    if boxed is not None and boxed.strip():
        return boxed.strip()
    phrases = list(ANSWER_PHRASE.finditer(response))
    if phrases:
        rest = response[phrases[-1].end() :]
        # "$...$" answers may hold periods ("$3.5$"): take the whole formula when the answer starts with one.
        m = re.match(r"\s*[:：]?\s*\$([^$]+)\$", rest) or ANSWER_TEXT.match(rest)
        if m and m.group(1).strip():
            return m.group(1).strip().rstrip(".。").strip("$ ")
    return None


def explicit_answer(response: str) -> str | None:
    """The answer a response states explicitly (boxed, or after "final answer" / "答案是" phrases), never a guess:
    what synthetic-data post-filters use to tell a finished solution from one cut off before its answer."""
    answer = _explicit(response)
    return answer if answer else None


def extract_answer(response: str, answer_type: str = "number", num_choices: int = 4) -> str | None:
    if answer_type == "choice":
        return extract_choice(response, num_choices)
    explicit = _explicit(response)
    if explicit is not None:
        return explicit
    if answer_type == "latex":
        lines = [ln for ln in response.strip().splitlines() if ln.strip()]
        maths = INLINE_MATH.findall(lines[-1]) if lines else []
        if maths:
            return maths[-1].strip()
    numbers = NUMBER.findall(response)
    return numbers[-1].rstrip(".") if numbers else None


def extract_choice(response: str, num_choices: int = 4) -> str | None:
    letters = LETTERS[:num_choices]
    boxed = last_boxed(response)
    if boxed and (m := re.fullmatch(rf"\s*\(?([{letters}])\)?\s*", boxed.replace("\\text{", "").rstrip("}"))):
        return m.group(1)
    # The phrase is case-insensitive, the letter is not: "the answer is a prime" names no choice.
    explicit = list(
        re.finditer(
            rf"(?:(?i:answer is|answer:)|答案是|答案为|答案：|答案:|选)\s*[:：]?\s*\(?\s*([{letters}])(?![A-Za-z])",
            response,
        )
    )
    if explicit:
        return explicit[-1].group(1)
    standalone = re.findall(rf"(?:^|[\s(（])([{letters}])(?=[)）.．:：,，\s]|$)", response)
    return standalone[-1] if standalone else None


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` with nested braces balanced; None when absent or unclosed."""
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    i, depth = start + len("\\boxed{"), 1
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j].strip()
    return None
