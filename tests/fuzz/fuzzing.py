"""What every fuzz test shares: byte mutations of valid seeds, the per-item time limit, and the count of inputs tried.

    .venv/bin/python -m pytest tests/fuzz -q                     # the small default budget (profile "ci")
    MATHCPT_FUZZ=long .venv/bin/python -m pytest tests/fuzz -q   # many more examples per test (profile "long")

A fuzz test starts from a valid seed (a recipe, JSONL lines, a Parquet file, an HTML page, a LaTeX book, a code file,
a model response) and applies a few random mutations: truncation at a random byte, flipped, inserted and deleted
bytes (invalid UTF-8 and NUL included), a slice repeated, a token of the parser's own syntax inserted (an unbalanced
brace, a `\\begin` without its `\\end`, a lone `$`), a huge field (a token repeated to `HUGE_BYTES`) and deep nesting
(an opening token repeated up to 10,000 times, with or without its closing one). The parser under test must then
answer with its documented error, a counted skip or a normal result, within `ITEM_SECONDS` (`run_item`).
"""

from __future__ import annotations

import faulthandler
import os
import signal
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

LONG = os.environ.get("MATHCPT_FUZZ", "") == "long"
# Per-item wall limit: generous, the 2 shared cores of a CI machine are slow and noisy; plus SECONDS_PER_MB of its
# input for big ones (the LaTeX converter reads a megabyte of one-character tokens, `}}}}…`, in about 4 s on these
# loaded cores; a quadratic parser needs hours for it, so the allowance hides nothing).
ITEM_SECONDS = float(os.environ.get("MATHCPT_FUZZ_ITEM_SECONDS", "5"))
SECONDS_PER_MB = 6.0
# A "huge field": 1 MB by default, up to 5 MB in a long run.
HUGE_BYTES = 5_000_000 if LONG else 1_000_000
DEEP = 10_000

# Inputs tried per parser in this process (tests/benchmarks/bench_fuzz.py reports them).
TRIED: Counter = Counter()
# Where the watchdog writes every thread's stack before it ends a hung run: pytest captures stderr, and a process
# that exits from inside the capture loses it.
WATCHDOG_LOG = Path(tempfile.gettempdir()) / "mathcpt_fuzz_watchdog.log"
_watchdog_file = None


def _watchdog(seconds: float) -> None:
    global _watchdog_file
    if _watchdog_file is None:
        _watchdog_file = open(WATCHDOG_LOG, "w")  # noqa: SIM115 - kept open for faulthandler, for the whole run
    faulthandler.dump_traceback_later(seconds, exit=True, file=_watchdog_file)


INVALID_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\x00"]


class Blob(bytes):
    """Mutated bytes with a short repr: a failing example prints its size, head and tail, not megabytes."""

    def __repr__(self) -> str:
        if len(self) <= 200:
            return f"Blob({bytes(self)!r})"
        return f"Blob(len={len(self)}, head={bytes(self[:100])!r}, tail={bytes(self[-60:])!r})"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))


class ItemTimeout(BaseException):
    """Raised by the alarm in `time_limit`; a BaseException so that a parser's `except Exception` cannot hide it."""


@contextmanager
def time_limit(seconds: float = ITEM_SECONDS):
    """SIGALRM after `seconds` (raises ItemTimeout), and a hard watchdog for C code that never returns to Python (a
    regex backtracking for hours): after a much longer wait faulthandler writes every thread's stack to WATCHDOG_LOG
    and ends the process."""

    def on_alarm(signum, frame):
        raise ItemTimeout(f"over the per-item limit of {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    _watchdog(seconds * 6 + 30)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        faulthandler.cancel_dump_traceback_later()


def run_item(
    parser: str,
    fn: Callable[..., T],
    *args,
    limit: float = ITEM_SECONDS,
    alarm: bool = True,
    nbytes: int = 0,
    **kw,
) -> T:
    """fn(*args) for one fuzz input of `nbytes`, counted under `parser`, failing the test past `limit` seconds
    (plus SECONDS_PER_MB for the input's size).

    `alarm=False` for code that sets its own SIGALRM (the grader's math-verify timeouts): then only the elapsed
    time is checked, with the faulthandler watchdog against a real hang."""
    TRIED[parser] += 1
    limit += SECONDS_PER_MB * nbytes / 1e6
    start = time.perf_counter()
    try:
        if alarm:
            with time_limit(limit):
                result = fn(*args, **kw)
        else:
            _watchdog(limit * 6 + 30)
            try:
                result = fn(*args, **kw)
            finally:
                faulthandler.cancel_dump_traceback_later()
    except ItemTimeout as e:
        raise AssertionError(f"{parser}: {e}") from None
    elapsed = time.perf_counter() - start
    assert elapsed <= limit, f"{parser}: one input took {elapsed:.1f} s (limit {limit} s)"
    return result


# ------------------------------------------------------------------------------------------------ mutations


def _op_weights() -> list[str]:
    # Cheap, local mutations most of the time; a huge field or deep nesting now and then (they cost seconds).
    return (
        ["truncate"] * 4
        + ["flip"] * 3
        + ["insert"] * 3
        + ["delete"] * 2
        + ["repeat"] * 2
        + ["token"] * 5
        + [
            "huge",
            "deep",
        ]
    )


@st.composite
def mutated(
    draw,
    seed: bytes,
    tokens: list[bytes],
    nests: list[tuple[bytes, bytes]],
    max_ops: int = 4,
) -> Blob:
    """`seed` after 1..max_ops random mutations (see the module docstring). `tokens` are syntax fragments of the
    parser's language; `nests` are (open, close) pairs that deep nesting repeats."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(_op_weights()))
        pos = draw(st.integers(0, len(data)))
        if op == "truncate":
            del data[pos:]
        elif op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] ^= draw(st.integers(1, 255))
        elif op == "insert":
            chunk = draw(st.one_of(st.sampled_from(INVALID_UTF8), st.binary(min_size=1, max_size=16)))
            data[pos:pos] = chunk
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "repeat" and data:
            end = min(len(data), pos + draw(st.integers(1, 64)))
            data[pos:pos] = bytes(data[pos:end]) * draw(st.integers(2, 50))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(tokens)) * draw(st.integers(1, 3))
        elif op == "huge":
            unit = draw(st.one_of(st.sampled_from(tokens), st.sampled_from([b"x", b"9", b" ", b"a1 ", b"\xff"])))
            data[pos:pos] = unit * (draw(st.integers(HUGE_BYTES // 4, HUGE_BYTES)) // max(len(unit), 1))
        elif op == "deep":
            open_, close = draw(st.sampled_from(nests))
            depth = draw(st.sampled_from([100, 1000, DEEP]))
            closed = draw(st.booleans())
            data[pos:pos] = open_ * depth + (b"x" + close * depth if closed else b"")
    return Blob(data)


def text_of(raw: bytes) -> str:
    """Mutated bytes as the text a str-taking parser gets: invalid UTF-8 becomes U+FFFD, like a decoded page."""
    return raw.decode("utf-8", "replace")
