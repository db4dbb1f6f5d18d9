# SPDX-License-Identifier: BSD-3-Clause
"""Regressions of the executor's lock discipline and of user code that misbehaves.

No user code (observers, callbacks, a pool's ``submit``) and no delivery runs
while the executor holds its lock, so each of these used to hang or lose a
job's outcome and must now end every job and return.
"""

import concurrent.futures
import math
import random
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests._support import wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    STOPPING,
    AsyncioEventLoop,
    ExecutorStateError,
    IEventLoop,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT


@pytest.fixture(params=["qt", "asyncio"])
def event_loop(request: pytest.FixtureRequest) -> Iterator[IEventLoop]:
    """A fresh event loop of each kind, for executors built by the test."""
    loop: IEventLoop
    if request.param == "qt":
        request.getfixturevalue("qapp")
        from traits_jobs.api import QtEventLoop

        loop = QtEventLoop()
    else:
        loop = AsyncioEventLoop()
    yield loop
    loop.close()


def held(started: threading.Event, release: threading.Event, value: Any = "done") -> Any:
    started.set()
    assert release.wait(SAFETY_TIMEOUT)
    return value


def test_a_held_job_refused_by_a_shut_down_pool_ends_failed(event_loop):
    """A job waiting for a resource, refused by the pool when it comes free, ends FAILED."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    executor = TraitsExecutor(worker_pool=pool, event_loop=event_loop)
    started, release = threading.Event(), threading.Event()
    holder = submit_call(executor, held, started, release, resources={"stage"})
    wait_event(started)
    waiter = submit_call(executor, abs, -1, resources={"stage"}, on_conflict="wait")
    pool.shutdown(wait=False)
    release.set()
    wait_done(executor, waiter)
    assert holder.state == COMPLETED
    assert waiter.state == FAILED
    assert "refused the job" in waiter.exception[1]
    executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_an_observer_of_a_refused_job_may_call_the_executor(event_loop):
    """The done observer of a refused held job may read the books and submit."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    executor = TraitsExecutor(worker_pool=pool, event_loop=event_loop)
    started, release = threading.Event(), threading.Event()
    submit_call(executor, held, started, release, resources={"stage"})
    wait_event(started)
    waiter = submit_call(executor, abs, -1, resources={"stage"}, on_conflict="wait")
    seen: list[Any] = []

    def on_done(event: Any) -> None:
        seen.append((len(executor.jobs), dict(executor.claimed_resources)))
        try:
            submit_call(executor, abs, -2)
        except ExecutorStateError as error:
            seen.append(error)

    waiter.observe(on_done, "done")
    pool.shutdown(wait=False)
    release.set()
    wait_done(executor, waiter)
    # The failed job's claim is free before its observers run: they may
    # claim it again at once (a sequence's next step).
    assert seen[0] == (0, {})
    assert "refused the job" in str(seen[1])
    executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_an_observer_may_submit_when_a_held_job_starts(executor):
    """An observer that submits when a job held for resources starts runs without a hang."""
    started, release = threading.Event(), threading.Event()
    submit_call(executor, held, started, release, resources={"stage"})
    wait_event(started)
    waiter = submit_call(executor, abs, -1, resources={"stage"}, on_conflict="wait")
    followers: list[Any] = []

    def on_state(event: Any) -> None:
        if event.new == EXECUTING:
            followers.append(submit_call(executor, abs, -3, resources={"camera"}))

    waiter.observe(on_state, "state")
    release.set()
    wait_done(executor, waiter)
    [follower] = followers
    wait_done(executor, follower)
    assert (waiter.result, follower.result) == (1, 3)


def test_stop_observers_may_cancel_and_wait_for_background_jobs(executor):
    """An observer of the executor's state may cancel jobs and wait inside stop()."""
    started, proceed = threading.Event(), threading.Event()

    def frames() -> Iterator[str]:
        started.set()
        while True:
            yield "frame"
            proceed.wait(0.01)

    background = submit_iteration(executor, frames, resources={"camera"}, background=True)
    wait_event(started)
    blocker_started, release = threading.Event(), threading.Event()
    submit_call(executor, held, blocker_started, release, resources={"stage"})
    wait_event(blocker_started)
    waiting = submit_call(executor, abs, -1, resources={"stage"}, on_conflict="wait")
    outcomes: list[Any] = []

    def on_state(event: Any) -> None:
        if event.new == STOPPING:
            outcomes.append(waiting.cancel())
            background.cancel()
            outcomes.append(executor.wait_for_background(timeout=SAFETY_TIMEOUT))

    executor.observe(on_state, "state")
    executor.stop()
    assert outcomes == [True, [background]]
    assert waiting.state == CANCELLED
    release.set()
    wait_for(executor, executor, "stopped", lambda e: e.stopped)


