# SPDX-License-Identifier: BSD-3-Clause
"""The measures: each runs one test against one adapter inside the Qt loop.

A measure takes a :class:`~benchmarks.harness.Context` and a size ``n`` and
returns a dict of numbers plus ``problems`` (a list of strings). All jobs are
submitted from a ``QTimer.singleShot(0)`` callback of the running event loop;
every handler calls ``ctx.guard.check()``. Main-thread CPU is
``time.thread_time()`` of the GUI thread.
"""

import gc
import itertools
import math
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import Context, percentile, rss_bytes
from benchmarks.jobs import (
    HangingHook,
    LoopRecorder,
    QuickHook,
    numbers,
    paced_timestamps,
    publish_numbers,
    square,
    square_async,
    wait_for,
)

#: Period of the GUI-responsiveness timer.
TICK_MS = 10
#: How long a blocked worker waits at most (the measure releases it earlier).
BLOCK_TIMEOUT_S = 600.0
#: Slices of each timed submit loop of ``admission`` (the median slice counts).
ADMISSION_SLICES = 10
#: Periods of the two loops of ``loop``: the jitter loop and the fast one.
LOOP_PERIOD_S = 0.001
FAST_LOOP_PERIOD_S = 0.0001

#: ``estop``: live jobs, of which coroutine jobs (the first ``workers`` are
#: blocked calls, the rest queued calls), hooks, the hanging hook's timeout,
#: and the pause between the last job seen running and the stop.
ESTOP_JOBS = 100
ESTOP_COROUTINES = 20
ESTOP_HOOKS = 10
ESTOP_HOOK_TIMEOUT_S = 0.05
ESTOP_SETTLE_MS = 5

Measure = Callable[[Context, int], dict[str, Any]]


@dataclass
class _Tally:
    """Main-thread counters of one phase."""

    expected: int
    count: int = 0
    checksum: int = 0
    last: Any = None
    t0: float = 0.0
    cpu0: float = 0.0
    t_submitted: float = 0.0
    t_end: float | None = None
    cpu_end: float = 0.0
    values: list[float] = field(default_factory=list)

    def start(self) -> None:
        """Record the start time and main-thread CPU."""
        self.cpu0 = time.thread_time()
        self.t0 = time.perf_counter()

    def stop(self) -> None:
        """Record the end time and main-thread CPU (first call only)."""
        if self.t_end is None:
            self.t_end = time.perf_counter()
            self.cpu_end = time.thread_time()

    @property
    def wall(self) -> float:
        """Seconds from start to end (to now, if not ended)."""
        end = self.t_end if self.t_end is not None else time.perf_counter()
        return end - self.t0

    @property
    def cpu(self) -> float:
        """Main-thread CPU seconds from start to end (to now, if not ended)."""
        end = self.cpu_end if self.t_end is not None else time.thread_time()
        return end - self.cpu0


def _unfinished(ctx: Context, tally: _Tally, what: str) -> str:
    """The problem text of a phase stopped by the deadline."""
    return f"deadline passed: {tally.count} of {tally.expected} {what} delivered"


def _per_s(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def calls(ctx: Context, n: int) -> dict[str, Any]:
    """Submit ``n`` trivial calls at once; time until every result is observed.

    Parameters
    ----------
    ctx : Context
        The system and loop.
    n : int
        Number of calls.

    Returns
    -------
    dict
        ``calls_per_s`` (end to end), ``submit_us`` (the submit loop, workers
        running), ``cpu_us_per_call`` (main thread, submit and delivery),
        ``delivered``.
    """
    tally = _Tally(expected=n)
    problems: list[str] = []

    def on_result(value: Any) -> None:
        ctx.guard.check()
        tally.count += 1
        tally.checksum += value or 0
        if tally.count == n:
            tally.stop()
            ctx.loop.quit()

    def start() -> None:
        tally.start()
        call = ctx.adapter.call
        for i in range(n):
            call(square, i, on_result=on_result)
        tally.t_submitted = time.perf_counter()

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "results"))
    elif tally.checksum != sum(i * i for i in range(n)):
        problems.append("checksum of results is wrong")
    return {
        "calls_per_s": _per_s(tally.count, tally.wall),
        "submit_us": (tally.t_submitted - tally.t0) * 1e6 / n if tally.t_submitted else None,
        "cpu_us_per_call": tally.cpu * 1e6 / max(tally.count, 1),
        "wall_s": tally.wall,
        "delivered": tally.count,
        "problems": problems,
    }


