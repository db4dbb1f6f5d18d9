# SPDX-License-Identifier: BSD-3-Clause
"""The canonical PySide6 pattern: QRunnable + per-runnable QObject with ``Signal(object)``.

Each runnable gets its own emitter ``QObject`` (created on the main thread),
whose signals are connected with an explicit ``Qt.QueuedConnection`` to
``@Slot``\\ s of one main-thread receiver. One queued event per message.

Its loop job is the QMI-style baseline: a plain ``threading.Thread`` running
QMI's ``QMI_LoopTask`` scheduling (:func:`~benchmarks.jobs.qmi_style_loop`),
publishing each status by the same queued ``Signal(object)``.

Its coroutine jobs run on a plain asyncio loop on a ``threading.Thread`` of
their own (``asyncio.run_coroutine_threadsafe``); results and items reach the
main thread by one queued ``Signal(object)`` of a single bridge ``QObject``.

Its emergency stop is the floor of traits_jobs' design: the main thread
starts one ``threading.Thread``, which starts one thread per hook and
collects their outcomes by their deadlines; meanwhile the main thread sets
each live runnable's cancel flag (``QThreadPool.tryTake`` removes the queued
ones) and cancels each coroutine.
"""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from benchmarks.jobs import qmi_style_loop, report_progress
from benchmarks.systems.base import Adapter

_QUEUED = Qt.ConnectionType.QueuedConnection


class _Emitter(QObject):
    """Per-runnable signals; payloads are ``(job, value)`` tuples."""

    item = Signal(object)
    finished = Signal(object)
    failed = Signal(object)


class _Bridge(QObject):
    """One emitter for the asyncio thread and the hooks: payloads are ``(callback, value)``."""

    delivered = Signal(object)


class _Job:
    """Main-thread bookkeeping of one runnable: its callbacks and emitter."""

    __slots__ = ("emitter", "on_final", "on_item")

    def __init__(
        self,
        emitter: _Emitter,
        on_item: Callable[[Any], None] | None,
        on_final: Callable[..., None],
    ) -> None:
        self.emitter = emitter
        self.on_item = on_item
        self.on_final = on_final


class _Receiver(QObject):
    """The main-thread QObject whose slots route payloads to callbacks."""

    def __init__(self, adapter: "RawAdapter") -> None:
        super().__init__()
        self._adapter = adapter

    @Slot(object)
    def item(self, payload: tuple[_Job, Any]) -> None:
        """One generated item or progress report."""
        job, value = payload
        assert job.on_item is not None
        job.on_item(value)

    @Slot(object)
    def finished(self, payload: tuple[_Job, Any]) -> None:
        """The job returned ``value``."""
        job, value = payload
        self._adapter.release(job)
        job.on_final(value)

    @Slot(object)
    def deliver(self, payload: tuple[Callable[[Any], None], Any]) -> None:
        """Call ``callback(value)``: a coroutine's result or item, a job's end, a report."""
        callback, value = payload
        callback(value)

    @Slot(object)
    def failed(self, payload: tuple[_Job, Any]) -> None:
        """The job raised."""
        job, exc = payload
        self._adapter.failures.append(f"runnable raised {exc!r}")
        self._adapter.release(job)
        job.on_final(None)


class _Runnable(QRunnable):
    """Runs one job body on a pool thread and emits its messages."""

    def __init__(self, job: _Job, kind: str, fn: Callable[..., Any], args: tuple[Any, ...]):
        super().__init__()
        self._job = job
        self._kind = kind
        self._fn = fn
        self._args = args

    def _emit_item(self, value: Any) -> None:
        self._job.emitter.item.emit((self._job, value))

    def run(self) -> None:
        """Run the body; emit items (iteration), reports (progress), then the result."""
        job, emitter = self._job, self._job.emitter
        try:
            if self._kind == "call":
                result = self._fn(*self._args)
            elif self._kind == "iterate":
                emit = emitter.item.emit
                for value in self._fn(*self._args):
                    emit((job, value))
                result = None
            else:
                result = self._fn(*self._args, progress=self._emit_item)
        except Exception as exc:
            emitter.failed.emit((job, exc))
        else:
            emitter.finished.emit((job, result))


