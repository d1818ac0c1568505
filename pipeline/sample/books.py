"""The books source: Markdown chapters assembled from the topics of one area, with theorems and exercises."""

from __future__ import annotations

import random

from pipeline.sample.document import Builder, iter_math
from pipeline.sample.markdown import render_markdown
from pipeline.sample.planting import make_near_duplicate, pick_originals
from pipeline.sample.text import lower_title, pick, unique_in_order, word_count
from pipeline.sample.topics.catalog import AREAS, TOPICS_BY_AREA

_BOOK_TITLES = {
    "algebra": ["Foundations of Algebra", "Algebra for the Curious", "Equations and Their Solutions"],
    "calculus": ["A First Course in Calculus", "Calculus Through Examples", "Change and Accumulation"],
    "number theory": ["Elementary Number Theory", "The Integers and Their Secrets", "Primes, Divisors and Congruences"],
    "probability": ["Introduction to Probability", "Chance and Expectation", "Probability with Worked Problems"],
    "geometry": ["Plane Geometry Revisited", "Shapes, Areas and Angles", "Coordinate Geometry"],
    "linear algebra": ["Linear Algebra Essentials", "Matrices and Linear Maps", "Vectors, Matrices and Eigenvalues"],
}
_AREA_THEOREMS = {
    "algebra": [
        (
            "Proposition",
            "Remainder theorem",
            r"The remainder of a polynomial $p(x)$ upon division by $x - a$ is $p(a)$.",
            r"Polynomial division gives $p(x) = (x - a)q(x) + r$ with a constant $r$; setting $x = a$ yields $r = p(a)$.",
        ),
        (
            "Theorem",
            "AM-GM inequality for two numbers",
            r"For $a, b \geq 0$ we have $\frac{a + b}{2} \geq \sqrt{ab}$, with equality exactly when $a = b$.",
            r"Expand $(\sqrt{a} - \sqrt{b})^2 \geq 0$ to get $a + b - 2\sqrt{ab} \geq 0$; equality holds if and only if $\sqrt{a} = \sqrt{b}$.",
        ),
    ],
    "calculus": [
        (
            "Theorem",
            "Mean value theorem",
            r"If $f$ is continuous on $[a, b]$ and differentiable on $(a, b)$, there is $c \in (a, b)$ with $f'(c) = \frac{f(b) - f(a)}{b - a}$.",
            r"Apply Rolle's theorem to $g(x) = f(x) - \frac{f(b) - f(a)}{b - a}(x - a)$, which satisfies $g(a) = g(b)$.",
        ),
        (
            "Proposition",
            "Derivative of the exponential",
            r"The function $e^x$ is its own derivative: $\frac{d}{dx} e^x = e^x$.",
            r"By definition $\frac{e^{x + h} - e^x}{h} = e^x \frac{e^h - 1}{h}$, and $\frac{e^h - 1}{h} \to 1$ as $h \to 0$.",
        ),
    ],
    "number theory": [
        (
            "Theorem",
            "Euclid",
            "There are infinitely many prime numbers.",
            r"Given finitely many primes $p_1, \dots, p_k$, the number $N = p_1 p_2 \cdots p_k + 1$ leaves remainder $1$ when divided by each $p_i$, so any prime factor of $N$ is a new prime.",
        ),
        (
            "Lemma",
            "Euclid's lemma",
            r"If a prime $p$ divides $ab$, then $p \mid a$ or $p \mid b$.",
            r"If $p \nmid a$ then $\gcd(p, a) = 1$, so $px + ay = 1$ for some integers $x, y$. Multiplying by $b$ gives $pbx + aby = b$, and $p$ divides the left-hand side.",
        ),
    ],
    "probability": [
        (
            "Proposition",
            "Complement rule",
            r"For every event $A$, $P(A^c) = 1 - P(A)$.",
            r"The events $A$ and $A^c$ are disjoint with union $\Omega$, so additivity gives $P(A) + P(A^c) = P(\Omega) = 1$.",
        ),
        (
            "Theorem",
            "Law of total probability",
            r"If $B_1, \dots, B_n$ partition $\Omega$ and $P(B_i) > 0$, then $P(A) = \sum_{i=1}^{n} P(A \mid B_i) P(B_i)$.",
            r"The events $A \cap B_i$ are disjoint with union $A$, and $P(A \cap B_i) = P(A \mid B_i)P(B_i)$ by definition.",
        ),
    ],
    "geometry": [
        (
            "Theorem",
            "Angle sum of a triangle",
            r"The interior angles of every triangle add up to $180^\circ$.",
            "Draw the line through one vertex parallel to the opposite side. The two alternate angles it forms equal the other two angles of the triangle, and together with the angle at the vertex they make a straight angle.",
        ),
        (
            "Proposition",
            "Thales",
            "An angle inscribed in a semicircle is a right angle.",
            r"Join the vertex to the center. This splits the triangle into two isosceles triangles, whose base angles $\alpha$ and $\beta$ satisfy $2\alpha + 2\beta = 180^\circ$, hence $\alpha + \beta = 90^\circ$.",
        ),
    ],
    "linear algebra": [
        (
            "Theorem",
            "Invertibility",
            r"A square matrix $A$ is invertible if and only if $\det A \neq 0$.",
            r"If $AB = I$ then $\det A \det B = 1$, so $\det A \neq 0$. Conversely, the adjugate formula $A^{-1} = \frac{1}{\det A}\operatorname{adj}(A)$ gives an inverse whenever $\det A \neq 0$.",
        ),
        (
            "Proposition",
            "Independence of eigenvectors",
            "Eigenvectors belonging to distinct eigenvalues are linearly independent.",
            r"If $c_1 v_1 + c_2 v_2 = 0$ with $Av_i = \lambda_i v_i$, applying $A - \lambda_2 I$ gives $c_1(\lambda_1 - \lambda_2)v_1 = 0$, so $c_1 = 0$ and then $c_2 = 0$.",
        ),
    ],
}