def _flood(ctx: Context, n: int, *, timer: bool, source: str = "iteration") -> dict[str, Any]:
    """One ``n``-message job, optionally with a 10 ms precise timer running.

    ``source`` is ``"iteration"`` (a generator of ``0 .. n-1``) or
    ``"progress"`` (a job reporting ``0 .. n-1``, every report delivered).
    Every message must arrive, in order.
    """
    from PySide6.QtCore import Qt, QTimer

    tally = _Tally(expected=n)
    ticks: list[float] = []
    problems: list[str] = []
    qtimer = QTimer()
    qtimer.setTimerType(Qt.TimerType.PreciseTimer)
    qtimer.setInterval(TICK_MS)
    qtimer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    out_of_order: list[int] = []

    def on_item(value: int) -> None:
        ctx.guard.check()
        if value != tally.count and not out_of_order:
            out_of_order.append(value)
        tally.count += 1
        tally.checksum += value

    def on_done() -> None:
        ctx.guard.check()
        tally.stop()
        qtimer.stop()
        ctx.loop.quit()

    def start() -> None:
        if timer:
            qtimer.start()
        tally.start()
        if source == "progress":
            ctx.adapter.progress(n, on_progress=on_item, on_done=on_done)
        else:
            ctx.adapter.iterate(numbers, n, on_item=on_item, on_done=on_done)

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "items"))
    qtimer.stop()
    if tally.count != n:
        problems.append(f"{tally.count} {source} messages delivered of {n}")
    elif tally.checksum != n * (n - 1) // 2:
        problems.append(f"checksum of {source} messages is wrong")
    if out_of_order:
        problems.append(f"{source} message {out_of_order[0]} delivered out of order")
    result: dict[str, Any] = {
        "items_per_s": _per_s(tally.count, tally.wall),
        "cpu_us_per_item": tally.cpu * 1e6 / max(tally.count, 1),
        "wall_s": tally.wall,
        "delivered": tally.count,
        "problems": problems,
    }
    if timer:
        end = tally.t_end if tally.t_end is not None else time.perf_counter()
        gaps = [b - a for a, b in itertools.pairwise([tally.t0, *ticks, end])]
        expected = tally.wall / (TICK_MS / 1000)
        result.update(
            max_gap_ms=max(gaps) * 1000,
            p99_gap_ms=percentile(gaps, 99) * 1000,
            ticks_ratio=len(ticks) / expected if expected > 0 else 0.0,
        )
    return result


def iteration(ctx: Context, n: int) -> dict[str, Any]:
    """One generator yielding ``n`` ints, each delivered to an observer.

    Returns
    -------
    dict
        ``items_per_s`` (until done observed), ``cpu_us_per_item``, ``delivered``.
    """
    return _flood(ctx, n, timer=False)


def gui(ctx: Context, n: int) -> dict[str, Any]:
    """Two floods of ``n`` messages while a ``Qt.PreciseTimer`` 10 ms QTimer ticks.

    First an iteration flood, then a progress job reporting ``n`` times,
    every report delivered (traits_jobs' default, traits-futures' only
    way). Gaps are the differences of ``[start, ticks..., end]``, so a total
    starvation shows as one huge gap.

    Returns
    -------
    dict
        As :func:`iteration`, plus ``max_gap_ms``, ``p99_gap_ms`` and
        ``ticks_ratio`` (ticks seen / expected); for the progress flood
        ``progress_max_gap_ms``, ``progress_p99_gap_ms``,
        ``progress_ticks_ratio`` and ``progress_reports_per_s``.
    """
    result = _flood(ctx, n, timer=True)
    flood = _flood(ctx, n, timer=True, source="progress")
    result["problems"] += flood["problems"]
    result.update(
        progress_max_gap_ms=flood["max_gap_ms"],
        progress_p99_gap_ms=flood["p99_gap_ms"],
        progress_ticks_ratio=flood["ticks_ratio"],
        progress_reports_per_s=flood["items_per_s"],
    )
    return result


def _progress_job(ctx: Context, n: int, *, coalesce: bool) -> tuple[_Tally, list[str]]:
    """One job reporting ``0 .. n-1``; the tally of what the observer saw."""
    tally = _Tally(expected=n)
    problems: list[str] = []
    ordered = [True]

    def on_progress(value: Any) -> None:
        ctx.guard.check()
        if tally.last is not None and value <= tally.last:
            ordered[0] = False
        tally.count += 1
        tally.last = value

    def on_done() -> None:
        ctx.guard.check()
        tally.stop()
        ctx.loop.quit()

    def start() -> None:
        tally.start()
        ctx.adapter.progress(n, on_progress=on_progress, on_done=on_done, coalesce=coalesce)

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "updates"))
    what = "coalesced" if coalesce else "lossless"
    if tally.last != n - 1:
        problems.append(f"{what}: last value delivered {tally.last!r}, expected {n - 1}")
    if not ordered[0]:
        problems.append(f"{what}: reports delivered out of order")
    if not coalesce and tally.count != n:
        problems.append(f"lossless: {tally.count} reports delivered of {n}")
    return tally, problems


