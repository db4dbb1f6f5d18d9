# SPDX-License-Identifier: BSD-3-Clause
"""Jobs on threads of this process."""

import concurrent.futures
import threading
from typing import TYPE_CHECKING

from traits_jobs.contexts.i_parallel_context import (
    IParallelContext,
    MessageSink,
    PoolJob,
    Withdraw,
)
from traits_jobs.contexts.thread_pool import WorkerThreadPool
from traits_jobs.states.control import JobControl

if TYPE_CHECKING:
    from traits_jobs.states.messages import SendFunction


class MultithreadingContext(IParallelContext):
    """Run jobs on a thread pool; messages go straight into the executor's queue."""

    def __init__(self) -> None:
        self._closed = False

    def worker_pool(self, *, max_workers: int | None = None) -> concurrent.futures.Executor:
        """Make a :class:`WorkerThreadPool` whose threads are named after traits_jobs."""
        return WorkerThreadPool(max_workers=max_workers, thread_name_prefix="traits_jobs-worker")

    def event(self) -> threading.Event:
        """Make a ``threading.Event``."""
        return threading.Event()

    def cancel_flag(self) -> JobControl:
        """Make a job's control: threads share memory, so it is the cancel flag itself.

        Cancelling sets an attribute, atomic under the GIL; the lock and
        condition that stop, pause and settings need are made only for jobs
        that use them.
        """
        return JobControl()

    def submit_job(self, pool: concurrent.futures.Executor, job: PoolJob) -> Withdraw:
        """Queue ``job``; a :class:`WorkerThreadPool` takes it without a ``Future``."""
        if isinstance(pool, WorkerThreadPool):
            # The job record is its own key: unique even in a pool shared by executors.
            pool.submit_job(job, job)
            # One bound method per pool, not one object per job.
            return pool.withdrawer
        return super().submit_job(pool, job)

    def sender(self, router: "MessageSink") -> "SendFunction":
        """Workers share memory with the main thread: they call the router directly."""
        return router.send

    def close(self) -> None:
        """Mark the context closed; threads need nothing else."""
        self._closed = True

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed
