"""Engine utilisation: busy time is the union of an actor's intervals, summed over actors, over
the pass's whole wall (from its start, load and prompt building included) times the actors."""

from __future__ import annotations

import pytest

from clue_ray.pipeline.control.engine_time import EngineClock, busy_time, sweep_utilisation


def test_busy_time_counts_overlapping_requests_once():
    assert busy_time([(0, 2), (1, 3), (5, 6)]) == 4
    assert busy_time([]) == 0


def test_a_pass_counts_from_its_start_not_its_first_batch():
    clock = EngineClock(started=100.0)
    clock.add("a", 110.0, 115.0)  # the first batch after 10 s of load and prompt building
    clock.add("a", 114.0, 120.0)
    clock.add("b", 112.0, 118.0)
    clock.last_row = 120.0
    assert clock.busy_s() == 10 + 6 and clock.wall_s() == 20
    assert clock.utilisation() == pytest.approx(16 / (20 * 2))
    assert EngineClock(started=1.0).utilisation() is None  # no engine ran


def test_sweep_weighs_each_pass_by_its_actor_wall():
    assert sweep_utilisation([(16, 20, 2), (5, 10, 1)]) == pytest.approx(21 / 50)
    assert sweep_utilisation([]) is None