def progress(ctx: Context, n: int) -> dict[str, Any]:
    """A job reporting progress ``n`` times: every report delivered, then coalesced.

    The lossless job must deliver all ``n`` reports in order. The coalesced
    one asks the system to coalesce (traits_jobs: ``coalesce_progress=True``);
    a system that cannot delivers every report again.

    Returns
    -------
    dict
        ``reports_per_s`` (lossless, until done observed),
        ``cpu_us_per_report`` (lossless, main thread), ``updates`` (lossless),
        ``coalesced_cpu_s`` (main thread, whole coalesced job),
        ``coalesced_updates``, ``last_ok`` (both delivered ``n - 1`` last).
    """
    lossless, problems = _progress_job(ctx, n, coalesce=False)
    coalesced, more = _progress_job(ctx, n, coalesce=True)
    return {
        "reports_per_s": _per_s(lossless.count, lossless.wall),
        "cpu_us_per_report": lossless.cpu * 1e6 / max(lossless.count, 1),
        "updates": lossless.count,
        "coalesced_cpu_s": coalesced.cpu,
        "coalesced_updates": coalesced.count,
        "last_ok": lossless.last == n - 1 and coalesced.last == n - 1,
        "wall_s": lossless.wall,
        "coalesced_wall_s": coalesced.wall,
        "problems": problems + more,
    }


def latency(ctx: Context, n: int) -> dict[str, Any]:
    """The worker sends ``perf_counter()`` ``n`` times at ``ctx.rate_hz``.

    Returns
    -------
    dict
        ``p50_us``, ``p99_us``, ``max_us`` of send-to-handler latency.
    """
    tally = _Tally(expected=n)
    problems: list[str] = []

    def on_item(sent: float) -> None:
        tally.values.append(time.perf_counter() - sent)
        ctx.guard.check()
        tally.count += 1

    def on_done() -> None:
        ctx.guard.check()
        tally.stop()
        ctx.loop.quit()

    def start() -> None:
        tally.start()
        ctx.adapter.iterate(paced_timestamps, n, ctx.rate_hz, on_item=on_item, on_done=on_done)

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "messages"))
    if tally.count != n:
        problems.append(f"{tally.count} messages delivered of {n}")
    return {
        "p50_us": percentile(tally.values, 50) * 1e6,
        "p99_us": percentile(tally.values, 99) * 1e6,
        "max_us": max(tally.values, default=float("nan")) * 1e6,
        "delivered": tally.count,
        "problems": problems,
    }


@dataclass
class _LoopPhase:
    """What one loop job did: worker start times, main-thread deliveries."""

    recorder: LoopRecorder = field(default_factory=LoopRecorder)
    deliveries: int = 0
    ages: list[float] = field(default_factory=list)
    last: Any = None
    t0: float = 0.0
    cpu0: float = 0.0
    t_stop: float | None = None
    cpu_stop: float = 0.0
    system_missed: int | None = None

    @property
    def window(self) -> float:
        """Main-thread seconds from submit to the stop request."""
        return (self.t_stop if self.t_stop is not None else time.monotonic()) - self.t0

    @property
    def last_ok(self) -> bool:
        """True if the last status published was delivered last."""
        starts = self.recorder.starts
        return bool(starts) and self.last == (len(starts) - 1, starts[-1])


def _run_loop(
    ctx: Context, *, period: float, missed: str, until: Callable[[_LoopPhase, int, float], bool]
) -> tuple[_LoopPhase, list[str]]:
    """Run one loop job of :class:`~benchmarks.jobs.LoopRecorder` until ``until`` says stop.

    ``until(phase, index, start)`` is asked on the main thread with each
    delivered status; once true, the loop is stopped (``stop()`` of the
    adapter) and the phase ends when the system reports the loop ended.
    Deliveries, their age (delivery time - the iteration's start) and
    main-thread CPU are counted up to the stop request.
    """
    phase = _LoopPhase()
    problems: list[str] = []
    stop: list[Callable[[], None]] = []

    def on_status(value: tuple[int, float]) -> None:
        now = time.monotonic()
        ctx.guard.check()
        phase.last = value
        if phase.t_stop is not None:
            return
        phase.deliveries += 1
        phase.ages.append(now - value[1])
        if until(phase, *value):
            phase.t_stop = now
            phase.cpu_stop = time.thread_time()
            stop[0]()

    def on_done(system_missed: int | None) -> None:
        ctx.guard.check()
        phase.system_missed = system_missed
        ctx.loop.quit()

    def start() -> None:
        phase.cpu0 = time.thread_time()
        phase.t0 = time.monotonic()
        stop.append(
            ctx.adapter.loop(
                phase.recorder, period=period, missed=missed, on_status=on_status, on_done=on_done
            )
        )

    if not ctx.loop.run(start):
        problems.append(
            f"deadline passed: loop at {1 / period:,.0f} Hz ran "
            f"{len(phase.recorder.starts)} iterations, {phase.deliveries} statuses delivered"
        )
    elif not phase.last_ok:
        problems.append(
            f"loop at {1 / period:,.0f} Hz: last status delivered {phase.last!r}, "
            f"{len(phase.recorder.starts)} iterations ran"
        )
    return phase, problems


