# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end tests of TraitsExecutor, on the Qt and the asyncio event loop."""

import concurrent.futures
import multiprocessing
import threading

import pytest
from traits.api import List

from tests._support import Recorder, blocked_workers, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    FAILED,
    RUNNING,
    STOPPED,
    STOPPING,
    AsyncioEventLoop,
    ExecutorStateError,
    ManualEventLoop,
    MultithreadingContext,
    ShutdownTimeoutError,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def test_stop_without_jobs_goes_through_stopping(executor):
    """stop() with no jobs passes through STOPPING to STOPPED, firing each once."""
    recorder = Recorder(executor, ("state", "running", "stopped"))
    executor.stop()
    assert recorder.changes == [
        ("state", STOPPING),
        ("running", False),
        ("state", STOPPED),
        ("stopped", True),
    ]


def test_stop_cancels_jobs_and_stops_when_they_end(executor):
    """stop() returns at once, cancels running jobs, and stops after they end."""
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(SAFETY_TIMEOUT)

    future = submit_call(executor, slow)
    wait_event(started)
    executor.stop()
    assert executor.state == STOPPING
    assert future.state == "cancelling"
    release.set()
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert future.state == CANCELLED


def test_stop_with_many_jobs_cancels_all(executor):
    """Stopping with 100 queued and running jobs leaves all of them CANCELLED."""
    with blocked_workers(executor) as release:
        futures = [submit_call(executor, abs, -i) for i in range(100)]
        executor.stop()
        release.set()
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert {future.state for future in futures} == {CANCELLED}


def test_many_concurrent_jobs_complete(executor):
    """200 jobs submitted at once all complete with their own results."""
    futures = [submit_call(executor, pow, i, 2) for i in range(200)]
    for future in futures:
        wait_done(executor, future)
    assert [future.result for future in futures] == [i * i for i in range(200)]


def test_submit_after_stop_raises(executor):
    """Submitting to a stopped executor raises ExecutorStateError naming the state."""
    executor.stop()
    with pytest.raises(ExecutorStateError, match="executor is stopped, not running"):
        submit_call(executor, abs, 1)


def test_submit_while_stopping_raises(executor):
    """Submitting while the executor is stopping raises ExecutorStateError."""
    started, release = threading.Event(), threading.Event()
    submit_call(executor, lambda: (started.set(), release.wait(SAFETY_TIMEOUT)))
    wait_event(started)
    executor.stop()
    with pytest.raises(ExecutorStateError, match="stopping"):
        submit_call(executor, abs, 1)
    release.set()


def test_stop_twice_raises(executor):
    """stop() on an executor that is not running raises ExecutorStateError."""
    executor.stop()
    with pytest.raises(ExecutorStateError, match="Cannot stop"):
        executor.stop()


def test_shutdown_waits_and_delivers(executor):
    """shutdown() cancels, delivers the jobs' last messages, and stops."""
    started = threading.Event()

    def numbers():
        started.set()
        while True:
            yield 1

    future = submit_iteration(executor, numbers)
    wait_event(started)
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    assert executor.state == STOPPED
    assert future.state == CANCELLED


def test_shutdown_when_stopped_does_nothing(executor):
    """shutdown() on a stopped executor returns quietly."""
    executor.stop()
    executor.shutdown()
    assert executor.stopped


def test_shutdown_timeout_raises_and_delivery_goes_on(executor):
    """A shutdown that times out raises, and later messages still arrive."""
    started, release = threading.Event(), threading.Event()

    def stubborn():
        started.set()
        release.wait(SAFETY_TIMEOUT)

    future = submit_call(executor, stubborn)
    wait_event(started)
    with pytest.raises(ShutdownTimeoutError, match="1 tasks still running"):
        executor.shutdown(timeout=0.05)
    assert executor.state == STOPPING
    release.set()
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert future.state == CANCELLED


def test_shutdown_timeout_is_a_timeout_and_a_runtime_error():
    """ShutdownTimeoutError is a TimeoutError, and a RuntimeError as in traits-futures."""
    assert issubclass(ShutdownTimeoutError, TimeoutError)
    assert issubclass(ShutdownTimeoutError, RuntimeError)


def test_shutdown_from_an_observer_of_the_last_job(executor):
    """An observer of the last job's ``done`` may shut the executor down."""
    states = []

    def on_done(event):
        executor.shutdown(timeout=SAFETY_TIMEOUT)
        states.append(executor.state)

    future = submit_call(executor, pow, 2, 5)
    future.observe(on_done, "done")
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert states == [STOPPED]
    assert future.result == 32


