# SPDX-License-Identifier: BSD-3-Clause
"""The worker-side half of a job."""

import abc
import contextvars
from collections.abc import Callable
from typing import Any

from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control, SendFunction

#: The task running on this thread (or context), for report_progress().
current_task: contextvars.ContextVar["BaseTask | None"] = contextvars.ContextVar(
    "traits_jobs_current_task", default=None
)


class BaseTask(abc.ABC):
    """Base class for the part of a job that runs on a worker.

    Subclasses implement :meth:`run`. While it runs, :meth:`send` reports to
    the job's future and :meth:`cancelled` tells whether cancellation was
    requested. What :meth:`run` returns becomes the future's ``result``; what
    it raises becomes the future's ``exception`` and ``error``.
    """

    __slots__ = ("_cancelled", "_job_id", "_send")

    _job_id: int
    _send: SendFunction
    _cancelled: Callable[[], bool]

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
        return self._cancelled()

    def _execute(self, job_id: int, send: SendFunction, cancelled: Callable[[], bool]) -> None:
        """Run the job and report how it went. Runs on a worker."""
        if cancelled():
            send(job_id, Control.ABANDONED, None)
            return
        self._job_id = job_id
        self._send = send
        self._cancelled = cancelled
        send(job_id, Control.STARTED, None)
        token = current_task.set(self)
        try:
            result = self.run()
        except BaseException as error:
            send(job_id, Control.RAISED, marshal_exception(error))
            del error
        else:
            send(job_id, Control.RETURNED, result)
            del result
        finally:
            current_task.reset(token)


def run_job(task: BaseTask, job_id: int, send: SendFunction, cancelled: Callable[[], bool]) -> None:
    """Entry point of a job on a worker pool."""
    task._execute(job_id, send, cancelled)
