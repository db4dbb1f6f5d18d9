# SPDX-License-Identifier: BSD-3-Clause
"""Many threads submit at once while the main thread delivers, cancels and reads.

Eight threads each submit a stream of jobs (calls, iterations, progress
jobs; some claiming a resource of their own, some waiting for shared ones,
some in the background) to one executor. Meanwhile the main thread runs the
event loop, cancels live jobs at random and reads ``jobs``,
``claimed_resources`` and ``background_jobs`` over and over. In the end
every future is final, the counts add up, and nothing hung. It runs on each
event loop (the ``executor`` fixture).
"""

import random
import threading
import time
from collections.abc import Iterator
from typing import Any

from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    FAILED,
    IEventLoop,
    ManualEventLoop,
    TraitsExecutor,
    submit_call,
    submit_iteration,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT

THREADS = 8
JOBS_PER_THREAD = 2_000

#: Seconds the whole run may take before the test declares a hang.
STRESS_TIMEOUT = 50.0

#: Shared resources: jobs claiming them wait their turn (on_conflict="wait").
SHARED = [frozenset({"stage"}), frozenset({"camera"}), frozenset({"stage", "camera"})]


def divide(i: int) -> int:
    """A call that fails for one job in seven."""
    return 7 * i // (i % 7)


def count(n: int) -> Iterator[int]:
    yield from range(n)
    return n


def report(n: int, progress: Any) -> int:
    for i in range(n):
        progress(i)
    return n


class Exclusive:
    """Runs jobs that claim shared resources; records any two that ran at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, int] = {}
        self.overlaps: list[frozenset[str]] = []

    def run(self, claims: frozenset[str], i: int) -> int:
        """Do job ``i`` of :func:`divide` while marking ``claims`` as in use."""
        with self._lock:
            if any(self._users.get(claim) for claim in claims):
                self.overlaps.append(claims)
            for claim in claims:
                self._users[claim] = self._users.get(claim, 0) + 1
        try:
            return divide(i)
        finally:
            with self._lock:
                for claim in claims:
                    self._users[claim] -= 1


def expected_result(kind: str, i: int) -> Any:
    """What job ``i`` of ``kind`` returns, or the exception type it raises."""
    if kind in ("iteration", "progress"):
        return i % 3
    return ZeroDivisionError if i % 7 == 0 else 7 * i // (i % 7)


def submit_one(
    executor: TraitsExecutor, exclusive: Exclusive, rng: random.Random, thread: int, i: int
) -> tuple:
    """Submit job ``i`` of one thread, of a kind drawn from ``rng``; return what to check."""
    draw = rng.random()
    if draw < 0.1:
        return "iteration", i, submit_iteration(executor, count, i % 3)
    if draw < 0.2:
        return "progress", i, submit_progress(executor, report, i % 3)
    if draw < 0.35:
        own = {f"thread{thread}:job{i}"}
        return "call", i, submit_call(executor, divide, i, resources=own)
    if draw < 0.45:
        # These run one after the other, each started by the main thread
        # when the one before it has ended.
        shared = rng.choice(SHARED)
        future = submit_call(
            executor, exclusive.run, shared, i, resources=shared, on_conflict="wait"
        )
        return "call", i, future
    if draw < 0.5:
        name = f"background{thread}:job{i}"
        future = submit_call(executor, divide, i, resources={name}, background=True, name=name)
        return "call", i, future
    return "call", i, submit_call(executor, divide, i)


def run_some(loop: IEventLoop, timeout: float) -> None:
    """Run what the loop has queued, or wait up to ``timeout`` for a callback and run it."""
    if isinstance(loop, ManualEventLoop):
        if loop.run_pending():
            return
    # run_until checks its condition at once and after each callback.
    checks = iter([False])
    loop.run_until(lambda: next(checks, True), timeout)


def test_threads_submit_while_the_main_thread_cancels_and_reads(executor):
    """8 threads x 2,000 jobs, random cancels and reads: all end, and the counts add up."""
    loop = executor.event_loop
    submitted: list[tuple] = []
    errors: list[BaseException] = []
    exclusive = Exclusive()

    def submitter(thread: int) -> None:
        rng = random.Random(thread)
        try:
            for i in range(JOBS_PER_THREAD):
                submitted.append(submit_one(executor, exclusive, rng, thread, i))
        except BaseException as error:
            errors.append(error)
        finally:
            loop.call_soon_threadsafe(lambda: None)  # wake the main thread

    threads = [
        threading.Thread(target=submitter, args=(t,), name=f"submitter {t}") for t in range(THREADS)
    ]
    rng = random.Random(1234)
    cancelled: set[int] = set()
    reads = 0
    deadline = time.monotonic() + STRESS_TIMEOUT
    for thread in threads:
        thread.start()

    first_not_done = 0

    def all_over() -> bool:
        # Done futures stay done: each is looked at until it is, then never again.
        nonlocal first_not_done
        if any(t.is_alive() for t in threads):
            return False
        while first_not_done < len(submitted) and submitted[first_not_done][2].done:
            first_not_done += 1
        return first_not_done == len(submitted)

    while not all_over():
        assert time.monotonic() < deadline, (
            f"hung: {sum(not f.done for _, _, f in submitted)} of {len(submitted)} not done"
        )
        run_some(loop, 0.05)
        # Claims first: a job ends only on this thread, so a holder read
        # here is still listed by the read of jobs that follows.
        claimed = executor.claimed_resources
        named = executor.background_jobs
        live = executor.jobs
        reads += 1
        live_ids = {id(future) for future in live}
        assert {id(future) for future in claimed.values()} <= live_ids
        assert {id(future) for future in named.values()} <= live_ids
        for future in rng.sample(live, min(len(live), 2)):
            if future.cancel():
                cancelled.add(id(future))
    for thread in threads:
        thread.join(SAFETY_TIMEOUT)

    assert errors == []
    assert exclusive.overlaps == [], "jobs claiming the same resource ran at once"
    assert len(submitted) == THREADS * JOBS_PER_THREAD
    states = {COMPLETED: 0, FAILED: 0, CANCELLED: 0}
    for kind, i, future in submitted:
        states[future.state] += 1
        expected = expected_result(kind, i)
        if future.state == CANCELLED:
            assert id(future) in cancelled, f"{future!r} was cancelled by nobody"
        elif id(future) in cancelled:
            raise AssertionError(f"cancel() returned True for {future!r}")
        elif future.state == COMPLETED:
            assert future.result == expected
        else:
            assert isinstance(future.error, expected)
    assert sum(states.values()) == len(submitted)
    assert states[CANCELLED] == len(cancelled)
    assert states[COMPLETED] and states[FAILED] and states[CANCELLED], states
    assert reads > 1
    assert loop.run_until(lambda: not executor.jobs, SAFETY_TIMEOUT)
    assert executor.claimed_resources == {}
    assert executor.background_jobs == {}