def test_shutdown_from_an_observer_delivers_the_other_jobs(executor):
    """shutdown() run by one job's observer still waits for every other job."""
    release = threading.Event()
    slow = submit_call(executor, release.wait, SAFETY_TIMEOUT)
    fast = submit_call(executor, pow, 2, 3)
    seen = []

    def on_done(event):
        release.set()
        executor.shutdown(timeout=SAFETY_TIMEOUT)
        seen.append((slow.state, executor.state))

    fast.observe(on_done, "done")
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert seen == [(CANCELLED, STOPPED)]


@pytest.mark.parametrize(("timeout", "error"), [(-1, ValueError), ("soon", TypeError)])
def test_shutdown_rejects_a_bad_timeout(executor, timeout, error):
    """shutdown() with a negative timeout raises ValueError, a non-numeric one TypeError."""
    with pytest.raises(error, match="non-negative number of seconds"):
        executor.shutdown(timeout=timeout)


def test_submit_from_a_worker_thread(executor):
    """A job submitted from another thread runs, and its traits change on the main thread."""
    submitted = []

    def submit_elsewhere():
        submitted.append(submit_call(executor, pow, 2, 5))

    thread = threading.Thread(target=submit_elsewhere)
    thread.start()
    thread.join(SAFETY_TIMEOUT)
    (future,) = submitted
    recorder = Recorder(future)
    wait_done(executor, future)
    assert future.result == 32
    assert recorder.threads <= {threading.main_thread()}


def test_submit_from_a_job(executor):
    """A job can submit another job to the same executor."""
    inner = []

    def outer():
        inner.append(submit_call(executor, abs, -9))

    first = submit_call(executor, outer)
    wait_done(executor, first)
    wait_done(executor, inner[0])
    assert inner[0].result == 9


def test_observer_failure_does_not_stop_other_futures(executor, traits_jobs_errors):
    """An observer that raises is logged; other futures still complete."""
    failing = submit_call(executor, abs, -1)
    failing.observe(lambda event: 1 / 0, "done")
    other = submit_call(executor, abs, -2)
    wait_done(executor, failing)
    wait_done(executor, other)
    assert failing.result == 1
    assert other.result == 2
    (record,) = traits_jobs_errors.take()
    assert isinstance(record.exc_info[1], ZeroDivisionError)


def test_observer_failure_on_state_still_fires_done(executor, traits_jobs_errors):
    """A failing observer of state does not stop cancellable and done from firing."""
    future = submit_call(executor, abs, -1)
    future.observe(lambda event: 1 / 0, "state")
    recorder = Recorder(future, ("done",))
    wait_done(executor, future)
    assert recorder.changes == [("done", True)]
    assert traits_jobs_errors.take()


def test_job_refused_by_a_shut_down_pool_raises_at_submit():
    """A pool that refuses a job makes submit raise; the job's future ends FAILED."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    pool.shutdown()
    loop = ManualEventLoop()
    executor = TraitsExecutor(worker_pool=pool, event_loop=loop)
    with pytest.raises(ExecutorStateError, match="refused the job"):
        submit_call(executor, abs, 1)
    [future] = executor.jobs
    assert loop.run_until(lambda: future.done, SAFETY_TIMEOUT)
    assert future.state == FAILED
    assert "refused the job" in future.exception[1]
    executor.stop()
    assert executor.stopped


def test_job_the_pool_cannot_run_ends_failed():
    """A job a process pool cannot pickle ends FAILED with the pickling error."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        loop = ManualEventLoop()
        executor = TraitsExecutor(worker_pool=pool, event_loop=loop)
        future = submit_call(executor, abs, -1)
        assert loop.run_until(lambda: future.done, SAFETY_TIMEOUT)
        assert future.state == FAILED
        assert "pickle" in future.exception[1].lower() or "pickl" in future.exception[2]
        executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_external_pool_survives_stop():
    """A worker pool passed in is not shut down by the executor."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        loop = ManualEventLoop()
        executor = TraitsExecutor(worker_pool=pool, event_loop=loop)
        future = submit_call(executor, abs, -3)
        executor.shutdown(timeout=SAFETY_TIMEOUT)
        assert future.done
        assert pool.submit(abs, -4).result(timeout=SAFETY_TIMEOUT) == 4


def test_owned_pool_is_shut_down():
    """The executor's own pool is shut down by shutdown(): its threads end."""
    loop = ManualEventLoop()
    before = set(threading.enumerate())
    executor = TraitsExecutor(max_workers=2, event_loop=loop)
    future = submit_call(executor, abs, -3)
    assert loop.run_until(lambda: future.done, SAFETY_TIMEOUT)
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    assert future.result == 3
    assert [t for t in set(threading.enumerate()) - before if t.is_alive()] == []


