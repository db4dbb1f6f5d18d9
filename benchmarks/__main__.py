# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark suite: traits_jobs vs traits-futures, superqt workers, raw QThreadPool, qasync.

Run from the repository root (``nox -s bench`` does the same)::

    python -m benchmarks                       # everything, 5 reps, default sizes
    python -m benchmarks --reps 3 --tests calls,iter --systems traits_jobs,raw
    python -m benchmarks --skip traits_futures:100000 --skip superqt:100000

Each (system, test, size, repetition) runs in a fresh process
(:mod:`benchmarks.child`); the systems are interleaved and their order rotated.
Results go to ``--out`` (markdown) and a ``.jsonl`` file beside it (raw,
one line per run, written as the runs finish); ``python -m benchmarks.report
FILE.jsonl`` renders one again.
"""

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from benchmarks import report, runner
from benchmarks.catalog import TESTS
from benchmarks.systems import SYSTEMS

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.md"
#: Tests run by default, in this order.
DEFAULT_TESTS = (
    "calls",
    "iter",
    "iter-panel",
    "progress",
    "latency",
    "loop",
    "coro",
    "estop",
    "gui",
    "mem",
    "scale-calls",
    "scale-mem",
    "admission",
    "process",
    "process-gui",
    "process-rtt",
    "process-cancel",
)


def _names(text: str, known: Mapping[str, object], what: str) -> list[str]:
    """Split a comma-separated list and check every name."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {unknown or text!r}; choose from {', '.join(known)}"
        )
    return names


def _skip(text: str) -> tuple[str, int]:
    """Parse ``SYSTEM:SIZE``."""
    system, _, size = text.partition(":")
    if system not in SYSTEMS or not size.isdigit():
        raise argparse.ArgumentTypeError(f"expected SYSTEM:SIZE, got {text!r}")
    return system, int(size)


def parser() -> argparse.ArgumentParser:
    """The command-line parser of the driver."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--reps", type=int, default=5, help="repetitions of every run")
    p.add_argument(
        "--systems",
        type=lambda t: _names(t, SYSTEMS, "system"),
        default=list(SYSTEMS),
        help="comma-separated, from: " + ", ".join(SYSTEMS),
    )
    p.add_argument(
        "--tests",
        type=lambda t: _names(t, TESTS, "test"),
        default=list(DEFAULT_TESTS),
        help="comma-separated, from: " + ", ".join(TESTS),
    )
    p.add_argument("--n-calls", type=int, default=5_000, help="calls in `calls`")
    p.add_argument("--n-items", type=int, default=200_000, help="items in `iter` and `iter-panel`")
    p.add_argument("--n-progress", type=int, default=200_000, help="reports in `progress`")
    p.add_argument("--n-lat", type=int, default=2_000, help="messages in `latency`")
    p.add_argument("--rate-hz", type=float, default=1000.0, help="send rate in `latency`")
    p.add_argument(
        "--n-loop", type=int, default=2_000, help="iterations of the 1 kHz loop in `loop`"
    )
    p.add_argument(
        "--n-coro", type=int, default=20_000, help="coroutine jobs, and items, in `coro`"
    )
    p.add_argument("--n-estop", type=int, default=100, help="emergency stops timed in `estop`")
    p.add_argument("--n-gui", type=int, default=1_000_000, help="items flooded in `gui`")
    p.add_argument("--n-mem", type=int, default=10_000, help="waiting futures in `mem`")
    p.add_argument("--n-proc", type=int, default=200_000, help="items in `process`")
    p.add_argument(
        "--n-proc-gui", type=int, default=1_000_000, help="items flooded in `process-gui`"
    )
    p.add_argument("--n-proc-rtt", type=int, default=1_000, help="calls timed in `process-rtt`")
    p.add_argument("--n-dask", type=int, default=200_000, help="items in `dask`")
    p.add_argument("--n-dask-rtt", type=int, default=200, help="calls timed in `dask-rtt`")
    p.add_argument(
        "--n-dask-cancel",
        type=int,
        default=50,
        help="jobs cancelled in `dask-cancel`, of each kind (sleeping, busy)",
    )
    p.add_argument(
        "--n-proc-cancel",
        type=int,
        default=100,
        help="jobs cancelled in `process-cancel`, of each kind (sleeping, busy)",
    )
    p.add_argument("--n-claims", type=int, default=10_000, help="live claimed jobs in `admission`")
    p.add_argument(
        "--scale-sizes",
        type=lambda t: [int(x) for x in t.split(",")],
        default=[1_000, 10_000, 100_000],
        help="sizes of `scale-calls` and `scale-mem`",
    )
    p.add_argument(
        "--scale-reps", type=int, default=3, help="repetitions of the scaling tests (<= --reps)"
    )
    p.add_argument(
        "--skip",
        type=_skip,
        action="append",
        default=[],
        metavar="SYSTEM:SIZE",
        help="do not run the scaling tests of SYSTEM at SIZE (repeatable)",
    )
    p.add_argument("--workers", type=int, default=2, help="worker threads per system")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a child is killed")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="markdown report")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the suite; write the report and the raw results.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 if every run finished with 0 handler calls off the main thread.
    """
    args = parser().parse_args(argv)
    sizes = {
        name: (args.scale_sizes if test.scaling else [getattr(args, test.size_knob)])
        for name, test in TESTS.items()
    }
    settings = runner.Settings(workers=args.workers, rate_hz=args.rate_hz, timeout_s=args.timeout)
    runs = runner.plan(args.systems, args.tests, sizes, args.reps, min(args.scale_reps, args.reps))
    command = ["python -m benchmarks", *(sys.argv[1:] if argv is None else argv)]
    meta = runner.metadata(settings, command)
    meta["systems"] = args.systems
    args.out.parent.mkdir(parents=True, exist_ok=True)
    jsonl = args.out.with_suffix(".jsonl")
    print(f"{len(runs)} runs; raw results -> {jsonl}", flush=True)
    with jsonl.open("w", encoding="utf-8") as sink:
        sink.write(json.dumps(meta) + "\n")
        results = runner.execute(runs, settings, set(args.skip), sink, echo=_echo)
    text = report.render(meta, results)
    args.out.write_text(text, encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.out} and {jsonl}")
    violations = sum(int(r.get("violations", 0)) for r in results)
    return 1 if violations else 0


def _echo(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
