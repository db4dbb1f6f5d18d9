# SPDX-License-Identifier: BSD-3-Clause
"""The canonical PySide6 pattern: QRunnable + per-runnable QObject with ``Signal(object)``.

Each runnable gets its own emitter ``QObject`` (created on the main thread),
whose signals are connected with an explicit ``Qt.QueuedConnection`` to
``@Slot``\\ s of one main-thread receiver. One queued event per message.

Its loop job is the QMI-style baseline: a plain ``threading.Thread`` running
QMI's ``QMI_LoopTask`` scheduling (:func:`~benchmarks.jobs.qmi_style_loop`),
publishing each status by the same queued ``Signal(object)``.
"""

import threading
from collections.abc import Callable, Iterator
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

    def shutdown(self) -> None:
        """Stop the loops, drop queued runnables and wait for the running ones."""
        for stop, thread in self._loops:
            stop.set()
            thread.join(10)
        self._pool.clear()
        self._pool.waitForDone(10_000)