def _book_intro(rng: random.Random, area: str, titles: list[str], chapter: int) -> str:
    S = lambda *o: pick(rng, *o)  # noqa: E731
    listed = (
        ", ".join(lower_title(t) for t in titles[:-1]) + (" and " if len(titles) > 1 else "") + lower_title(titles[-1])
    )
    return " ".join(
        [
            S(
                f"In this chapter we study {listed}.",
                f"This chapter is devoted to {listed}.",
                f"Chapter {chapter} brings together three threads of {area}: {listed}."
                if len(titles) == 3
                else f"The present chapter treats {listed}.",
                f"We now turn to {listed}, topics that every student of {area} should know well.",
            ),
            S(
                f"The material builds on Chapter {chapter - 1}, but the main results can be read independently."
                if chapter > 1
                else "No previous chapters are needed.",
                "Each section states the central facts, proves the most important of them, and illustrates them with computations.",
                "As before, theorems are numbered within the chapter and exercises appear at the end.",
                "Readers in a hurry may skim the proofs on a first reading and return to them later.",
            ),
        ]
    )


def _gen_book_chapter(rng: random.Random, area: str) -> dict:
    chapter = rng.randint(2, 14)
    fns = list(TOPICS_BY_AREA[area])
    rng.shuffle(fns)
    chosen: list[dict] = []
    blocks: list[tuple] = []
    for fn in fns:
        topic = fn(rng)
        sec: list[tuple] = []
        n_sec = len(topic["sections"]) if len(chosen) < 2 else rng.randint(1, 2)
        for heading, bl in topic["sections"][:n_sec]:
            sec.append(
                ("h2", f"{heading[0].upper()}{heading[1:]}" if len(chosen) == 0 else f"{topic['title']}: {heading}")
            )
            sec.extend(bl)
        if chosen and word_count(render_markdown(blocks + sec)) > 820:
            break
        chosen.append(topic)
        blocks.extend(sec)
        if word_count(render_markdown(blocks)) > 560 and len(chosen) >= 2:
            break
    kind, name, statement, proof = rng.choice(_AREA_THEOREMS[area])
    extra = Builder()
    extra.h(pick(rng, "A further result", "Complements", "An additional theorem", "One more fact"))
    extra.thm(kind, name, statement, proof)
    insert_at = rng.randint(1, max(1, len(blocks) - 1))
    while insert_at < len(blocks) and blocks[insert_at][0] != "h2":
        insert_at += 1
    blocks[insert_at:insert_at] = extra.blocks
    intro = Builder().p(_book_intro(rng, area, [t["title"] for t in chosen], chapter)).blocks
    ex = Builder()
    ex.h("Exercises")
    ex.ul([e for t in chosen for e in t["exercises"][:2]], ordered=True)
    title = f"Chapter {chapter}: {chosen[0]['title']}"
    return {
        "title": title,
        "blocks": intro + blocks + ex.blocks,
        "area": area,
        "chapter": chapter,
        "book": rng.choice(_BOOK_TITLES[area]),
    }


def _book_text(doc: dict) -> str:
    return render_markdown(doc["blocks"], doc["title"], thm_prefix=f"{doc['chapter']}.")


def gen_books(rng: random.Random, n: dict[str, int]) -> list[dict]:
    """Unshuffled book-chapter records: clean chapters, then exact and near duplicates."""
    records, docs = [], []
    areas = list(AREAS)
    for j in range(n["clean"]):
        if j % len(areas) == 0:
            rng.shuffle(areas)
        doc = _gen_book_chapter(rng, areas[j % len(areas)])
        docs.append(doc)
        formulas = unique_in_order(latex for latex, _ in iter_math(doc["blocks"]))
        records.append(
            {
                "key": f"ch{j}",
                "text": _book_text(doc),
                "metadata": {
                    "title": doc["book"],
                    "chapter": doc["chapter"],
                    "truth": {"label": "clean", "formulas": formulas, "area": doc["area"]},
                },
            }
        )
    pairs = list(zip(records, docs))
    near = pick_originals(rng, pairs, n["near_dup"], [])
    exact = pick_originals(rng, pairs, n["exact_dup"], near)
    for j, (rec, _doc) in enumerate(exact):
        truth = {**rec["metadata"]["truth"], "label": "exact_dup", "dup_of": rec["key"]}
        records.append({"key": f"chexact{j}", "text": rec["text"], "metadata": {**rec["metadata"], "truth": truth}})
    for j, (rec, doc) in enumerate(near):
        new_doc, info = make_near_duplicate(rng, doc)
        truth = {
            **rec["metadata"]["truth"],
            "label": "near_dup",
            "dup_of": rec["key"],
            "edit": info,
            "formulas": unique_in_order(latex for latex, _ in iter_math(new_doc["blocks"])),
        }
        records.append(
            {"key": f"chnear{j}", "text": _book_text(new_doc), "metadata": {**rec["metadata"], "truth": truth}}
        )
    return records
