# SPDX-License-Identifier: BSD-3-Clause
"""Quick side-by-side flood benchmark: traits_jobs vs traits-futures on Qt.

One generator yields ``--items`` ints through ``submit_iteration`` on a
``TraitsExecutor(max_workers=2)`` driven by the Qt event loop (offscreen),
while a 10 ms ``Qt.PreciseTimer`` records its ticks. Each measurement runs in a
fresh subprocess (this file with ``--child SYSTEM``, printing one JSON line);
the parent interleaves the systems (A B A B ...) and writes a markdown table.

Run from the repository root::

    python -m benchmarks.quick_flood --reps 5 --items 200000
    python benchmarks/quick_flood.py --out /tmp/flood.md

The main-thread profile of one run: ``python -m cProfile -s tottime
benchmarks/quick_flood.py --child traits_jobs``.
"""

import argparse
import datetime
import importlib.metadata
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SYSTEMS = ("traits_jobs", "traits_futures")
TICK_MS = 10
CHILD_TIMEOUT_S = 300.0
# The child gives up (and still reports) a little before the parent kills it.
WATCHDOG_S = CHILD_TIMEOUT_S - 60.0
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "quick_flood.md"

# (JSON key, label, True if higher is better / False if lower is better / None: a count)
METRICS: tuple[tuple[str, str, bool | None], ...] = (
    ("items_per_s", "items/s (submit to `done` observed)", True),
    ("cpu_us_per_item", "main-thread CPU us/item", False),
    ("max_gap_ms", "max 10 ms-timer gap, ms", False),
    ("ticks_ratio", "timer ticks seen / expected", True),
    ("wall_s", "wall time, s", False),
    ("delivered", "items delivered", None),
    ("violations", "observer calls off the main thread", None),
)


def numbers(n: int) -> Iterator[int]:
    """Yield the ints ``0 .. n-1``: the job body, run on a worker thread.

    Parameters
    ----------
    n : int
        How many ints to yield.
    """
    yield from range(n)


@dataclass
class _Run:
    """Mutable state of one child measurement (main thread only)."""

    items: int
    count: int = 0
    checksum: int = 0
    violations: int = 0
    ticks: list[float] = field(default_factory=list)
    t0: float = 0.0
    cpu0: float = 0.0
    t_end: float | None = None
    cpu_end: float = 0.0
    future: Any = None

    def on_item(self, event: Any) -> None:
        """Count one generated item (``result_event`` observer)."""
        if threading.current_thread() is not threading.main_thread():
            self.violations += 1
        self.count += 1
        self.checksum += event.new

    def on_tick(self) -> None:
        """Record one timer tick."""
        self.ticks.append(time.perf_counter())