def grid_lateness(starts: list[float], period: float) -> tuple[list[float], int, int]:
    """Where each iteration started on the grid ``starts[0] + k * period``.

    Each start is put on the latest grid slot at or before it; its lateness
    is how long after that slot it started (so it is below one period: an
    iteration that woke more than a period late shows as a missed slot and
    the lateness past the slot it landed on). This needs no knowledge of
    which slot the loop aimed at, so it treats traits_jobs' "skip" (wait for
    the next slot) and QMI's SKIP (one iteration at once after an overrun,
    then the next slot) alike.

    Parameters
    ----------
    starts : list of float
        Iteration start times, in order.
    period : float
        The loop's period.

    Returns
    -------
    (list of float, int, int)
        The lateness of each iteration after the first, in seconds; the grid
        slots from the first start to the last on which no iteration
        started; the iterations that started on a slot another one had
        already started on (QMI's catch-up iteration after an overrun).
    """
    if not starts:
        return [], 0, 0
    t0 = starts[0]
    lateness: list[float] = []
    slots = [0]
    for start in starts[1:]:
        slot = math.floor((start - t0) / period)
        slots.append(slot)
        lateness.append(start - (t0 + slot * period))
    used = len(set(slots))
    return lateness, slots[-1] - slots[0] + 1 - used, len(slots) - used


def loop(ctx: Context, n: int) -> dict[str, Any]:
    """A 1 kHz loop job for ``n`` iterations, then a 10 kHz one for ``n`` ms.

    Each iteration records ``time.monotonic()`` at its start and publishes
    ``(index, start)`` as the job's status (traits_jobs:
    ``ctx.publish_status``, coalesced; raw: one queued ``Signal(object)``
    per iteration from a QMI-style ``threading.Thread`` loop). The main
    thread observes the status and stops the loop: the 1 kHz one
    (``missed="skip"``, the grid kept) once iteration ``n - 1`` is
    delivered, the 10 kHz one (``missed="immediate"``: the rate it can
    reach) once a delivered status started ``n`` ms after the first
    iteration.

    Returns
    -------
    dict
        1 kHz, over the first ``n`` iterations: ``late_p50_us``,
        ``late_p99_us`` (start lateness behind the grid slot,
        :func:`grid_lateness`), ``interval_p99_us`` and ``interval_max_us``
        (``|interval - period|``), ``missed`` (slots without a start) and
        ``extra`` (starts on a slot already used), from the start times;
        ``system_missed`` (slots missed as the system counted them, whole
        loop), ``status_per_s`` (deliveries per second up to the stop
        request). 10 kHz: ``fast_iter_per_s`` (iterations
        started in the first ``n`` ms, per second), ``fast_status_per_s``,
        ``fast_age_p99_us`` (delivery time - start of the delivered
        iteration), ``fast_cpu_ms_per_s`` (main-thread CPU per second up to
        the stop request). ``last_ok``: both loops delivered their last
        status last.

    Raises
    ------
    NotSupportedError
        If the system has no loop jobs.
    """
    duration = n * LOOP_PERIOD_S

    def after_n(phase: _LoopPhase, index: int, start: float) -> bool:
        return index >= n - 1

    def after_duration(phase: _LoopPhase, index: int, start: float) -> bool:
        return start - phase.recorder.starts[0] >= duration

    slow, problems = _run_loop(ctx, period=LOOP_PERIOD_S, missed="skip", until=after_n)
    starts = slow.recorder.starts[:n]
    lateness, missed, extra = grid_lateness(starts, LOOP_PERIOD_S)
    jitter = [abs(b - a - LOOP_PERIOD_S) for a, b in itertools.pairwise(starts)]
    result: dict[str, Any] = {
        "late_p50_us": percentile(lateness, 50) * 1e6,
        "late_p99_us": percentile(lateness, 99) * 1e6,
        "interval_p99_us": percentile(jitter, 99) * 1e6,
        "interval_max_us": max(jitter, default=math.nan) * 1e6,
        "missed": missed,
        "extra": extra,
        "system_missed": slow.system_missed,
        "status_per_s": _per_s(slow.deliveries, slow.window),
        "iterations": len(slow.recorder.starts),
        "deliveries": slow.deliveries,
    }
    if problems:
        result["problems"] = problems
        return result
    fast, more = _run_loop(ctx, period=FAST_LOOP_PERIOD_S, missed="immediate", until=after_duration)
    problems += more
    fast_starts = fast.recorder.starts
    first = fast_starts[0] if fast_starts else 0.0
    in_window = sum(1 for start in fast_starts if start - first < duration)
    result.update(
        fast_iter_per_s=_per_s(in_window, duration),
        fast_status_per_s=_per_s(fast.deliveries, fast.window),
        fast_age_p99_us=percentile(fast.ages, 99) * 1e6,
        fast_cpu_ms_per_s=(fast.cpu_stop - fast.cpu0) * 1e3 / fast.window if fast.t_stop else None,
        fast_system_missed=fast.system_missed,
        fast_iterations=len(fast_starts),
        fast_deliveries=fast.deliveries,
        last_ok=slow.last_ok and fast.last_ok,
        problems=problems,
    )
    return result


