"""Final-answer extraction from chain-of-thought responses, by the task's answer type.

    mathcpt grade predictions.jsonl -o graded.jsonl          # lines may carry "answer_type": number|latex|choice

Every type looks first for an explicit final answer and only then guesses:

* `latex`  — the final `\\boxed{...}` (nested braces balanced; `\\fbox` too), else the last "The final answer is X" /
  "The answer is X" / "Final answer: X" / "Answer: X" (at a line start) / "答案是 X" / "答案为 X" that states
  something, else the whole response when it is one bare expression (`\\frac{10}{9}`, `(9+1)`), else the last
  `$...$` of the last line, else the last number;
* `number` — the same explicit forms and bare expression, else the last number in the text (GSM8K, CMATH, SVAMP);
* `choice` — a boxed letter, "answer is (B)" / "答案是 B" / "选 B", else the last standalone letter among the
  choices (`(C)`, `C.`, `C)`).

The last explicit answer wins because base models often restate: "Final Answer: The final answer is X" holds two.
An answer in several boxes is one answer: boxes that follow each other with only connectors between them (`x =
\\boxed{1}$ or $x = \\boxed{2}`, "(a) \\boxed{3} (b) \\boxed{4}") are the final group, and so is the last box of each
labelled part ("Part (a)" ... "Part (b)" ...) when every part has one; the group comes back joined by ", ", which the
grader compares part by part (`pipeline/shared/answer_sets.py`). A phrase whose answer is a sentence with the value
at its end ("Final Answer: The volume of the box is 120.") gives the value; an empty one ("The answer is .") gives
way to the phrase before it and then to the guesses.
"""

from __future__ import annotations

import re

ANSWER_PHRASE = re.compile(
    r"the final answer is|the answer is|final answer\**\s*[:：]|^[ \t*#]*answer\**[ \t]*[:：]"
    r"|答案是|答案为|答案:|答案：|故选|所以选",
    re.I | re.M,
)
ANSWER_TEXT = re.compile(r"[\s*]*[:：]?[\s*]*(.+?)(?:\.\s|\.$|。|\n|$)")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")
# An escaped dollar inside is part of the formula (`$\$10,455$`), and one never opens a formula: a `$` that cannot
# close leaves only escaped ones after it, so the engine no longer retries from each of them (a line of `\$ \$ …`
# took a minute: tests/fuzz/test_fuzz_answers.py).
INLINE_MATH = re.compile(r"(?<!\\)\$((?:\\.|[^$\\])+)\$")
LETTERS = "ABCDEFGH"
BOX_START = re.compile(r"\\(?:boxed|fbox)\s*\{")
BRACE = re.compile(r"[{}]")
EMPTY = re.compile(r"\s*(?:\\(?:boxed|fbox)\s*\{\s*\}\s*)?")  # states nothing: "", "\boxed{}"

# What may stand between two boxes of one answer: spacing, math delimiters, punctuation, "and"/"or", a part label
# ("(b)", "Part b:", "(ii) area:") and the variable being assigned ("x =", "y_2 =", "\theta ="). Anything else
# (a word such as "Thus", a computation) means the earlier box was an intermediate result.
_PART_LABEL = r"(?i:part\s*)?\(?(?:[a-h]|i{1,3}|iv|vi{0,3}|\d)\)"
_BOX_GAP = re.compile(
    r"(?:\s|\$|\\[()\[\]]|\\q?quad(?![A-Za-z])|\\\\|\\[,;:! ]|[,;.&*:~]|(?i:and|or)(?![A-Za-z])|\n[ \t]*[-•](?=[ \t])"
    r"|\\(?:text|mbox|textbf|mathrm|textrm)\{\s*(?i:and|or)?\s*[,;.]?\s*\}"
    rf"|{_PART_LABEL}(?:[ \t]*[A-Za-z]+(?:[ \t]+[A-Za-z]+)?[ \t]*:)?"
    r"|(?i:part)[ \t]*(?:[a-h]|\d|i{1,3}|iv)(?![A-Za-z])"
    r"|(?:[A-Za-z]|\\[A-Za-z]+)(?:_\{?\w+\}?)?'?\s*=)*"
)
# A labelled part that starts a line: "(a)", "b)", "**Part (b)**", "### Part 2". Lower-case letters only: upper-case
# "(A)" lines are usually the choices of the question restated.
_PART_HEADER = re.compile(
    r"^[ \t]*(?:#+[ \t]*|\*\*)?(?:(?:[Pp]art[ \t]*)?\(?([a-h]|i{1,3}|iv)\)|[Pp]art[ \t]+\(?([a-h]|[1-9]|i{1,3}|iv)\)?)"
    r"(?=[\s:.*])",
    re.M,
)
_PART_SEQUENCES = ("abcdefgh", ("i", "ii", "iii", "iv"), "123456789")

