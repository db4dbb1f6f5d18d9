# SPDX-License-Identifier: BSD-3-Clause
"""superqt 0.9 thread workers (``superqt.utils.create_worker``)."""

from collections.abc import Callable, Iterator
from typing import Any

from benchmarks.jobs import numbers
from benchmarks.systems.base import Adapter


class SuperqtAdapter(Adapter):
    """``create_worker(fn, ..., _connect={...})`` on the global ``QThreadPool``.

    One queued signal per message. superqt has no progress channel, so a
    progress job yields its reports (as a generator worker). Inside a running
    event loop ``WorkerBase.start()`` defers each start with
    ``QTimer.singleShot(1, ...)``; that is part of what is measured.

    Parameters
    ----------
    workers : int
        ``maxThreadCount`` of the global thread pool.
    """

    distribution = "superqt"

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        from qtpy.QtCore import QThreadPool
        from superqt.utils import create_worker

        self._create_worker = create_worker
        self._pool = QThreadPool.globalInstance()
        self._pool.setMaxThreadCount(workers)

    def _on_error(self, exc: BaseException) -> None:
        """``errored`` handler: record the failure (``finished`` still follows)."""
        self.failures.append(f"worker errored: {exc!r}")

    def call(self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]) -> None:
        """A ``FunctionWorker``; ``returned`` delivers the value."""

        def errored(exc: BaseException) -> None:
            self.failures.append(f"worker errored: {exc!r}")
            on_result(None)

        self._create_worker(fn, *args, _connect={"returned": on_result, "errored": errored})

    def iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """A ``GeneratorWorker``; ``yielded`` per item, ``finished`` at the end."""
        self._create_worker(
            fn,
            *args,
            _connect={
                "yielded": on_item,
                "finished": on_done,
                "errored": self._on_error,
            },
        )

    def progress(
        self,
        n: int,
        *,
        on_progress: Callable[[Any], None],
        on_done: Callable[[], None],
        coalesce: bool = False,
    ) -> None:
        """No progress channel in superqt: the job yields each report (never coalesced)."""
        self.iterate(numbers, n, on_item=on_progress, on_done=on_done)

    def shutdown(self) -> None:
        """Drop queued workers and wait for the running ones."""
        self._pool.clear()
        self._pool.waitForDone(10_000)
