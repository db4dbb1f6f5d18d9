# SPDX-License-Identifier: BSD-3-Clause
"""The adapter interface: what every measured system provides.

An adapter is created in a child process after the ``QApplication``, on the
main thread, and used only there. Callbacks given to it must be called on the
main thread (the measures count violations); each job's callbacks are called
in order, and its final callback (``on_result`` or ``on_done``) exactly once.
"""

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any


class NotSupportedError(Exception):
    """The system has no way to run this kind of job (reported as "n/a")."""


class Adapter(ABC):
    """One measured system: a way to run call, iteration and progress jobs.

    Parameters
    ----------
    workers : int
        Number of worker threads of the system's pool.

    Attributes
    ----------
    failures : list of str
        Jobs that failed or ended in an unexpected state, for the report.
    process_start_method : str or None
        How the process context starts its workers ("spawn", "fork", ...),
        once :meth:`start_processes` ran.
    """

    #: Name of the distribution whose version is reported for this system.
    distribution: str = ""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.failures: list[str] = []
        self.process_start_method: str | None = None

    @abstractmethod
    def call(self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]) -> None:
        """Run ``fn(*args)`` in the background.

        Parameters
        ----------
        fn : callable
            The job body.
        *args
            Its arguments.
        on_result : callable
            Called on the main thread with the return value (``None`` if the
            job failed; the failure is then appended to ``failures``).
        """

    @abstractmethod
    def iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """Run the generator function ``fn(*args)`` in the background.

        Parameters
        ----------
        fn : callable
            A generator function.
        *args
            Its arguments.
        on_item : callable
            Called on the main thread with each generated item, in order.
        on_done : callable
            Called on the main thread once, after the last item.
        """

    @abstractmethod
    def progress(
        self,
        n: int,
        *,
        on_progress: Callable[[Any], None],
        on_done: Callable[[], None],
        coalesce: bool = False,
    ) -> None:
        """Run a job that reports progress ``0 .. n-1``, in the system's own way.

        Parameters
        ----------
        n : int
            Number of progress reports the job makes.
        on_progress : callable
            Called on the main thread with each delivered report, in order.
        on_done : callable
            Called on the main thread once, after the last delivered report.
        coalesce : bool
            False: every report must be delivered. True: the caller only
            wants the newest value, so a system that can coalesce reports
            may (it must still deliver the last one); one that cannot
            delivers every report, as with False.
        """

    def start_processes(self) -> None:
        """Prepare a process context for :meth:`process_iterate`.

        Raises
        ------
        NotSupportedError
            If the system has no process context (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no process context")

    def start_dask(self) -> None:
        """Prepare a Dask context for the ``process_*`` methods, in place of processes.

        Raises
        ------
        NotSupportedError
            If the system has no Dask context (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no Dask context")

    def process_iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """Like :meth:`iterate`, but run ``fn`` in a worker process.

        Called only after :meth:`start_processes` succeeded.
        """
        raise NotSupportedError(f"{type(self).__name__} has no process context")

    def process_call(
        self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """Like :meth:`call`, but run ``fn(*args)`` in a worker process.

        Called only after :meth:`start_processes` succeeded.
        """
        raise NotSupportedError(f"{type(self).__name__} has no process context")

    def process_cancellable(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_ended: Callable[[bool], None],
    ) -> Callable[[], None]:
        """Run the generator function ``fn(*args)`` in a worker process, to be cancelled.

        Called only after :meth:`start_processes` succeeded.

        Parameters
        ----------
        fn : callable
            A generator function.
        *args
            Its arguments.
        on_item : callable
            Called on the main thread with each delivered item, in order.
        on_ended : callable
            Called on the main thread once, when the job is over (its future
            done), with True if it ended cancelled.

        Returns
        -------
        callable
            ``cancel()``: the system's cancellation request, called on the
            main thread (the ``process-cancel`` test times it and what follows).
        """
        raise NotSupportedError(f"{type(self).__name__} has no process context")

    def open_jobs_panel(self) -> Callable[[], None]:
        """Open a view of the library's jobs panel on the executor; return its closer.

        Raises
        ------
        NotSupportedError
            If the library has no jobs panel (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no jobs panel")

    def start_claims(self) -> None:
        """Check that the system has resource claims, for :meth:`claiming_call`.

        Raises
        ------
        NotSupportedError
            If the system has no resource claims (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no resource claims")

    def claiming_call(
        self, fn: Callable[..., Any], *args: Any, resources: frozenset[str], wait: bool = False
    ) -> Any:
        """Run ``fn(*args)`` claiming ``resources``, without observing the job.

        Called only after :meth:`start_claims` succeeded. Nothing but the
        submission itself happens here, so that timing a loop of these calls
        times the system's admission of the job.

        Parameters
        ----------
        fn : callable
            The job body.
        *args
            Its arguments.
        resources : frozenset of str
            Names of the resources the job claims while it lives.
        wait : bool
            False: the system's default when the claims conflict (traits_jobs:
            refuse). True: wait until they are free, behind earlier waiters.

        Returns
        -------
        object
            A handle of the job, for :meth:`when_all_done`.
        """
        raise NotSupportedError(f"{type(self).__name__} has no resource claims")

    def when_all_done(self, handles: Sequence[Any], on_done: Callable[[], None]) -> None:
        """Call ``on_done()`` on the main thread once every job of ``handles`` has ended.

        A job that did not complete is appended to ``failures``.

        Parameters
        ----------
        handles : sequence
            Handles returned by :meth:`claiming_call`, in submission order.
        on_done : callable
            Called once, with no arguments.
        """
        raise NotSupportedError(f"{type(self).__name__} has no resource claims")

    def loop(
        self,
        body: Callable[[Callable[[Any], Any]], None],
        *,
        period: float,
        missed: str,
        on_status: Callable[[Any], None],
        on_done: Callable[[int | None], None],
    ) -> Callable[[], None]:
        """Run ``body(publish)`` once per ``period`` until stopped, in the system's way.

        ``publish(value)`` makes ``value`` the job's status; ``on_status`` is
        called on the main thread with the statuses delivered (all of them,
        or, where the system coalesces, a subset that ends with the last).

        Parameters
        ----------
        body : callable
            One iteration; called on the worker with the status publisher.
        period : float
            Seconds between iteration starts.
        missed : str
            What an overrun does: "skip" (keep the grid) or "immediate"
            (start at once, re-phase the grid).
        on_status : callable
            Called on the main thread with each delivered status, in order.
        on_done : callable
            Called on the main thread once the loop has ended, with the grid
            slots missed as the system counted them (None if it does not).

        Returns
        -------
        callable
            ``stop()``: call it on the main thread to end the loop after the
            current iteration.

        Raises
        ------
        NotSupportedError
            If the system has no loop jobs (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no loop jobs")

    def start_coroutines(self) -> None:
        """Prepare the system's asyncio side for :meth:`coroutine_call` and :meth:`coroutine_items`.

        Raises
        ------
        NotSupportedError
            If the system cannot run coroutines (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no coroutine jobs")

    def coroutine_call(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """Run ``await fn(*args)`` in the system's asyncio loop.

        Called only after :meth:`start_coroutines` succeeded.

        Parameters
        ----------
        fn : coroutine function
            The job body.
        *args
            Its arguments.
        on_result : callable
            Called on the main thread with the return value (``None`` if the
            coroutine failed; the failure is then appended to ``failures``).
        """
        raise NotSupportedError(f"{type(self).__name__} has no coroutine jobs")

    def coroutine_items(
        self,
        fn: Callable[[int, Callable[[Any], object]], Awaitable[Any]],
        n: int,
        *,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """Run ``await fn(n, publish)``; every ``publish(value)`` reaches ``on_item``.

        ``publish`` is the system's lossless item channel from the
        coroutine to the main thread. Called only after
        :meth:`start_coroutines` succeeded.

        Parameters
        ----------
        fn : coroutine function
            The job body, called with ``n`` and ``publish``.
        n : int
            Passed to ``fn``.
        on_item : callable
            Called on the main thread with each published value, in order.
        on_done : callable
            Called on the main thread once, after the last item.
        """
        raise NotSupportedError(f"{type(self).__name__} has no coroutine jobs")

    def start_emergency(self, hooks: Sequence[tuple[str, Callable[[], Any], float]]) -> None:
        """Register the emergency-stop hooks ``(name, hook, timeout)``, once.

        Raises
        ------
        NotSupportedError
            If the system has no emergency stop (the default).
        """
        raise NotSupportedError(f"{type(self).__name__} has no emergency stop")

    def emergency_jobs(
        self,
        n: int,
        *,
        coroutines: int,
        on_started: Callable[[], None],
        on_ended: Callable[[bool], None],
    ) -> None:
        """Submit ``n`` live jobs for an emergency stop to end.

        First one call per worker that blocks until it is cancelled, then
        ``coroutines`` coroutine jobs awaiting until they are cancelled, then
        trivial calls that stay queued behind the blocked workers. Called
        only after :meth:`start_emergency` succeeded.

        Parameters
        ----------
        n : int
            Jobs in all.
        coroutines : int
            Of which coroutine jobs.
        on_started : callable
            Called on the main thread once for each blocking call and each
            coroutine job, once it is seen running.
        on_ended : callable
            Called on the main thread once for each job, when it has ended,
            with True if it ended cancelled.
        """
        raise NotSupportedError(f"{type(self).__name__} has no emergency stop")

    def emergency_stop(self) -> Any:
        """The emergency stop: cancel every live job and start every hook. Main thread.

        This call is what the ``estop`` test times; it returns a handle for
        :meth:`when_reported`.
        """
        raise NotSupportedError(f"{type(self).__name__} has no emergency stop")

    def when_reported(self, handle: Any, on_report: Callable[[dict[str, int]], None]) -> None:
        """Call ``on_report(summary)`` on the main thread once the stop's report is in.

        The report is in once every hook has returned or timed out.
        ``summary`` counts ``cancelled`` (the jobs the stop cancelled) and
        the hooks that returned (``ok``), ``timed_out`` and ``failed``.
        """
        raise NotSupportedError(f"{type(self).__name__} has no emergency stop")

    @abstractmethod
    def shutdown(self) -> None:
        """Stop the system: cancel waiting jobs and wait for the workers."""
