# SPDX-License-Identifier: BSD-3-Clause
"""Shared adapter for the ``TraitsExecutor`` API of traits_jobs and traits-futures.

Both libraries expose the same names (``TraitsExecutor``, ``submit_call``,
``submit_iteration``, ``submit_progress``, futures with ``done``,
``result``, ``result_event`` and ``progress`` traits), so one class serves
both; a subclass only names the modules.
"""

import importlib
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from benchmarks.jobs import report_progress
from benchmarks.systems.base import Adapter, NotSupportedError


def _forward_new(callback: Callable[[Any], None], event: Any) -> None:
    """Trait observer: pass the event's new value to ``callback``."""
    callback(event.new)


def _loop_iteration(ctx: Any, body: Callable[[Callable[[Any], Any]], None]) -> None:
    """Loop body: one iteration of ``body``, publishing through the job context."""
    body(ctx.publish_status)


class TraitsApiAdapter(Adapter):
    """A ``TraitsExecutor(max_workers=workers)`` on the library's Qt event loop.

    Completion is observed through ``future.observe(handler, "done")``, items
    through ``"result_event"`` and progress through ``"progress"``.

    Parameters
    ----------
    workers : int
        Number of worker threads.
    """

    #: Module with the public API (``TraitsExecutor``, ``submit_*``, ...).
    api_module: str = ""
    #: ``"module:attribute"`` of the library's Qt event loop class.
    qt_event_loop: str = ""
    #: Keyword of ``submit_progress`` that asks for coalesced reports, if any.
    coalesce_keyword: str | None = None
    #: True if ``submit_call`` takes ``resources=`` and ``on_conflict=``.
    resource_claims: bool = False

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.api = importlib.import_module(self.api_module)
        self.executor = self.api.TraitsExecutor(
            max_workers=workers, event_loop=self._make_event_loop()
        )
        self._process_executor: Any = None
        self._process_context: Any = None

    def _make_event_loop(self) -> Any:
        """A new instance of the library's Qt event loop."""
        module, _, name = self.qt_event_loop.partition(":")
        return getattr(importlib.import_module(module), name)()

    def _check(self, future: Any) -> bool:
        """Record a future that did not complete; return True if it did."""
        if future.state == self.api.COMPLETED:
            return True
        self.failures.append(f"future ended {future.state}: {getattr(future, 'exception', None)}")
        return False

    def _on_call_done(self, on_result: Callable[[Any], None], event: Any) -> None:
        """``done`` observer of a call future."""
        if event.new:
            future = event.object
            on_result(future.result if self._check(future) else None)

    def _on_job_done(self, on_done: Callable[[], None], event: Any) -> None:
        """``done`` observer of an iteration or progress future."""
        if event.new:
            self._check(event.object)
            on_done()

    def call(self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]) -> None:
        """Submit with ``submit_call`` and observe ``done``."""
        future = self.api.submit_call(self.executor, fn, *args)
        future.observe(partial(self._on_call_done, on_result), "done")

    def _observe_iteration(
        self, future: Any, on_item: Callable[[Any], None], on_done: Callable[[], None]
    ) -> None:
        """Observe ``result_event`` and ``done`` of an iteration future."""
        future.observe(partial(_forward_new, on_item), "result_event")
        future.observe(partial(self._on_job_done, on_done), "done")

    def iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """Submit with ``submit_iteration`` and observe ``result_event``."""
        future = self.api.submit_iteration(self.executor, fn, *args)
        self._observe_iteration(future, on_item, on_done)

    def progress(
        self,
        n: int,
        *,
        on_progress: Callable[[Any], None],
        on_done: Callable[[], None],
        coalesce: bool = False,
    ) -> None:
        """``submit_progress`` of :func:`~benchmarks.jobs.report_progress`.

        With ``coalesce``, the library's :attr:`coalesce_keyword` (if it has
        one) is passed as True.
        """
        options = {self.coalesce_keyword: True} if coalesce and self.coalesce_keyword else {}
        future = self.api.submit_progress(self.executor, report_progress, n, **options)
        future.observe(partial(_forward_new, on_progress), "progress")
        future.observe(partial(self._on_job_done, on_done), "done")

    def loop(
        self,
        body: Callable[[Callable[[Any], Any]], None],
        *,
        period: float,
        missed: str,
        on_status: Callable[[Any], None],
        on_done: Callable[[int | None], None],
    ) -> Callable[[], None]:
        """``submit_loop(executor, iteration, body, period=..., missed=...)``.

        Each iteration calls ``body(ctx.publish_status)``; ``status`` is
        observed (coalesced by the library), ``done`` gives ``missed_count``.
        The loop must end COMPLETED with end reason "stopped".

        Raises
        ------
        NotSupportedError
            If the API module has no ``submit_loop``.
        """
        submit_loop = getattr(self.api, "submit_loop", None)
        if submit_loop is None:
            raise NotSupportedError(f"{self.api_module} has no loop jobs (submit_loop)")
        future = submit_loop(self.executor, _loop_iteration, body, period=period, missed=missed)
        future.observe(partial(_forward_new, on_status), "status")

        def done(event: Any) -> None:
            if not event.new:
                return
            if self._check(future) and future.end_reason != "stopped":
                self.failures.append(f"loop ended with end_reason {future.end_reason!r}")
            on_done(future.missed_count)

        future.observe(done, "done")
        stop: Callable[[], None] = future.stop
        return stop

    def start_processes(self) -> None:
        """A second executor, on the library's ``MultiprocessingContext``.

        Raises
        ------
        NotSupportedError
            If the API module has no ``MultiprocessingContext``.
        """
        context_class = getattr(self.api, "MultiprocessingContext", None)
        if context_class is None:
            raise NotSupportedError(f"{self.api_module} has no MultiprocessingContext")
        self._process_context = context_class()
        # traits-futures' context has no start method of its own: its pool
        # and manager use multiprocessing's default ("fork" on Linux before
        # Python 3.14).
        self.process_start_method = (
            getattr(self._process_context, "start_method", None)
            or multiprocessing.get_start_method()
        )
        self._process_executor = self.api.TraitsExecutor(
            max_workers=self.workers,
            context=self._process_context,
            event_loop=self._make_event_loop(),
        )

    def start_dask(self) -> None:
        """A second executor, on the library's ``DaskContext``: an embedded LocalCluster.

        One worker process of one thread (as the process measures use one
        worker process). The cluster starts here, and the context is
        connected before this returns.

        Raises
        ------
        NotSupportedError
            If the API module has no ``DaskContext``, or dask distributed is missing.
        """
        context_class = getattr(self.api, "DaskContext", None)
        if context_class is None:
            raise NotSupportedError(f"{self.api_module} has no DaskContext")
        try:
            self._process_context = context_class(n_workers=1, threads_per_worker=1)
        except ImportError as error:
            raise NotSupportedError(str(error)) from error
        self._process_context.wait_connected(60)
        self.process_start_method = "dask"
        self._process_executor = self.api.TraitsExecutor(
            context=self._process_context, event_loop=self._make_event_loop()
        )

    def process_iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """``submit_iteration`` on the process executor."""
        future = self.api.submit_iteration(self._process_executor, fn, *args)
        self._observe_iteration(future, on_item, on_done)

    def process_call(
        self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """``submit_call`` on the process executor; observe ``done``."""
        future = self.api.submit_call(self._process_executor, fn, *args)
        future.observe(partial(self._on_call_done, on_result), "done")

    def process_cancellable(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_ended: Callable[[bool], None],
    ) -> Callable[[], None]:
        """``submit_iteration`` on the process executor; ``cancel`` is ``future.cancel``.

        ``on_ended`` is called by the ``done`` observer, with True if the
        future's state is CANCELLED.
        """
        future = self.api.submit_iteration(self._process_executor, fn, *args)
        cancelled = self.api.CANCELLED
        future.observe(partial(_forward_new, on_item), "result_event")

        def done(event: Any) -> None:
            if event.new:
                on_ended(event.object.state == cancelled)

        future.observe(done, "done")
        cancel: Callable[[], None] = future.cancel
        return cancel

    def start_claims(self) -> None:
        """Check that the library's jobs can claim resources.

        Raises
        ------
        NotSupportedError
            If :attr:`resource_claims` is False.
        """
        if not self.resource_claims:
            raise NotSupportedError(
                f"{self.api_module} has no resource claims (resources=, on_conflict=)"
            )

    def claiming_call(
        self, fn: Callable[..., Any], *args: Any, resources: frozenset[str], wait: bool = False
    ) -> Any:
        """``submit_call(executor, fn, *args, resources=...)``; return the future.

        With ``wait``, ``on_conflict="wait"`` is passed too.
        """
        if wait:
            return self.api.submit_call(
                self.executor, fn, *args, resources=resources, on_conflict="wait"
            )
        return self.api.submit_call(self.executor, fn, *args, resources=resources)

    def when_all_done(self, handles: Sequence[Any], on_done: Callable[[], None]) -> None:
        """Observe ``done`` of the last future not done yet; check them all at the end.

        The jobs of one measure end in submission order, so one observer
        normally suffices; if the last ends first, the next one not done is
        observed in turn.
        """
        futures = list(handles)

        def step(event: Any = None) -> None:
            if event is not None and not event.new:
                return
            pending = [future for future in futures if not future.done]
            if pending:
                pending[-1].observe(step, "done")
                return
            for future in futures:
                self._check(future)
            on_done()

        step()

    def shutdown(self) -> None:
        """``executor.shutdown(timeout=10)``, and close the process context if used."""
        self.executor.shutdown(timeout=10)
        if self._process_executor is not None:
            self._process_executor.shutdown(timeout=10)
            self._process_context.close()
