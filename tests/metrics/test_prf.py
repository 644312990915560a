"""Precision / recall / F1 helpers: every 0/0 is 0."""

from __future__ import annotations

import pytest

from clue_ray.metrics.prf import f1, ratio, set_prf


def test_ratio_and_f1_zero_cases():
    assert ratio(0, 0) == 0.0
    assert ratio(3, 4) == 0.75
    assert f1(0.0, 0.0) == 0.0
    assert f1(1.0, 0.0) == 0.0
    # 2 * 0.5 * 1 / 1.5 = 2/3
    assert f1(0.5, 1.0) == pytest.approx(2 / 3, rel=1e-15)


def test_set_prf_by_hand():
    # pred {a, b, c}, ref {b, c, d, e}: common 2 -> P 2/3, R 2/4, F1 2*(1/3)/(7/6) = 4/7
    p, r, f = set_prf({"a", "b", "c"}, {"b", "c", "d", "e"})
    assert (p, r) == (2 / 3, 0.5)
    assert f == pytest.approx(4 / 7, rel=1e-15)
    assert set_prf(set(), {"a"}) == (0.0, 0.0, 0.0)
    assert set_prf({"a"}, set()) == (0.0, 0.0, 0.0)
    assert set_prf(set(), set()) == (0.0, 0.0, 0.0)