def _waiting_batch(
    ctx: Context, n: int, *, traced: bool, wait: bool
) -> tuple[float, float, list[str]]:
    """Block the (single) worker, submit ``n`` calls, measure, release.

    Returns submit seconds, the memory delta (VmRSS, or tracemalloc's current
    size if ``traced``) and problems. With ``wait`` the phase ends when every
    call (and the blocker) has delivered; otherwise right after releasing.
    """
    tally = _Tally(expected=n + 1)
    out: dict[str, float] = {}
    problems: list[str] = []
    release = threading.Event()

    def on_result(value: Any) -> None:
        ctx.guard.check()
        tally.count += 1
        if tally.count == n + 1:
            ctx.loop.quit()

    def start() -> None:
        call = ctx.adapter.call
        call(wait_for, release, BLOCK_TIMEOUT_S, on_result=on_result)
        gc.collect()
        if traced:
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
        else:
            before = rss_bytes()
        t0 = time.perf_counter()
        for i in range(n):
            call(square, i, on_result=on_result)
        out["submit_s"] = time.perf_counter() - t0
        if traced:
            out["delta"] = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
        else:
            out["delta"] = rss_bytes() - before
        release.set()
        if not wait:
            ctx.loop.quit()

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "results"))
    release.set()
    return out.get("submit_s", 0.0), out.get("delta", 0.0), problems


def memory(ctx: Context, n: int) -> dict[str, Any]:
    """``n`` calls wait behind a blocked single worker.

    Round 1 measures the VmRSS delta and the pure submit cost (pool blocked);
    round 2, a fresh batch, the tracemalloc delta (Python heap only). Both
    rounds then run to completion.

    Returns
    -------
    dict
        ``rss_bytes_per_future``, ``traced_bytes_per_future``, ``submit_us``.
    """
    submit_s, rss, problems = _waiting_batch(ctx, n, traced=False, wait=True)
    _, traced, more = _waiting_batch(ctx, n, traced=True, wait=True)
    return {
        "rss_bytes_per_future": rss / n,
        "traced_bytes_per_future": traced / n,
        "submit_us": submit_s * 1e6 / n,
        "problems": problems + more,
    }


def memory_scale(ctx: Context, n: int) -> dict[str, Any]:
    """Round 1 of :func:`memory` only; the child then exits without waiting.

    Returns
    -------
    dict
        ``rss_bytes_per_future`` and ``submit_us``, plus ``fast_exit``: the
        waiting jobs are not run (tearing them down is not what is measured).
    """
    submit_s, rss, problems = _waiting_batch(ctx, n, traced=False, wait=False)
    return {
        "rss_bytes_per_future": rss / n,
        "submit_us": submit_s * 1e6 / n,
        "problems": problems,
        "fast_exit": True,
    }


def _submit_claims(
    ctx: Context,
    claims: list[frozenset[str]],
    handles: list[Any],
    *,
    wait: bool = False,
    slices: int = 1,
) -> float:
    """Submit one claiming call per entry of ``claims``; microseconds per submit.

    The submissions are timed in ``slices`` consecutive slices and the median
    slice's cost per submit is returned, so that a slice in which another
    process took the CPU does not count. Nothing is observed inside the timed
    loops: they time the submission alone.
    """
    claim = ctx.adapter.claiming_call
    size = max(1, math.ceil(len(claims) / slices))
    costs = []
    gc.collect()
    for first in range(0, len(claims), size):
        chunk = claims[first : first + size]
        t0 = time.perf_counter()
        for resources in chunk:
            handles.append(claim(square, 3, resources=resources, wait=wait))
        costs.append((time.perf_counter() - t0) * 1e6 / len(chunk))
    return statistics.median(costs) if costs else 0.0


def _claims_round(ctx: Context, body: Callable[[list[Any]], None]) -> list[str]:
    """Block the (single) worker, run ``body(handles)``, release, wait for every job.

    ``body`` submits claiming calls into ``handles``; they stay live (queued
    behind the blocked worker) until it returns. The round ends when every
    one of them has ended.
    """
    release = threading.Event()
    handles: list[Any] = []

    def on_blocker(value: Any) -> None:
        ctx.guard.check()

    def on_done() -> None:
        ctx.guard.check()
        ctx.loop.quit()

    def start() -> None:
        ctx.adapter.call(wait_for, release, BLOCK_TIMEOUT_S, on_result=on_blocker)
        try:
            body(handles)
        finally:
            release.set()
        ctx.adapter.when_all_done(handles, on_done)

    try:
        finished = ctx.loop.run(start)
    finally:
        release.set()
    return [] if finished else [f"deadline passed: not every one of {len(handles)} jobs ended"]


