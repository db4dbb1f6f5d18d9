# SPDX-License-Identifier: BSD-3-Clause
"""What is measured: the tests, their metrics, and the targets of traits_jobs.

This module imports no Qt; the driver and the report use it.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Metric:
    """One reported number of a test.

    Attributes
    ----------
    key : str
        Key in the child's JSON result.
    label : str
        Row label in the report.
    better : str or None
        ``"up"`` if higher is better, ``"down"`` if lower is better, None for
        a count or value that is not compared.
    """

    key: str
    label: str
    better: str | None


@dataclass(frozen=True)
class Test:
    """One test: which measure, which size knob, how many workers.

    Attributes
    ----------
    name : str
        Name on the command line and in the results.
    measure : str
        Name of the function in :mod:`benchmarks.measures`.
    size_knob : str
        Attribute of the parsed options giving the size, or ``"scale_sizes"``
        for a test run at every scaling size.
    single_worker : bool
        True to run with one worker (the memory tests).
    metrics : tuple of Metric
        What the report shows.
    description : str
        One line for the report.
    """

    name: str
    measure: str
    size_knob: str
    single_worker: bool
    metrics: tuple[Metric, ...]
    description: str

    @property
    def scaling(self) -> bool:
        """True if the test runs at every size of ``--scale-sizes``."""
        return self.size_knob == "scale_sizes"


_CALLS = (
    Metric("calls_per_s", "calls/s, submit to every result observed", "up"),
    Metric("submit_us", "submit loop, us/call (workers running)", "down"),
    Metric("cpu_us_per_call", "main-thread CPU us/call (submit + delivery)", "down"),
)
_MEM = (
    Metric("rss_bytes_per_future", "RSS bytes / waiting future", "down"),
    Metric("submit_us", "submit us/call, pool blocked (main-thread cost)", "down"),
)

TESTS: dict[str, Test] = {
    t.name: t
    for t in (
        Test("calls", "calls", "n_calls", False, _CALLS, "N trivial calls submitted at once"),
        Test(
            "iter",
            "iteration",
            "n_items",
            False,
            (
                Metric("items_per_s", "items/s, until done observed", "up"),
                Metric("cpu_us_per_item", "main-thread CPU us/item", "down"),
            ),
            "one generator of N ints, each delivered to an observer",
        ),
        Test(
            "iter-panel",
            "iteration_with_panel",
            "n_items",
            False,
            (
                Metric("items_per_s", "items/s, no jobs panel open", "up"),
                Metric("panel_items_per_s", "items/s, a jobs panel of the executor open", "up"),
                Metric("panel_ratio", "with the panel / without (target >= 0.85)", "up"),
                Metric("panel_cpu_us_per_item", "main-thread CPU us/item, panel open", "down"),
            ),
            "iter without, then with, a JobsPanel view of the executor open, alternating "
            "(traits_jobs only: the others have no jobs panel)",
        ),
        Test(
            "progress",
            "progress",
            "n_progress",
            False,
            (
                Metric("reports_per_s", "lossless: reports/s to an observer, until done", "up"),
                Metric("cpu_us_per_report", "lossless: main-thread CPU us/report", "down"),
                Metric("updates", "lossless: reports delivered (must be N)", None),
                Metric(
                    "coalesced_cpu_s",
                    "coalesced where the system can: main-thread CPU s, whole job",
                    "down",
                ),
                Metric("coalesced_updates", "coalesced: updates delivered", None),
                Metric("last_ok", "last value delivered, both jobs (1 = yes)", None),
            ),
            "one job calling its progress reporter N times, every report delivered; "
            "then one asking for coalesced reports (traits_jobs: coalesce_progress=True; "
            "the others cannot, and deliver every report)",
        ),
        Test(
            "latency",
            "latency",
            "n_lat",
            False,
            (
                Metric("p50_us", "p50 us, worker send -> main-thread handler", "down"),
                Metric("p99_us", "p99 us", "down"),
                Metric("max_us", "max us", "down"),
            ),
            "worker sends perf_counter() N times at --rate-hz",
        ),
        Test(
            "loop",
            "loop",
            "n_loop",
            False,
            (
                Metric(
                    "late_p50_us",
                    "1 kHz: iteration start behind its grid slot, p50 us",
                    "down",
                ),
                Metric("late_p99_us", "1 kHz: start behind its grid slot, p99 us", "down"),
                Metric("interval_p99_us", "1 kHz: abs(interval - 1 ms) p99 us", "down"),
                Metric("interval_max_us", "1 kHz: abs(interval - 1 ms) max us", "down"),
                Metric("missed", "1 kHz: grid slots with no iteration start", None),
                Metric("extra", "1 kHz: extra starts on an already used slot", None),
                Metric("system_missed", "1 kHz: slots missed, as the loop counted them", None),
                Metric("status_per_s", "1 kHz: status deliveries/s to the main thread", None),
                Metric("fast_iter_per_s", "10 kHz: iterations/s achieved", "up"),
                Metric(
                    "fast_status_per_s",
                    "10 kHz: status deliveries/s to the main thread (coalesced or not)",
                    None,
                ),
                Metric(
                    "fast_age_p99_us",
                    "10 kHz: age of a delivered status (handler - iteration start), p99 us",
                    "down",
                ),
                Metric("fast_cpu_ms_per_s", "10 kHz: main-thread CPU ms per s", "down"),
                Metric("last_ok", "last status delivered, both loops (1 = yes)", None),
            ),
            "a 1 kHz loop job (missed=skip) for N iterations, then a 10 kHz one "
            "(missed=immediate) for N ms; each iteration records its start and publishes "
            "it as status, observed on the main thread. traits_jobs: submit_loop + "
            "ctx.publish_status (coalesced). raw: the QMI-style baseline, a plain "
            "threading.Thread with QMI_LoopTask's scheduling (Event.wait; QMI's SKIP, then "
            "IMMEDIATE) and one queued Signal(object) per status, never coalesced. "
            "traits_futures, superqt: no loop jobs (n/a)",
        ),
        Test(
            "coro",
            "coro",
            "n_coro",
            False,
            (
                Metric("calls_per_s", "coroutine jobs/s, submit to every result observed", "up"),
                Metric("submit_us", "submit loop, us/job", "down"),
                Metric("cpu_us_per_call", "main-thread CPU us/job (submit + delivery)", "down"),
                Metric("items_per_s", "one coroutine's items/s to an observer, until done", "up"),
                Metric("cpu_us_per_item", "main-thread CPU us/item", "down"),
            ),
            "N trivial `async def` jobs submitted at once, every result observed on the "
            "main thread; then one coroutine publishing N items, one `await "
            "asyncio.sleep(0)` before each, every item delivered in order. traits_jobs: "
            "submit_coroutine (items: a coroutine job kind of the benchmark's own, one "
            "message per item). raw: asyncio loop on a thread + one queued Signal(object). "
            "qasync: asyncio on the Qt main thread, no hop",
        ),
        Test(
            "estop",
            "estop",
            "n_estop",
            False,
            (
                Metric("call_p50_us", "emergency_stop() on the main thread, p50 us", "down"),
                Metric("call_p99_us", "emergency_stop() on the main thread, p99 us", "down"),
                Metric("call_max_us", "emergency_stop() on the main thread, max us", "down"),
                Metric("call_cpu_p50_us", "its main-thread CPU, p50 us", "down"),
                Metric("hooks_p50_ms", "call to the last quick hook started, p50 ms", "down"),
                Metric("ended_p50_ms", "call to every job ended (observed), p50 ms", "down"),
                Metric(
                    "report_p50_ms",
                    "call to the report observed (hanging hook timed out), p50 ms",
                    None,
                ),
                Metric("cancelled", "jobs the report lists as cancelled (must be 100)", None),
                Metric("hooks_ok", "hooks ok (must be 9)", None),
                Metric("hooks_timed_out", "hooks timed out (must be 1)", None),
            ),
            "N rounds: 100 live jobs (a blocked call per worker, 20 awaiting coroutine "
            "jobs, the rest queued), 10 hooks (one hangs, 0.05 s timeout); time the "
            "emergency stop on the main thread, then check every job ends cancelled "
            "and every other hook ran. raw: the floor of the same design, one thread "
            "started (it starts a thread per hook and collects them) while a plain loop "
            "sets 100 cancel flags (QThreadPool.tryTake for the queued runnables) and "
            "cancels the coroutines. traits_futures, superqt: no emergency stop (n/a)",
        ),
        Test(
            "gui",
            "gui",
            "n_gui",
            False,
            (
                Metric("max_gap_ms", "max gap of a 10 ms timer, ms", "down"),
                Metric("p99_gap_ms", "p99 timer gap, ms", "down"),
                Metric("ticks_ratio", "ticks seen / expected", "up"),
                Metric("items_per_s", "items/s with the timer running", "up"),
                Metric("progress_max_gap_ms", "lossless progress flood: max timer gap, ms", "down"),
                Metric("progress_p99_gap_ms", "lossless progress flood: p99 timer gap, ms", "down"),
                Metric(
                    "progress_ticks_ratio", "lossless progress flood: ticks seen / expected", "up"
                ),
                Metric(
                    "progress_reports_per_s",
                    "lossless progress flood: reports/s with the timer running",
                    "up",
                ),
            ),
            "iteration flood of N items, then a progress job reporting N times (every "
            "report delivered), while a 10 ms PreciseTimer ticks",
        ),
        Test(
            "mem",
            "memory",
            "n_mem",
            True,
            (
                *_MEM,
                Metric("traced_bytes_per_future", "tracemalloc bytes / waiting future", "down"),
            ),
            "N calls waiting behind 1 blocked worker",
        ),
        Test("scale-calls", "calls", "scale_sizes", False, _CALLS, "calls at each scaling size"),
        Test(
            "scale-mem",
            "memory_scale",
            "scale_sizes",
            True,
            _MEM,
            "waiting futures at each scaling size (RSS round only)",
        ),
        Test(
            "admission",
            "admission",
            "n_claims",
            True,
            (
                Metric("none_us", "us/submit claiming a new resource, no claimed job live", "down"),
                Metric("live_us", "us/submit claiming a new resource, N claimed jobs live", "down"),
                Metric("live_ratio", "with N live / with none (target <= 2)", "down"),
                Metric("fill_us", "us/submit while filling up to N claimed jobs", "down"),
                Metric(
                    "wait_us",
                    'on_conflict="wait": us/submit behind N/10 jobs waiting for one resource',
                    "down",
                ),
            ),
            "main-thread cost of submit_call(..., resources={new name}) with N claimed jobs "
            "live (queued behind 1 blocked worker) and with none; then of one waiting "
            "for a shared resource behind N/10 waiting jobs (traits_jobs only: the others "
            "have no resource claims)",
        ),
        Test(
            "process",
            "process",
            "n_proc",
            False,
            (
                Metric("items_per_s", "items/s from a worker process, until done observed", "up"),
                Metric("cpu_us_per_item", "main-thread CPU us/item", "down"),
                Metric(
                    "startup_ms",
                    "start-up: first job (1 item) submit to done observed, ms",
                    "down",
                ),
                Metric(
                    "setup_ms",
                    "start-up: context + executor made on the main thread, ms",
                    "down",
                ),
            ),
            "one N-item iteration job on the library's MultiprocessingContext, every "
            "item delivered in order, after a 1-item job that starts the worker "
            "(its time is the start-up)",
        ),
        Test(
            "process-gui",
            "process_gui",
            "n_proc_gui",
            False,
            (
                Metric("max_gap_ms", "max gap of a 10 ms timer, ms", "down"),
                Metric("p99_gap_ms", "p99 timer gap, ms", "down"),
                Metric("ticks_ratio", "ticks seen / expected", "up"),
                Metric("items_per_s", "items/s with the timer running", "up"),
                Metric("cpu_us_per_item", "main-thread CPU us/item", "down"),
            ),
            "iteration flood of N items from a worker process (MultiprocessingContext) "
            "while a 10 ms PreciseTimer ticks, as in `gui`",
        ),
        Test(
            "process-rtt",
            "process_rtt",
            "n_proc_rtt",
            False,
            (
                Metric(
                    "rtt_p50_us",
                    "call in a worker process, submit to result observed, p50 us",
                    "down",
                ),
                Metric("rtt_p99_us", "p99 us", "down"),
                Metric("rtt_max_us", "max us", "down"),
                Metric("submit_p50_us", "the submit call on the main thread, p50 us", "down"),
                Metric("cpu_us_per_call", "main-thread CPU us/call, submit to result", "down"),
            ),
            "N trivial calls (square(i)) in a worker process, one after the other, after "
            "the start-up job and 20 calls not timed",
        ),
        Test(
            "process-cancel",
            "process_cancel",
            "n_proc_cancel",
            False,
            (
                Metric(
                    "cancel_p50_ms",
                    "sleeping job: cancel() to CANCELLED observed, p50 ms",
                    "down",
                ),
                Metric("cancel_p99_ms", "sleeping job: p99 ms", "down"),
                Metric(
                    "busy_cancel_p50_ms",
                    "busy job (holds the GIL): cancel() to CANCELLED observed, p50 ms",
                    "down",
                ),
                Metric("busy_cancel_p99_ms", "busy job: p99 ms", "down"),
                Metric("call_p50_us", "the cancel() call on the main thread, p50 us", "down"),
                Metric(
                    "first_item_p50_ms",
                    "submit to first item observed (1 ms of work in it), p50 ms",
                    "down",
                ),
                Metric("cancelled", "jobs ended CANCELLED (must be 2 N)", None),
            ),
            "N jobs in a worker process yielding forever, 1 ms of sleep before each item, "
            "then N with 1 ms of busy loop; each cancelled on the main thread once its "
            "first item is observed, one job at a time",
        ),
    )
}

# The same measures with the jobs on a Dask LocalCluster of one worker process.
for _name, _what in (
    ("", "one N-item iteration job"),
    ("-rtt", "N trivial calls, one after the other,"),
    ("-cancel", "N jobs yielding forever, each cancelled once its first item is observed,"),
):
    _process = TESTS[f"process{_name}"]
    TESTS[f"dask{_name}"] = replace(
        _process,
        name=f"dask{_name}",
        measure=f"dask{_name.replace('-', '_')}",
        size_knob=f"n_dask{_name.replace('-', '_')}",
        description=f"{_what} on the library's DaskContext (a LocalCluster of one worker "
        f"process), as in `process{_name}`",
    )
del _name, _what, _process


@dataclass(frozen=True)
class Target:
    """One row of the issue's table: a measure and traits_jobs' target.

    Attributes
    ----------
    label : str
        The measure, as the issue words it.
    test, key : str
        Where the number comes from.
    target : str
        The target, as text.
    met : callable
        True if a traits_jobs median meets the target.
    """

    label: str
    test: str
    key: str
    target: str
    met: Callable[[float], bool]


TARGETS: tuple[Target, ...] = (
    # The per-job rows of issue 14, in its order.
    Target(
        "trivial calls, submit to every result observed, calls/s",
        "calls",
        "calls_per_s",
        ">= 40,000",
        lambda v: v >= 40_000,
    ),
    Target(
        "main-thread CPU per call, submit and delivery, us",
        "calls",
        "cpu_us_per_call",
        "<= 25",
        lambda v: v <= 25,
    ),
    Target(
        "submit + one observe() of done, pool blocked, us",
        "mem",
        "submit_us",
        "<= 20",
        lambda v: v <= 20,
    ),
    Target(
        "memory per waiting future, bytes (tracemalloc)",
        "mem",
        "traced_bytes_per_future",
        "<= 1,300",
        lambda v: v <= 1_300,
    ),
    Target(
        "memory per waiting future, bytes (RSS)",
        "mem",
        "rss_bytes_per_future",
        "<= 2,000 (issue 14: <= 2,500)",
        lambda v: v <= 2_000,
    ),
    Target(
        "main-thread CPU per delivered item, us",
        "iter",
        "cpu_us_per_item",
        "<= 1.5",
        lambda v: v <= 1.5,
    ),
    Target(
        "latency worker send -> main-thread handler at 1 kHz, p99 us",
        "latency",
        "p99_us",
        "<= 35",
        lambda v: v <= 35,
    ),
    Target(
        "latency worker send -> main-thread handler at 1 kHz, p50 us",
        "latency",
        "p50_us",
        "<= 8",
        lambda v: v <= 8,
    ),
    # Earlier issues.
    Target(
        "iteration delivered to a trait observer, items/s",
        "iter",
        "items_per_s",
        ">= 400,000",
        lambda v: v >= 400_000,
    ),
    Target(
        "items/s with a jobs panel open / without",
        "iter-panel",
        "panel_ratio",
        ">= 0.85",
        lambda v: v >= 0.85,
    ),
    Target(
        "lossless submit_progress reports delivered to an observer, reports/s",
        "progress",
        "reports_per_s",
        ">= 400,000 (every report, in order)",
        lambda v: v >= 400_000,
    ),
    Target(
        "coalesced progress reports: main-thread CPU for the whole job, s",
        "progress",
        "coalesced_cpu_s",
        "< 0.010 (last value delivered)",
        lambda v: v < 0.010,
    ),
    Target(
        "worst gap of a 10 ms QTimer during the flood, ms",
        "gui",
        "max_gap_ms",
        "<= 25",
        lambda v: v <= 25,
    ),
    Target(
        "worst gap of a 10 ms QTimer during a lossless progress flood, ms",
        "gui",
        "progress_max_gap_ms",
        "<= 25",
        lambda v: v <= 25,
    ),
    Target(
        "worst gap of a 10 ms QTimer during an iteration flood from a worker process, ms",
        "process-gui",
        "max_gap_ms",
        "<= 25",
        lambda v: v <= 25,
    ),
    Target(
        "resource admission: submit cost with N live claimed jobs / with none",
        "admission",
        "live_ratio",
        "<= 2",
        lambda v: v <= 2,
    ),
    Target(
        "emergency_stop() with 100 live jobs and 10 hooks, main-thread us (p99)",
        "estop",
        "call_p99_us",
        "< 5,000",
        lambda v: v < 5_000,
    ),
)
