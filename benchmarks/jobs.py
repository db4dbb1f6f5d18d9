# SPDX-License-Identifier: BSD-3-Clause
"""Job bodies run on worker threads (or processes) by every system.

This module imports neither Qt nor any of the measured libraries, so that it
can be imported cheaply by process-based workers.
"""

import threading
import time
from collections.abc import Callable, Iterator


def square(x: int) -> int:
    """Return ``x * x``: the trivial call.

    Parameters
    ----------
    x : int
        The number to square.

    Returns
    -------
    int
        ``x`` squared.
    """
    return x * x


def numbers(n: int) -> Iterator[int]:
    """Yield the ints ``0 .. n-1``: the iteration flood.

    Parameters
    ----------
    n : int
        How many ints to yield.

    Yields
    ------
    int
        ``0``, ``1``, ... ``n - 1``.
    """
    yield from range(n)


def report_progress(n: int, progress: Callable[[int], object]) -> int:
    """Call ``progress(i)`` for ``i`` in ``0 .. n-1``: the progress flood.

    Parameters
    ----------
    n : int
        How many reports to make.
    progress : callable
        The system's progress reporter.

    Returns
    -------
    int
        ``n``.
    """
    for i in range(n):
        progress(i)
    return n


def paced_timestamps(n: int, rate_hz: float) -> Iterator[float]:
    """Yield ``time.perf_counter()`` ``n`` times, paced at ``rate_hz``.

    The worker sleeps until about 0.5 ms before each due time and busy-waits
    the rest, so that the send times are regular even with a coarse sleep.

    Parameters
    ----------
    n : int
        How many timestamps to send.
    rate_hz : float
        Sends per second.

    Yields
    ------
    float
        The ``perf_counter()`` reading just before the send.
    """
    period = 1.0 / rate_hz
    start = time.perf_counter()
    for i in range(n):
        due = start + (i + 1) * period
        remaining = due - time.perf_counter()
        if remaining > 0.0005:
            time.sleep(remaining - 0.0005)
        while time.perf_counter() < due:
            pass
        yield time.perf_counter()


def wait_for(event: threading.Event, timeout: float) -> bool:
    """Block the worker until ``event`` is set: keeps a pool busy.

    Parameters
    ----------
    event : threading.Event
        The event to wait for.
    timeout : float
        Give up after this many seconds.

    Returns
    -------
    bool
        True if the event was set in time.
    """
    return event.wait(timeout)
