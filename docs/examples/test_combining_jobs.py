# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Combining jobs" guide.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import pytest
from combining import SimulatedSensor, move_both, prepare, read_temperature
from stage import SimulatedStage

from traits_jobs.api import CANCELLED, FAILED, JobCancelledError, all_of, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT


def test_prepare_nests_the_results(asyncio_executor):
    sensors = [SimulatedSensor(0.0), SimulatedSensor(0.0, 21.4)]  # the first one fails
    stages = SimulatedStage(speed=1000.0), SimulatedStage(speed=1000.0)
    ready = prepare(asyncio_executor, *stages, sensors)
    assert ready.wait(timeout=SAFETY_TIMEOUT) == ((1.0, 2.0), 21.4)


def test_all_of_fails_with_the_first_failure(asyncio_executor):
    bad = submit_call(asyncio_executor, SimulatedSensor(0.0).read)
    good = submit_call(asyncio_executor, SimulatedSensor(0.0, 20.0).read)
    both = all_of(good, bad)
    with pytest.raises(OSError, match="did not answer") as info:
        both.wait(timeout=SAFETY_TIMEOUT)
    assert info.value is bad.error
    assert both.state == FAILED


def test_any_of_fails_with_every_error(asyncio_executor):
    either = read_temperature(asyncio_executor, [SimulatedSensor(0.0), SimulatedSensor(0.0)])
    with pytest.raises(ExceptionGroup) as info:
        either.wait(timeout=SAFETY_TIMEOUT)
    assert [type(error) for error in info.value.exceptions] == [OSError, OSError]


def test_cancelling_the_combination_cancels_the_moves(asyncio_executor):
    x_stage, y_stage = SimulatedStage(speed=0.001), SimulatedStage(speed=0.001)
    both = move_both(asyncio_executor, x_stage, y_stage, 1.0, 1.0)
    assert both.cancel()
    with pytest.raises(JobCancelledError):
        both.wait(timeout=SAFETY_TIMEOUT)
    assert both.state == CANCELLED
    assert [child.state for child in both.children] == [CANCELLED, CANCELLED]
