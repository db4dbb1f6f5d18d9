# SPDX-License-Identifier: BSD-3-Clause
"""Where a job's main-thread time and memory go: ``python -m benchmarks.where``.

Runs the ``calls`` measure of traits_jobs (N trivial calls submitted at
once, each future observed once on ``done``) twice, each time in a fresh
process as the benchmark does, then a memory round:

1. plainly, with ``gc.callbacks`` timing every garbage-collector pass: the
   main-thread CPU per call and the collector's share of it;
2. under ``cProfile`` (main thread only, its CPU time): the cumulative time of the
   functions that make up a job, as shares of the profiled main-thread time.
   The profiler slows Python code more than C code, so the shares are
   approximate; the microseconds shown are the shares of the plain run's
   CPU per call, the collector's taken out first;
3. N calls waiting behind a blocked worker under ``tracemalloc``: bytes per
   waiting future by the file that allocated them.

Prints markdown tables.
"""

import argparse
import cProfile
import gc
import json
import os
import pstats
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks import measures
from benchmarks.harness import Context, Loop, MainThreadGuard, make_app
from benchmarks.jobs import square, wait_for
from benchmarks.systems import adapter_class

#: Row label -> (file suffix, function name) whose cumulative time it is.
#: Rows are disjoint except "delivery", from which the rows below it are
#: taken out.
_PARTS: dict[str, tuple[str, str]] = {
    "submit_call(): options, job record, future, queueing": ("jobs/call.py", "submit_call"),
    'future.observe(handler, "done")': ("_future_observing.py", "observe"),
    "delivery: router, future state machine, trait changes": ("routing/router.py", "_drain"),
    "executor's bookkeeping at a job's end (claims, locks, job lists)": (
        "executor/_stopping.py",
        "_job_ended",
    ),
    "the benchmark's own done handler": ("systems/_traits_api.py", "_on_call_done"),
}


#: File that allocates -> what it allocates for one waiting call job.
_FILES: tuple[tuple[str, str], ...] = (
    ("traits_jobs/jobs/call.py", "the future (a Traits object) and the worker-side task"),
    ("traits_jobs/executor/_launching.py", "the job record and the future's cancel method"),
    ("traits_jobs/contexts/multithreading.py", "the job's control (cancel flag)"),
    ("traits_jobs/jobs/_future_observing.py", "the observe() handler kept by the future"),
    ("traits_jobs/executor/traits_executor.py", "tables: live jobs, receivers, pool queue"),
    ("traits_jobs/routing/router.py", "tables: live jobs, receivers, pool queue"),
    ("traits_jobs/contexts/thread_pool.py", "tables: live jobs, receivers, pool queue"),
    ("benchmarks/systems/_traits_api.py", "the benchmark's handler (a partial) and arguments"),
    ("benchmarks/where.py", "the benchmark's handler (a partial) and arguments"),
)


_DELIVERY = "delivery: router, future state machine, trait changes"
#: The rows whose time is part of the delivery's.
_INSIDE_DELIVERY = (
    "executor's bookkeeping at a job's end (claims, locks, job lists)",
    "the benchmark's own done handler",
)


class _GcTimer:
    """Sum of the time spent in garbage-collector passes, from ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.passes = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start
            self.passes += 1


def _cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    total = 0.0
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if function == name and filename.replace("\\", "/").endswith(suffix):
            total += row[3]
    return total


def _context(workers: int) -> Context:
    app = make_app()
    adapter = adapter_class("traits_jobs")(workers)
    return Context(adapter=adapter, loop=Loop(app, 120.0), guard=MainThreadGuard(), rate_hz=1000)


def plain_run(n: int) -> dict[str, float]:
    """One calls run as the benchmark makes it: CPU per call, and the collector's part."""
    ctx = _context(2)
    timer = _GcTimer()
    gc.callbacks.append(timer)
    try:
        result = measures.calls(ctx, n)
    finally:
        gc.callbacks.remove(timer)
    ctx.adapter.shutdown()
    return {
        "cpu_us": result["cpu_us_per_call"],
        "gc_us": timer.seconds * 1e6 / n,
        "gc_passes": timer.passes,
    }


