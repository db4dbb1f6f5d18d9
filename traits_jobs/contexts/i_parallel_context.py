# SPDX-License-Identifier: BSD-3-Clause
"""What an executor needs from the place its jobs run."""

import abc
import concurrent.futures
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from traits_jobs.states.messages import MessageKind, SendFunction


class CancelEvent(Protocol):
    """A flag set on the main thread and read by a worker."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...


class IEvent(CancelEvent, Protocol):
    """What :meth:`IParallelContext.event` returns: a ``threading.Event`` look-alike."""

    def clear(self) -> None: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class MessageSink(Protocol):
    """Where a context's channel ends on the executor's side: its message router."""

    def send(self, job_id: int, kind: "MessageKind", payload: Any = None) -> None:
        """Queue a message for the main thread. Thread-safe."""


class PoolJob(Protocol):
    """What a context queues on a worker pool: the executor's record of a job."""

    #: Unique among the executor's live jobs.
    job_id: int

    def __hash__(self) -> int:
        """Jobs are hashable: a pool may key its queue by them."""

    def __call__(self) -> None:
        """Run the job on a worker."""

    def pool_failed(self, error: BaseException) -> None:
        """Report that the pool could not run the job (it did not pickle, the pool broke)."""


#: ``withdraw(job)`` takes a queued job back out of its pool; True if it will never run.
Withdraw = Callable[[PoolJob], bool]


class IParallelContext(abc.ABC):
    """A worker pool, events and a channel back to the main thread.

    The abstract methods are traits-futures' contract. :meth:`cancel_flag`
    and :meth:`submit_job` are what the executor uses on its hot path; their
    defaults build on the abstract methods, and a context overrides them
    when it has something cheaper.
    """

    @abc.abstractmethod
    def worker_pool(self, *, max_workers: int | None = None) -> concurrent.futures.Executor:
        """Make a worker pool, owned by the caller (who shuts it down)."""

    @abc.abstractmethod
    def event(self) -> IEvent:
        """Make an event shared with jobs in this context.

        It behaves as a ``threading.Event``: ``set()``, ``is_set()``,
        ``clear()`` and ``wait(timeout)``. Applications and tests use it to
        hold a job at a known point.
        """

    @abc.abstractmethod
    def sender(self, router: "MessageSink") -> "SendFunction":
        """Return the function jobs in this context call to reach ``router``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the context's resources. Idempotent."""

    @property
    @abc.abstractmethod
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""

    def cancel_flag(self) -> CancelEvent:
        """Make the flag that tells a job it was cancelled. Thread-safe.

        The default is an :meth:`event`.
        """
        return self.event()

    def submit_job(self, pool: concurrent.futures.Executor, job: PoolJob) -> Withdraw:
        """Queue ``job`` on ``pool``; return what withdraws it: ``withdraw(job)``. Thread-safe.

        The default goes through ``pool.submit`` and its ``Future``: a
        failure of the pool to run the job reaches ``job.pool_failed``.

        Raises
        ------
        Exception
            Whatever ``pool.submit`` raises (a pool that was shut down).
        """
        pool_future = pool.submit(job)

        def done(pool_future: "concurrent.futures.Future[None]") -> None:
            if not pool_future.cancelled():
                error = pool_future.exception()
                if error is not None:
                    job.pool_failed(error)

        pool_future.add_done_callback(done)
        return lambda _job: pool_future.cancel()
