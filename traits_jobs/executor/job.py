# SPDX-License-Identifier: BSD-3-Clause
"""The executor's record of one live job, and how it reaches a worker pool."""

import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.contexts.thread_pool import WorkerThreadPool
from traits_jobs.jobs.base_task import BaseTask, SendFunction, run_job
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

if TYPE_CHECKING:
    from traits_jobs.contexts.i_parallel_context import CancelEvent
    from traits_jobs.executor.timing import TimedReceiver
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.routing.router import MessageRouter


class Job:
    """What the executor keeps for a job between submission and its end.

    Calling it runs the job's task: this is what the worker pool runs.
    """

    __slots__ = (
        "cancel_event",
        "future",
        "job_id",
        "pool",
        "pool_future",
        "router",
        "send",
        "task",
        "timed",
        "unqueue",
    )

    def __init__(
        self, cancel_event: "CancelEvent", router: "MessageRouter", send: "SendFunction"
    ) -> None:
        self.cancel_event = cancel_event
        self.router = router
        self.send = send
        self.job_id = -1
        self.future: BaseFuture | None = None
        self.task: BaseTask | None = None
        #: Stands between the router and the future of a job with a timeout
        #: or a settle time.
        self.timed: TimedReceiver | None = None
        #: Takes the job out of the executor's queue of jobs waiting for
        #: resources; True if it was there. Set while it waits.
        self.unqueue: Callable[[Job], bool] | None = None
        #: The light pool the job was queued on, if it was.
        self.pool: WorkerThreadPool | None = None
        #: The job's Future, if it went to another kind of pool.
        self.pool_future: concurrent.futures.Future[Any] | None = None

    def cancel(self) -> None:
        """Ask the job to stop; end it at once if it has not left the pool's queue.

        Main thread only: the future calls it from ``cancel()``.
        """
        self.cancel_event.set()
        if self.pool is not None:
            withdrawn = self.pool.withdraw(self.job_id)
        elif self.pool_future is not None:
            withdrawn = self.pool_future.cancel()
        else:
            withdrawn = self.unqueue is not None and self.unqueue(self)
        if withdrawn:
            self.router.deliver(self.job_id, Control.ABANDONED)
        elif self.timed is not None:
            self.timed.cancelled()

    def __call__(self) -> None:
        """Run the task and report how it went. On a worker."""
        task, self.task = self.task, None
        if task is not None:
            run_job(task, self.job_id, self.send, self.cancel_event.is_set)

    def launch(self, pool: concurrent.futures.Executor) -> None:
        """Queue this job on ``pool``. Thread-safe.

        A :class:`WorkerThreadPool` takes the job as it is; any other
        ``concurrent.futures.Executor`` goes through its ``Future``.
        """
        if isinstance(pool, WorkerThreadPool):
            pool.submit_job(self.job_id, self)
            self.pool = pool
            return
        pool_future = self.pool_future = pool.submit(self)
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
