# SPDX-License-Identifier: BSD-3-Clause
"""The cost of a resource operation does not grow with the number of jobs waiting.

Each test times an operation with few and with many jobs waiting for
resources (16 times as many), and compares the two. An operation whose cost
is O(its own claims) stays within a small factor; one that scans every
waiting job grows about 16 times. The best of a few rounds is taken, so
that one slow round on a busy machine does not decide.

Everything timed runs on the main thread: the jobs never start, since one
job occupies the only worker until the measurement is over.
"""

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from traits_jobs.api import ManualEventLoop, TraitsExecutor, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT

FEW, MANY = 50, 800

#: How many times slower "many" may be than "few" for a cost that does not grow.
ALLOWED_RATIO = 4.0

#: Operations timed per round, and rounds.
OPERATIONS = 50
ROUNDS = 3


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

    Each waiter waits for its holder only, so admitting one looks at one
    resource. The holders are queued behind the occupied worker.
    """

    def __init__(self, executor: TraitsExecutor) -> None:
        self.executor = executor
        self.pairs: list[tuple] = []
        self._names = itertools.count()

    def grow_to(self, count: int) -> None:
        while len(self.pairs) < count:
            claims = {f"resource{next(self._names)}"}
            holder = submit_call(self.executor, pow, 2, 2, resources=claims)
            waiter = submit_call(self.executor, pow, 2, 2, resources=claims, on_conflict="wait")
            self.pairs.append((holder, waiter))

    def take(self) -> list[tuple]:
        """The last pairs, taken out: an operation may end them."""
        taken, self.pairs = self.pairs[-OPERATIONS:], self.pairs[:-OPERATIONS]
        return taken


def best_time(pairs: Pairs, count: int, operate: Callable[[list[tuple]], None]) -> float:
    """Best time of ``operate`` on the last pairs, over rounds, with ``count`` pairs live."""
    best = float("inf")
    for _ in range(ROUNDS):
        pairs.grow_to(count)
        taken = pairs.take()
        start = time.perf_counter()
        operate(taken)
        best = min(best, time.perf_counter() - start)
    return best


def pairs_ratio(operate: Callable[[list[tuple]], None]) -> float:
    """How many times longer ``operate`` takes with MANY pairs live than with FEW."""
    with occupied_executor() as executor:
        pairs = Pairs(executor)
        few = best_time(pairs, FEW, operate)
        many = best_time(pairs, MANY, operate)
    return many / few


def cancel_waiters(taken: list[tuple]) -> None:
    for _, waiter in taken:
        assert waiter.cancel()


def end_holders(taken: list[tuple]) -> None:
    # A holder cancelled while queued ends at once and hands its resource on.
    for holder, _ in taken:
        assert holder.cancel()


def test_cancelling_a_waiting_job_costs_the_same_however_many_wait():
    """cancel() of a job waiting for a resource costs as much with 800 waiting as with 50."""
    slower = pairs_ratio(cancel_waiters)
    assert slower < ALLOWED_RATIO, f"{slower:.1f} times slower with {MANY} waiting"


def test_ending_a_holder_costs_the_same_however_many_wait():
    """The end of a job holding a resource costs as much with 800 waiting as with 50."""
    slower = pairs_ratio(end_holders)
    assert slower < ALLOWED_RATIO, f"{slower:.1f} times slower with {MANY} waiting"


def test_stopping_costs_the_same_per_job_however_many_wait():
    """shutdown() costs as much per waiting job with 800 pairs as with 50."""
    per_job = {}
    for count in (FEW, MANY):
        best = float("inf")
        for _ in range(ROUNDS if count == FEW else 1):
            with occupied_executor() as executor:
                Pairs(executor).grow_to(count)
                start = time.perf_counter()
                executor.stop()
                best = min(best, time.perf_counter() - start)
        per_job[count] = best / count
    slower = per_job[MANY] / per_job[FEW]
    assert slower < ALLOWED_RATIO, f"{slower:.1f} times slower per job with {MANY} pairs"
