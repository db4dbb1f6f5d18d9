# SPDX-License-Identifier: BSD-3-Clause
"""The executor's record of one live job."""

import concurrent.futures
from typing import TYPE_CHECKING

from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

if TYPE_CHECKING:
    from traits_jobs.contexts.i_parallel_context import CancelEvent
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.routing.router import MessageRouter


class Job:
    """What the executor keeps for a job between submission and its end."""

    __slots__ = ("cancel_event", "future", "job_id", "pool_future", "router")

    def __init__(self, cancel_event: "CancelEvent", router: "MessageRouter") -> None:
        self.cancel_event = cancel_event
        self.router = router
        self.job_id = -1
        self.future: BaseFuture | None = None
        self.pool_future: concurrent.futures.Future[None] | None = None

    def cancel(self) -> None:
        """Ask the job to stop; end it at once if it has not left the pool's queue.

        Main thread only: the future calls it from ``cancel()``.
        """
        self.cancel_event.set()
        pool_future = self.pool_future
        if pool_future is not None and pool_future.cancel():
            self.router.deliver(self.job_id, Control.ABANDONED)

    def pool_done(self, pool_future: "concurrent.futures.Future[None]") -> None:
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
