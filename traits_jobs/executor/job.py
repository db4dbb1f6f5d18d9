# SPDX-License-Identifier: BSD-3-Clause
"""The executor's record of one live job."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from traits_jobs.jobs.base_task import BaseTask, SendFunction, resume_job, run_job
from traits_jobs.states.control import JobControl
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

if TYPE_CHECKING:
    from traits_jobs.contexts.i_parallel_context import Withdraw
    from traits_jobs.executor.timing import TimedReceiver
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.routing.router import MessageRouter


class Job:
    """What the executor keeps for a job between submission and its end.

    Calling it runs the job's task: this is what the worker pool runs.
    """

    __slots__ = (
        "abortable",
        "control",
        "future",
        "job_id",
        "launch",
        "name",
        "resuming",
        "router",
        "send",
        "task",
        "timed",
        "unqueue",
        "withdraw",
    )

    def __init__(self, control: JobControl, router: "MessageRouter", send: SendFunction) -> None:
        #: The job's cancel flag, and the rest of what the main thread asks of it.
        self.control = control
        self.router = router
        self.send = send
        self.job_id = -1
        self.future: BaseFuture | None = None
        self.task: BaseTask | None = None
        #: The job's ``name=`` option.
        self.name: str | None = None
        #: Stands between the router and the future of a job with a timeout
        #: or a settle time.
        self.timed: TimedReceiver | None = None
        #: Takes the job out of the executor's queue of jobs waiting for
        #: resources; True if it was there. Set while it waits.
        self.unqueue: Callable[[Job], bool] | None = None
        #: Takes the job out of its pool's queue; set once it is queued there.
        self.withdraw: Withdraw | None = None
        #: Queues the job on the executor's pool again, after a pause.
        self.launch: Callable[[Job], object] | None = None
        #: True while a job that left its worker while paused waits to go on.
        self.resuming = False
        #: False for a job submitted with ``cancel_on_abort=False``.
        self.abortable = True

    def cancel(self) -> None:
        """Ask the job to stop; end it at once if it has not left its queue.

        Main thread only: the future calls it from ``cancel()``.
        """
        self.control.set()
        withdraw, unqueue = self.withdraw, self.unqueue
        if self.resuming:
            # It started: it must run again to close what it holds and end.
            withdrawn = False
        elif withdraw is not None:
            withdrawn = withdraw(self)
        else:
            withdrawn = unqueue is not None and unqueue(self)
        if withdrawn:
            # It will never run: let its function and arguments go now.
            self.task = None
            self.router.deliver(self.job_id, Control.ABANDONED)
        elif self.timed is not None:
            self.timed.cancelled()

    def __call__(self) -> None:
        """Run the task (or go on with a parked one) and report how it went. On a worker."""
        task, self.task = self.task, None
        if task is None:
            return
        if self.resuming:
            self.resuming = False
            parked = resume_job(task)
        else:
            parked = run_job(task, self.job_id, self.send, self.control)
        while parked:
            # Hand the task back before the park shows: whoever ends the
            # pause relaunches the job at once.
            self.task, self.resuming = task, True
            if self.control.park(self.relaunch):
                return
            # The pause ended meanwhile: go on here.
            self.task, self.resuming = None, False
            parked = resume_job(task)

    def relaunch(self) -> None:
        """Queue a parked job on the pool again. Whoever ended the pause, any thread."""
        launch = self.launch
        assert launch is not None
        launch(self)

    def pool_failed(self, error: BaseException) -> None:
        """Report that the pool could not run the job. Any thread."""
        self.router.send(self.job_id, Control.RAISED, marshal_exception(error))