def admission(ctx: Context, n: int) -> dict[str, Any]:
    """Main-thread cost of admitting a job that claims resources, with many live.

    One worker is blocked, so that every submitted job stays live (queued
    behind it). Round 1: ``k = max(1, n // 20)`` calls each claiming a new
    resource (``resources={"r<i>"}``) are submitted with no claimed job live
    before them, then ``n`` more (the fill), then ``k`` more with ``n + k`` claimed
    jobs live. Round 2, after every job of round 1 has ended: one call holds
    ``{"shared"}``, ``max(1, n // 10)`` calls wait for it
    (``on_conflict="wait"``), then ``k`` more are submitted that wait behind
    them. Only the submit loops are timed, each of the three measured ones
    in :data:`ADMISSION_SLICES` slices whose median counts (the fill as a
    whole); the jobs are not observed, their end is awaited once each round
    is released.

    Returns
    -------
    dict
        ``none_us`` and ``live_us`` (us per submit, with none and with ``n``
        live claimed jobs), ``live_ratio`` (their ratio), ``fill_us`` (us per
        submit while filling up to ``n``), ``wait_us`` (us per submit behind
        the waiting jobs), ``waiting`` (how many were already waiting).

    Raises
    ------
    NotSupportedError
        If the system has no resource claims.
    """
    ctx.adapter.start_claims()
    k = max(1, n // 20)
    waiting = max(1, n // 10)
    names = [frozenset({f"r{i}"}) for i in range(n + 2 * k)]
    shared = frozenset({"shared"})
    out: dict[str, float] = {}
    slices = ADMISSION_SLICES

    def distinct(handles: list[Any]) -> None:
        out["none_us"] = _submit_claims(ctx, names[:k], handles, slices=slices)
        out["fill_us"] = _submit_claims(ctx, names[k : k + n], handles)
        out["live_us"] = _submit_claims(ctx, names[k + n :], handles, slices=slices)

    def behind_waiters(handles: list[Any]) -> None:
        _submit_claims(ctx, [shared], handles)
        _submit_claims(ctx, [shared] * waiting, handles, wait=True)
        out["wait_us"] = _submit_claims(ctx, [shared] * k, handles, wait=True, slices=slices)

    problems = _claims_round(ctx, distinct)
    if not problems:
        problems += _claims_round(ctx, behind_waiters)
    none_us = out.get("none_us")
    live_us = out.get("live_us")
    return {
        "none_us": none_us,
        "live_us": live_us,
        "live_ratio": live_us / none_us if none_us and live_us is not None else None,
        "fill_us": out.get("fill_us"),
        "wait_us": out.get("wait_us"),
        "waiting": waiting,
        "submits_timed": k,
        "problems": problems,
    }


def process(ctx: Context, n: int) -> dict[str, Any]:
    """One ``n``-item iteration job in a worker process (after a 1-item warm-up).

    Returns
    -------
    dict
        ``items_per_s`` and ``cpu_us_per_item``.

    Raises
    ------
    NotSupportedError
        If the system has no process context.
    """
    ctx.adapter.start_processes()
    warm = _Tally(expected=1)

    def warm_done() -> None:
        ctx.guard.check()
        ctx.loop.quit()

    def warm_up() -> None:
        ctx.adapter.process_iterate(numbers, 1, on_item=lambda _: None, on_done=warm_done)

    if not ctx.loop.run(warm_up):
        return {"problems": [_unfinished(ctx, warm, "warm-up items")]}
    tally = _Tally(expected=n)
    problems: list[str] = []

    def on_item(value: int) -> None:
        ctx.guard.check()
        tally.count += 1
        tally.checksum += value

    def on_done() -> None:
        ctx.guard.check()
        tally.stop()
        ctx.loop.quit()

    def start() -> None:
        tally.start()
        ctx.adapter.process_iterate(numbers, n, on_item=on_item, on_done=on_done)

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "items"))
    if tally.count != n or tally.checksum != n * (n - 1) // 2:
        problems.append(f"{tally.count} items delivered of {n} (or wrong checksum)")
    return {
        "items_per_s": _per_s(tally.count, tally.wall),
        "cpu_us_per_item": tally.cpu * 1e6 / max(tally.count, 1),
        "delivered": tally.count,
        "problems": problems,
    }


def _coroutine_calls(ctx: Context, n: int) -> tuple[_Tally, list[str]]:
    """Submit ``n`` trivial coroutine jobs at once; until every result is observed."""
    tally = _Tally(expected=n)
    problems: list[str] = []

    def on_result(value: Any) -> None:
        ctx.guard.check()
        tally.count += 1
        tally.checksum += value or 0
        if tally.count == n:
            tally.stop()
            ctx.loop.quit()

    def start() -> None:
        tally.start()
        call = ctx.adapter.coroutine_call
        for i in range(n):
            call(square_async, i, on_result=on_result)
        tally.t_submitted = time.perf_counter()

    if not ctx.loop.run(start):
        problems.append(_unfinished(ctx, tally, "coroutine results"))
    elif tally.checksum != sum(i * i for i in range(n)):
        problems.append("checksum of coroutine results is wrong")
    return tally, problems


