# SPDX-License-Identifier: BSD-3-Clause
"""Interfaces of the extension points: futures and task specifications."""

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.jobs.base_task import BaseTask


class IFuture(abc.ABC):
    """What every future offers: a state, ``cancellable``, ``done``, ``cancel()``.

    :class:`~traits_jobs.api.BaseFuture` provides it; see there for the
    meaning of each member.
    """

    state: str
    cancellable: bool
    done: bool

    @abc.abstractmethod
    def cancel(self) -> bool:
        """Request cancellation; True if the request had an effect."""


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
