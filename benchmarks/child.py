# SPDX-License-Identifier: BSD-3-Clause
"""One measurement in a fresh process: ``python -m benchmarks.child SYSTEM TEST SIZE``.

Prints one JSON line (the result) and exits. The driver starts one such
process per (system, test, size, repetition); run it by hand to profile one
measurement, e.g.::

    python -m cProfile -s tottime -m benchmarks.child traits_jobs iter 200000
"""

import argparse
import json
import os
import sys
import time
from typing import Any

from benchmarks import measures
from benchmarks.catalog import TESTS
from benchmarks.harness import Context, Loop, MainThreadGuard, make_app
from benchmarks.systems import SYSTEMS, NotSupportedError, adapter_class


def run_child(
    system: str, test: str, size: int, *, workers: int, rate_hz: float, budget_s: float
) -> dict[str, Any]:
    """Measure ``test`` at ``size`` on ``system`` in this process.

    Parameters
    ----------
    system : str
        A key of :data:`benchmarks.systems.SYSTEMS`.
    test : str
        A key of :data:`benchmarks.catalog.TESTS`.
    size : int
        The test's N.
    workers : int
        Worker threads (a single-worker test uses 1 regardless).
    rate_hz : float
        Send rate of the latency test.
    budget_s : float
        Seconds the measure may take before it is stopped and reported.

    Returns
    -------
    dict
        ``status`` (``ok``, ``problems``, ``deadline``, ``n/a`` or ``error``),
        the measured numbers, ``violations`` (handler calls off the main
        thread) and ``problems``.
    """
    spec = TESTS[test]
    app = make_app()
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    guard = MainThreadGuard()
    loop = Loop(app, budget_s)
    result: dict[str, Any] = {
        "system": system,
        "test": test,
        "size": size,
        "workers": 1 if spec.single_worker else workers,
        "qt": f"Qt {qVersion()}, PySide6 {pyside_version}",
    }
    problems: list[str] = []
    try:
        adapter = adapter_class(system)(result["workers"])
    except NotSupportedError as exc:  # e.g. its library is not installed
        result.update(status="n/a", violations=0, failures=0, problems=[str(exc)])
        return result
    ctx = Context(adapter=adapter, loop=loop, guard=guard, rate_hz=rate_hz)
    measure: measures.Measure = getattr(measures, spec.measure)
    try:
        values = measure(ctx, size)
    except NotSupportedError as exc:
        values = {"status": "n/a", "problems": [str(exc)]}
    except Exception as exc:
        values = {"status": "error", "problems": [f"{type(exc).__name__}: {exc}"]}
    problems += values.pop("problems", [])
    fast_exit = values.pop("fast_exit", False)
    result.update(values)
    if not fast_exit and result.get("status") != "n/a":
        t0 = time.perf_counter()
        try:
            adapter.shutdown()
        except Exception as exc:
            problems.append(f"shutdown raised {type(exc).__name__}: {exc}")
        result["shutdown_s"] = time.perf_counter() - t0
    result["violations"] = guard.violations
    if guard.violations:
        problems.append(f"{guard.violations} handler calls off the main thread")
    result["failures"] = len(adapter.failures)
    problems += adapter.failures[:3]
    if "status" not in result:
        if loop.timed_out:
            result["status"] = "deadline"
        else:
            result["status"] = "problems" if problems else "ok"
    result["problems"] = problems
    return result


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, measure, print one JSON line, exit at once.

    The process exits with ``os._exit`` right after printing, so that the
    teardown of Qt and of (possibly still blocked) workers cannot hang or
    crash it; teardown is not what is measured.
    """
    parser = argparse.ArgumentParser(description="One benchmark measurement (one JSON line).")
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("test", choices=TESTS)
    parser.add_argument("size", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate-hz", type=float, default=1000.0)
    parser.add_argument("--budget", type=float, default=540.0, help="seconds before giving up")
    args = parser.parse_args(argv)
    result = run_child(
        args.system,
        args.test,
        args.size,
        workers=args.workers,
        rate_hz=args.rate_hz,
        budget_s=args.budget,
    )
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
