# SPDX-License-Identifier: BSD-3-Clause
"""The extension point for job kinds: task specifications, and what submits them."""

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.jobs.base_task import BaseTask


class ITaskSpecification(abc.ABC):
    """What :meth:`TraitsExecutor.submit` needs to start a job.

    Implement it (subclass, or ``@provides(ITaskSpecification)`` as with
    traits-futures) to define a job kind of your own: :meth:`future` makes
    the main-thread half, :meth:`task` the worker-side half.
    """

    __slots__ = ()

    @abc.abstractmethod
    def future(self, cancel: Callable[[], None]) -> "BaseFuture":
        """Make the future for the job. Called on the submitting thread.

        Parameters
        ----------
        cancel : callable
            Requests cancellation of the job. Pass it on as the future's
            ``_cancel`` trait: ``MyFuture(_cancel=cancel)``.

        Returns
        -------
        BaseFuture
        """

    @abc.abstractmethod
    def task(self) -> "BaseTask":
        """Make the worker-side half of the job. Called on the submitting thread.

        Returns
        -------
        BaseTask
            An object that must be picklable when the executor's context runs
            jobs in other processes.
        """


class Submitter(Protocol):
    """What the ``submit_*`` functions need of an executor: its ``submit`` method.

    :class:`~traits_jobs.api.TraitsExecutor` is one; so is anything that
    submits the same way, which keeps the job kinds free of the executor.
    """

    def submit(self, task: ITaskSpecification, **options: Any) -> Any:
        """Run the job ``task`` specifies with the job ``options``; return its future."""
