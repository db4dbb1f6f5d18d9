# SPDX-License-Identifier: BSD-3-Clause
"""qasync 0.28: asyncio on the Qt main thread (``qasync.QEventLoop``).

Only the ``coro`` test: qasync runs coroutines, not thread jobs, so every
other test is "n/a" (the driver does not even start a child for them).
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from benchmarks.systems.base import Adapter, NotSupportedError


class QasyncAdapter(Adapter):
    """A ``qasync.QEventLoop(app, already_running=True)``: asyncio's loop is Qt's.

    Coroutines run on the main thread, between Qt events; each step of a
    task is scheduled as a Qt timer event. A result or an item needs no hop
    to the main thread: the coroutine calls the handler itself.

    Parameters
    ----------
    workers : int
        Unused: qasync has no worker threads.

    Raises
    ------
    NotSupportedError
        If qasync is not installed.
    """

    distribution = "qasync"

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        try:
            import qasync
        except ImportError as exc:
            msg = f"qasync is not installed (pip install .[bench]): {exc}"
            raise NotSupportedError(msg) from exc
        from PySide6.QtWidgets import QApplication

        # already_running: the harness runs the Qt loop itself (app.exec());
        # this makes the qasync loop asyncio's running loop on this thread.
        self._loop = qasync.QEventLoop(QApplication.instance(), already_running=True)
        asyncio.set_event_loop(self._loop)
        self._tasks: set[asyncio.Task[None]] = set()

    def _no_threads(self) -> NotSupportedError:
        return NotSupportedError("qasync runs coroutines on the Qt main thread: no thread jobs")

    def call(self, fn: Callable[..., Any], *args: Any, on_result: Callable[[Any], None]) -> None:
        """No thread jobs."""
        raise self._no_threads()

    def iterate(
        self,
        fn: Callable[..., Iterator[Any]],
        *args: Any,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """No thread jobs."""
        raise self._no_threads()

    def progress(
        self,
        n: int,
        *,
        on_progress: Callable[[Any], None],
        on_done: Callable[[], None],
        coalesce: bool = False,
    ) -> None:
        """No thread jobs."""
        raise self._no_threads()

    def _spawn(self, coroutine: Any) -> None:
        """``loop.create_task``, keeping a reference until the task ends."""
        task = self._loop.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def start_coroutines(self) -> None:
        """Nothing to start: the loop is the Qt loop."""

    async def _call(
        self,
        fn: Callable[..., Awaitable[Any]],
        args: tuple[Any, ...],
        on_result: Callable[[Any], None],
    ) -> None:
        try:
            value = await fn(*args)
        except Exception as exc:
            self.failures.append(f"coroutine raised {exc!r}")
            on_result(None)
        else:
            on_result(value)

    def coroutine_call(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, on_result: Callable[[Any], None]
    ) -> None:
        """A task on the Qt main thread; it calls ``on_result`` itself."""
        self._spawn(self._call(fn, args, on_result))

    def coroutine_items(
        self,
        fn: Callable[[int, Callable[[Any], object]], Awaitable[Any]],
        n: int,
        *,
        on_item: Callable[[Any], None],
        on_done: Callable[[], None],
    ) -> None:
        """A task on the Qt main thread; ``publish`` is ``on_item`` itself."""
        self._spawn(self._call(fn, (n, on_item), lambda _result: on_done()))

    def shutdown(self) -> None:
        """Cancel the tasks left (none, normally)."""
        for task in list(self._tasks):
            task.cancel()
