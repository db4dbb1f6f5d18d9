# SPDX-License-Identifier: BSD-3-Clause
"""Locks between jobs: ``with job_lock("stage:x", "shutter"):`` inside a job.

One table per executor. A request names resources (and ``type:*``
patterns, as ``resources=`` does) and is granted all at once or not at all,
so two jobs locking ("a", "b") and ("b", "a") cannot deadlock. It waits
while another job holds an overlapping lock, or claimed an overlapping
resource at submit; a claim of a preemptible background job is preempted,
through the executor's own preemption. A job's later requests overlapping
its own locks or claims are granted (locks are re-entrant). A protected
resource refuses every request.

The table has its own condition, which jobs wait on. Lock order, to stay
deadlock-free: the table's condition, then the executor's lock; the
executor never takes the condition while it holds its lock.
"""

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.states.exceptions import JobStopRequested, LockTimeoutError
from traits_jobs.states.resources import overlaps

if TYPE_CHECKING:
    from traits_jobs.executor.job import Job
    from traits_jobs.executor.ownership import Protection
    from traits_jobs.executor.scheduler import Scheduler
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.states.control import JobControl


@dataclasses.dataclass(eq=False, slots=True)
class Grant:
    """The resources one request locked, for one job."""

    job_id: int
    names: frozenset[str]


class JobLocks:
    """The lock table of one executor; thread-safe."""

    def __init__(
        self,
        *,
        executor_lock: threading.Lock,
        jobs: "dict[int, Job]",
        scheduler: "Scheduler[Job, BaseFuture]",
        protection: "Protection",
        preempt: Callable[["BaseFuture", "BaseFuture", list[str]], None],
        changed: Callable[[], None],
    ) -> None:
        self.condition = threading.Condition(threading.Lock())
        self._executor_lock = executor_lock
        self._jobs = jobs
        self._scheduler = scheduler
        self._protection = protection
        self._preempt = preempt
        self._changed = changed
        self._grants: list[Grant] = []
        #: Jobs waiting on the condition now (read without it on the fast path).
        self._waiting = 0
        #: Coroutines waiting for a release: loop -> futures to wake.
        self._async_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    # -- what jobs call ------------------------------------------------------

    def acquire(
        self, job_id: int, names: frozenset[str], timeout: float | None, control: "JobControl"
    ) -> Grant:
        """Wait until ``names`` can all be locked for the job, and lock them. On a worker.

        Raises
        ------
        ResourceProtectedError
            If one of the names is protected.
        LockTimeoutError
            If ``timeout`` seconds passed first.
        JobStopRequested
            If the job was asked to stop or cancelled while it waited.
        """
        preempted: set[BaseFuture] = set()
        granted: list[Grant] = []

        def ready() -> bool:
            grant = self._try(job_id, names, preempted)
            if grant is None:
                return False
            granted.append(grant)
            return True

        with self.condition:
            self._waiting += 1
            try:
                control.wait_for(self.condition, ready, timeout)
            finally:
                self._waiting -= 1
        if not granted:
            if control.stop_requested:
                raise JobStopRequested("The job was stopped while it waited for a lock.")
            raise LockTimeoutError(names, timeout)
        self._changed()
        return granted[0]

    async def acquire_async(
        self, job_id: int, names: frozenset[str], timeout: float | None
    ) -> Grant:
        """As :meth:`acquire`, for a coroutine job; a cancellation ends the wait."""
        loop = asyncio.get_running_loop()
        preempted: set[BaseFuture] = set()

        async def wait() -> Grant:
            while True:
                with self.condition:
                    grant = self._try(job_id, names, preempted)
                    if grant:
                        return grant
                    woken: asyncio.Future[None] = loop.create_future()
                    self._async_waiters.append((loop, woken))
                await woken

        try:
            grant = await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise LockTimeoutError(names, timeout) from None
        self._changed()
        return grant

    def release(self, grant: Grant) -> None:
        """Unlock what ``grant`` locked, and wake the waiters. Any thread."""
        with self.condition:
            if grant not in self._grants:
                return
            self._grants.remove(grant)
        self.wake()
        self._changed()

    # -- what the executor calls ---------------------------------------------

    def release_job(self, job_id: int) -> None:
        """Unlock whatever an ended job still holds. Main thread."""
        if not self._grants:
            return
        with self.condition:
            left = [grant for grant in self._grants if grant.job_id == job_id]
            for grant in left:
                self._grants.remove(grant)
        if left:
            self.wake()
            self._changed()

    def wake(self) -> None:
        """Something was released (a lock, a claim): let the waiters try again."""
        # A waiter counts itself before it first looks: if none is counted,
        # none can have missed what was released before this read.
        if not self._waiting and not self._async_waiters:
            return
        with self.condition:
            self.condition.notify_all()
            waiters, self._async_waiters = self._async_waiters, []
        for loop, woken in waiters:
            try:
                loop.call_soon_threadsafe(_set_once, woken)
            except RuntimeError:
                pass  # Its loop is closed: its job has ended.

    def locked(self) -> dict[str, int]:
        """Each locked name -> the id of the job holding it."""
        with self.condition:
            return {name: grant.job_id for grant in self._grants for name in sorted(grant.names)}

    # -- the decision ----------------------------------------------------------

    def _try(self, job_id: int, names: frozenset[str], preempted: set[Any]) -> Grant | None:
        """Under the condition: lock ``names`` if nothing of another job is in the way."""
        with self._executor_lock:
            self._protection.check(names)
        for grant in self._grants:
            if grant.job_id != job_id and _overlap(grant.names, names):
                return None
        with self._executor_lock:
            job = self._jobs.get(job_id)
            mine = job.future if job is not None else None
            holders = self._scheduler.conflicts(names)
            victims: list[tuple[BaseFuture, list[str]]] = []
            for holder, claimed in holders.items():
                if holder is mine:
                    continue
                if self._scheduler.preemptible(holder):
                    victims.append((holder, sorted(claimed)))
                else:
                    return None
        if victims:
            for victim, held in victims:
                if victim not in preempted and mine is not None:
                    preempted.add(victim)
                    self._preempt(victim, mine, held)
            return None
        grant = Grant(job_id, names)
        self._grants.append(grant)
        return grant


def _overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(overlaps(x, y) for x in a for y in b)


def _set_once(woken: "asyncio.Future[None]") -> None:
    if not woken.done():
        woken.set_result(None)
