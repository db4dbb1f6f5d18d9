# SPDX-License-Identifier: BSD-3-Clause
"""The work of a resource operation does not grow with the number of live jobs.

Each test counts the lines of traits_jobs that an operation executes (with
``sys.settrace``, on the main thread, which runs every operation here) with
few and with many jobs live, 16 times as many. An operation that is
O(its own claims) executes about as many lines either way; one that scans
every live or waiting job executes about 16 times as many. Counting lines
instead of timing keeps the tests exact on a busy machine.

The jobs never start: one job occupies the only worker until the end.
"""

import itertools
import pathlib
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import traits_jobs
from traits_jobs.api import ManualEventLoop, TraitsExecutor, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT

FEW, MANY = 50, 800

#: How many times the lines may grow from FEW to MANY for work that does not.
ALLOWED_RATIO = 1.5

#: Operations counted at each size.
OPERATIONS = 20

PACKAGE = str(pathlib.Path(traits_jobs.__file__).resolve().parent)


def lines_run(operation: Callable[[], object]) -> int:
    """How many lines of traits_jobs ``operation()`` executes on this thread."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(PACKAGE) else None

    sys.settrace(tracer)
    try:
        operation()
    finally:
        sys.settrace(None)
    return count


@contextmanager
def occupied_executor() -> Iterator[TraitsExecutor]:
    """An executor whose only worker is busy until the block ends; shut down then."""
    executor = TraitsExecutor(event_loop=ManualEventLoop(), max_workers=1)
    started, release = threading.Event(), threading.Event()

    def occupy() -> None:
        started.set()
        release.wait(SAFETY_TIMEOUT)

    submit_call(executor, occupy)
    assert started.wait(SAFETY_TIMEOUT)
    try:
        yield executor
    finally:
        release.set()
        executor.shutdown(timeout=SAFETY_TIMEOUT)


class Pairs:
    """(holder, waiter) pairs, each pair claiming a resource of its own.

    Each waiter waits for its holder only. The holders are queued behind the
    occupied worker, so they hold their claims and never start.
    """

    def __init__(self, executor: TraitsExecutor) -> None:
        self.executor = executor
        self.pairs: list[tuple[Any, Any]] = []
        self._names = itertools.count()

    def grow_to(self, count: int) -> None:
        while len(self.pairs) < count:
            claims = {f"resource{next(self._names)}"}
            holder = submit_call(self.executor, pow, 2, 2, resources=claims)
            waiter = submit_call(self.executor, pow, 2, 2, resources=claims, on_conflict="wait")
            self.pairs.append((holder, waiter))

    def take(self) -> list[tuple[Any, Any]]:
        """The last pairs, taken out: an operation may end them."""
        taken, self.pairs = self.pairs[-OPERATIONS:], self.pairs[:-OPERATIONS]
        return taken


def growth(operate: Callable[[TraitsExecutor, Pairs], object]) -> float:
    """How many times more lines ``operate`` runs with MANY pairs live than with FEW."""
    lines = {}
    with occupied_executor() as executor:
        pairs = Pairs(executor)
        for count in (FEW, MANY):
            pairs.grow_to(count + OPERATIONS)
            lines[count] = lines_run(lambda: operate(executor, pairs))
    return lines[MANY] / lines[FEW]


def cancel_waiters(executor: TraitsExecutor, pairs: Pairs) -> None:
    for _, waiter in pairs.take():
        assert waiter.cancel()


def end_holders(executor: TraitsExecutor, pairs: Pairs) -> None:
    # A holder cancelled while queued ends at once and hands its resource on.
    for holder, _ in pairs.take():
        assert holder.cancel()


def submit_claiming(executor: TraitsExecutor, pairs: Pairs) -> None:
    for i in range(OPERATIONS):
        submit_call(executor, pow, 2, 2, resources={f"new{len(pairs.pairs)}:{i}"})


def test_cancelling_a_waiting_job_does_not_grow_with_the_jobs_waiting():
    """cancel() of a job waiting for a resource does as much work with 800 waiting as with 50."""
    assert growth(cancel_waiters) < ALLOWED_RATIO


def test_ending_a_holder_does_not_grow_with_the_jobs_waiting():
    """The end of a job holding a resource does as much work with 800 waiting as with 50."""
    assert growth(end_holders) < ALLOWED_RATIO


def test_admitting_a_claiming_job_does_not_grow_with_the_live_claims():
    """Submitting a job with claims of its own does as much work with 1,600 live as with 100."""
    assert growth(submit_claiming) < ALLOWED_RATIO


def test_submitting_a_job_that_waits_does_not_grow_with_the_queue():
    """A job that waits for "stage" is admitted with as much work behind 800 waiting as 50."""
    lines = {}
    with occupied_executor() as executor:
        submit_call(executor, pow, 2, 2, resources={"stage"})
        waiting = 0
        for count in (FEW, MANY):
            while waiting < count:
                submit_call(executor, pow, 2, 2, resources={"stage"}, on_conflict="wait")
                waiting += 1

            def submit_more() -> None:
                for _ in range(OPERATIONS):
                    submit_call(executor, pow, 2, 2, resources={"stage"}, on_conflict="wait")

            lines[count] = lines_run(submit_more)
            waiting += OPERATIONS
    assert lines[MANY] / lines[FEW] < ALLOWED_RATIO


def test_stopping_does_the_same_work_per_job_however_many_wait():
    """stop() does as much work per waiting job with 800 pairs as with 50."""
    per_job = {}
    for count in (FEW, MANY):
        with occupied_executor() as executor:
            Pairs(executor).grow_to(count)
            per_job[count] = lines_run(executor.stop) / count
    assert per_job[MANY] / per_job[FEW] < ALLOWED_RATIO


def test_the_line_count_sees_a_scan_of_every_job():
    """The measure itself: reading ``executor.jobs``, a list of every live job, grows 16 times."""

    def read_jobs(executor: TraitsExecutor, pairs: Pairs) -> None:
        for _ in range(OPERATIONS):
            executor.jobs

    assert growth(read_jobs) > 8