def profiled_run(n: int) -> dict[str, float]:
    """One calls run under cProfile: seconds of each part of ``_PARTS``, and the total."""
    ctx = _context(2)
    # CPU time of this thread: the other processes of a busy machine do not count.
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    measures.calls(ctx, n)
    profile.disable()
    ctx.adapter.shutdown()
    stats = pstats.Stats(profile)
    parts = {label: _cumulative(stats, *where) for label, where in _PARTS.items()}
    parts["total"] = stats.total_tt  # type: ignore[attr-defined]
    return parts


def time_parts(n: int) -> list[tuple[str, float, float]]:
    """(row, share of main-thread CPU, us per call), each run in a fresh process."""
    plain = _in_child("plain", n)
    parts = _in_child("profiled", n)
    cpu_us, gc_us = plain["cpu_us"], plain["gc_us"]
    profiled = parts.pop("total")
    parts[_DELIVERY] -= sum(parts[label] for label in _INSIDE_DELIVERY)
    parts["Qt event loop, wake-ups and the rest"] = profiled - sum(parts.values())
    label = f"garbage collector ({plain['gc_passes']:.0f} passes; gc.callbacks, plain run)"
    rows = [(label, gc_us / cpu_us, gc_us)]
    for label, seconds in parts.items():
        share = seconds / profiled
        rows.append((label, share * (1 - gc_us / cpu_us), share * (cpu_us - gc_us)))
    rows.append(("total main-thread CPU per call (plain run)", 1.0, cpu_us))
    return rows


def _in_child(part: str, n: int) -> dict[str, float]:
    """Run one part in a fresh process, as the benchmark runs each measure."""
    command = [sys.executable, "-m", "benchmarks.where", "--part", part, "--n-calls", str(n)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    values: dict[str, float] = json.loads(output.splitlines()[-1])
    return values


def memory_parts(n: int) -> list[tuple[str, float]]:
    """(file, bytes per waiting future) for ``n`` calls behind a blocked worker."""
    ctx = _context(1)
    release = threading.Event()
    call: Callable[..., None] = ctx.adapter.call
    ignore: Callable[[Any], None] = lambda value: None  # noqa: E731
    call(wait_for, release, 60.0, on_result=ignore)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for i in range(n):
        call(square, i, on_result=ignore)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    release.set()
    by_part: dict[str, float] = {}
    for diff in after.compare_to(before, "filename"):
        filename = str(diff.traceback[0].filename).replace("\\", "/")
        part = next((label for end, label in _FILES if filename.endswith(end)), filename)
        by_part[part] = by_part.get(part, 0.0) + diff.size_diff / n
    rows = [(part, size) for part, size in by_part.items() if size >= 1]
    rows.append(("total", sum(b for _, b in rows)))
    ctx.adapter.shutdown()
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the two tables (or, with ``--part``, one part's numbers as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-calls", type=int, default=5000)
    parser.add_argument("--n-mem", type=int, default=10_000)
    parser.add_argument("--part", choices=("plain", "profiled"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.part is not None:
        run = plain_run if args.part == "plain" else profiled_run
        sys.stdout.write(json.dumps(run(args.n_calls)) + "\n")
        sys.stdout.flush()
        os._exit(0)  # as benchmarks.child: teardown is not measured
    print(f"Main-thread CPU per call, calls N={args.n_calls:,}\n")
    print("| part | share | us/call |\n|---|---|---|")
    for label, share, us in time_parts(args.n_calls):
        print(f"| {label} | {share:.0%} | {us:.1f} |")
    print(f"\nBytes per waiting future (tracemalloc), N={args.n_mem:,}\n")
    print("| allocated for | bytes |\n|---|---|")
    for part, per_future in memory_parts(args.n_mem):
        print(f"| {part} | {per_future:,.0f} |")


if __name__ == "__main__":
    main()
