"""Deterministic generator of a small sample math corpus (for the demo and the tests).

Everything in the corpus is written by this package from hand-made templates and
seeded random choices; no external text is used.  The output mimics the five
kinds of sources the pipeline curates and plants known problems in it, each
record carrying the ground truth in ``metadata["truth"]``:

==========================  ================================================
file                        records
==========================  ================================================
``web/pages.jsonl``         raw HTML pages with boilerplate and math in five
                            markups (MathJax text, ``math/tex`` scripts, KaTeX,
                            bare MathML, LaTeX in image alt text)
``books/chapters.jsonl``    Markdown book chapters with theorems and proofs
``code/files.jsonl``        Python (sympy) and Lean 4 source files
``exams/problems.jsonl``    question / solution / answer records (no text)
``synthetic/qa.jsonl``      template "synthetic" tutorials and problem sets
==========================  ================================================

Truth labels: ``clean`` (keep), ``offtopic`` (no math), ``non_english``
(French, German or Spanish), ``exact_dup`` / ``near_dup`` (with ``dup_of``,
the id of the clean original, which always comes earlier in the file),
``contaminated`` (embeds a ``mini_gsm`` test question verbatim; with
``benchmark`` and ``benchmark_item``).  Math documents list in
``truth["formulas"]`` every LaTeX formula they contain (without delimiters);
web pages list the LaTeX a MathML converter should produce for bare MathML
formulas in ``truth["mathml_formulas"]``, and their markup styles in
``truth["math_styles"]``.  Near duplicates record their edit statistics in
``truth["edit"]`` (changed words, prose words, word 5-gram Jaccard similarity).

Distinct clean documents are kept far apart (word 5-gram Jaccard similarity well
below 0.5) while near duplicates stay above 0.85, so a MinHash near-dedup at a
threshold around 0.7 separates them.

The same ``seed`` always produces byte-identical files; ``scale`` multiplies
the record counts (every planted kind keeps at least one record).

The entry point is ``pipeline.sample`` (``python -m pipeline.sample OUT_DIR``).
"""