# Words that may appear in a bare math expression: function names, connectors of a list of solutions.
MATH_WORDS = frozenset(
    "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh log ln exp lim max min gcd lcm mod det deg pi sqrt "
    "inf infty or and".split()
)
_TEXT_COMMAND = re.compile(r"\\(?:text|mbox|mathrm|textrm|textbf|operatorname|rm)\s*\{[^{}]*\}")
_DELIMITED = re.compile(r"^(?:\$\$(.*)\$\$|\$(.*)\$|\\\[(.*)\\\]|\\\((.*)\\\))$", re.S)
# "The volume of the box is 120", "Sarah has 15 marbles": a noun phrase (words, or a short formula like `$x$`), then a
# linking word or a verb of quantity.
_NP = re.compile(r"(?:[A-Za-z][A-Za-z'’-]*|\$[^$]{1,30}\$)(?:,?[ \t]+(?:[A-Za-z][A-Za-z'’-]*|\$[^$]{1,30}\$)){0,11}")
_VERB = (
    r"is|are|was|were|equals|equal to|would be|will be|becomes|be|comes to|totals|totaled|has|have|had|needs|gets"
    r"|got|earns|earned|spends|spent|pays|paid|costs?|weighs|makes|made|takes|took|holds|contains|scored|sold|bought"
    r"|saved"
)
_LINK = re.compile(rf"(?<=[ \t])(?:{_VERB}|by|of)(?=[ \t])|[:,](?=[ \t])")  # spaces unconsumed: links may abut
# "by"/"of" link only a phrase without a verb ("it increases by 100%", "a total of 45"): after one, the value is
# an operand ("the remainder when $x$ is divided by 1000").
_HAS_VERB = re.compile(rf"[ \t](?:{_VERB})[ \t]")
_UNIT_TAIL = re.compile(r"(?<=[\d}%])(?:[ \t]+[A-Za-z]{2,}){1,3}$")


