# SPDX-License-Identifier: BSD-3-Clause
"""The worker-side half of a job."""

import abc
import contextvars
import logging
from typing import TYPE_CHECKING, Any

from traits_jobs.states.control import JobControl
from traits_jobs.states.exceptions import JobStopRequested
from traits_jobs.states.failure import marshal_exception, safe_repr
from traits_jobs.states.messages import STOPPED, Control, SendFunction

if TYPE_CHECKING:
    from traits_jobs.jobs.context import JobContext

logger = logging.getLogger(__name__)

#: The task running on this thread (or context), for current_job().
current_task: contextvars.ContextVar["BaseTask | None"] = contextvars.ContextVar(
    "traits_jobs_current_task", default=None
)


class BaseTask(abc.ABC):
    """Base class for the part of a job that runs on a worker.

    Subclasses implement :meth:`run`. While it runs, :meth:`send` reports to
    the job's future and :meth:`cancelled` tells whether cancellation was
    requested. What :meth:`run` returns becomes the future's ``result``; what
    it raises becomes the future's ``exception`` and ``error``, except
    :exc:`~traits_jobs.api.JobStopRequested`, which means the job stopped as
    asked.
    """

    __slots__ = ("_cancelled", "_context", "_control", "_job_id", "_send")

    _job_id: int
    _send: SendFunction
    _control: JobControl
    _context: "JobContext | None"

    @abc.abstractmethod
    def run(self) -> Any:
        """Do the job's work, on a worker."""

    def send(self, message_type: str, message_arg: Any = None) -> None:
        """Send a message to the future, which dispatches it by ``message_type``.

        The future handles it with the method decorated
        ``@message_handler(message_type)`` or named ``_process_<message_type>``,
        called with ``message_arg``. Messages sent after cancellation are
        dropped by the future.
        """
        self._send(self._job_id, message_type, message_arg)

    def cancelled(self) -> bool:
        """Return True once cancellation of this job has been requested."""
        return self._control.is_set()

    def _execute(self, job_id: int, send: SendFunction, control: JobControl) -> None:
        """Run the job and report how it went. Runs on a worker."""
        if control.is_set():
            _refuse_values(control, self)
            send(job_id, Control.ABANDONED, None)
            return
        self._job_id = job_id
        self._send = send
        self._control = control
        self._cancelled = control.is_set
        self._context = None
        send(job_id, Control.STARTED, None)
        token = current_task.set(self)
        try:
            if control.stop_requested:
                # Asked to stop before it started: it has nothing to finish.
                raise JobStopRequested
            result = self.run()
        except JobStopRequested:
            _refuse_values(control, self)
            send(job_id, STOPPED, None)
            send(job_id, Control.RETURNED, None)
        except BaseException as error:
            _refuse_values(control, self)
            send(job_id, Control.RAISED, marshal_exception(error))
            del error
        else:
            _refuse_values(control, self)
            send(job_id, Control.RETURNED, result)
            del result
        finally:
            current_task.reset(token)
            self._context = None


def _refuse_values(control: JobControl, task: BaseTask) -> None:
    """Refuse values sent from now on, and log those the job never took.

    Before the job's end is sent: a value sent after this raises at once.
    """
    left = control.close_values()
    if left:
        level = logging.DEBUG if control.is_set() else logging.WARNING
        logger.log(
            level,
            "%d value(s) sent to %s were never received: the job ended first",
            left,
            safe_repr(task),
        )


def run_job(task: BaseTask, job_id: int, send: SendFunction, control: JobControl) -> None:
    """Entry point of a job on a worker pool."""
    task._execute(job_id, send, control)