def coro(ctx: Context, n: int) -> dict[str, Any]:
    """Coroutine jobs: ``n`` trivial ones end to end, then one publishing ``n`` items.

    After a one-job warm-up (which starts the system's asyncio loop where it
    starts lazily), ``n`` jobs ``await square_async(i)`` are submitted at
    once from the main thread and each result is observed there. Then one
    coroutine (:func:`~benchmarks.jobs.publish_numbers`) publishes ``0 ..
    n-1``, one ``await asyncio.sleep(0)`` before each, every item delivered
    in order to a main-thread observer.

    Returns
    -------
    dict
        ``calls_per_s`` (submit to every result observed), ``submit_us``
        (the submit loop), ``cpu_us_per_call`` (main thread, submit and
        delivery), ``items_per_s`` (until done observed), ``cpu_us_per_item``,
        ``delivered`` (items).

    Raises
    ------
    NotSupportedError
        If the system cannot run coroutines.
    """
    ctx.adapter.start_coroutines()
    _, problems = _coroutine_calls(ctx, 1)
    if problems:
        return {"problems": ["warm-up: " + p for p in problems]}
    calls_tally, problems = _coroutine_calls(ctx, n)
    items = _Tally(expected=n)
    out_of_order: list[int] = []

    def on_item(value: int) -> None:
        ctx.guard.check()
        if value != items.count and not out_of_order:
            out_of_order.append(value)
        items.count += 1
        items.checksum += value

    def on_done() -> None:
        ctx.guard.check()
        items.stop()
        ctx.loop.quit()

    def start() -> None:
        items.start()
        ctx.adapter.coroutine_items(publish_numbers, n, on_item=on_item, on_done=on_done)

    if not problems:
        if not ctx.loop.run(start):
            problems.append(_unfinished(ctx, items, "items"))
        if items.count != n or items.checksum != n * (n - 1) // 2:
            problems.append(f"{items.count} coroutine items delivered of {n} (or wrong checksum)")
        if out_of_order:
            problems.append(f"coroutine item {out_of_order[0]} delivered out of order")
    return {
        "calls_per_s": _per_s(calls_tally.count, calls_tally.wall),
        "submit_us": (
            (calls_tally.t_submitted - calls_tally.t0) * 1e6 / n
            if calls_tally.t_submitted
            else None
        ),
        "cpu_us_per_call": calls_tally.cpu * 1e6 / max(calls_tally.count, 1),
        "calls_wall_s": calls_tally.wall,
        "items_per_s": _per_s(items.count, items.wall) if items.t_end is not None else None,
        "cpu_us_per_item": items.cpu * 1e6 / max(items.count, 1),
        "items_wall_s": items.wall,
        "delivered": items.count,
        "problems": problems,
    }


@dataclass
class _StopRound:
    """One emergency stop: when things happened, as seen on the main thread."""

    jobs: int
    started: int = 0
    ended: int = 0
    ended_cancelled: int = 0
    ended_early: int = 0
    t0: float = 0.0
    call_s: float = 0.0
    call_cpu_s: float = 0.0
    hooks_s: float = 0.0
    ended_s: float | None = None
    report_s: float | None = None
    summary: dict[str, int] | None = None


