"""The code source: Python and Lean 4 files assembled from snippets, with exact duplicates under vendored paths."""

from __future__ import annotations

import random

from pipeline.sample.planting import pick_originals
from pipeline.sample.snippets import LEAN_SNIPPETS, PY_SNIPPETS
from pipeline.sample.text import pick, slug

_PY_MODULES = ["cas_tools", "coursework", "examples", "helpers", "symbolic", "exercises", "lecture_code", "checks"]
_LEAN_NAMESPACES = ["Sample", "Exercises", "Demo", "Lecture", "Worksheet", "Practice", "Notes", "Basics"]
_LEAN_FILES = [
    "Algebra",
    "NatArith",
    "Identities",
    "Divisibility",
    "Recursion",
    "Inequalities",
    "Linear",
    "Parity",
    "Structures",
    "Sums",
    "Gcd",
    "Examples",
]
_LEAN_SUFFIX = ["", "Basic", "Lemmas", "Exercises", "Extra", "Part2", "Misc"]


def _choose_sets(rng: random.Random, n_items: int, k: int, n_sets: int) -> list[list[int]]:
    """n_sets random k-subsets of range(n_items), any two sharing at most one element where possible."""
    sets: list[list[int]] = []
    for _ in range(n_sets):
        best = None
        for _attempt in range(200):
            cand = sorted(rng.sample(range(n_items), k))
            worst = max((len(set(cand) & set(s)) for s in sets), default=0)
            if best is None or worst < best[0]:
                best = (worst, cand)
            if worst <= 1:
                break
        sets.append(best[1])
    return sets


def _python_file(rng: random.Random, idx: list[int]) -> tuple[str, str]:
    parts, mains, topics = [], [], []
    for i in idx:
        code, main, topic = PY_SNIPPETS[i](rng)
        parts.append(code)
        mains.append(main)
        topics.append(topic)
    header = pick(
        rng,
        "Small symbolic helpers",
        "Worked examples with sympy",
        "Exact computations for the exercises",
        "Utilities used in the lecture notes",
        "Checks for textbook answers",
    )
    doc = f'"""{header}: {", ".join(topics)}.\n\nEverything is computed exactly with sympy; run the module to print the examples.\n"""\n'
    imports = (
        "import sympy as sp\n" if rng.random() < 0.7 else "from __future__ import annotations\n\nimport sympy as sp\n"
    )
    body = "\n\n".join(parts)
    main = '\n\nif __name__ == "__main__":\n' + "".join(f"    {m}\n" for m in mains)
    return doc + "\n" + imports + "\n\n" + body + main, topics[0]


def _lean_file(rng: random.Random, idx: list[int]) -> str:
    ns = rng.choice(_LEAN_NAMESPACES)
    title = pick(
        rng,
        "Elementary facts checked in Lean",
        "Warm-up lemmas",
        "Small examples for the tutorial",
        "Exercises with automation",
        "Arithmetic facts",
    )
    blurb = pick(
        rng,
        "Most proofs are one tactic: `ring`, `omega`, `simp`, `norm_num`, `positivity` or `decide`.",
        "The goal is to show how far the standard automation goes on textbook statements.",
        "Each statement is small enough to be checked instantly.",
    )
    body = "\n".join(LEAN_SNIPPETS[i](rng) for i in idx)
    return f"import Mathlib.Tactic\n\n/-!\n# {title}\n\n{blurb}\n-/\n\nnamespace {ns}\n\n{body}\nend {ns}\n"


def gen_code(rng: random.Random, n: dict[str, int]) -> list[dict]:
    """Unshuffled code-file records: Python files, Lean files, then exact duplicates."""
    records: list[dict] = []
    paths: set[str] = set()

    def unique(path: str) -> str:
        base, k = path, 2
        while path in paths:
            stem, ext = base.rsplit(".", 1)
            path, k = f"{stem}_{k}.{ext}", k + 1
        paths.add(path)
        return path

    for j, idx in enumerate(_choose_sets(rng, len(PY_SNIPPETS), 3, n["python"])):
        text, topic = _python_file(rng, idx)
        path = unique(f"src/{rng.choice(_PY_MODULES)}/{slug(topic).replace('-', '_')}.py")
        records.append(
            {
                "key": f"py{j}",
                "text": text,
                "metadata": {"language": "python", "path": path, "truth": {"label": "clean", "formulas": []}},
            }
        )
    for j, idx in enumerate(_choose_sets(rng, len(LEAN_SNIPPETS), rng.choice([3, 4]), n["lean"])):
        text = _lean_file(rng, idx)
        path = unique(f"Mathlib/Sample/{rng.choice(_LEAN_FILES)}{rng.choice(_LEAN_SUFFIX)}.lean")
        records.append(
            {
                "key": f"lean{j}",
                "text": text,
                "metadata": {"language": "lean", "path": path, "truth": {"label": "clean", "formulas": []}},
            }
        )
    for lang, key, count in (("python", "py", n["python_exact_dup"]), ("lean", "lean", n["lean_exact_dup"])):
        originals = [r for r in records if r["key"].startswith(key) and r["metadata"]["truth"]["label"] == "clean"]
        for j, orig in enumerate(pick_originals(rng, originals, count, [])):
            stem, ext = orig["metadata"]["path"].rsplit(".", 1)
            path = unique(pick(rng, "vendor/", "third_party/", "copy/") + f"{stem}.{ext}")
            records.append(
                {
                    "key": f"{key}dup{j}",
                    "text": orig["text"],
                    "metadata": {
                        "language": lang,
                        "path": path,
                        "truth": {"label": "exact_dup", "formulas": [], "dup_of": orig["key"]},
                    },
                }
            )
    return records
