"""`\\boxed{...}` extraction, shared by the registry (MATH solutions hold their answer there) and answer extraction."""

from __future__ import annotations


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
