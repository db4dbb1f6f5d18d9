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
    ticks,
    wait_for,
)

#: Period of the GUI-responsiveness timer.
TICK_MS = 10
#: How long a blocked worker waits at most (the measure releases it earlier).
BLOCK_TIMEOUT_S = 600.0
#: Slices of each timed submit loop of ``admission`` (the median slice counts).
ADMISSION_SLICES = 10
#: ``process-rtt``: calls run, one after the other, before the timed ones.
PROCESS_WARM_CALLS = 20
#: ``process-cancel``: seconds of work before each item of a cancelled job.
CANCEL_ITEM_S = 0.001
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

    ``source`` is ``"iteration"`` (a generator of ``0 .. n-1``),
    ``"process"`` (the same generator in a worker process: call
    :func:`_start_processes` first) or ``"progress"`` (a job reporting
    ``0 .. n-1``, every report delivered). Every message must arrive, in
    order.
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
        elif source == "process":
            ctx.adapter.process_iterate(numbers, n, on_item=on_item, on_done=on_done)
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
        stamps = [tally.t0, *ticks, end]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        worst = max(range(len(gaps)), key=gaps.__getitem__)
        expected = tally.wall / (TICK_MS / 1000)
        result.update(
            max_gap_ms=gaps[worst] * 1000,
            max_gap_at_ms=(stamps[worst] - tally.t0) * 1000,
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


def iteration_with_panel(ctx: Context, n: int) -> dict[str, Any]:
    """:func:`iteration` without, then with, a jobs panel of the executor open.

    Four floods of ``n`` items in one process, alternating: no panel, panel,
    no panel, panel; the faster of each pair counts. The panel's view is
    open (not shown) for the second and fourth: its row of the job follows
    the job while the items arrive.

    Returns
    -------
    dict
        ``items_per_s`` (no panel), ``panel_items_per_s``, ``panel_ratio``
        (with the panel / without), ``panel_cpu_us_per_item``.

    Raises
    ------
    NotSupportedError
        If the system has no jobs panel.
    """
    close = ctx.adapter.open_jobs_panel()
    close()
    plain: list[dict[str, Any]] = []
    panel: list[dict[str, Any]] = []
    for _ in range(2):
        plain.append(_flood(ctx, n, timer=False))
        close = ctx.adapter.open_jobs_panel()
        try:
            panel.append(_flood(ctx, n, timer=False))
        finally:
            close()
    best_plain = max(plain, key=lambda result: result["items_per_s"])
    best_panel = max(panel, key=lambda result: result["items_per_s"])
    return {
        "items_per_s": best_plain["items_per_s"],
        "panel_items_per_s": best_panel["items_per_s"],
        "panel_ratio": best_panel["items_per_s"] / max(best_plain["items_per_s"], 1e-9),
        "panel_cpu_us_per_item": best_panel["cpu_us_per_item"],
        "problems": [problem for result in plain + panel for problem in result["problems"]],
    }


def gui(ctx: Context, n: int) -> dict[str, Any]:
    """Two floods of ``n`` messages while a ``Qt.PreciseTimer`` 10 ms QTimer ticks.

    First an iteration flood, then a progress job reporting ``n`` times,
    every report delivered (traits_jobs' default, traits-futures' only
    way). Gaps are the differences of ``[start, ticks..., end]``, so a total
    starvation shows as one huge gap.

    Returns
    -------
    dict
        As :func:`iteration`, plus ``max_gap_ms``, ``max_gap_at_ms`` (when
        the worst gap began, from the submit), ``p99_gap_ms`` and
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


def _start_processes(ctx: Context, remote: str = "process") -> tuple[dict[str, Any], list[str]]:
    """Start the system's process context, then run a 1-item iteration job in it.

    The job is the first of the context, so it waits for a worker process
    to start (traits_jobs: "spawn", the worker imports the job's module and
    the main module, ``benchmarks.child``, as ``__mp_main__``;
    traits-futures: the default start method, "fork" on Linux).

    Returns
    -------
    (dict, list of str)
        ``setup_ms`` (main-thread time to make the context and the
        executor; traits-futures starts its manager process there) and
        ``startup_ms`` (submit of the first job to its end observed on the
        main thread, its item delivered), ``start_method`` (how the
        context starts its processes); the problems.

    Raises
    ------
    NotSupportedError
        If the system has no process context.
    """
    t0 = time.perf_counter()
    if remote == "dask":
        ctx.adapter.start_dask()
    else:
        ctx.adapter.start_processes()
    setup_s = time.perf_counter() - t0
    warm = _Tally(expected=1)

    def on_item(value: int) -> None:
        ctx.guard.check()
        warm.count += 1

    def on_done() -> None:
        ctx.guard.check()
        warm.stop()
        ctx.loop.quit()

    def start() -> None:
        warm.start()
        ctx.adapter.process_iterate(numbers, 1, on_item=on_item, on_done=on_done)

    problems: list[str] = []
    if not ctx.loop.run(start):
        problems.append("start-up: " + _unfinished(ctx, warm, "items"))
    elif warm.count != 1:
        problems.append(f"start-up: {warm.count} items delivered of 1")
    started = {
        "setup_ms": setup_s * 1e3,
        "startup_ms": warm.wall * 1e3,
        "start_method": ctx.adapter.process_start_method,
    }
    return started, problems


def process(ctx: Context, n: int, remote: str = "process") -> dict[str, Any]:
    """One ``n``-item iteration job in a worker process, after the start-up job.

    Returns
    -------
    dict
        ``items_per_s`` (until done observed), ``cpu_us_per_item``,
        ``delivered``; ``setup_ms`` and ``startup_ms`` of
        :func:`_start_processes`.

    Raises
    ------
    NotSupportedError
        If the system has no process context.
    """
    started, problems = _start_processes(ctx, remote)
    if problems:
        return {**started, "problems": problems}
    return {**_flood(ctx, n, timer=False, source="process"), **started}


def process_gui(ctx: Context, n: int) -> dict[str, Any]:
    """An ``n``-item iteration flood from a worker process while a 10 ms timer ticks.

    :func:`gui`'s iteration flood, the generator in a worker process (after
    the start-up job of :func:`_start_processes`, which is not timed here).

    Returns
    -------
    dict
        ``max_gap_ms``, ``max_gap_at_ms``, ``p99_gap_ms``, ``ticks_ratio``,
        ``items_per_s``, ``cpu_us_per_item``, ``delivered``; ``setup_ms`` and
        ``startup_ms`` of :func:`_start_processes`.

    Raises
    ------
    NotSupportedError
        If the system has no process context.
    """
    started, problems = _start_processes(ctx)
    if problems:
        return {**started, "problems": problems}
    return {**_flood(ctx, n, timer=True, source="process"), **started}


def process_rtt(ctx: Context, n: int, remote: str = "process") -> dict[str, Any]:
    """``n`` trivial calls in a worker process, one after the other: the round trip.

    After the start-up job and :data:`PROCESS_WARM_CALLS` calls not timed,
    each call ``square(i)`` is submitted on the main thread and timed until
    its result is observed there; the next is submitted from a
    ``QTimer.singleShot(0)`` of that observer.

    Returns
    -------
    dict
        ``rtt_p50_us``, ``rtt_p99_us``, ``rtt_max_us`` (submit to result
        observed), ``submit_p50_us`` (the submit call on the main thread),
        ``cpu_us_per_call`` (main-thread CPU from submit to result observed,
        mean), ``calls`` (timed).

    Raises
    ------
    NotSupportedError
        If the system has no process context.
    """
    from PySide6.QtCore import QTimer

    started, problems = _start_processes(ctx, remote)
    if problems:
        return {**started, "problems": problems}
    total = PROCESS_WARM_CALLS + n
    rtts: list[float] = []
    submits: list[float] = []
    cpus: list[float] = []
    wrong: list[int] = []
    state = {"i": 0, "t0": 0.0, "cpu0": 0.0}

    def submit() -> None:
        state["cpu0"] = time.thread_time()
        state["t0"] = t0 = time.perf_counter()
        ctx.adapter.process_call(square, state["i"], on_result=on_result)
        if state["i"] >= PROCESS_WARM_CALLS:
            submits.append(time.perf_counter() - t0)

    def on_result(value: Any) -> None:
        t1 = time.perf_counter()
        cpu1 = time.thread_time()
        ctx.guard.check()
        i = int(state["i"])
        if value != i * i:
            wrong.append(i)
        if i >= PROCESS_WARM_CALLS:
            rtts.append(t1 - state["t0"])
            cpus.append(cpu1 - state["cpu0"])
        state["i"] = i + 1
        if i + 1 == total:
            ctx.loop.quit()
        else:
            QTimer.singleShot(0, submit)

    if not ctx.loop.run(submit):
        problems.append(f"deadline passed: {state['i']} of {total} calls returned")
    if wrong:
        problems.append(f"{len(wrong)} wrong results (the first: call {wrong[0]})")
    return {
        "rtt_p50_us": percentile(rtts, 50) * 1e6,
        "rtt_p99_us": percentile(rtts, 99) * 1e6,
        "rtt_max_us": max(rtts, default=math.nan) * 1e6,
        "submit_p50_us": percentile(submits, 50) * 1e6,
        "cpu_us_per_call": statistics.fmean(cpus) * 1e6 if cpus else math.nan,
        "calls": len(rtts),
        **started,
        "problems": problems,
    }


@dataclass
class _CancelRound:
    """One cancelled job: when things happened, as seen on the main thread."""

    t_submit: float = 0.0
    t_first: float | None = None
    t_cancel: float | None = None
    call_s: float = 0.0
    t_end: float | None = None
    cancelled: bool = False
    cancel: Callable[[], None] | None = None


def _cancel_rounds(ctx: Context, n: int, *, busy: bool) -> tuple[list[_CancelRound], list[str]]:
    """``n + 1`` jobs of :func:`~benchmarks.jobs.ticks`, one after the other, each cancelled.

    Each is cancelled from a ``QTimer.singleShot(0)`` of the observer of its
    first item; the next is submitted once it has ended. The first round is
    a warm-up and is not returned.
    """
    from PySide6.QtCore import QTimer

    rounds: list[_CancelRound] = []
    current: list[_CancelRound] = []

    def cancel() -> None:
        r = current[-1]
        assert r.cancel is not None
        r.t_cancel = t0 = time.perf_counter()
        r.cancel()
        r.call_s = time.perf_counter() - t0

    def on_item(value: int) -> None:
        t = time.perf_counter()
        ctx.guard.check()
        r = current[-1]
        if r.t_first is None:
            r.t_first = t
            QTimer.singleShot(0, cancel)

    def on_ended(cancelled: bool) -> None:
        t = time.perf_counter()
        ctx.guard.check()
        r = current[-1]
        r.t_end = t
        r.cancelled = cancelled
        rounds.append(r)
        if len(rounds) == n + 1 or r.t_cancel is None:
            ctx.loop.quit()
        else:
            QTimer.singleShot(0, submit)

    def submit() -> None:
        r = _CancelRound()
        current.append(r)
        r.t_submit = time.perf_counter()
        r.cancel = ctx.adapter.process_cancellable(
            ticks, CANCEL_ITEM_S, busy, on_item=on_item, on_ended=on_ended
        )

    what = "busy" if busy else "sleeping"
    problems: list[str] = []
    if not ctx.loop.run(submit):
        problems.append(f"deadline passed: {len(rounds)} of {n + 1} {what} jobs cancelled")
    early = [r for r in rounds if r.t_cancel is None]
    if early:
        problems.append(f"a {what} job ended before it was cancelled")
    not_cancelled = sum(not r.cancelled for r in rounds)
    if not_cancelled:
        problems.append(f"{not_cancelled} {what} jobs did not end CANCELLED")
    return [r for r in rounds[1:] if r.t_cancel is not None], problems


def process_cancel(ctx: Context, n: int, remote: str = "process") -> dict[str, Any]:
    """Cancel latency in a worker process: ``n`` sleeping jobs, then ``n`` busy ones.

    Each job yields ``0, 1, ...`` forever, :data:`CANCEL_ITEM_S` of work
    before each item (:func:`~benchmarks.jobs.ticks`: ``time.sleep``, then
    a busy loop holding the GIL). Once its first item is observed, a
    ``QTimer.singleShot(0)`` calls the future's ``cancel()`` on the main
    thread; the latency runs from that call to the future's ``done``
    observed there, CANCELLED (both libraries end a running job's future
    CANCELLED only once the job has stopped: at its next item). Each series
    starts with a warm-up job not counted, after the start-up job of
    :func:`_start_processes`.

    Returns
    -------
    dict
        ``cancel_p50_ms``, ``cancel_p99_ms`` (sleeping jobs),
        ``busy_cancel_p50_ms``, ``busy_cancel_p99_ms`` (busy jobs),
        ``call_p50_us`` (the ``cancel()`` call itself, main thread, all
        jobs), ``first_item_p50_ms`` (submit to first item observed, all
        jobs), ``cancelled`` (jobs timed that ended CANCELLED, of ``2 n``).

    Raises
    ------
    NotSupportedError
        If the system has no process context.
    """
    started, problems = _start_processes(ctx, remote)
    if problems:
        return {**started, "problems": problems}
    sleeping, problems = _cancel_rounds(ctx, n, busy=False)
    busy: list[_CancelRound] = []
    if not problems:
        busy, problems = _cancel_rounds(ctx, n, busy=True)

    def latencies(rounds: list[_CancelRound]) -> list[float]:
        return [r.t_end - r.t_cancel for r in rounds if r.t_end and r.t_cancel]

    both = sleeping + busy
    return {
        "cancel_p50_ms": percentile(latencies(sleeping), 50) * 1e3,
        "cancel_p99_ms": percentile(latencies(sleeping), 99) * 1e3,
        "busy_cancel_p50_ms": percentile(latencies(busy), 50) * 1e3,
        "busy_cancel_p99_ms": percentile(latencies(busy), 99) * 1e3,
        "call_p50_us": percentile([r.call_s for r in both], 50) * 1e6,
        "first_item_p50_ms": percentile([r.t_first - r.t_submit for r in both if r.t_first], 50)
        * 1e3,
        "cancelled": sum(r.cancelled for r in both),
        "rounds": len(both),
        **started,
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


def dask(ctx: Context, n: int) -> dict[str, Any]:
    """:func:`process` with the job on a Dask LocalCluster of one worker process (DaskContext)."""
    return process(ctx, n, remote="dask")


def dask_rtt(ctx: Context, n: int) -> dict[str, Any]:
    """:func:`process_rtt` with the calls on a Dask LocalCluster (DaskContext)."""
    return process_rtt(ctx, n, remote="dask")


def dask_cancel(ctx: Context, n: int) -> dict[str, Any]:
    """:func:`process_cancel` with the jobs on a Dask LocalCluster (DaskContext)."""
    return process_cancel(ctx, n, remote="dask")
