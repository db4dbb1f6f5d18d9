# SPDX-License-Identifier: BSD-3-Clause
"""Job bodies run on worker threads (or processes) by every system.

This module imports neither Qt nor any of the measured libraries, so that it
can be imported cheaply by process-based workers.
"""

import asyncio
import itertools
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


async def square_async(x: int) -> int:
    """Return ``x * x``: the trivial coroutine job (it awaits nothing).

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


async def publish_numbers(n: int, publish: Callable[[int], object]) -> int:
    """Publish the ints ``0 .. n-1``, each after one ``await asyncio.sleep(0)``.

    The coroutine item stream: like a driver coroutine that awaits each
    reading before it hands it on, it gives its loop a turn before each
    item.

    Parameters
    ----------
    n : int
        How many ints to publish.
    publish : callable
        The system's lossless item channel to the main thread.

    Returns
    -------
    int
        ``n``.
    """
    sleep = asyncio.sleep
    for i in range(n):
        await sleep(0)
        publish(i)
    return n


async def held_coroutine(timeout: float) -> None:
    """Await ``asyncio.sleep(timeout)``: a coroutine job live until it is cancelled.

    Parameters
    ----------
    timeout : float
        Seconds before it gives up (the measure cancels it much earlier).
    """
    await asyncio.sleep(timeout)


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


def ticks(period_s: float, busy: bool) -> Iterator[int]:
    """Yield ``0, 1, 2, ...`` forever, one every ``period_s``: a job that must be cancelled.

    The body of the ``process-cancel`` test. Each item is preceded by
    ``period_s`` of work: ``time.sleep`` (an instrument read: the GIL is
    free) or, with ``busy``, a loop on ``time.perf_counter()`` (a
    computation: the job's thread holds the GIL).

    Parameters
    ----------
    period_s : float
        Seconds of work before each item.
    busy : bool
        True to busy-wait instead of sleeping.

    Yields
    ------
    int
        ``0``, ``1``, ... until the job is cancelled.
    """
    clock = time.perf_counter
    for i in itertools.count():
        if busy:
            due = clock() + period_s
            while clock() < due:
                pass
        else:
            time.sleep(period_s)
        yield i


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


class QuickHook:
    """An emergency-stop hook that returns at once, recording when it ran.

    Attributes
    ----------
    calls : list of float
        ``time.perf_counter()`` at the start of each call (appended on the
        hook's thread; ``list.append`` is atomic).
    """

    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self) -> None:
        """Record the call."""
        self.calls.append(time.perf_counter())


class HangingHook:
    """An emergency-stop hook that blocks until :meth:`release` (a device that hangs).

    Each call waits on an event of its own, so that releasing one round's
    call never lets a later round's call through.
    """

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._waiting: list[threading.Event] = []
        self.calls = 0

    def __call__(self) -> None:
        """Block until released (or ``timeout``)."""
        event = threading.Event()
        with self._lock:
            self._waiting.append(event)
            self.calls += 1
        event.wait(self._timeout)

    def release(self) -> None:
        """Let every call blocked so far return."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        for event in waiting:
            event.set()


class LoopRecorder:
    """One loop iteration: record when it started, publish ``(index, start)``.

    The body of the ``loop`` test on every system. The start times stay on
    the recorder (appended on the worker, read on the main thread once the
    loop has ended); the published status is a new tuple each time.

    Attributes
    ----------
    starts : list of float
        ``time.monotonic()`` at the start of each iteration, in order.
    """

    __slots__ = ("starts",)

    def __init__(self) -> None:
        self.starts: list[float] = []

    def __call__(self, publish: Callable[[object], object]) -> None:
        """Record the start time, then ``publish((index, start))``.

        Parameters
        ----------
        publish : callable
            The system's status publisher (traits_jobs: ``ctx.publish_status``).
        """
        start = time.monotonic()
        starts = self.starts
        starts.append(start)
        publish((len(starts) - 1, start))


def qmi_style_loop(
    body: Callable[[Callable[[object], object]], None],
    publish: Callable[[object], object],
    period: float,
    missed: str,
    stop: threading.Event,
) -> int:
    """Call ``body(publish)`` once per ``period`` until ``stop`` is set, as QMI does.

    The scheduling of QMI's ``QMI_LoopTask.run()`` (``qmi/core/task.py``),
    written again: the
    first iteration at once, the next due ``period`` after the moment before
    it; after each iteration wait ``next - now`` on the stop event, then
    ``next += period``. An iteration that ends past ``next`` is an overrun,
    and the next iteration starts at once, without waiting; then ``missed``
    "immediate" (QMI's ``IMMEDIATE``, its default) re-phases the grid from
    now (``next = now + period``), and "skip" (QMI's ``SKIP``) moves ``next``
    on by the slots missed, keeping the grid.

    Parameters
    ----------
    body : callable
        One iteration, called with ``publish``.
    publish : callable
        Passed to ``body``: how the status leaves the thread.
    period : float
        Seconds between iteration starts.
    missed : str
        "immediate" or "skip".
    stop : threading.Event
        Set it to end the loop (its wait ends at once).

    Returns
    -------
    int
        Grid slots missed, counted as traits_jobs counts them
        (``1 + floor(lateness / period)`` per overrun).
    """
    slots_missed = 0
    next_time = time.monotonic() + period
    while not stop.is_set():
        body(publish)
        time_to_sleep = next_time - time.monotonic()
        if time_to_sleep > 0:
            if stop.wait(time_to_sleep):
                break
            next_time += period
            continue
        lost = int((period - time_to_sleep) / period)
        slots_missed += lost
        if missed == "immediate":
            next_time = time.monotonic() + period
        else:
            next_time += period * lost
    return slots_missed
