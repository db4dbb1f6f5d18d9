# SPDX-License-Identifier: BSD-3-Clause
"""The executor's record of one live job, and how it reaches a worker pool."""

import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.contexts.thread_pool import WorkerThreadPool
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

if TYPE_CHECKING:
    from traits_jobs.contexts.i_parallel_context import CancelEvent
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.routing.router import MessageRouter


class Job:
    """What the executor keeps for a job between submission and its end."""

    __slots__ = ("cancel_event", "future", "job_id", "router", "withdraw")

    def __init__(self, cancel_event: "CancelEvent", router: "MessageRouter") -> None:
        self.cancel_event = cancel_event
        self.router = router
        self.job_id = -1
        self.future: BaseFuture | None = None
        #: Takes the job out of the pool's queue; True if it was still there.
        self.withdraw: Callable[[], bool] | None = None

    def cancel(self) -> None:
        """Ask the job to stop; end it at once if it has not left the pool's queue.

        Main thread only: the future calls it from ``cancel()``.
        """
        self.cancel_event.set()
        withdraw = self.withdraw
        if withdraw is not None and withdraw():
            self.router.deliver(self.job_id, Control.ABANDONED)

    def launch(self, pool: concurrent.futures.Executor, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)`` on ``pool`` for this job. Thread-safe.

        A :class:`WorkerThreadPool` takes the job as it is; any other
        ``concurrent.futures.Executor`` goes through its ``Future``.
        """
        if isinstance(pool, WorkerThreadPool):
            key = self.job_id
            pool.submit_job(key, fn, *args)
            self.withdraw = lambda: pool.withdraw(key)
            return
        pool_future = pool.submit(fn, *args)
        self.withdraw = pool_future.cancel
        pool_future.add_done_callback(self._pool_done)

    def _pool_done(self, pool_future: "concurrent.futures.Future[None]") -> None:
        """Report a failure of the pool itself (a job that could not be run).

        Runs on whichever thread completed ``pool_future``. Jobs report their
        own exceptions; an exception here means the pool could not run the
        job at all: it did not pickle, or the process pool broke.
        """
        if pool_future.cancelled():
            return
        error = pool_future.exception()
        if error is not None:
            self.router.send(self.job_id, Control.RAISED, marshal_exception(error))
