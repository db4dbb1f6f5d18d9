# SPDX-License-Identifier: BSD-3-Clause
"""Call jobs: run one function in the background and deliver its result."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask, check_callable
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.options import split_options

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter


class CallFuture(BaseFuture):
    """Future of a call job: ``result`` is what the function returned."""


class CallTask(FunctionTask):
    """Worker side of a call job."""

    __slots__ = ()

    def run(self) -> Any:
        return self.fn(*self.args, **self.kwargs)


class BackgroundCall(FunctionSpecification):
    """Specification of a call job: ``fn(*args, **kwargs)``."""

    __slots__ = ()

    def future(self, cancel: Callable[[], None]) -> CallFuture:
        return CallFuture(_cancel=cancel)

    def task(self) -> CallTask:
        return CallTask(self.fn, self.args, self.kwargs)


def submit_call(
    executor: "Submitter", fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> CallFuture:
    """Run ``fn(*args, **kwargs)`` in the background. Thread-safe.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job (anything with its ``submit`` method).
    fn : callable
        The function to call on a worker.
    *args, **kwargs
        Passed to ``fn``, except the job options (``name``, ``timeout``,
        ``resources``, ...: the names in :data:`~traits_jobs.api.JOB_OPTIONS`,
        see :class:`~traits_jobs.api.JobOptions`), which are taken out.
        Pass an argument of ``fn`` with one of those names through
        :func:`functools.partial`.

    Returns
    -------
    CallFuture
        Its ``result`` is what ``fn`` returned.
    """
    check_callable("submit_call", fn)
    options, kwargs = split_options(kwargs)
    future: CallFuture = executor.submit(BackgroundCall(fn, args, kwargs), **options)
    return future