def test_external_context_is_not_closed():
    """A context passed in stays open after the executor stops."""
    context = MultithreadingContext()
    executor = TraitsExecutor(context=context, event_loop=ManualEventLoop())
    executor.shutdown()
    assert not context.closed


def test_max_workers_with_worker_pool_is_rejected():
    """max_workers and worker_pool together raise TypeError naming both."""
    with concurrent.futures.ThreadPoolExecutor() as pool:
        with pytest.raises(TypeError, match="max_workers=2 and worker_pool="):
            TraitsExecutor(worker_pool=pool, max_workers=2, event_loop=ManualEventLoop())


@pytest.mark.parametrize("max_workers", [0, -1, 1.5, True])
def test_bad_max_workers_is_rejected(max_workers):
    """max_workers must be a positive int."""
    with pytest.raises(ValueError, match="positive int"):
        TraitsExecutor(max_workers=max_workers, event_loop=ManualEventLoop())


@pytest.mark.parametrize(
    ("name", "value"), [("worker_pool", "pool"), ("context", 1), ("event_loop", object())]
)
def test_wrong_collaborator_types_are_rejected(name, value):
    """A worker pool, context or event loop of the wrong type raises TypeError."""
    with pytest.raises(TypeError, match=f"{name} must be"):
        TraitsExecutor(**{name: value})


def test_thread_pool_alias_is_deprecated():
    """thread_pool= still works but warns."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        with pytest.warns(DeprecationWarning, match="worker_pool"):
            executor = TraitsExecutor(thread_pool=pool, event_loop=ManualEventLoop())
        executor.shutdown()


def test_deprecated_submit_methods_warn_and_work():
    """executor.submit_call() still works but warns, pointing at the caller."""
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    with pytest.warns(DeprecationWarning) as warned:
        future = executor.submit_call(abs, -5)
    assert warned[0].filename == __file__
    assert loop.run_until(lambda: future.done, SAFETY_TIMEOUT)
    assert future.result == 5
    executor.shutdown()


def test_submit_rejects_non_specifications(executor):
    """submit() with something that is not a task specification raises TypeError."""
    with pytest.raises(TypeError, match="expected an ITaskSpecification"):
        executor.submit(abs)


def test_executor_is_running_when_created(executor):
    """A new executor is RUNNING."""
    assert executor.state == RUNNING
    assert executor.running and not executor.stopped


def test_owned_asyncio_loop_is_closed_at_stop():
    """An event loop the executor made itself is closed when it stops."""
    loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    executor.stop()
    assert not loop.event_loop.is_closed()
    loop.close()
    assert loop.event_loop.is_closed()


class JobsWatchingExecutor(TraitsExecutor):
    """An executor subclass with a static observer of ``jobs``."""

    seen = List()

    def _jobs_changed(self, new):
        self.seen.append(("static", len(new)))


@pytest.mark.parametrize("how", ["observe", "on_trait_change", "anytrait", "static"])
def test_every_kind_of_observer_of_jobs_hears_submit_and_end(how):
    """jobs fires on submit and on end for each way of observing it."""
    executor = JobsWatchingExecutor(event_loop=ManualEventLoop())
    seen = executor.seen if how == "static" else []
    if how != "static":
        # Another class without the static observer: nothing on the class's trait.
        executor.shutdown(timeout=SAFETY_TIMEOUT)
        executor = TraitsExecutor(event_loop=ManualEventLoop())
    if how == "observe":
        executor.observe(lambda event: seen.append(len(event.new)), "jobs")
    elif how == "on_trait_change":
        executor.on_trait_change(lambda new: seen.append(len(new)), "jobs")
    elif how == "anytrait":
        executor.on_trait_change(
            lambda obj, name, new: seen.append(len(new)) if name == "jobs" else None
        )
    try:
        future = submit_call(executor, abs, -1)
        future.wait(SAFETY_TIMEOUT)
        assert [entry[-1] if isinstance(entry, tuple) else entry for entry in seen] == [1, 0]
    finally:
        executor.shutdown(timeout=SAFETY_TIMEOUT)