def _stop_round(
    ctx: Context, expected_started: int, hooks: list[QuickHook]
) -> tuple[_StopRound, list[str]]:
    """Submit the live jobs, stop them all once seen running, wait for every end and the report."""
    from PySide6.QtCore import QTimer

    state = _StopRound(jobs=ESTOP_JOBS)
    adapter = ctx.adapter
    for hook in hooks:
        hook.calls.clear()

    def finish_if_over() -> None:
        if state.ended == state.jobs and state.summary is not None:
            ctx.loop.quit()

    def on_report(summary: dict[str, int]) -> None:
        ctx.guard.check()
        state.report_s = time.perf_counter() - state.t0
        state.summary = summary
        finish_if_over()

    def trigger() -> None:
        cpu0 = time.thread_time()
        state.t0 = t0 = time.perf_counter()
        handle = adapter.emergency_stop()
        state.call_s = time.perf_counter() - t0
        state.call_cpu_s = time.thread_time() - cpu0
        adapter.when_reported(handle, on_report)

    def on_started() -> None:
        ctx.guard.check()
        state.started += 1
        if state.started == expected_started:
            QTimer.singleShot(ESTOP_SETTLE_MS, trigger)

    def on_ended(cancelled: bool) -> None:
        ctx.guard.check()
        if not state.t0:
            state.ended_early += 1
        state.ended += 1
        state.ended_cancelled += cancelled
        if state.ended == state.jobs:
            state.ended_s = time.perf_counter() - state.t0
            finish_if_over()

    def start() -> None:
        adapter.emergency_jobs(
            ESTOP_JOBS, coroutines=ESTOP_COROUTINES, on_started=on_started, on_ended=on_ended
        )

    problems: list[str] = []
    if not ctx.loop.run(start):
        problems.append(
            f"deadline passed: {state.started} of {expected_started} jobs started, "
            f"{state.ended} of {state.jobs} ended, report {'in' if state.summary else 'not in'}"
        )
    if state.ended_early:
        problems.append(f"{state.ended_early} jobs ended before the emergency stop")
    if state.ended_cancelled != state.jobs:
        problems.append(f"{state.ended_cancelled} of {state.jobs} jobs ended cancelled")
    summary = state.summary or {}
    if summary.get("cancelled") != state.jobs:
        problems.append(f"the report lists {summary.get('cancelled')} cancelled jobs")
    if summary.get("ok") != len(hooks) or summary.get("timed_out") != 1:
        problems.append(f"hooks: {summary}, expected {len(hooks)} ok and 1 timed out")
    if any(len(hook.calls) != 1 for hook in hooks):
        problems.append("a quick hook did not run exactly once")
    return state, problems


def estop(ctx: Context, n: int) -> dict[str, Any]:
    """``n`` emergency stops, each of :data:`ESTOP_JOBS` live jobs with :data:`ESTOP_HOOKS` hooks.

    The hooks are registered once: ``ESTOP_HOOKS - 1`` that record when they
    ran and return, and one that hangs until released, with a timeout of
    :data:`ESTOP_HOOK_TIMEOUT_S` (the others: 5 s). Each round submits the
    jobs (one blocked call per worker, :data:`ESTOP_COROUTINES` awaiting
    coroutine jobs, the rest queued calls), waits until the blocked calls
    and the coroutines are seen running on the main thread, then
    :data:`ESTOP_SETTLE_MS` more, and times the stop call on the main
    thread. The round ends when every job has ended (each must end
    cancelled) and the report is in (every quick hook "ok", the hanging one
    "timed out"); the hanging hook is then released. One warm-up round is
    not counted.

    Returns
    -------
    dict
        ``call_p50_us``, ``call_p99_us``, ``call_max_us`` (main-thread time
        of the stop call), ``call_cpu_p50_us`` (its main-thread CPU),
        ``hooks_p50_ms`` (call to the last quick hook's start, on its
        thread), ``ended_p50_ms`` (call to the last job's end observed on the
        main thread), ``report_p50_ms`` (call to the report observed),
        ``cancelled``, ``hooks_ok``, ``hooks_timed_out`` (the report of the
        last round; every round is checked).

    Raises
    ------
    NotSupportedError
        If the system has no emergency stop.
    """
    quick = [QuickHook() for _ in range(ESTOP_HOOKS - 1)]
    hanging = HangingHook(BLOCK_TIMEOUT_S)
    hooks: list[tuple[str, Callable[[], Any], float]] = [
        (f"quick {i}", hook, 5.0) for i, hook in enumerate(quick)
    ]
    hooks.append(("hanging", hanging, ESTOP_HOOK_TIMEOUT_S))
    ctx.adapter.start_emergency(hooks)
    expected_started = ctx.adapter.workers + ESTOP_COROUTINES
    rounds: list[_StopRound] = []
    problems: list[str] = []
    try:
        for i in range(n + 1):
            state, more = _stop_round(ctx, expected_started, quick)
            hanging.release()
            if more:
                problems += [f"round {i}: {p}" for p in more]
                break
            if i:
                rounds.append(state)
                state.hooks_s = max(max(h.calls) for h in quick) - state.t0
    finally:
        hanging.release()
    calls = [r.call_s for r in rounds]
    last = (rounds[-1].summary if rounds else None) or {}
    return {
        "call_p50_us": percentile(calls, 50) * 1e6,
        "call_p99_us": percentile(calls, 99) * 1e6,
        "call_max_us": max(calls, default=math.nan) * 1e6,
        "call_cpu_p50_us": percentile([r.call_cpu_s for r in rounds], 50) * 1e6,
        "hooks_p50_ms": percentile([r.hooks_s for r in rounds], 50) * 1e3,
        "ended_p50_ms": percentile([r.ended_s or math.nan for r in rounds], 50) * 1e3,
        "report_p50_ms": percentile([r.report_s or math.nan for r in rounds], 50) * 1e3,
        "cancelled": last.get("cancelled"),
        "hooks_ok": last.get("ok"),
        "hooks_timed_out": last.get("timed_out"),
        "rounds": len(rounds),
        "jobs": ESTOP_JOBS,
        "problems": problems,
    }
