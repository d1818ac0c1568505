"""Warmup + cosine LR curve."""

import math

from pipeline.train.schedule import lr_multiplier


def test_warmup_then_cosine_to_floor():
    curve = [lr_multiplier(s, "cosine", 10, 110, 0.1) for s in range(111)]
    assert curve[0] == 0.1 and curve[9] == 1.0  # linear warmup reaches the peak at the last warmup step
    assert all(a >= b for a, b in zip(curve[10:], curve[11:]))  # non-increasing after warmup
    assert math.isclose(curve[60], 0.55, abs_tol=1e-9) and math.isclose(curve[110], 0.1)


def test_constant_schedule():
    assert [lr_multiplier(s, "constant", 2, 10, 0.1) for s in range(4)] == [0.5, 1.0, 1.0, 1.0]


def test_warmup_stable_decay():
    curve = [lr_multiplier(s, "wsd", 10, 100, 0.1, decay_fraction=0.2) for s in range(101)]
    assert curve[9] == 1.0 and set(curve[10:80]) == {1.0}  # stable phase
    assert all(a > b for a, b in zip(curve[80:100], curve[81:101]))  # linear decay over the last 20 steps
    assert math.isclose(curve[90], 0.55) and math.isclose(curve[100], 0.1)
