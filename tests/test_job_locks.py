# SPDX-License-Identifier: BSD-3-Clause
"""Locks between jobs: scoped, enforced, re-entrant, deadlock-free (Concert's, made safe).

Concert's device locks are advisory and not re-entrant; here a lock is
enforced by the executor, re-entrant within a job, and a request takes all
its resources at once.
"""

import asyncio
import random
import threading

import pytest

from tests._support import wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    LockTimeoutError,
    ResourceProtectedError,
    current_job,
    job_lock,
    submit_call,
    submit_coroutine,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def holding(resources, entered, release):
    """A job that locks ``resources`` and holds them until released."""
    with job_lock(*resources):
        entered.set()
        release.wait(SAFETY_TIMEOUT)


def test_opposite_orders_do_not_deadlock(executor):
    """("a", "b") and ("b", "a") in two jobs: one waits for the other, both finish."""
    entered, release = threading.Event(), threading.Event()
    order = []

    def second():
        with job_lock("a", "b"):
            order.append("second")

    first = submit_call(executor, holding, ("b", "a"), entered, release)
    wait_event(entered)
    other = submit_call(executor, second)
    wait_for(executor, other, "state", lambda f: f.state == EXECUTING)
    assert order == []
    order.append("first done")
    release.set()
    wait_done(executor, first)
    wait_done(executor, other)
    assert order == ["first done", "second"]


def test_locks_are_reentrant_within_a_job(executor):
    """A job locking what it holds (or a pattern over it, or its own claims) goes on."""

    def nested():
        with job_lock("stage:x"), job_lock("stage:*"), job_lock("stage:x", "camera"):
            return "inside"

    future = submit_call(executor, nested, resources={"camera"})
    wait_done(executor, future)
    assert future.result == "inside"


def test_a_timeout_raises_lock_timeout_error(executor):
    """job_lock(..., timeout=) while another job holds it: LockTimeoutError, a TimeoutError."""
    entered, release = threading.Event(), threading.Event()
    holder = submit_call(executor, holding, ("camera",), entered, release)
    wait_event(entered)

    def impatient():
        with job_lock("camera", timeout=0.01):
            return "never"

    future = submit_call(executor, impatient)
    wait_done(executor, future)
    release.set()
    wait_done(executor, holder)
    assert future.state == FAILED
    assert isinstance(future.error, LockTimeoutError)
    assert isinstance(future.error, TimeoutError)
    assert "camera" in str(future.error)


def test_cancelling_releases_locks_and_updates_locked_resources(executor):
    """A cancelled job's lock is released; locked_resources shows both changes."""
    seen = []
    executor.observe(lambda e: seen.append(dict(e.new)), "locked_resources")
    entered = threading.Event()

    def hold_until_cancelled():
        with job_lock("shutter"):
            entered.set()
            current_job().sleep(None)

    future = submit_call(executor, hold_until_cancelled)
    wait_event(entered)
    wait_for(executor, executor, "locked_resources", lambda e: e.locked_resources)
    assert executor.locked_resources == {"shutter": future}
    future.cancel()
    wait_done(executor, future)
    wait_for(executor, executor, "locked_resources", lambda e: seen and not seen[-1])
    # Observers get the table as it is when they run: the last one is empty.
    assert seen[-1] == {}
    assert executor.locked_resources == {}


def test_cancel_ends_a_wait_for_a_lock(executor):
    """A job waiting for a lock is cancelled at once; the holder keeps its lock."""
    entered, release = threading.Event(), threading.Event()
    holder = submit_call(executor, holding, ("stage",), entered, release)
    wait_event(entered)
    waiting_job_started = threading.Event()

    def waiter():
        waiting_job_started.set()
        with job_lock("stage"):
            return "got it"

    waiter_future = submit_call(executor, waiter)
    wait_event(waiting_job_started)
    waiter_future.cancel()
    wait_done(executor, waiter_future)
    assert waiter_future.state == CANCELLED
    assert holder.state == EXECUTING
    release.set()
    wait_done(executor, holder)


def test_a_lock_waits_for_a_foreground_claim(executor):
    """A resource claimed at submit by a running foreground job is waited for."""
    entered, release = threading.Event(), threading.Event()

    def claimer():
        entered.set()
        release.wait(SAFETY_TIMEOUT)

    claim = submit_call(executor, claimer, resources={"heater"})
    wait_event(entered)

    def locker():
        with job_lock("heater", timeout=SAFETY_TIMEOUT):
            return claim.done

    future = submit_call(executor, locker)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    release.set()
    wait_done(executor, future)
    assert future.state == COMPLETED
    assert claim.state == COMPLETED


