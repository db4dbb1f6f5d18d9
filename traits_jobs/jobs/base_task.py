# SPDX-License-Identifier: BSD-3-Clause
"""The worker-side half of a job."""

import abc
import contextvars
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from traits_jobs.states.control import JobControl
from traits_jobs.states.exceptions import JobStopRequested
from traits_jobs.states.failure import marshal_exception, safe_repr
from traits_jobs.states.messages import STOPPED, Control, SendFunction

if TYPE_CHECKING:
    from traits_jobs.jobs.context import JobContext

logger = logging.getLogger(__name__)

#: Where a task can run: the worker pool (threads or processes, as the
#: context says), the executor's asyncio loop (coroutine jobs), its standby
#: thread (emergency stops), or a thread of its own in the main process (an
#: emergency watch, which reads the application's state).
RUNS_ON = ("pool", "event loop", "standby thread", "own thread")

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

    #: Where the executor runs tasks of this class: one of :data:`RUNS_ON`.
    #: "pool" (the default) is the executor's worker pool, in its context.
    runs_on: ClassVar[str] = "pool"

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

    def _execute(self, job_id: int, send: SendFunction, control: JobControl) -> bool:
        """Run the job and report how it went. Runs on a worker.

        Returns True if the job left its worker while paused (it was
        parked); :meth:`_continue` then resumes it on a worker.
        """
        if control.is_set():
            _refuse_values(control, self)
            send(job_id, Control.ABANDONED, None)
            return False
        self._job_id = job_id
        self._send = send
        self._control = control
        self._cancelled = control.is_set
        self._context = None
        send(job_id, Control.STARTED, None)
        return self._report(self.run, starting=True)

    def _continue(self) -> bool:
        """Resume a parked job on a worker; True if it parked again."""
        return self._report(self._run_parked, starting=False)

    def _run_parked(self) -> Any:
        """Go on from where :meth:`run` parked. Tasks that park override it."""
        msg = f"{type(self).__name__} parked but cannot resume"
        raise NotImplementedError(msg)

    def _report(self, run: Callable[[], Any], *, starting: bool) -> bool:
        send, job_id, control = self._send, self._job_id, self._control
        parked = False
        token = current_task.set(self)
        try:
            if starting and control.stop_requested:
                # Asked to stop before it started: it has nothing to finish.
                raise JobStopRequested
            result = run()
        except Parked:
            parked = True
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
            if not parked:
                self._context = None
        return parked


class Parked(Exception):
    """Raised by a task's ``run()`` to leave its worker while paused. Internal.

    The task has saved where it was; :meth:`BaseTask._run_parked` goes on
    from there when the pause ends.
    """


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


def run_job(task: BaseTask, job_id: int, send: SendFunction, control: JobControl) -> bool:
    """Entry point of a job on a worker pool; True if it parked while paused."""
    return task._execute(job_id, send, control)


def resume_job(task: BaseTask) -> bool:
    """Entry point of a parked job back on a worker; True if it parked again."""
    return task._continue()
