# SPDX-License-Identifier: BSD-3-Clause
"""Resource claims, preemption and named background jobs, through the executor."""

import threading

import pytest

from tests._support import wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    PREEMPTED,
    WAITING,
    PreemptionWarning,
    ResourceConflictError,
    WaitTimeoutError,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def acquisition(started, proceed, cleaned=None):
    """A background loop: yields frames until cancelled; records its cleanup."""
    started.set()
    try:
        while True:
            yield "frame"
            proceed.wait(SAFETY_TIMEOUT)
    finally:
        if cleaned is not None:
            cleaned.set()


def held_call(started, release, value="done"):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return value


def test_claims_are_visible_and_released(executor):
    """claimed_resources maps each claim to its future while the job lives."""
    started, release = threading.Event(), threading.Event()
    seen = []
    executor.observe(lambda e: seen.append(dict(e.new)), "claimed_resources")
    future = submit_call(executor, held_call, started, release, resources={"stage:x", "camera"})
    assert executor.claimed_resources == {"stage:x": future, "camera": future}
    assert executor.jobs == [future]
    wait_event(started)
    release.set()
    wait_for(executor, executor, "claimed_resources", lambda e: not e.claimed_resources)
    assert seen[0] == {"stage:x": future, "camera": future}
    assert seen[-1] == {}
    assert future.state == COMPLETED


def test_overlapping_foreground_job_is_refused(executor):
    """A second foreground job over held claims raises at submit, naming both."""
    started, release = threading.Event(), threading.Event()
    first = submit_call(executor, held_call, started, release, resources={"servo:*"}, name="home")
    with pytest.raises(ResourceConflictError) as info:
        submit_call(executor, pow, 2, 2, resources={"servo:3"})
    assert "servo:3" in str(info.value) and "servo:*" in str(info.value)
    assert first in info.value.holders
    assert executor.jobs == [first]
    release.set()
    wait_done(executor, first)


def test_waiting_foreground_job_starts_when_the_claim_is_free(executor):
    """on_conflict="wait" queues the job; it runs once the holder has ended."""
    started, release = threading.Event(), threading.Event()
    first = submit_call(executor, held_call, started, release, resources={"stage"})
    second = submit_call(executor, pow, 2, 5, resources={"stage"}, on_conflict="wait")
    wait_event(started)
    assert second.state == WAITING
    release.set()
    wait_done(executor, second)
    assert (first.state, second.state, second.result) == (COMPLETED, COMPLETED, 32)


def test_a_job_waiting_for_resources_blocks_like_a_holder(executor):
    """A foreground job over a queued foreground job's claims is refused, not queued.

    The holder is a preempted background job still cleaning up, so the
    outcome does not depend on when that cleanup ends.
    """
    started, proceed = threading.Event(), threading.Event()
    live = submit_iteration(
        executor, acquisition, started, proceed, resources={"camera"}, background=True
    )
    wait_event(started)
    with pytest.warns(PreemptionWarning):
        snap = submit_call(executor, pow, 2, 3, resources={"camera"}, name="snap")
    assert snap.state == WAITING
    with pytest.raises(ResourceConflictError) as info:
        submit_call(executor, pow, 2, 4, resources={"camera"})
    assert snap in info.value.holders
    assert "claimed by <CallFuture 'snap' waiting>" in str(info.value)
    with pytest.raises(ResourceConflictError):
        submit_call(executor, pow, 2, 4, resources={"camera"}, background=True)
    proceed.set()
    wait_done(executor, snap)
    assert (live.end_reason, snap.result) == (PREEMPTED, 8)


def test_cancelling_a_waiting_job_ends_it_at_once(executor):
    """A job waiting for resources is withdrawn by cancel(): CANCELLED on return."""
    started, release = threading.Event(), threading.Event()
    first = submit_call(executor, held_call, started, release, resources={"stage"})
    second = submit_call(executor, pow, 2, 5, resources={"stage"}, on_conflict="wait")
    third = submit_call(executor, pow, 2, 6, resources={"stage"}, on_conflict="wait")
    assert second.cancel() is True
    assert second.state == CANCELLED
    release.set()
    wait_done(executor, third)
    assert first.state == COMPLETED and third.result == 64


def test_foreground_job_preempts_a_background_job(executor):
    """The background job is cancelled with a warning, cleans up, then the move runs."""
    started, proceed, cleaned = threading.Event(), threading.Event(), threading.Event()
    acquire = submit_iteration(
        executor,
        acquisition,
        started,
        proceed,
        cleaned,
        resources={"camera", "stage:x"},
        background=True,
        name="live view",
    )
    wait_event(started)
    wait_for(executor, acquire, "state", lambda f: f.state == EXECUTING)
    order = []
    cleanup_seen = threading.Event()

    def move():
        order.append(("move starts", cleaned.is_set()))
        cleanup_seen.set()
        return "moved"

    with pytest.warns(PreemptionWarning, match="'move' preempts background job 'live view'"):
        moved = submit_call(executor, move, resources={"stage:x"}, name="move")
    assert moved.state == WAITING
    proceed.set()
    wait_done(executor, moved)
    assert acquire.state == CANCELLED
    assert acquire.end_reason == PREEMPTED
    assert acquire.preempted_by is moved
    assert order == [("move starts", True)]
    assert moved.result == "moved"


