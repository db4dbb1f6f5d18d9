# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Timeouts and waiting" guide.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import threading

import pytest
from stage import SimulatedStage
from timeouts import move, move_and_wait, scan

from traits_jobs.api import (
    EXECUTING,
    FAILED,
    TIMED_OUT,
    JobTimeoutError,
    ManualEventLoop,
    TraitsExecutor,
    WaitTimeoutError,
    submit_call,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def test_a_move_in_time_completes_after_settling(asyncio_executor, capsys):
    stage = SimulatedStage(speed=1000.0)
    assert move_and_wait(asyncio_executor, stage, 5.0) == "arrived at 5.0"
    assert capsys.readouterr().out == "move ended: completed\n"


def test_a_move_past_its_timeout_fails():
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    stage = SimulatedStage(speed=0.001)  # far too slow: it would take hours
    future = move(executor, stage, 1.0)
    assert loop.run_until(lambda: future.state == EXECUTING, timeout=SAFETY_TIMEOUT)

    loop.advance(1.9)  # virtual seconds: the test does not wait for them
    assert future.state == EXECUTING
    loop.advance(0.1)
    assert future.state == FAILED
    assert future.end_reason == TIMED_OUT
    assert isinstance(future.error, JobTimeoutError)

    # The job stops at its next report_progress() and releases its worker.
    assert loop.run_until(lambda: not executor.jobs, timeout=SAFETY_TIMEOUT)
    assert stage.stopped_early
    executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_an_expired_wait_is_not_a_job_timeout(asyncio_executor):
    release = threading.Event()
    future = submit_call(asyncio_executor, release.wait, SAFETY_TIMEOUT)
    with pytest.raises(WaitTimeoutError) as info:
        future.wait(timeout=0.01)
    assert isinstance(info.value, TimeoutError)
    assert not isinstance(info.value, JobTimeoutError)
    assert not future.done  # the job goes on
    release.set()
    assert future.wait(timeout=SAFETY_TIMEOUT) is True


def test_scan_awaits_each_move(asyncio_executor):
    stage = SimulatedStage(speed=1000.0)
    loop = asyncio_executor.event_loop.event_loop
    assert loop.run_until_complete(scan(asyncio_executor, stage, [1.0, 2.0])) == [1.0, 2.0]
