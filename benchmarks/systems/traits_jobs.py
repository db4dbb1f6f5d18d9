# SPDX-License-Identifier: BSD-3-Clause
"""traits_jobs: the library under test."""

from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

from benchmarks.jobs import held_coroutine, square
from benchmarks.systems._traits_api import TraitsApiAdapter, _forward_new

#: Seconds a blocked job of ``estop`` waits at most (it is cancelled much earlier).
HELD_TIMEOUT_S = 600.0


def _held_call() -> None:
    """A call that runs until it is cancelled: ``current_job().sleep(None)``."""
    from traits_jobs.api import current_job

    current_job().sleep(HELD_TIMEOUT_S)


class TraitsJobsAdapter(TraitsApiAdapter):
    """``traits_jobs.api.TraitsExecutor`` on ``traits_jobs.api.QtEventLoop``.

    The process measure uses ``traits_jobs.api.MultiprocessingContext`` as soon
    as the API has one (until then it is reported as "n/a"). Only this system
    has resource claims (the ``admission`` measure) and an emergency stop
    (``estop``).

    Coroutine jobs are ``submit_coroutine`` jobs on the executor's own asyncio
    loop (a thread of its own). Their item stream is a job kind of the
    benchmark's own (:func:`_item_job_kind`), because both public channels
    out of a running coroutine job, ``publish_status`` and
    ``report_progress``, are coalesced.
    """

    distribution = "traits_jobs"
    api_module = "traits_jobs.api"
    qt_event_loop = "traits_jobs.api:QtEventLoop"
    coalesce_keyword = "coalesce_progress"
    resource_claims = True

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self._item_spec: type | None = None

    # The jobs panel ----------------------------------------------------------

    def open_jobs_panel(self) -> Callable[[], None]:
        """A ``traits_jobs.ui.api.JobsPanel`` of the executor, its view open (not shown)."""
        from traits_jobs.ui.api import JobsPanel

        panel = JobsPanel(self.executor)
        ui = panel.edit_traits()

        def close() -> None:
            ui.dispose()
            panel.dispose()

        return close

    # Coroutine jobs -------------------------------------------------------

    def start_coroutines(self) -> None:
        """Check that the API has ``submit_coroutine``; build the item job kind."""
        if not hasattr(self.api, "submit_coroutine"):
            super().start_coroutines()
        self._item_spec = _item_job_kind()

    def coroutine_call(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """``submit_coroutine`` and observe ``done``."""
        future = self.api.submit_coroutine(self.executor, fn, *args)
        future.observe(partial(self._on_call_done, on_result), "done")

    def coroutine_items(
        self,
        fn: Callable[[int, Callable[[Any], object]], Awaitable[Any]],
        n: int,
        *,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """A coroutine job whose ``publish`` sends one message per item (the ``item`` event)."""
        assert self._item_spec is not None
        future = self.executor.submit(self._item_spec(fn, (n,), {}))
        future.observe(partial(_forward_new, on_item), "item")
        future.observe(partial(self._on_job_done, on_done), "done")

    # Emergency stop -------------------------------------------------------

    def start_emergency(self, hooks: Sequence[tuple[str, Callable[[], Any], float]]) -> None:
        """``executor.add_emergency_stop(hook, name=..., timeout=...)`` for each hook."""
        if not hasattr(self.executor, "emergency_stop"):
            super().start_emergency(hooks)
        for name, hook, timeout in hooks:
            self.executor.add_emergency_stop(hook, name=name, timeout=timeout)

    def emergency_jobs(
        self,
        n: int,
        *,
        coroutines: int,
        on_started: Callable[[], None],
        on_ended: Callable[[bool], None],
    ) -> None:
        """Blocking calls (``current_job().sleep``), awaiting coroutines, queued calls."""
        api, executor = self.api, self.executor
        executing, cancelled = api.EXECUTING, api.CANCELLED

        def started(event: Any) -> None:
            if event.new == executing:
                on_started()

        def ended(event: Any) -> None:
            if event.new:
                on_ended(event.object.state == cancelled)

        for i in range(n):
            if i < self.workers:
                future = api.submit_call(executor, _held_call)
            elif i < self.workers + coroutines:
                future = api.submit_coroutine(executor, held_coroutine, HELD_TIMEOUT_S)
            else:
                future = api.submit_call(executor, square, i)
            if i < self.workers + coroutines:
                future.observe(started, "state")
            future.observe(ended, "done")

    def emergency_stop(self) -> Any:
        """``executor.emergency_stop()``; the handle is its future."""
        return self.executor.emergency_stop()

    def when_reported(self, handle: Any, on_report: Callable[[dict[str, int]], None]) -> None:
        """Observe the future's ``done``; summarise its ``EmergencyReport``."""

        def done(event: Any) -> None:
            if not event.new:
                return
            if not self._check(handle):
                on_report({"cancelled": 0, "ok": 0, "timed_out": 0, "failed": 0})
                return
            report = handle.result
            outcomes = list(report.hooks.values())
            ok = sum(1 for o in outcomes if o == "ok")
            timed_out = sum(1 for o in outcomes if o == "timed out")
            on_report(
                {
                    "cancelled": len(report.cancelled),
                    "ok": ok,
                    "timed_out": timed_out,
                    "failed": len(outcomes) - ok - timed_out,
                }
            )

        handle.observe(done, "done")


def _item_job_kind() -> type:
    """A coroutine job kind whose coroutine publishes items, every one delivered.

    Built as ``docs/howto/custom_job.rst`` shows for thread jobs: a future
    with an ``item`` event set by a ``@message_handler``, a task whose
    coroutine is called with ``publish = partial(task.send, "item")``, and a
    specification making both. The future and the handler are public API;
    the coroutine task and specification (``CoroutineTask``,
    ``BackgroundCoroutine``) are not exported by ``traits_jobs.api``, so this
    reaches into ``traits_jobs.jobs.coroutine``.

    Returns
    -------
    type
        The specification class: ``spec(fn, (n,), {})`` runs ``await fn(n, publish)``.
    """
    from traits.api import Event

    from traits_jobs.api import CoroutineFuture, message_handler
    from traits_jobs.jobs.coroutine import BackgroundCoroutine, CoroutineTask

    item_kind = "benchmark_item"

    class ItemFuture(CoroutineFuture):
        item = Event()

        @message_handler(item_kind)
        def _on_item(self, value: Any) -> None:
            self.item = value

    class ItemTask(CoroutineTask):
        __slots__ = ()

        def __init__(self, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            super().__init__(fn, (*args, partial(self.send, item_kind)), kwargs)

    class ItemCoroutine(BackgroundCoroutine):
        __slots__ = ()

        def future(self, cancel: Callable[[], None]) -> Any:
            return ItemFuture(_cancel=cancel)

        def task(self) -> Any:
            return ItemTask(self.fn, self.args, self.kwargs)

    return ItemCoroutine