def _closing_braces(text: str) -> dict[int, int]:
    """Position of each `{` → position of the `}` that closes it (unclosed ones are absent), in one pass."""
    closes, stack = {}, []
    for m in BRACE.finditer(text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            closes[stack.pop()] = m.start()
    return closes


def _box_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of every `\\boxed{...}` / `\\fbox{...}` in order (a box inside a box counts once, as the
    outer); empty when the last one is unclosed: a response cut off inside its final box has no final box.

    Braces are matched once for the whole text, and `\\boxed{\\boxed{5}}` is unwrapped in a loop: matching per box
    and unwrapping by recursion took a minute, then overflowed the stack, on 10,000 nested boxes
    (tests/fuzz/test_fuzz_answers.py)."""
    if not BOX_START.search(text):
        return []
    closes, out, pos = _closing_braces(text), [], 0
    while m := BOX_START.search(text, pos):
        j = closes.get(m.end() - 1)
        if j is None:
            return []
        a, b = m.end(), j  # the content is text[a:b]
        while True:  # \boxed{\boxed{5}}: one box
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            inner = BOX_START.match(text, a)
            if inner is None or closes.get(inner.end() - 1) != b - 1:
                break
            a, b = inner.end(), b - 1
        out.append((m.start(), j + 1, text[a:b]))
        pos = j + 1
    return out


def final_boxes(text: str) -> list[str]:
    """The boxes that together state the final answer (see the module docstring); [] when there is none."""
    spans = _box_spans(text)
    if not spans or not spans[-1][2]:
        return []
    group = [spans[-1]]
    for span in reversed(spans[:-1]):
        gap = text[span[1] : group[0][0]]
        if len(gap) > 80 or not span[2] or not _BOX_GAP.fullmatch(gap):
            break
        group.insert(0, span)
    if len(group) == 1:
        per_part = _boxes_per_part(text, spans)
        if per_part:
            return per_part
    return [content for _, _, content in group]


def _boxes_per_part(text: str, spans: list[tuple[int, int, str]]) -> list[str] | None:
    """The last box of each labelled part, when the labels run in order from the first and every part has one."""
    headers = list(_PART_HEADER.finditer(text))
    if len(headers) < 2:
        return None
    labels = [(h.group(1) or h.group(2)).lower() for h in headers]
    if not any(list(seq[: len(labels)]) == labels for seq in _PART_SEQUENCES):
        return None
    ends = [h.start() for h in headers[1:]] + [len(text)]
    answers = []
    for header, end in zip(headers, ends):
        inside = [content for start, _, content in spans if header.end() <= start < end and content]
        if not inside:
            return None
        answers.append(inside[-1])
    return answers if spans[-1][0] >= headers[-1].end() else None


def is_expression(text: str, allow_units: bool = False) -> bool:
    """Whether text is one math expression and no prose: letters only as LaTeX commands, `\\text{}` units,
    one-letter variables or function names (with `allow_units`, up to three unit words at the end: "45 apples")."""
    t = text.strip().rstrip(".").strip()
    if not t or len(t) > 200 or "\n" in t or re.search(r"[\u3000-\u9fff]", t):
        return False
    if allow_units:
        t = _UNIT_TAIL.sub("", t)
    if re.search(r"\d\s+\d", t) or "?" in t:
        return False  # "3 4" is two numbers, not one expression
    t = _TEXT_COMMAND.sub(" ", t.replace("$", " "))
    t = re.sub(r"\\[A-Za-z]+", " ", t)
    words = [w for w in re.findall(r"[A-Za-z]{2,}", t) if w.lower() not in MATH_WORDS]
    return not words and bool(re.search(r"[0-9A-Za-z]", t))


def bare_expression(response: str) -> str | None:
    """The whole response when, delimiters and a final period aside, it is a single math expression."""
    t = response.strip().rstrip(".").strip()
    if m := _DELIMITED.match(t):
        t = next(g for g in m.groups() if g is not None).strip().rstrip(".").strip()
    if "$" in t or not is_expression(t, allow_units=True):
        return None
    return t


def noun_phrase_value(text: str) -> str | None:
    """ "The volume of the box is 120" → "120": the value after the first linking word that follows a plain noun
    phrase and leaves nothing but a value (a number with its unit, or one math expression)."""
    for link in _LINK.finditer(text):
        value, prefix = text[link.end() :].strip().rstrip(".").strip(), text[: link.start()].strip()
        if link.group().strip() in ("by", "of") and _HAS_VERB.search(f" {prefix} "):
            continue
        if _NP.fullmatch(prefix) and is_expression(value, allow_units=True):
            return re.sub(r"(?<!\\)\$", "", value).strip()
    return None


def _phrase_value(rest: str) -> str | None:
    # "$...$" answers may hold periods ("$3.5$"): take the whole formula when the answer starts with one; a display
    # formula may start on the lines below the phrase ("so the answer is\n\n$$\frac{51}{435}$$").
    m = (
        re.match(r"[\s*]*[:：]?\s*(?:\$\$(.+?)\$\$|\\\[(.+?)\\\])", rest, re.S)
        or re.match(r"[\s*]*[:：]?[\s*]*" + INLINE_MATH.pattern, rest)
        or ANSWER_TEXT.match(rest)
    )
    if not m:
        return None
    value = next(g for g in m.groups() if g is not None).strip().rstrip(".。").strip("$* ")
    value = "" if EMPTY.fullmatch(value) else value
    if value and not is_expression(value, allow_units=True):
        value = noun_phrase_value(value) or value
    return value or None


def _explicit(response: str) -> str | None:
    group = final_boxes(response)
    if group:
        return ", ".join(group)
    end = len(response)
    for phrase in reversed(list(ANSWER_PHRASE.finditer(response))):
        # Each phrase's answer ends where the next phrase starts: "Final Answer: The final answer is ." is empty.
        value = _phrase_value(response[phrase.end() : end])
        if value:  # "The answer is ." states nothing: the phrase before it, then the guesses, decide
            return value
        end = phrase.start()
    return None


def explicit_answer(response: str) -> str | None:
    """The answer a response states explicitly (boxed, or after "final answer" / "答案是" phrases), never a guess:
    what synthetic-data post-filters use to tell a finished solution from one cut off before its answer."""
    return _explicit(response)


def extract_answer(response: str, answer_type: str = "number", num_choices: int = 4) -> str | None:
    if answer_type == "choice":
        return extract_choice(response, num_choices)
    explicit = _explicit(response)
    if explicit is not None:
        return explicit
    bare = bare_expression(response)
    if bare is not None:
        return bare
    if answer_type == "latex":
        lines = [ln for ln in response.strip().splitlines() if ln.strip()]
        maths = [m for m in INLINE_MATH.findall(lines[-1]) if not EMPTY.fullmatch(m)] if lines else []
        if maths:
            return maths[-1].strip()
    numbers = NUMBER.findall(response)
    return numbers[-1].rstrip(".") if numbers else None


def gold_answer(gold: str) -> str:
    """The answer a gold field states: itself, or the final answer of a worked solution given as the gold (its final
    boxes, or its explicit answer phrase when the gold is prose)."""
    if BOX_START.search(gold):
        group = final_boxes(gold)
        return ", ".join(group) if group else gold
    if len(re.findall(r"[A-Za-z]{3,}", _TEXT_COMMAND.sub(" ", gold))) >= 6 and ANSWER_PHRASE.search(gold):
        return _explicit(gold) or gold
    return gold


def extract_choice(response: str, num_choices: int = 4) -> str | None:
    letters = LETTERS[: max(1, min(num_choices, len(LETTERS)))]  # an empty class would read as a literal `]`
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
