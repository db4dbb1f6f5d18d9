# SPDX-License-Identifier: BSD-3-Clause
"""An event loop chosen from ``ETS_TOOLKIT`` and what is installed."""

import importlib.util
import os
from collections.abc import Callable

from traits_jobs.event_loops.asyncio_loop import AsyncioEventLoop
from traits_jobs.event_loops.i_event_loop import IEventLoop, TimerHandle

_QT_NAMES = frozenset({"qt", "qt4", "qt5", "qt6"})
_ASYNCIO_NAMES = frozenset({"asyncio", "null"})


#: Qt bindings that pyface.qt can use.
_QT_BINDINGS = ("PySide6", "PyQt6", "PyQt5", "PySide2")


def _qt_installed() -> bool:
    """True if pyface and one of the Qt bindings it supports are installed."""
    if importlib.util.find_spec("pyface") is None:
        return False
    return any(importlib.util.find_spec(name) is not None for name in _QT_BINDINGS)


def _make_toolkit_loop(toolkit: str) -> IEventLoop:
    if toolkit in _QT_NAMES or (not toolkit and _qt_installed()):
        try:
            from traits_jobs.event_loops.qt import QtEventLoop
        except ImportError as error:
            msg = f"ETS_TOOLKIT={toolkit!r} asks for Qt, but Qt cannot be imported: {error}"
            raise RuntimeError(msg) from error
        return QtEventLoop()
    if toolkit in _ASYNCIO_NAMES or not toolkit:
        return AsyncioEventLoop()
    expected = ", ".join(sorted(_QT_NAMES | _ASYNCIO_NAMES))
    msg = f"ETS_TOOLKIT={toolkit!r} is not supported; expected one of {expected}, or unset."
    raise RuntimeError(msg)


class ETSEventLoop(IEventLoop):
    """The event loop that matches the application's toolkit.

    The choice follows the ``ETS_TOOLKIT`` environment variable: ``qt`` (or
    ``qt4``, ``qt5``, ``qt6``) picks :class:`QtEventLoop`; ``null`` or
    ``asyncio`` picks an :class:`AsyncioEventLoop` on a loop of its own.
    Unset, Qt is used when it is installed and asyncio otherwise. The choice
    is made on first use and kept.
    """

    def __init__(self) -> None:
        self._loop: IEventLoop | None = None

    @property
    def toolkit_event_loop(self) -> IEventLoop:
        """The concrete event loop, chosen on first access."""
        if self._loop is None:
            self._loop = _make_toolkit_loop(os.environ.get("ETS_TOOLKIT", "").lower())
        return self._loop

    def start(self) -> None:
        """Choose the loop and start it. Main thread only."""
        self.toolkit_event_loop.start()

    def call_soon_threadsafe(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` soon on the main thread. Thread-safe once started."""
        self.toolkit_event_loop.call_soon_threadsafe(callback)

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        """See :meth:`IEventLoop.call_later`. Main thread only."""
        return self.toolkit_event_loop.call_later(delay, callback)

    def check_alive(self) -> None:
        """See :meth:`IEventLoop.check_alive`."""
        if self._loop is not None:
            self._loop.check_alive()

    def time(self) -> float:
        """See :meth:`IEventLoop.time`."""
        return self.toolkit_event_loop.time()

    def run_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """See :meth:`IEventLoop.run_until`. Main thread only."""
        return self.toolkit_event_loop.run_until(condition, timeout)

    def close(self) -> None:
        """Close the chosen loop, if one was chosen. Main thread only."""
        if self._loop is not None:
            self._loop.close()
