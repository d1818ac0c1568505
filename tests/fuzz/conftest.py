"""Hypothesis profiles of the fuzz suite and its quiet logging.

    .venv/bin/python -m pytest tests/fuzz -q                                  # profile "ci": small, deterministic
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz -q                # profile "long": 1,000 per test
    MATHCPT_FUZZ=long MATHCPT_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/fuzz -q
    .venv/bin/python tests/benchmarks/bench_fuzz.py --examples 2000          # per parser: inputs, failures, seconds

"ci" is derandomized (the same inputs every run, so CI never fails on a new random draw) and small enough that the
whole folder runs in well under a minute on 2 shared cores; a crash found by a long run is fixed and its input kept
as a regression test (`@example` or a plain test beside the property). Neither profile keeps an example database,
and hypothesis' own caches go to the temporary folder: nothing is written into the checkout.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from loguru import logger

from tests.fuzz.fuzzing import LONG, TRIED

# Hypothesis caches constants and Unicode tables in ./.hypothesis by default: kept out of the checkout instead.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "mathcpt-hypothesis")

_COMMON = dict(
    deadline=None,  # each input has its own wall limit (tests/fuzz/fuzzing.py run_item), not hypothesis' deadline
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
    print_blob=True,
)
EXAMPLES = os.environ.get("MATHCPT_FUZZ_EXAMPLES")  # examples per test; default 20 ("ci"), 1,000 ("long")
settings.register_profile("ci", max_examples=int(EXAMPLES or 20), derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=int(EXAMPLES or 1000), **_COMMON)
settings.load_profile("long" if LONG else "ci")


@pytest.fixture(autouse=True)
def _quiet_pipeline_logs():
    """Mutated inputs make the parsers warn a lot (every skip is logged): not worth the time of printing it."""
    logger.disable("pipeline")
    yield
    logger.enable("pipeline")


def pytest_sessionfinish(session, exitstatus):
    """With MATHCPT_FUZZ_REPORT=PATH, the inputs tried per parser are written there (tests/benchmarks/bench_fuzz.py)."""
    path = os.environ.get("MATHCPT_FUZZ_REPORT")
    if path:
        with open(path, "w") as f:
            json.dump(dict(TRIED), f)
