# SPDX-License-Identifier: BSD-3-Clause
"""What an executor needs from the place its jobs run."""

import abc
import concurrent.futures
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from traits_jobs.jobs.base_task import SendFunction
    from traits_jobs.routing.router import MessageRouter


class CancelEvent(Protocol):
    """A flag set on the main thread and read by a worker."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...


class IParallelContext(abc.ABC):
    """A worker pool, cancellation flags and a channel back to the main thread."""

    @abc.abstractmethod
    def worker_pool(self, *, max_workers: int | None = None) -> concurrent.futures.Executor:
        """Make a worker pool, owned by the caller (who shuts it down)."""

    @abc.abstractmethod
    def event(self) -> CancelEvent:
        """Make a cancellation flag that a job in this context can read."""

    @abc.abstractmethod
    def sender(self, router: "MessageRouter") -> "SendFunction":
        """Return the function jobs in this context call to reach ``router``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the context's resources. Idempotent."""

    @property
    @abc.abstractmethod
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
