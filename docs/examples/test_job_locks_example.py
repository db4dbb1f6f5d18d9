# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Locks between jobs" guide.

The bench's gate holds a job inside its locks at a known point; nothing
sleeps to let things happen.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import job_locks
import pytest
from job_locks import (
    Bench,
    LockView,
    calibrate,
    expose,
    flat_field,
    home_stage,
    park_for_the_night,
    snapshot,
    start_live_view,
    start_of_the_day,
    take_dark_frame,
)

from traits_jobs.api import (
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    LockTimeoutError,
    PreemptionWarning,
    ResourceLockedError,
    ResourceProtectedError,
    submit_call,
    submit_coroutine,
)
from traits_jobs.testing import SAFETY_TIMEOUT, run_until


def wait_until(executor, obj, trait, condition):
    run_until(executor.event_loop, obj, trait, condition, timeout=SAFETY_TIMEOUT)


def wait_all(executor, futures):
    for future in futures:
        wait_until(executor, future, "done", lambda f: f.done)


def hold_exposure(executor, bench):
    """An exposure held inside its locks until ``bench.gate`` is set."""
    bench.gate.clear()
    future = submit_call(executor, expose, bench, 1.0, name="expose 1")
    assert bench.held.wait(SAFETY_TIMEOUT), "the exposure never reached the bench"
    return future


def test_jobs_that_lock_the_same_parts_take_turns(asyncio_executor):
    """Thread and coroutine jobs wait for the locks they need; no part is used twice at once."""
    executor, bench = asyncio_executor, Bench()
    first = hold_exposure(executor, bench)
    others = [
        submit_call(executor, calibrate, bench),
        submit_call(executor, home_stage, bench),
        submit_coroutine(executor, flat_field, bench),
    ]
    for future in others:
        wait_until(executor, future, "state", lambda f: f.state == EXECUTING)
    assert executor.locked_resources == {"shutter": first, "stage:x": first}
    assert [who for who, parts in bench.log] == ["exposure at 1.0"]

    bench.gate.set()
    wait_all(executor, [first, *others])
    assert [future.result for future in others] == [("dark", 0.0), "homed", "flat"]
    assert len(bench.log) == 5
    assert bench.overlaps == []
    assert executor.locked_resources == {}


def test_a_job_can_lock_again_what_it_holds(asyncio_executor):
    """calibrate() holds the shutter and x; the helpers it calls lock them again."""
    bench = Bench()
    future = submit_call(asyncio_executor, calibrate, bench)
    assert future.wait(timeout=SAFETY_TIMEOUT) == ("dark", 0.0)
    assert [who for who, parts in bench.log] == ["dark frame", "exposure at 0.0"]


def test_a_lock_that_waits_too_long_raises(asyncio_executor, monkeypatch):
    """Past LOCK_TIMEOUT the job fails with LockTimeoutError, a TimeoutError."""
    executor, bench = asyncio_executor, Bench()
    monkeypatch.setattr(job_locks, "LOCK_TIMEOUT", 0.01)
    first = hold_exposure(executor, bench)
    dark = submit_call(executor, take_dark_frame, bench)
    wait_until(executor, dark, "done", lambda f: f.done)
    assert dark.state == FAILED
    assert isinstance(dark.error, LockTimeoutError)
    assert isinstance(dark.error, TimeoutError)
    bench.gate.set()
    wait_all(executor, [first])


def test_a_lock_waits_for_a_foreground_claim(asyncio_executor):
    """Homing waits while a job that claimed stage:x at submit runs."""
    executor, bench = asyncio_executor, Bench()
    bench.gate.clear()
    move = submit_call(executor, bench.use, "move x", "stage:x", resources={"stage:x"})
    assert bench.held.wait(SAFETY_TIMEOUT)
    homing = submit_call(executor, home_stage, bench)
    wait_until(executor, homing, "state", lambda f: f.state == EXECUTING)
    assert [who for who, parts in bench.log] == ["move x"]
    bench.gate.set()
    wait_all(executor, [move, homing])
    assert [who for who, parts in bench.log] == ["move x", "homing"]


def test_a_snapshot_preempts_the_live_view(asyncio_executor):
    """Locking the camera cancels the background job that claimed it."""
    executor, bench = asyncio_executor, Bench()
    live = start_live_view(executor, bench, frame_interval=SAFETY_TIMEOUT)
    wait_until(executor, live, "state", lambda f: f.state == EXECUTING)
    preempts = "'snapshot' preempts background job 'live view'.*its lock is granted once"
    with pytest.warns(PreemptionWarning, match=preempts):
        snap = submit_call(executor, snapshot, bench, name="snapshot")
        assert snap.wait(timeout=SAFETY_TIMEOUT) == "frame"
    wait_all(executor, [live])
    assert live.end_reason == PREEMPTED
    assert live.preempted_by is snap


def test_a_protected_stage_refuses_claims_and_locks(asyncio_executor):
    """protect("stage:*"): a claim raises at submit; a lock fails the job."""
    executor, bench = asyncio_executor, Bench()
    park_for_the_night(executor)
    assert executor.protected_resources == {"stage:*": False}
    with pytest.raises(ResourceProtectedError):
        submit_call(executor, expose, bench, 2.0, resources={"stage:x"})
    homing = submit_call(executor, home_stage, bench)
    wait_all(executor, [homing])
    assert isinstance(homing.error, ResourceProtectedError)

    assert start_of_the_day(executor) is True
    assert submit_call(executor, home_stage, bench).wait(timeout=SAFETY_TIMEOUT) == "homed"


def test_an_owner_keeps_other_claims_off(asyncio_executor):
    """lock_owner(): a claim needs the owner's lock_token."""
    executor, bench = asyncio_executor, Bench()
    assert executor.lock_owner("stage:*", "scan 42")
    with pytest.raises(ResourceLockedError):
        submit_call(executor, bench.use, "move x", "stage:x", resources={"stage:x"})
    move = submit_call(
        executor, bench.use, "move x", "stage:x", resources={"stage:x"}, lock_token="scan 42"
    )
    wait_all(executor, [move])
    assert move.state == COMPLETED
    assert executor.unlock_owner("stage:*", "scan 42")


def test_the_lock_view_follows_the_locks(asyncio_executor):
    """LockView.holders names the job that holds each locked resource."""
    executor, bench = asyncio_executor, Bench()
    view = LockView(executor=executor)
    first = hold_exposure(executor, bench)
    wait_until(executor, view, "holders", lambda v: v.holders)
    assert view.holders == {"shutter": "expose 1", "stage:x": "expose 1"}
    bench.gate.set()
    wait_all(executor, [first])
    wait_until(executor, view, "holders", lambda v: not v.holders)