def test_background_over_background_is_refused(executor):
    """A background job cannot take a running background job's claims."""
    started, proceed = threading.Event(), threading.Event()
    first = submit_iteration(
        executor, acquisition, started, proceed, resources={"camera"}, background=True
    )
    with pytest.raises(ResourceConflictError):
        submit_call(executor, pow, 2, 2, resources={"camera"}, background=True)
    first.cancel()
    proceed.set()
    wait_done(executor, first)


def test_non_preemptible_background_job_is_a_conflict(executor):
    """preemptible=False turns preemption into a conflict error."""
    started, proceed = threading.Event(), threading.Event()
    first = submit_iteration(
        executor,
        acquisition,
        started,
        proceed,
        resources={"camera"},
        background=True,
        preemptible=False,
    )
    with pytest.raises(ResourceConflictError):
        submit_call(executor, pow, 2, 2, resources={"camera"})
    assert first.cancellable
    first.cancel()
    proceed.set()
    wait_done(executor, first)


def test_named_background_jobs_and_rebinding(executor):
    """background_jobs maps names; reusing a live name warns and rebinds it."""
    release = [threading.Event(), threading.Event()]
    started = [threading.Event(), threading.Event()]
    a = submit_call(executor, held_call, started[0], release[0], background=True, name="poll")
    assert executor.background_jobs == {"poll": a}
    with pytest.warns(UserWarning, match="name 'poll' was in use"):
        b = submit_call(executor, held_call, started[1], release[1], background=True, name="poll")
    assert executor.background_jobs == {"poll": b}
    assert executor.jobs == [a, b]
    release[0].set()
    wait_for(executor, executor, "jobs", lambda e: e.jobs == [b])
    assert executor.background_jobs == {"poll": b}
    release[1].set()
    wait_done(executor, b)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)
    assert executor.background_jobs == {}


def test_a_refused_background_job_does_not_take_the_name(executor):
    """A background job refused for its resources neither warns nor takes a live name."""
    started, release = threading.Event(), threading.Event()
    poll = submit_call(
        executor, held_call, started, release, background=True, name="poll", resources={"stage"}
    )
    with pytest.raises(ResourceConflictError):
        submit_call(executor, abs, -1, background=True, name="poll", resources={"stage"})
    assert executor.background_jobs == {"poll": poll}
    release.set()
    wait_done(executor, poll)


def test_wait_for_background_returns_the_futures_however_they_ended(executor):
    """wait_for_background never raises for a failed job; it returns the futures."""
    ok = submit_call(executor, pow, 2, 2, background=True, name="ok")
    bad = submit_call(executor, int, "x", background=True, name="bad")
    assert executor.wait_for_background("bad", timeout=SAFETY_TIMEOUT) is bad
    assert bad.end_reason == "failed"
    both = executor.wait_for_background(timeout=SAFETY_TIMEOUT)
    assert set(both) <= {ok, bad}
    assert ok.done


def test_wait_for_background_errors(executor):
    """An unknown name raises KeyError; an expired wait raises WaitTimeoutError."""
    with pytest.raises(KeyError, match="no live background job is named 'scan'"):
        executor.wait_for_background("scan")
    started, release = threading.Event(), threading.Event()
    future = submit_call(executor, held_call, started, release, background=True, name="scan")
    with pytest.raises(WaitTimeoutError):
        executor.wait_for_background("scan", timeout=0.01)
    release.set()
    wait_done(executor, future)


def test_stop_cancels_jobs_waiting_for_resources(executor):
    """stop() ends held jobs too, and the executor stops."""
    started, release = threading.Event(), threading.Event()
    first = submit_call(executor, held_call, started, release, resources={"stage"})
    second = submit_call(executor, pow, 2, 5, resources={"stage"}, on_conflict="wait")
    executor.stop()
    assert second.state == CANCELLED
    release.set()
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert first.state == CANCELLED


def test_a_done_callback_can_claim_what_the_ended_job_claimed(executor):
    """When a job's future says done, its claims are free: a done callback may take them."""
    from traits_jobs.api import submit_call as submit

    followers = []

    def next_move(future):
        followers.append(submit(executor, int, resources={"stage"}))

    first = submit(executor, int, resources={"stage"})
    first.add_done_callback(next_move)
    wait_done(executor, first)
    (follower,) = followers
    wait_done(executor, follower)
    assert follower.state == "completed"
