# SPDX-License-Identifier: BSD-3-Clause
"""The canonical PySide6 pattern: QRunnable + per-runnable QObject with ``Signal(object)``.

Each runnable gets its own emitter ``QObject`` (created on the main thread),
whose signals are connected with an explicit ``Qt.QueuedConnection`` to
``@Slot``\\ s of one main-thread receiver. One queued event per message.
"""

from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from benchmarks.jobs import report_progress
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

    def shutdown(self) -> None:
        """Drop queued runnables and wait for the running ones."""
        self._pool.clear()
        self._pool.waitForDone(10_000)