class _FlagRunnable(QRunnable):
    """A runnable of ``estop``: blocks until its cancel flag is set, or returns at once.

    ``emit((callback, value))`` goes through the bridge: ``on_started``
    with None when a blocking one starts, ``on_ended`` with True (cancelled)
    or False when it ends.
    """

    def __init__(
        self,
        flag: threading.Event,
        hold: bool,
        emit: Callable[[Any], None],
        on_started: Callable[[Any], None],
        on_ended: Callable[[bool], None],
    ) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.flag = flag
        self._hold = hold
        self._emit = emit
        self._on_started = on_started
        self.on_ended = on_ended

    def run(self) -> None:
        """Wait for the flag if holding; report the end."""
        if self._hold and not self.flag.is_set():
            self._emit((self._on_started, None))
            self.flag.wait(_HELD_TIMEOUT_S)
        self._emit((self.on_ended, self.flag.is_set()))


#: Seconds a blocked job of ``estop`` waits at most (it is cancelled much earlier).
_HELD_TIMEOUT_S = 600.0


class _AsyncioThread:
    """A plain asyncio loop running forever on a ``threading.Thread`` of its own."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="raw asyncio loop", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coroutine: Awaitable[Any]) -> "Future[Any]":
        """``asyncio.run_coroutine_threadsafe``. Any thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)  # type: ignore[arg-type]

    def close(self) -> None:
        """Cancel what is left, stop the loop, join the thread."""

        def stop() -> None:
            for task in asyncio.all_tasks(self.loop):
                task.cancel()
            self.loop.call_soon(self.loop.stop)

        self.loop.call_soon_threadsafe(stop)
        self._thread.join(10)


def _run_hooks(hooks: Sequence[tuple[str, Callable[[], Any], float]]) -> dict[str, int]:
    """Start one thread per hook, wait for each by its deadline; summarise the outcomes."""
    results: dict[str, Any] = {}
    watched: list[tuple[str, threading.Event, float]] = []
    for name, hook, timeout in hooks:
        done = threading.Event()
        watched.append((name, done, time.monotonic() + timeout))

        def run(name: str = name, hook: Callable[[], Any] = hook, done: Any = done) -> None:
            try:
                hook()
            except BaseException as exc:
                results[name] = exc
            else:
                results[name] = "ok"
            finally:
                done.set()

        threading.Thread(target=run, name=f"raw emergency {name}", daemon=True).start()
    summary = {"ok": 0, "timed_out": 0, "failed": 0}
    for name, done, deadline in watched:
        if not done.wait(max(0.0, deadline - time.monotonic())):
            summary["timed_out"] += 1
        elif results.get(name) == "ok":
            summary["ok"] += 1
        else:
            summary["failed"] += 1
    return summary


