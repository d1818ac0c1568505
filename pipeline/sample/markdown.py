"""Markdown rendering of documents (books, synthetic records, and the plain view used for similarity checks)."""

from __future__ import annotations


def _md_segs(ss: list[tuple[str, str]]) -> str:
    return "".join(f"${v}$" if k == "m" else v for k, v in ss).strip()


def render_markdown(blocks: list[tuple], title: str | None = None, thm_prefix: str = "") -> str:
    """Markdown with $..$ / $$..$$ math; theorem-like blocks numbered as thm_prefix.k when a prefix is given."""
    out: list[str] = []
    if title:
        out.append(f"# {title}")
    k = 0
    for b in blocks:
        kind = b[0]
        if kind == "h2":
            out.append(f"## {b[1]}")
        elif kind == "h3":
            out.append(f"### {b[1]}")
        elif kind == "p":
            out.append(_md_segs(b[1]))
        elif kind == "D":
            out.append(f"$${b[1]}$$")
        elif kind in ("ul", "ol"):
            out.append(
                "\n".join((f"{i + 1}. " if kind == "ol" else "- ") + _md_segs(item) for i, item in enumerate(b[1]))
            )
        elif kind == "code":
            out.append("```python\n" + b[1].rstrip("\n") + "\n```")
        elif kind == "thm":
            k += 1
            label = f"{b[1]} {thm_prefix}{k}." if thm_prefix else f"{b[1]}."
            out.append(f"**{label}** ({b[2]}) {_md_segs(b[3])}")
        elif kind == "proof":
            out.append(f"*Proof.* {_md_segs(b[1])} ∎")
    return "\n\n".join(out) + "\n"


def plain_view(blocks: list[tuple], title: str = "") -> str:
    """The text a good extractor would produce (used for similarity checks)."""
    return render_markdown(blocks, title or None)
