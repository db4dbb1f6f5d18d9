# SPDX-License-Identifier: BSD-3-Clause
"""The loop grid and the missed-iteration policies, as arithmetic on plain numbers."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traits_jobs.jobs.loop_schedule import LoopSchedule, Plan

PERIOD = 0.1


def starts(policy: str, durations: list[float], period: float = PERIOD) -> list[Plan]:
    """Plan each iteration after the previous took ``durations[i]`` seconds, from t=0."""
    schedule = LoopSchedule(period, policy, 0.0)
    start, plans = 0.0, []
    for duration in durations:
        plan = schedule.plan(start + duration)
        plans.append(plan)
        start = plan.start
    return plans


@pytest.mark.parametrize("policy", ["immediate", "skip", "terminate"])
def test_on_time_iterations_start_on_the_grid(policy):
    """Iterations shorter than the period start on k * period, with nothing missed."""
    plans = starts(policy, [0.01, 0.05, 0.099, 0.1])
    assert [plan.start for plan in plans] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert all(plan.slots_missed == 0 for plan in plans)


def test_immediate_starts_the_late_iteration_at_once_and_rephases():
    """QMI's measured case: the 2nd iteration takes 0.25 s; the 3rd starts at 0.35, then +0.1."""
    plans = starts("immediate", [0.01, 0.25, 0.01, 0.01])
    assert [plan.start for plan in plans] == pytest.approx([0.1, 0.35, 0.45, 0.55])
    late = plans[1]
    assert late.lateness == pytest.approx(0.15)
    assert late.slots_missed == 2


def test_skip_waits_for_the_next_slot_of_the_original_grid():
    """The same overrun under "skip": the 3rd starts on 0.4, never 49 ms after the 2nd."""
    plans = starts("skip", [0.01, 0.25, 0.01, 0.01])
    assert [plan.start for plan in plans] == pytest.approx([0.1, 0.4, 0.5, 0.6])
    assert plans[1].slots_missed == 2
    assert plans[1].lateness == pytest.approx(0.15)


def test_a_short_overrun_misses_one_slot():
    """An iteration a little late misses exactly the slot it overran."""
    plan = starts("skip", [0.13])[0]
    assert plan.slots_missed == 1
    assert plan.lateness == pytest.approx(0.03)
    assert plan.start == pytest.approx(0.2)


def test_ending_exactly_on_the_slot_is_on_time():
    """now == slot is not an overrun."""
    schedule = LoopSchedule(0.5, "terminate", 0.0)
    assert schedule.plan(0.5) == Plan(0.5)


def test_rephase_starts_the_grid_from_now():
    """After a pause the iteration starting now is on the grid, and nothing counts as missed."""
    schedule = LoopSchedule(PERIOD, "skip", 0.0)
    schedule.rephase(7.0)
    assert schedule.plan(7.05) == Plan(pytest.approx(7.1))


durations = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=60)


@given(durations)
def test_skip_never_starts_two_iterations_closer_than_a_period(steps):
    """Under "skip" every start is on the original grid and follows the previous by >= period."""
    previous = 0.0
    for plan in starts("skip", steps):
        assert plan.start - previous >= PERIOD - 1e-9
        slot = plan.start / PERIOD
        assert slot == pytest.approx(round(slot), abs=1e-6)
        previous = plan.start


@given(durations, st.sampled_from(["immediate", "skip", "terminate"]))
def test_slots_missed_counts_the_slots_that_passed(steps, policy):
    """An overrun misses 1 + floor(lateness / period) slots; no overrun misses none."""
    schedule = LoopSchedule(PERIOD, policy, 0.0)
    start = 0.0
    for duration in steps:
        slot = schedule.next_slot
        now = start + duration
        plan = schedule.plan(now)
        if now <= slot:
            assert plan == Plan(slot)
        else:
            assert plan.lateness == pytest.approx(now - slot)
            assert plan.slots_missed == 1 + math.floor((now - slot) / PERIOD)
            assert plan.start >= now - 1e-9
        start = plan.start


@given(durations)
def test_immediate_starts_each_late_iteration_when_the_previous_ends(steps):
    """Under "immediate" a late iteration starts at once; the next slot is one period later."""
    schedule = LoopSchedule(PERIOD, "immediate", 0.0)
    start = 0.0
    for duration in steps:
        now = start + duration
        late = now > schedule.next_slot
        plan = schedule.plan(now)
        if late:
            assert plan.start == now
        assert schedule.next_slot == pytest.approx(plan.start + PERIOD)
        start = plan.start
