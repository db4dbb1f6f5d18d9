# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Coroutine jobs and @background" guide.

The simulated controller's gate holds a move at a known point; nothing
sleeps to let things happen.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import pytest
from coroutine_stage import Camera, Stage, submit_scan

from traits_jobs.api import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXECUTING,
    STOPPED,
    CoroutineFuture,
    ResourceConflictError,
)
from traits_jobs.testing import SAFETY_TIMEOUT, run_until


def wait_until(executor, obj, trait, condition):
    run_until(executor.event_loop, obj, trait, condition, timeout=SAFETY_TIMEOUT)


def hold_next_move(stage):
    """Make the next position read of ``stage`` wait until ``release_move``."""
    stage.controller.held.clear()
    stage.controller.gate.clear()


def release_move(stage):
    stage.controller.gate.set()


def wait_until_held(executor, stage, move):
    """Run the event loop until ``move`` is executing and its driver call is held."""
    assert stage.controller.held.wait(SAFETY_TIMEOUT), "the move never reached the driver"
    wait_until(executor, move, "state", lambda f: f.state == EXECUTING)


def test_a_move_returns_its_future_at_once(asyncio_executor):
    """Calling the decorated method submits a coroutine job named after it."""
    stage = Stage(executor=asyncio_executor)
    move = stage.move_to(3.0)
    assert isinstance(move, CoroutineFuture)
    assert move.name == "Stage.move_to"
    assert not move.done
    assert move.wait(timeout=SAFETY_TIMEOUT) == 3.0
    assert stage.controller.commands == [("start", 3.0)]


def test_a_second_move_is_refused_while_the_first_runs(asyncio_executor):
    """The decorator's resources={"stage"} applies to every call."""
    stage = Stage(executor=asyncio_executor)
    hold_next_move(stage)
    move = stage.move_to(3.0)
    with pytest.raises(ResourceConflictError):
        stage.move_to(4.0)
    release_move(stage)
    assert move.wait(timeout=SAFETY_TIMEOUT) == 3.0


def test_cancelling_a_move_halts_the_motor_before_the_job_ends(asyncio_executor):
    """The future stays cancelling through the driver call and the halt."""
    executor = asyncio_executor
    stage, camera = Stage(executor=executor), Camera(executor=executor)
    hold_next_move(stage)
    move = stage.move_to(10.0)
    wait_until_held(executor, stage, move)

    assert move.cancel()
    camera.snap().wait(timeout=SAFETY_TIMEOUT)  # the event loop runs meanwhile
    assert move.state == CANCELLING
    assert stage.controller.commands == [("start", 10.0)]

    release_move(stage)
    wait_until(executor, move, "done", lambda f: f.done)
    assert move.state == CANCELLED
    assert stage.controller.commands == [("start", 10.0), ("halt", 1.0)]
    assert not stage.controller.moving


def test_stopping_a_move_halts_the_motor_and_completes(asyncio_executor):
    """future.stop(): the move reads stop_requested, halts the motor and ends "stopped"."""
    executor = asyncio_executor
    stage = Stage(executor=executor)
    hold_next_move(stage)
    move = stage.move_to(10.0)
    wait_until_held(executor, stage, move)

    move.stop()
    release_move(stage)
    wait_until(executor, move, "done", lambda f: f.done)
    assert (move.state, move.end_reason) == (COMPLETED, STOPPED)
    assert stage.controller.commands[-1] == ("halt", 1.0)


def test_a_scan_takes_a_frame_at_each_position(asyncio_executor):
    """The scan awaits a coroutine job and a call job at each position."""
    executor = asyncio_executor
    stage, camera = Stage(executor=executor), Camera(executor=executor)
    frames = submit_scan(stage, camera, [2.0, 1.0, 3.0]).wait(timeout=SAFETY_TIMEOUT)
    assert frames == [(2.0, 1), (1.0, 2), (3.0, 3)]


def test_cancelling_a_scan_cancels_the_move_it_awaits(asyncio_executor):
    """As with asyncio tasks, cancelling the scan cancels the move it awaits."""
    executor = asyncio_executor
    stage, camera = Stage(executor=executor), Camera(executor=executor)
    hold_next_move(stage)
    scan = submit_scan(stage, camera, [5.0, 6.0])
    wait_until(executor, executor, "jobs", lambda e: len(e.jobs) == 2)
    move = executor.jobs[1]
    assert move.name == "Stage.move_to"
    wait_until_held(executor, stage, move)
    wait_until(executor, scan, "state", lambda f: f.state == EXECUTING)

    scan.cancel()
    wait_until(executor, move, "state", lambda f: f.state == CANCELLING)
    release_move(stage)
    wait_until(executor, executor, "jobs", lambda e: not e.jobs)
    assert (scan.state, move.state) == (CANCELLED, CANCELLED)
    assert stage.controller.commands == [("start", 5.0), ("halt", 1.0)]
