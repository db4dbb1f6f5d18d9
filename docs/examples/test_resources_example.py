# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Resources and preemption" guide.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import pytest
from resources import StageControls, home, move_x, start_live_view, stop_live_view
from stage import SimulatedCamera, SimulatedStage

from traits_jobs.api import (
    EXECUTING,
    PREEMPTED,
    WAITING,
    PreemptionWarning,
    ResourceConflictError,
)
from traits_jobs.testing import SAFETY_TIMEOUT, run_until


def test_a_move_preempts_the_live_view(asyncio_executor):
    executor = asyncio_executor
    camera = SimulatedCamera()
    live = start_live_view(executor, camera)
    run_until(executor.event_loop, live, "state", lambda f: f.state == EXECUTING)
    assert executor.background_jobs == {"live view": live}

    with pytest.warns(PreemptionWarning, match="'move x' preempts background job 'live view'"):
        move = move_x(executor, SimulatedStage(speed=1000.0), 2.0)
    assert move.state == WAITING  # until the live view has cleaned up

    assert move.wait(timeout=SAFETY_TIMEOUT) == 2.0
    assert live.end_reason == PREEMPTED
    assert live.preempted_by is move
    assert not camera.shutter_open


def test_a_second_move_is_refused_and_home_waits(asyncio_executor):
    executor = asyncio_executor
    slow, fast = SimulatedStage(speed=0.001), SimulatedStage(speed=1000.0)
    moving = move_x(executor, slow, 1.0)
    with pytest.raises(ResourceConflictError) as info:
        move_x(executor, fast, 2.0)
    assert info.value.holders == {moving: frozenset({"stage:x"})}

    homing = home(executor, fast)  # claims "stage:*", which covers "stage:x"
    assert homing.state == WAITING
    moving.cancel()
    assert homing.wait(timeout=SAFETY_TIMEOUT) == 0.0


def test_controls_follow_the_claims(asyncio_executor):
    executor = asyncio_executor
    controls = StageControls(executor=executor)
    assert controls.move_x_enabled and controls.live_view_enabled

    live = start_live_view(executor, SimulatedCamera())
    assert (controls.move_x_enabled, controls.live_view_enabled) == (True, False)

    stop_live_view(executor)
    assert live.done
    assert (controls.move_x_enabled, controls.live_view_enabled) == (True, True)

    moving = move_x(executor, SimulatedStage(speed=0.001), 1.0)
    assert (controls.move_x_enabled, controls.live_view_enabled) == (False, False)
    moving.cancel()
    run_until(executor.event_loop, executor, "jobs", lambda e: not e.jobs)
    assert (controls.move_x_enabled, controls.live_view_enabled) == (True, True)