def run_child(system: str, items: int) -> dict[str, Any]:
    """Measure one flood of ``items`` through ``system`` in this process.

    Parameters
    ----------
    system : str
        ``"traits_jobs"`` or ``"traits_futures"``.
    items : int
        How many ints the generator yields.

    Returns
    -------
    dict
        The measured values, ``done_observed``, the final future state and
        ``problems`` (a list of strings, empty if all went well).
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("ETS_TOOLKIT", "qt")
    from PySide6 import QtCore
    from PySide6.QtWidgets import QApplication

    TraitsExecutor, QtEventLoop, submit_iteration = _api(system)
    app = QApplication([sys.argv[0]])
    executor = TraitsExecutor(event_loop=QtEventLoop(), max_workers=2)
    run = _Run(items=items)
    problems: list[str] = []

    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(run.on_tick)

    def finish() -> None:
        timer.stop()
        app.quit()

    def on_done(event: Any) -> None:
        if threading.current_thread() is not threading.main_thread():
            run.violations += 1
        if event.new and run.t_end is None:
            run.t_end = time.perf_counter()
            run.cpu_end = time.thread_time()
            finish()

    def start() -> None:
        timer.start()
        run.cpu0 = time.thread_time()
        run.t0 = time.perf_counter()
        run.future = submit_iteration(executor, numbers, items)
        run.future.observe(run.on_item, "result_event")
        run.future.observe(on_done, "done")

    def watchdog() -> None:
        problems.append(
            f"watchdog: `done` not observed after {WATCHDOG_S:.0f} s "
            f"({run.count} items delivered, future state {_state(run.future)})"
        )
        finish()

    QtCore.QTimer.singleShot(0, start)
    QtCore.QTimer.singleShot(round(WATCHDOG_S * 1000), watchdog)
    app.exec()

    t_end = run.t_end if run.t_end is not None else time.perf_counter()
    cpu_end = run.cpu_end if run.t_end is not None else time.thread_time()
    state = _state(run.future)
    t_shutdown = time.perf_counter()
    try:
        executor.shutdown(timeout=30)
    except Exception as exc:  # report, do not hide
        problems.append(f"shutdown raised {type(exc).__name__}: {exc}")
    shutdown_s = time.perf_counter() - t_shutdown

    wall = t_end - run.t0
    times = [run.t0, *run.ticks, t_end]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    expected_ticks = wall / (TICK_MS / 1000)
    if run.count != items:
        problems.append(f"lost items: {run.count} delivered of {items}")
    elif run.checksum != items * (items - 1) // 2:
        problems.append("checksum of delivered items is wrong")
    if run.violations:
        problems.append(f"{run.violations} observer calls off the main thread")
    if state.upper() != "COMPLETED":
        problems.append(f"final future state {state}")
    return {
        "system": system,
        "items": items,
        "done_observed": run.t_end is not None,
        "items_per_s": run.count / wall if wall > 0 else 0.0,
        "cpu_us_per_item": (cpu_end - run.cpu0) * 1e6 / max(run.count, 1),
        "max_gap_ms": max(gaps) * 1000,
        "ticks_ratio": len(run.ticks) / expected_ticks if expected_ticks > 0 else 0.0,
        "wall_s": wall,
        "delivered": run.count,
        "violations": run.violations,
        "shutdown_s": shutdown_s,
        "state": state,
        "problems": problems,
    }


def _api(system: str) -> tuple[Any, Any, Any]:
    """``TraitsExecutor``, its Qt event loop class and ``submit_iteration`` of ``system``."""
    if system == "traits_jobs":
        import traits_jobs.api as jobs

        return jobs.TraitsExecutor, jobs.QtEventLoop, jobs.submit_iteration
    if system == "traits_futures":
        import traits_futures.api as futures
        import traits_futures.qt.event_loop as futures_qt

        return futures.TraitsExecutor, futures_qt.QtEventLoop, futures.submit_iteration
    raise ValueError(f"unknown system {system!r}")


def _state(future: Any) -> str:
    """The future's state as a string, or ``"none"`` before submission."""
    return "none" if future is None else str(future.state)


