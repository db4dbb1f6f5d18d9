# SPDX-License-Identifier: BSD-3-Clause
"""Progress jobs: a function that reports progress through a ``progress`` argument."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits.api import Event

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask, check_callable
from traits_jobs.jobs.base_future import BaseFuture, message_handler
from traits_jobs.jobs.options import split_options
from traits_jobs.states.exceptions import TaskCancelled
from traits_jobs.states.messages import PROGRESS

if TYPE_CHECKING:
    from traits_jobs.executor.traits_executor import TraitsExecutor


class ProgressFuture(BaseFuture):
    """Future of a progress job: ``progress`` fires with the job's reports, in order.

    Reports made faster than the main thread takes them are coalesced: of
    those still waiting for delivery only the newest fires. The last report
    always fires, before the future is done.
    """

    #: Fires with the latest object the job passed to ``progress()``.
    progress = Event()

    @message_handler(PROGRESS)
    def _on_progress(self, report: Any) -> None:
        self.progress = report


class ProgressTask(FunctionTask):
    """Worker side of a progress job."""

    __slots__ = ()

    def report(self, progress_info: Any) -> None:
        """Send ``progress_info`` to the future.

        Raises
        ------
        TaskCancelled
            If cancellation was requested; the job should let it propagate.
        """
        if self._cancelled():
            msg = "The job was cancelled; stop reporting and let this exception propagate."
            raise TaskCancelled(msg)
        self._send(self._job_id, PROGRESS, progress_info)

    def run(self) -> Any:
        try:
            return self.fn(*self.args, progress=self.report, **self.kwargs)
        except TaskCancelled:
            if self._cancelled():
                return None
            raise


class BackgroundProgress(FunctionSpecification):
    """Specification of a progress job ``fn(*args, progress=..., **kwargs)``."""

    __slots__ = ()

    def future(self, cancel: Callable[[], None]) -> ProgressFuture:
        return ProgressFuture(_cancel=cancel)

    def task(self) -> ProgressTask:
        return ProgressTask(self.fn, self.args, self.kwargs)


def submit_progress(
    executor: "TraitsExecutor", fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> ProgressFuture:
    """Run ``fn(*args, progress=reporter, **kwargs)`` in the background. Thread-safe.

    ``fn`` calls ``progress(obj)`` to fire the future's ``progress`` trait with
    ``obj`` on the main thread. After cancellation, ``progress()`` raises
    :class:`~traits_jobs.api.TaskCancelled` in the worker, which ends the job.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job.
    fn : callable
        Takes a ``progress`` keyword argument.
    *args, **kwargs
        Passed to ``fn``, except the job options (``timeout``,
        ``settle_time``, ``resources``, ``background``, ``preemptible``,
        ``name``, ``on_conflict``; see :class:`~traits_jobs.api.JobOptions`);
        ``kwargs`` must not contain ``progress``.

    Returns
    -------
    ProgressFuture

    Raises
    ------
    TypeError
        If ``kwargs`` contains ``progress``.
    """
    check_callable("submit_progress", fn)
    options, kwargs = split_options(kwargs)
    if "progress" in kwargs:
        msg = (
            "submit_progress() passes its own 'progress' keyword argument to the "
            f"function; got progress={kwargs['progress']!r} as well. Rename your argument."
        )
        raise TypeError(msg)
    future: ProgressFuture = executor.submit(BackgroundProgress(fn, args, kwargs), **options)
    return future