class RawAdapter(Adapter):
    """A private ``QThreadPool(maxThreadCount=workers)`` of :class:`_Runnable`.

    Parameters
    ----------
    workers : int
        ``maxThreadCount`` of the private pool.
    """

    distribution = "PySide6_Essentials"

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(workers)
        self._receiver = _Receiver(self)
        # Emitters are released on the main thread when their job ends, never
        # by a worker dropping the last reference.
        self._live: set[_Job] = set()
        #: Stop event and thread of each loop job.
        self._loops: list[tuple[threading.Event, threading.Thread]] = []
        self._bridge = _Bridge()
        self._bridge.delivered.connect(self._receiver.deliver, _QUEUED)
        self._emit = self._bridge.delivered.emit
        self._aio: _AsyncioThread | None = None
        self._hooks: list[tuple[str, Callable[[], Any], float]] = []
        #: Live jobs of ``estop``: runnables and coroutines' concurrent futures.
        self._runnables: list[_FlagRunnable] = []
        #: Runnables already stopped: kept alive while the pool may still run them.
        self._retired: list[_FlagRunnable] = []
        self._coroutines: list[Future[Any]] = []

    def release(self, job: _Job) -> None:
        """Forget a finished job (main thread)."""
        self._live.discard(job)

    def _start(
        self,
        kind: str,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        on_item: Callable[[Any], None] | None,
        on_final: Callable[..., None],
    ) -> None:
        """Create the emitter, connect it, and start a runnable."""
        emitter = _Emitter()
        job = _Job(emitter, on_item, on_final)
        if on_item is not None:
            emitter.item.connect(self._receiver.item, _QUEUED)
        emitter.finished.connect(self._receiver.finished, _QUEUED)
        emitter.failed.connect(self._receiver.failed, _QUEUED)
        self._live.add(job)
        self._pool.start(_Runnable(job, kind, fn, args))

    def call(self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]) -> None:
        """One runnable; ``finished`` carries the return value."""
        self._start("call", fn, args, None, on_result)

    def iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """One runnable emitting ``item`` per generated value."""
        self._start("iterate", fn, args, on_item, lambda _result: on_done())

    def progress(
        self,
        n: int,
        *,
        on_progress: Callable[[Any], None],
        on_done: Callable[[], None],
        coalesce: bool = False,
    ) -> None:
        """One runnable whose progress reporter emits ``item`` per report (never coalesced)."""
        self._start("progress", report_progress, (n,), on_progress, lambda _result: on_done())

    def loop(
        self,
        body: Callable[[Callable[[Any], Any]], None],
        *,
        period: float,
        missed: str,
        on_status: Callable[[Any], None],
        on_done: Callable[[int | None], None],
    ) -> Callable[[], None]:
        """A QMI-style loop on its own ``threading.Thread`` (not the pool).

        Every status is emitted as one queued ``item`` signal (nothing is
        coalesced); ``finished`` carries the slots missed. ``stop()`` sets
        the loop's stop event, which also ends its wait.
        """
        emitter = _Emitter()
        job = _Job(emitter, on_status, on_done)
        emitter.item.connect(self._receiver.item, _QUEUED)
        emitter.finished.connect(self._receiver.finished, _QUEUED)
        emitter.failed.connect(self._receiver.failed, _QUEUED)
        self._live.add(job)
        stop = threading.Event()

        def run() -> None:
            publish = self._publisher(job)
            try:
                slots_missed = qmi_style_loop(body, publish, period, missed, stop)
            except Exception as exc:
                emitter.failed.emit((job, exc))
            else:
                emitter.finished.emit((job, slots_missed))

        thread = threading.Thread(target=run, name="qmi-style loop", daemon=True)
        self._loops.append((stop, thread))
        thread.start()
        return stop.set

    @staticmethod
    def _publisher(job: _Job) -> Callable[[Any], None]:
        """``publish(value)``: emit ``item`` with ``(job, value)``."""
        emit = job.emitter.item.emit

        def publish(value: Any) -> None:
            emit((job, value))

        return publish

    # Coroutine jobs -------------------------------------------------------

    def start_coroutines(self) -> None:
        """Start the asyncio loop's thread."""
        if self._aio is None:
            self._aio = _AsyncioThread()

    async def _coroutine_call(
        self, fn: Callable[..., Awaitable[Any]], args: tuple[Any, ...], on_result: Any
    ) -> None:
        try:
            value = await fn(*args)
        except Exception as exc:
            self._emit((self._coroutine_failed, (on_result, exc)))
        else:
            self._emit((on_result, value))

    def _coroutine_failed(self, payload: tuple[Callable[[Any], None], BaseException]) -> None:
        on_final, exc = payload
        self.failures.append(f"coroutine raised {exc!r}")
        on_final(None)

    def coroutine_call(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """``run_coroutine_threadsafe``; the result comes back by the bridge's signal."""
        assert self._aio is not None
        self._aio.submit(self._coroutine_call(fn, args, on_result))

    def coroutine_items(
        self,
        fn: Callable[[int, Callable[[Any], object]], Awaitable[Any]],
        n: int,
        *,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """``publish(value)`` emits ``(on_item, value)`` on the bridge; then the end."""
        assert self._aio is not None
        emit = self._emit

        def publish(value: Any) -> None:
            emit((on_item, value))

        self._aio.submit(self._coroutine_call(fn, (n, publish), lambda _result: on_done()))

    # Emergency stop -------------------------------------------------------

    def start_emergency(self, hooks: Sequence[tuple[str, Callable[[], Any], float]]) -> None:
        """Keep the hooks; start the asyncio thread for the coroutines."""
        self._hooks = list(hooks)
        self.start_coroutines()

    async def _held(self, on_started: Callable[[Any], None], on_ended: Any) -> None:
        self._emit((on_started, None))
        try:
            await asyncio.sleep(_HELD_TIMEOUT_S)
        except asyncio.CancelledError:
            self._emit((on_ended, True))
        else:
            self._emit((on_ended, False))

    def emergency_jobs(
        self,
        n: int,
        *,
        coroutines: int,
        on_started: Callable[[], None],
        on_ended: Callable[[bool], None],
    ) -> None:
        """Flag runnables on the private pool (the first ``workers`` block); held coroutines."""
        assert self._aio is not None

        def started(_value: Any) -> None:
            on_started()

        runnables, held = [], []
        for i in range(n):
            if self.workers <= i < self.workers + coroutines:
                future = self._aio.submit(self._held(started, on_ended))
                held.append(future)
                continue
            runnable = _FlagRunnable(
                threading.Event(), i < self.workers, self._emit, started, on_ended
            )
            runnables.append(runnable)
            self._pool.start(runnable)
        self._runnables, self._coroutines = runnables, held

    def emergency_stop(self) -> Any:
        """Start a thread that starts the hooks and collects them; cancel every job meanwhile.

        The same shape as traits_jobs' stop (one thread started on the main
        thread, which starts one thread per hook), so that the difference is
        the library's cost, not the design's.
        """
        hooks = self._hooks
        report: dict[str, Any] = {"cancelled": 0, "summary": None, "on_report": None}
        emit, reported = self._emit, self._reported

        def stopper() -> None:
            emit((reported, (report, _run_hooks(hooks))))

        threading.Thread(target=stopper, name="raw emergency stop", daemon=True).start()
        runnables, self._runnables = self._runnables, []
        coroutines, self._coroutines = self._coroutines, []
        self._retired += runnables
        cancelled = 0
        pool = self._pool
        for runnable in runnables:  # All flags first: a freed worker takes the next one.
            runnable.flag.set()
        for runnable in runnables:
            cancelled += 1
            if pool.tryTake(runnable):
                runnable.on_ended(True)
        for future in coroutines:
            if future.cancel():
                cancelled += 1
        report["cancelled"] = cancelled
        return report

    def _reported(self, payload: tuple[dict[str, Any], dict[str, int]]) -> None:
        report, summary = payload
        report["summary"] = summary
        if report["on_report"] is not None:
            report["on_report"]({"cancelled": report["cancelled"], **summary})

    def when_reported(self, handle: Any, on_report: Callable[[dict[str, int]], None]) -> None:
        """Call ``on_report`` now if the collector has reported, else when it does."""
        if handle["summary"] is not None:
            on_report({"cancelled": handle["cancelled"], **handle["summary"]})
        else:
            handle["on_report"] = on_report

    def shutdown(self) -> None:
        """Stop the loops, drop queued runnables and wait for the running ones."""
        for stop, thread in self._loops:
            stop.set()
            thread.join(10)
        for runnable in self._runnables:
            runnable.flag.set()
        if self._aio is not None:
            self._aio.close()
        self._pool.clear()
        self._pool.waitForDone(10_000)
