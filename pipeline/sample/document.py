"""The document model shared by every generator.

A document is {"title": str, "blocks": [...]}; blocks are tuples:
  ("h2", text) ("h3", text) ("p", segs) ("ul", [segs, ...]) ("ol", [segs, ...]) ("D", latex)
  ("code", source) ("thm", kind, name, segs) ("proof", segs)
and segs is a list of ("t", text) / ("m", latex).  Text is written with $...$ marking inline math.

A math topic (see make_topic) is a dict: area, title, sections [(heading, blocks)], summary [str],
exercises [str], code (a Python snippet).
"""

from __future__ import annotations

import random

from pipeline.sample.text import word_count


def segs(text: str) -> list[tuple[str, str]]:
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in template text: {text!r}")
    out: list[tuple[str, str]] = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(("m", part.strip()))
        elif part:
            out.append(("t", part))
    return out


class Builder:
    """Collects blocks; sentences passed to p() are joined with spaces."""

    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def h(self, text: str, level: int = 2) -> "Builder":
        self.blocks.append((f"h{level}", text))
        return self

    def p(self, *sentences: str) -> "Builder":
        text = " ".join(s for s in sentences if s)
        if text:
            self.blocks.append(("p", segs(text)))
        return self

    def d(self, latex: str) -> "Builder":
        self.blocks.append(("D", latex))
        return self

    def ul(self, items: list[str], ordered: bool = False) -> "Builder":
        self.blocks.append(("ol" if ordered else "ul", [segs(i) for i in items]))
        return self

    def code(self, source: str) -> "Builder":
        self.blocks.append(("code", source))
        return self

    def thm(self, kind: str, name: str, statement: str, proof: str | None = None) -> "Builder":
        self.blocks.append(("thm", kind, name, segs(statement)))
        if proof:
            self.blocks.append(("proof", segs(proof)))
        return self


def iter_math(blocks: list[tuple]):
    """(latex, display) for every formula, in document order."""
    for b in blocks:
        kind = b[0]
        if kind == "D":
            yield b[1], True
        elif kind in ("p", "proof"):
            for s in b[1]:
                if s[0] == "m":
                    yield s[1], False
        elif kind == "thm":
            for s in b[3]:
                if s[0] == "m":
                    yield s[1], False
        elif kind in ("ul", "ol"):
            for item in b[1]:
                for s in item:
                    if s[0] == "m":
                        yield s[1], False


def doc_words(blocks: list[tuple]) -> int:
    """Words of prose (formulas and code excluded)."""
    n = 0
    for b in blocks:
        kind = b[0]
        if kind in ("h2", "h3"):
            n += word_count(b[1])
        elif kind in ("p", "proof"):
            n += sum(word_count(s[1]) for s in b[1] if s[0] == "t")
        elif kind == "thm":
            n += sum(word_count(s[1]) for s in b[3] if s[0] == "t")
        elif kind in ("ul", "ol"):
            n += sum(word_count(s[1]) for item in b[1] for s in item if s[0] == "t")
    return n


def make_topic(area: str, title: str, sections: list, summary: list, exercises: list, code: str) -> dict:
    """A math topic dict (the format is described in the module docstring)."""
    return {
        "area": area,
        "title": title,
        "sections": sections,
        "summary": summary,
        "exercises": exercises,
        "code": code,
    }


def prose_doc(rng: random.Random, title: str, sections: list[tuple[str, list[str]]], byline: str) -> dict:
    """A math-free document from (heading, sentences) sections, some paragraphs split in two at random."""
    b = Builder()
    b.p(byline)
    for heading, sentences in sections:
        b.h(heading)
        sents = list(sentences)
        if len(sents) > 2 and rng.random() < 0.5:
            cut = rng.randint(1, len(sents) - 1)
            b.p(*sents[:cut])
            b.p(*sents[cut:])
        else:
            b.p(*sents)
    return {"title": title, "blocks": b.blocks}
