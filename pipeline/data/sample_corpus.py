"""Deterministic generator of a small sample math corpus (for the demo and the tests).

The generator lives in the ``pipeline.data.sample`` package (its docstring describes the files and the
ground-truth labels); this module is the public entry point and the command line:

    python -m pipeline.data.sample_corpus OUT_DIR [--seed N] [--scale X]
"""

from __future__ import annotations

import sys

from pipeline.data.sample.corpus import DEFAULT_COUNTS, SOURCE_FILES, build_sample_corpus, generate_sample_corpus, main

__all__ = ["generate_sample_corpus", "build_sample_corpus", "DEFAULT_COUNTS", "SOURCE_FILES"]

if __name__ == "__main__":
    sys.exit(main())