class InlinePool(concurrent.futures.Executor):
    """A pool that runs each job inside ``submit``, on the submitting thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


def test_a_job_may_submit_on_a_pool_that_runs_jobs_inline(event_loop):
    """With a pool that runs jobs inside submit(), a job that submits another completes."""
    executor = TraitsExecutor(worker_pool=InlinePool(), event_loop=event_loop)
    inner: list[Any] = []

    def outer() -> str:
        inner.append(submit_call(executor, abs, -5, resources={"stage"}))
        return "outer"

    future = submit_call(executor, outer, resources={"camera"})
    wait_done(executor, future)
    wait_done(executor, inner[0])
    assert (future.result, inner[0].result) == ("outer", 5)
    executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_the_books_can_be_read_while_threads_submit_and_the_main_thread_cancels(executor):
    """claimed_resources, jobs and background_jobs read in a loop never see a torn table."""
    stop_reading = threading.Event()
    reads: list[int] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop_reading.is_set():
                reads.append(
                    len(executor.claimed_resources)
                    + len(executor.jobs)
                    + len(executor.background_jobs)
                )
        except BaseException as error:
            errors.append(error)

    futures: list[Any] = []
    futures_lock = threading.Lock()

    def submit(thread: int) -> None:
        for n in range(150):
            shared = {"shared:" + str(n % 3)}
            mine = {f"own:{thread}:{n}"}
            future = submit_call(
                executor, abs, -n, resources=shared | mine, on_conflict="wait", name=f"{thread}"
            )
            with futures_lock:
                futures.append(future)

    reader = threading.Thread(target=read)
    reader.start()
    submitters = [threading.Thread(target=submit, args=(t,)) for t in range(4)]
    for thread in submitters:
        thread.start()
    rng = random.Random(1)
    while any(thread.is_alive() for thread in submitters):
        with futures_lock:
            candidates = list(futures[-20:])
        if candidates:
            rng.choice(candidates).cancel()
        executor.event_loop.run_until(lambda: False, 0.001)
    for thread in submitters:
        thread.join(SAFETY_TIMEOUT)
    for future in futures:
        wait_done(executor, future)
    stop_reading.set()
    reader.join(SAFETY_TIMEOUT)
    assert not errors
    assert reads
    assert len(futures) == 600
    assert {future.state for future in futures} <= {COMPLETED, CANCELLED}
    assert executor.claimed_resources == {}


@pytest.mark.parametrize("timeout", [math.inf, 2**31 / 1000 + 10.0])
def test_a_timeout_beyond_what_timers_take_lets_the_job_finish(executor, timeout):
    """An infinite timeout, or one longer than a QTimer takes, never fires early or fails."""
    future = submit_call(executor, abs, -7, timeout=timeout)
    wait_done(executor, future)
    assert future.result == 7


def test_a_long_qt_timer_is_rearmed_until_it_is_due(qapp, monkeypatch):
    """A delay longer than one QTimer run fires once, after the whole delay."""
    from traits_jobs.event_loops import qt

    monkeypatch.setattr(qt, "_QT_MAX_INTERVAL_MS", 5)
    loop = qt.QtEventLoop()
    fired: list[float] = []
    start = loop.time()
    loop.call_later(0.03, lambda: fired.append(loop.time() - start))
    assert loop.run_until(lambda: bool(fired), SAFETY_TIMEOUT)
    assert fired[0] >= 0.025
    loop.close()


def test_an_infinite_default_timer_never_fires_and_cancels():
    """The default thread timer takes an infinite delay without overflowing."""
    loop = AsyncioEventLoop()
    timer = IEventLoop.call_later(loop, math.inf, lambda: None)
    timer.cancel()
    loop.close()


class StrRaises(Exception):
    """An exception whose str() raises a BaseException."""

    def __str__(self) -> str:
        raise KeyboardInterrupt


def raise_str_raises() -> None:
    raise StrRaises


def test_an_exception_whose_str_raises_still_fails_the_future(executor):
    """A job's exception whose __str__ raises KeyboardInterrupt still reaches its future."""
    future = submit_call(executor, raise_str_raises)
    wait_done(executor, future)
    assert future.state == FAILED
    type_name, message, formatted = future.exception
    assert type_name.endswith("StrRaises")
    assert "KeyboardInterrupt" in message
    assert "raise_str_raises" in formatted
    assert isinstance(future.error, StrRaises)


