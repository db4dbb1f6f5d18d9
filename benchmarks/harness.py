# SPDX-License-Identifier: BSD-3-Clause
"""Child-process plumbing: the Qt application, a guarded event loop, probes.

Everything here runs in the child process that measures one (system, test);
the driver never imports it.
"""

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.systems.base import Adapter


def qt_environment() -> None:
    """Point Qt, ETS and qtpy at offscreen PySide6 (before any Qt import)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("ETS_TOOLKIT", "qt")
    os.environ.setdefault("QT_API", "pyside6")


def make_app() -> Any:
    """Create the ``QApplication`` (widgets, like a real TraitsUI application).

    Returns
    -------
    QApplication
        The application object.
    """
    qt_environment()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    return app


class MainThreadGuard:
    """Counts handler calls that happen off the main thread."""

    def __init__(self) -> None:
        self._main = threading.main_thread()
        self.violations = 0

    def check(self) -> None:
        """Call at the top of every handler."""
        if threading.current_thread() is not self._main:
            self.violations += 1


class Loop:
    """Runs the Qt event loop for one phase of a measure, under a deadline.

    Parameters
    ----------
    app : QApplication
        The application whose loop is run.
    budget_s : float
        Total seconds all phases may take; past it, :meth:`run` returns False.
    """

    def __init__(self, app: Any, budget_s: float) -> None:
        self.app = app
        self.deadline = time.monotonic() + budget_s
        self.timed_out = False
        self._error: BaseException | None = None

    def run(self, start: Callable[[], None]) -> bool:
        """Call ``start`` from inside the running loop; return when :meth:`quit` is called.

        Parameters
        ----------
        start : callable
            Called once by a ``QTimer.singleShot(0)`` from the running loop.

        Returns
        -------
        bool
            False if the deadline passed first (the loop was stopped).

        Raises
        ------
        Exception
            Whatever ``start`` raised (the loop is stopped at once).
        """
        from PySide6.QtCore import QTimer

        if self.timed_out:
            return False
        watchdog = QTimer()
        watchdog.setSingleShot(True)
        watchdog.timeout.connect(self._expire)
        watchdog.start(max(1, round((self.deadline - time.monotonic()) * 1000)))
        QTimer.singleShot(0, lambda: self._start(start))
        self.app.exec()
        watchdog.stop()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return not self.timed_out

    def quit(self) -> None:
        """End the current phase (call from a handler on the main thread)."""
        self.app.quit()

    def _start(self, start: Callable[[], None]) -> None:
        try:
            start()
        except BaseException as exc:  # re-raised by run(), outside Qt
            self._error = exc
            self.app.quit()

    def _expire(self) -> None:
        self.timed_out = True
        self.app.quit()


@dataclass
class Context:
    """What a measure works with.

    Attributes
    ----------
    adapter : Adapter
        The system under test.
    loop : Loop
        The guarded event loop.
    guard : MainThreadGuard
        Every handler calls ``guard.check()``.
    rate_hz : float
        Send rate of the latency measure.
    """

    adapter: Adapter
    loop: Loop
    guard: MainThreadGuard
    rate_hz: float = 1000.0


def rss_bytes() -> int:
    """Resident set size of this process, from ``/proc/self/status`` (VmRSS).

    Returns
    -------
    int
        Bytes, or 0 where ``/proc`` is not available.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``.

    Parameters
    ----------
    values : sequence of float
        The sample (need not be sorted).
    q : float
        Percentile in ``[0, 100]``.

    Returns
    -------
    float
        The value, or NaN for an empty sample.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
