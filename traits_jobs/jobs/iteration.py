# SPDX-License-Identifier: BSD-3-Clause
"""Iteration jobs: deliver each item an iterable produces, in order."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from traits.api import Event

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask, check_callable
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.message_handlers import message_handler
from traits_jobs.jobs.options import split_options
from traits_jobs.states.messages import GENERATED

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter


class IterationFuture(BaseFuture):
    """Future of an iteration job.

    ``result_event`` fires once per item, in order; ``result`` is the value
    the generator returned (``None`` for a plain iterable).
    """

    #: Fires with each item the iterable produces.
    result_event = Event()

    @message_handler(GENERATED)
    def _on_generated(self, item: Any) -> None:
        self.result_event = item


class IterationTask(FunctionTask):
    """Worker side of an iteration job. Checks for cancellation before each item."""

    __slots__ = ()

    def run(self) -> Any:
        iterator = iter(self.fn(*self.args, **self.kwargs))
        send, job_id, cancelled = self._send, self._job_id, self._cancelled
        try:
            while not cancelled():
                try:
                    item = next(iterator)
                except StopIteration as stop:
                    return stop.value
                send(job_id, GENERATED, item)
                del item
        finally:
            # Run the generator's cleanup now, on the worker, not whenever it
            # happens to be collected.
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
        return None


class BackgroundIteration(FunctionSpecification):
    """Specification of an iteration job over ``fn(*args, **kwargs)``."""

    __slots__ = ()

    def future(self, cancel: Callable[[], None]) -> IterationFuture:
        return IterationFuture(_cancel=cancel)

    def task(self) -> IterationTask:
        return IterationTask(self.fn, self.args, self.kwargs)


def submit_iteration(
    executor: "Submitter", fn: Callable[..., Iterable[Any]], /, *args: Any, **kwargs: Any
) -> IterationFuture:
    """Iterate over ``fn(*args, **kwargs)`` in the background. Thread-safe.

    Each item fires the future's ``result_event`` on the main thread. Each
    ``yield`` is a cancellation point: after ``cancel()`` the generator is
    closed (its ``finally`` blocks run) before it produces another item.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job (anything with its ``submit`` method).
    fn : callable
        Returns an iterable, typically a generator function.
    *args, **kwargs
        Passed to ``fn``, except the job options (``name``, ``timeout``,
        ``settle_time``, ``resources``, ``background``, ``preemptible``,
        ``on_conflict``; see :class:`~traits_jobs.api.JobOptions`),
        which are taken out. Pass an argument of ``fn`` with one of those
        names through :func:`functools.partial`.

    Returns
    -------
    IterationFuture
    """
    check_callable("submit_iteration", fn)
    options, kwargs = split_options(kwargs)
    future: IterationFuture = executor.submit(BackgroundIteration(fn, args, kwargs), **options)
    return future