def test_a_lock_preempts_a_background_claim(executor):
    """A background job that claimed the resource is preempted for the lock."""
    entered = threading.Event()

    def live_view():
        entered.set()
        current_job().sleep(None)

    background = submit_call(executor, live_view, background=True, resources={"camera"})
    wait_event(entered)

    def snapshot():
        with job_lock("camera", timeout=SAFETY_TIMEOUT):
            return "frame"

    with pytest.warns(UserWarning, match="preempts"):
        future = submit_call(executor, snapshot)
        wait_done(executor, future)
    wait_done(executor, background)
    assert future.result == "frame"
    assert background.end_reason == PREEMPTED
    assert background.preempted_by is future


def test_async_with_in_coroutine_jobs(executor):
    """async with job_lock(...) excludes another coroutine, and a thread job, alike."""
    log = []
    in_first = threading.Event()
    release = threading.Event()

    async def first():
        async with job_lock("stage"):
            in_first.set()
            log.append("first in")
            while not release.is_set():
                await asyncio.sleep(0.001)
            log.append("first out")

    async def second():
        async with job_lock("stage", timeout=SAFETY_TIMEOUT):
            log.append("second")

    def third():
        with job_lock("stage", timeout=SAFETY_TIMEOUT):
            log.append("third")

    a = submit_coroutine(executor, first)
    wait_event(in_first)
    b = submit_coroutine(executor, second)
    c = submit_call(executor, third)
    wait_for(executor, c, "state", lambda f: f.state == EXECUTING)
    release.set()
    for future in (a, b, c):
        wait_done(executor, future)
    assert log[:2] == ["first in", "first out"]
    assert sorted(log[2:]) == ["second", "third"]


def test_an_async_lock_times_out(executor):
    """async with job_lock(timeout=) raises LockTimeoutError in the coroutine."""
    entered, release = threading.Event(), threading.Event()
    holder = submit_call(executor, holding, ("x",), entered, release)
    wait_event(entered)

    async def impatient():
        async with job_lock("x", timeout=0.01):
            return "never"

    future = submit_coroutine(executor, impatient)
    wait_done(executor, future)
    release.set()
    wait_done(executor, holder)
    assert isinstance(future.error, LockTimeoutError)


def test_protect_refuses_submits_and_locks(executor):
    """A protected resource: submit raises, job_lock raises; unprotect lifts it."""
    executor.protect("sample:*")
    with pytest.raises(ResourceProtectedError, match="sample:stage"):
        submit_call(executor, int, resources={"sample:stage"})

    def touch():
        with job_lock("sample:holder"):
            return "touched"

    future = submit_call(executor, touch)
    wait_done(executor, future)
    assert isinstance(future.error, ResourceProtectedError)
    assert executor.protected_resources == {"sample:*": False}
    assert executor.unprotect("sample:*") is True
    assert executor.unprotect("sample:*") is False
    future = submit_call(executor, touch)
    wait_done(executor, future)
    assert future.result == "touched"


def test_a_permanent_protection_cannot_be_lifted(executor):
    """protect(permanent=True) stays, even if protected again without it."""
    executor.protect("door", permanent=True)
    executor.protect("door")
    with pytest.raises(ValueError, match="permanently"):
        executor.unprotect("door")
    with pytest.raises(ResourceProtectedError):
        submit_call(executor, int, resources={"door"})


def test_job_lock_checks_its_arguments_and_where_it_is_used(executor):
    """Bad names and timeouts fail at the call; outside a job, entering fails."""
    with pytest.raises(TypeError, match="at least one"):
        job_lock()
    with pytest.raises(TypeError):
        job_lock("a", 3)
    with pytest.raises(ValueError):
        job_lock("a", timeout=-1)
    with pytest.raises(RuntimeError, match="inside a job"), job_lock("a"):
        pass


def test_many_jobs_locking_random_sets_exclude_each_other_and_all_finish(executor):
    """Stress: 40 jobs on 4 workers lock random sets in random orders, nested too.

    No two jobs ever hold overlapping resources at the same time, and every
    job finishes: no deadlock.
    """
    names = ["a", "b", "c", "d", "e"]
    holders: dict[str, int] = {}
    guard = threading.Lock()
    violations = []

    def worker(index, seed):
        rng = random.Random(seed)
        for _ in range(20):
            request = rng.sample(names, rng.randint(1, 3))
            with job_lock(*request, timeout=SAFETY_TIMEOUT):
                with guard:
                    for name in request:
                        if holders.get(name, index) != index:
                            violations.append((index, name, holders[name]))
                        holders[name] = index
                if rng.random() < 0.5:
                    with job_lock(request[0]):  # Re-entrant.
                        pass
                with guard:
                    for name in request:
                        if holders.get(name) == index:
                            del holders[name]
        return index

    futures = [submit_call(executor, worker, index, index) for index in range(40)]
    for future in futures:
        wait_done(executor, future)
    assert [future.result for future in futures] == list(range(40))
    assert violations == []
    assert executor.locked_resources == {}
