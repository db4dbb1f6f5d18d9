# SPDX-License-Identifier: BSD-3-Clause
"""Progress jobs: a function that reports progress through a ``progress`` argument."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits.api import Event
from traits.trait_base import Undefined

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask, check_callable
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.message_handlers import message_handler
from traits_jobs.jobs.options import split_options
from traits_jobs.states.exceptions import JobStopRequested, TaskCancelled
from traits_jobs.states.messages import COALESCED_PROGRESS, PROGRESS, MessageKind

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter

#: The keyword of submit_progress() that asks for coalesced reports.
COALESCE_OPTION = "coalesce_progress"


class ProgressFuture(BaseFuture):
    """Future of a progress job: ``progress`` fires with the job's reports, in order.

    By default ``progress`` fires once for every ``progress(obj)`` call of
    the job, in the order of the calls, as in traits-futures; a job that
    reports faster than the main thread takes the reports is slowed down by
    the executor's bounded queue, never loses a report.

    A job submitted with ``submit_progress(..., coalesce_progress=True)``
    instead has its reports coalesced: of the reports still waiting for
    delivery only the newest fires. The last report always fires, before
    the future is done.
    """

    #: Fires with each object the job passes to ``progress()`` (with
    #: ``coalesce_progress=True``: with the newest one not yet delivered).
    progress = Event()

    _KEPT_EVENTS = frozenset({"progress"})

    @message_handler(PROGRESS)
    def _on_progress(self, report: Any) -> None:
        if self._observers:
            self._notify_observers("progress", Undefined, report)
        self.progress = report


class ProgressTask(FunctionTask):
    """Worker side of a progress job."""

    __slots__ = ("_kind",)

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        kind: MessageKind = PROGRESS,
    ) -> None:
        super().__init__(fn, args, kwargs)
        self._kind = kind

    def report(self, progress_info: Any) -> None:
        """Send ``progress_info`` to the future.

        Raises
        ------
        TaskCancelled
            If cancellation was requested; the job should let it propagate.
        JobStopRequested
            If the job was asked to stop; let it propagate too.
        """
        control = self._control
        if control.is_set():
            msg = "The job was cancelled; stop reporting and let this exception propagate."
            raise TaskCancelled(msg)
        if control.stop_requested:
            msg = "The job was asked to stop; let this exception propagate."
            raise JobStopRequested(msg)
        self._send(self._job_id, self._kind, progress_info)

    def run(self) -> Any:
        try:
            return self.fn(*self.args, progress=self.report, **self.kwargs)
        except TaskCancelled:
            if self._cancelled():
                return None
            raise


class BackgroundProgress(FunctionSpecification):
    """Specification of a progress job ``fn(*args, progress=..., **kwargs)``.

    Parameters
    ----------
    fn, args, kwargs
        The function and its arguments.
    coalesce : bool
        Send the reports as a coalescible kind: a queued report is replaced
        by a newer one.
    """

    __slots__ = ("coalesce",)

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        coalesce: bool = False,
    ) -> None:
        super().__init__(fn, args, kwargs)
        self.coalesce = coalesce

    def future(self, cancel: Callable[[], None]) -> ProgressFuture:
        return ProgressFuture(_cancel=cancel)

    def task(self) -> ProgressTask:
        kind = COALESCED_PROGRESS if self.coalesce else PROGRESS
        return ProgressTask(self.fn, self.args, self.kwargs, kind)


def _coalesce_flag(kwargs: dict[str, Any]) -> bool:
    """Take ``coalesce_progress`` out of ``kwargs``; raise unless it is a bool."""
    value = kwargs.pop(COALESCE_OPTION, False)
    if not isinstance(value, bool):
        msg = f"{COALESCE_OPTION} must be True or False, not {type(value).__name__}: {value!r}"
        raise TypeError(msg)
    return value


def submit_progress(
    executor: "Submitter", fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> ProgressFuture:
    """Run ``fn(*args, progress=reporter, **kwargs)`` in the background. Thread-safe.

    ``fn`` calls ``progress(obj)`` to fire the future's ``progress`` trait with
    ``obj`` on the main thread: once per call, in order. After cancellation,
    ``progress()`` raises :class:`~traits_jobs.api.TaskCancelled` in the
    worker, which ends the job.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job (anything with its ``submit`` method).
    fn : callable
        Takes a ``progress`` keyword argument.
    *args, **kwargs
        Passed to ``fn``, except ``coalesce_progress`` and the job options
        (the names in :data:`~traits_jobs.api.JOB_OPTIONS`, see
        :class:`~traits_jobs.api.JobOptions`); ``kwargs`` must not contain
        ``progress``.
    coalesce_progress : bool, keyword-only
        False (the default): every report fires ``progress``, in order.
        True: a report still waiting for the main thread is replaced by a
        newer one, so only the newest fires; the last report always fires.
        For a progress bar fed by a job that reports at every step.

    Returns
    -------
    ProgressFuture

    Raises
    ------
    TypeError
        If ``kwargs`` contains ``progress``, or ``coalesce_progress`` is not
        a bool.
    """
    check_callable("submit_progress", fn)
    coalesce = _coalesce_flag(kwargs) if kwargs else False
    options, kwargs = split_options(kwargs)
    if "progress" in kwargs:
        msg = (
            "submit_progress() passes its own 'progress' keyword argument to the "
            f"function; got progress={kwargs['progress']!r} as well. Rename your argument."
        )
        raise TypeError(msg)
    spec = BackgroundProgress(fn, args, kwargs, coalesce)
    future: ProgressFuture = executor.submit(spec, **options)
    return future