def spawn(system: str, items: int) -> dict[str, Any]:
    """Run one child measurement in a fresh interpreter.

    Parameters
    ----------
    system : str
        The system to measure.
    items : int
        How many items to flood.

    Returns
    -------
    dict
        The child's JSON result (``done_observed`` False if it crashed or hung
        before), with ``problems`` extended by what went wrong in the process.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ETS_TOOLKIT="qt")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", system]
    cmd += ["--items", str(items)]
    problems: list[str] = []
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
        stdout, stderr = proc.stdout, proc.stderr
        if proc.returncode != 0:
            problems.append(f"exit code {proc.returncode}")
    except subprocess.TimeoutExpired as exc:
        stdout = _text(exc.stdout)
        stderr = _text(exc.stderr)
        problems.append(f"killed after {CHILD_TIMEOUT_S:.0f} s (hung)")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    result: dict[str, Any] = json.loads(lines[-1]) if lines else {"done_observed": False}
    if not lines:
        problems.append("no JSON result")
    if problems and stderr.strip():
        problems.append("stderr tail: " + " | ".join(stderr.strip().splitlines()[-5:]))
    result["problems"] = result.get("problems", []) + problems
    return result


def _text(data: bytes | str | None) -> str:
    """Decode captured output of a killed process."""
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


def _fmt(value: float) -> str:
    """Format a number with a sensible number of digits."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _fmt_count(value: float) -> str:
    """Format a count (a median may end in .5)."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _versions() -> str:
    """Versions of the measured stack."""
    parts = [f"Python {platform.python_version()}"]
    for label, dists in (
        ("PySide6", ("PySide6", "PySide6_Essentials", "PySide6-Essentials")),
        ("traits", ("traits",)),
        ("pyface", ("pyface",)),
        ("traits-futures", ("traits-futures",)),
        ("traits_jobs", ("traits_jobs",)),
    ):
        for dist in dists:
            try:
                parts.append(f"{label} {importlib.metadata.version(dist)}")
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return ", ".join(parts)


def report(runs: list[dict[str, Any]], items: int, reps: int) -> str:
    """Render the runs as markdown.

    Parameters
    ----------
    runs : list of dict
        Child results, each with ``system``, ``rep`` and ``load1`` added.
    items : int
        Items per flood.
    reps : int
        Repetitions per system.

    Returns
    -------
    str
        The markdown report.
    """
    a, b = SYSTEMS
    loads = [r["load1"] for r in runs]
    done = {s: [r for r in runs if r["system"] == s and r["done_observed"]] for s in SYSTEMS}
    out = [
        "# quick_flood: traits_jobs vs traits-futures",
        "",
        f"Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. {_versions()}. "
        f"`QT_QPA_PLATFORM=offscreen`, `ETS_TOOLKIT=qt`, {os.cpu_count()} CPUs.",
        "",
        f"One `submit_iteration` of {items:,} ints, `TraitsExecutor(max_workers=2)` on each "
        f"library's Qt event loop, submitted from inside the running loop; a {TICK_MS} ms "
        f"`PreciseTimer` runs meanwhile. {reps} reps per system, interleaved "
        f"({' '.join(SYSTEMS)} ...), each a fresh process.",
        "",
        f"1-min load average before each run: median {statistics.median(loads):.2f}, "
        f"min {min(loads):.2f}, max {max(loads):.2f}.",
        "",
        f"Cells: median [min-max] over the runs that completed (n = {len(done[a])} / "
        f"{len(done[b])}). **ratio = {b} median / {a} median**; the last column says "
        "which system is better and by how much (items/s and ticks ratio: higher is "
        "better; CPU, gap and wall time: lower is better).",
        "",
        f"| metric | {a} | {b} | ratio {b}/{a} | better |",
        "|---|---|---|---|---|",
    ]
    for key, label, higher in METRICS:
        cells, medians = [], []
        for s in SYSTEMS:
            values = [float(r[key]) for r in done[s]]
            if not values:
                cells.append("—")
                continue
            med = statistics.median(values)
            medians.append(med)
            fmt = _fmt if higher is not None else _fmt_count
            cells.append(f"{fmt(med)} [{fmt(min(values))}-{fmt(max(values))}]")
        ratio, better = "—", "—"
        if len(medians) == 2 and medians[0] > 0:
            ratio = f"{medians[1] / medians[0]:.2f}"
            if higher is not None and medians[1] > 0:
                a_wins = (medians[0] > medians[1]) == higher
                factor = max(medians) / min(medians)
                better = f"{a if a_wins else b} (x{factor:.1f})"
        out.append(f"| {label} | {cells[0]} | {cells[1]} | {ratio} | {better} |")
    out += [
        "",
        "## Runs",
        "",
        "| rep | system | load1 | items/s | CPU us/item | max gap ms | ticks ratio "
        "| delivered | violations | shutdown s | problems |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        vals = [
            _fmt(r[k]) if k in r else "—"
            for k in ("items_per_s", "cpu_us_per_item", "max_gap_ms", "ticks_ratio")
        ]
        out.append(
            f"| {r['rep']} | {r['system']} | {r['load1']:.2f} | {' | '.join(vals)} "
            f"| {r.get('delivered', '—')} | {r.get('violations', '—')} "
            f"| {_fmt(r['shutdown_s']) if 'shutdown_s' in r else '—'} "
            f"| {'; '.join(r['problems']) or 'none'} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Parse the command line; run one child measurement or the whole comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="runs per system (default 5)")
    parser.add_argument("--items", type=int, default=200_000, help="items per flood")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown output file")
    parser.add_argument("--child", choices=SYSTEMS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(run_child(args.child, args.items)), flush=True)
        return

    runs: list[dict[str, Any]] = []
    for rep in range(1, args.reps + 1):
        for system in SYSTEMS:
            load1 = os.getloadavg()[0]
            result = spawn(system, args.items)
            result.update(system=system, rep=rep, load1=load1)
            runs.append(result)
            print(
                f"rep {rep} {system:15s} load {load1:.2f}: "
                f"{result.get('items_per_s', 0):,.0f} items/s, "
                f"max gap {result.get('max_gap_ms', float('nan')):.0f} ms, "
                f"problems: {'; '.join(result['problems']) or 'none'}",
                flush=True,
            )
    text = report(runs, args.items, args.reps)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