class ReprRaises:
    """A result whose repr() raises."""

    def __repr__(self) -> str:
        raise SystemExit


def test_a_result_whose_repr_raises_leaves_the_future_printable(executor, caplog):
    """repr(future) and the library's log lines survive a result whose repr raises."""
    future = submit_call(executor, ReprRaises)
    wait_done(executor, future)
    assert "repr() raised SystemExit" in repr(future)
    assert isinstance(future.result, ReprRaises)


def test_cancel_from_another_thread_is_refused(executor):
    """cancel() off the main thread raises a clear error and changes nothing."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(executor, held, started, release)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    errors: list[BaseException] = []

    def cancel() -> None:
        try:
            future.cancel()
        except RuntimeError as error:
            errors.append(error)

    thread = threading.Thread(target=cancel, name="not-main")
    thread.start()
    thread.join(SAFETY_TIMEOUT)
    assert "not-main" in str(errors[0])
    assert future.state == EXECUTING
    release.set()
    wait_done(executor, future)
    assert future.state == COMPLETED


_DESTROYED_APP = textwrap.dedent(
    """
    import gc, os, threading
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from pyface.qt import QtWidgets
    from traits_jobs.api import ExecutorStateError, QtEventLoop, TraitsExecutor, submit_call

    app = QtWidgets.QApplication([])
    executor = TraitsExecutor(event_loop=QtEventLoop(), max_workers=1)
    release, started = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(30)

    running = submit_call(executor, hold)
    queued = submit_call(executor, abs, -1)
    started.wait(30)
    app.shutdown()
    del app
    gc.collect()
    app = QtWidgets.QApplication([])
    try:
        submit_call(executor, abs, -2)
    except ExecutorStateError as error:
        print("submit:", error)
    print("running:", running.state, running.exception[0])
    release.set()
    executor.shutdown(timeout=30)
    print("queued:", queued.state, queued.exception[0])
    print("executor:", executor.state)
    """
)


def test_an_executor_whose_qapplication_was_destroyed_fails_clearly(tmp_path):
    """After its QApplication is destroyed, submit raises and every future ends FAILED."""
    script = tmp_path / "destroyed_app.py"
    script.write_text(_DESTROYED_APP)
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("submit: The QApplication that this QtEventLoop delivered to")
    assert lines[1] == "running: failed traits_jobs.states.exceptions.ExecutorStateError"
    assert lines[2] == "queued: failed traits_jobs.states.exceptions.ExecutorStateError"
    assert lines[3] == "executor: stopped"
    assert "Internal C++ object" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_failing_state_observer_does_not_stop_stop(executor, traits_jobs_errors):
    """An observer of the executor's state that raises is logged; stop() still cancels."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(executor, held, started, release)
    wait_event(started)

    def broken(event: Any) -> None:
        raise RuntimeError("observer failed on purpose")

    executor.observe(broken, "state")
    executor.stop()
    assert future.state == "cancelling"
    release.set()
    wait_for(executor, executor, "stopped", lambda e: e.stopped)
    assert any("observer failed" in str(r.exc_info[1]) for r in traits_jobs_errors.take())


class InterruptingPool(concurrent.futures.Executor):
    """A pool whose submit raises KeyboardInterrupt."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt


def test_a_pool_that_raises_a_base_exception_still_ends_the_job(event_loop):
    """A pool whose submit raises KeyboardInterrupt: it propagates, and the job ends FAILED."""
    executor = TraitsExecutor(worker_pool=InterruptingPool(), event_loop=event_loop)
    with pytest.raises(KeyboardInterrupt):
        submit_call(executor, abs, -1)
    [future] = executor.jobs
    wait_done(executor, future)
    assert future.state == FAILED
    assert future.exception[0] == "KeyboardInterrupt"
    executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_a_future_cannot_be_submitted_twice(executor):
    """A specification whose future() returns a future already submitted is refused."""
    from traits_jobs.api import CallFuture
    from traits_jobs.jobs.call import BackgroundCall

    class Reused(BackgroundCall):
        def __init__(self) -> None:
            super().__init__(abs, (-1,), {})
            self.made: CallFuture | None = None

        def future(self, cancel: Callable[[], None]) -> CallFuture:
            if self.made is None:
                self.made = super().future(cancel)
            return self.made

    spec = Reused()
    first = executor.submit(spec)
    with pytest.raises(TypeError, match="submitted before"):
        executor.submit(spec)
    wait_done(executor, first)
