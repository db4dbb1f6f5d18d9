# SPDX-License-Identifier: BSD-3-Clause
"""The driver side: plan the runs, start one child process per run, record.

Runs are interleaved: for each repetition, for each test (and size), every
system once, the order of the systems rotated from one block to the next
(A B C D, B C D A, ...), so slow drifts of the machine's load spread over all
systems. The 1-min load average is recorded before each run.
"""

import datetime
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from benchmarks.catalog import TESTS
from benchmarks.systems import not_applicable

REPO = Path(__file__).resolve().parent.parent

#: Distributions whose versions the report shows.
DISTRIBUTIONS = (
    "PySide6_Essentials",
    "shiboken6",
    "traits",
    "pyface",
    "traitsui",
    "traits_jobs",
    "traits-futures",
    "superqt",
    "qasync",
)


@dataclass(frozen=True)
class Run:
    """One planned child process."""

    rep: int
    test: str
    size: int
    system: str


@dataclass(frozen=True)
class Settings:
    """What every child is told, and the per-child time limit.

    Attributes
    ----------
    workers : int
        Worker threads (single-worker tests use 1).
    rate_hz : float
        Send rate of the latency test.
    timeout_s : float
        The driver kills a child after this many seconds.
    """

    workers: int = 2
    rate_hz: float = 1000.0
    timeout_s: float = 600.0


def plan(
    systems: Sequence[str],
    tests: Sequence[str],
    sizes: dict[str, list[int]],
    reps: int,
    scale_reps: int,
) -> list[Run]:
    """The interleaved, rotated order of all runs.

    Parameters
    ----------
    systems : sequence of str
        Systems to measure.
    tests : sequence of str
        Tests to run.
    sizes : dict
        Test name -> the sizes to run it at.
    reps : int
        Repetitions of each (system, test, size).
    scale_reps : int
        Repetitions of the scaling tests (at most ``reps``).

    Returns
    -------
    list of Run
        In execution order.
    """
    runs: list[Run] = []
    block = 0
    for rep in range(1, reps + 1):
        for test in tests:
            if TESTS[test].scaling and rep > scale_reps:
                continue
            for size in sizes[test]:
                shift = block % len(systems)
                block += 1
                for system in [*systems[shift:], *systems[:shift]]:
                    runs.append(Run(rep, test, size, system))
    return runs


def spawn(run: Run, settings: Settings) -> dict[str, Any]:
    """Run one child process and return its result.

    A child that outlives ``settings.timeout_s`` is killed (with its process
    group) and reported with status ``timeout``; one that exits without a
    JSON line is reported as ``crash``.

    Parameters
    ----------
    run : Run
        What to measure.
    settings : Settings
        Knobs and time limit.

    Returns
    -------
    dict
        The child's JSON result, or a stub with ``status`` and ``problems``.
    """
    budget = max(settings.timeout_s * 0.9, settings.timeout_s - 30)
    cmd = [sys.executable, "-m", "benchmarks.child", run.system, run.test, str(run.size)]
    cmd += ["--workers", str(settings.workers), "--rate-hz", str(settings.rate_hz)]
    cmd += ["--budget", f"{budget:.0f}"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ETS_TOOLKIT="qt", QT_API="pyside6")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=settings.timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"status": "timeout", "problems": [f"killed after {settings.timeout_s:.0f} s"]}
    finally:
        _kill_group(proc.pid)
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = " | ".join(stderr.strip().splitlines()[-5:])
        return {"status": "crash", "problems": [f"exit code {proc.returncode}; stderr: {tail}"]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _kill_group(pgid: int) -> None:
    """Kill what is left of a child's process group (e.g. worker processes)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def execute(
    runs: Sequence[Run],
    settings: Settings,
    skip: set[tuple[str, int]],
    sink: TextIO,
    echo: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Run every planned child in order, appending each result to ``sink`` as JSON.

    Parameters
    ----------
    runs : sequence of Run
        The plan.
    settings : Settings
        Knobs and time limit.
    skip : set of (system, size)
        Scaling runs not to start (recorded with status ``skipped``).
    sink : text file
        Receives one JSON line per run, flushed at once.
    echo : callable
        Receives one progress line per run.

    Returns
    -------
    list of dict
        The results, each with ``rep``, ``load1`` and ``elapsed_s`` added.
    """
    results: list[dict[str, Any]] = []
    for i, run in enumerate(runs, 1):
        load1 = os.getloadavg()[0]
        t0 = time.perf_counter()
        reason = not_applicable(run.system, run.test)
        if reason is not None:
            result: dict[str, Any] = {"status": "n/a", "problems": [reason]}
        elif TESTS[run.test].scaling and (run.system, run.size) in skip:
            result = {"status": "skipped", "problems": ["--skip"]}
        else:
            result = spawn(run, settings)
        result.update(
            traits_jobs_source=source_digest(),
            system=run.system,
            test=run.test,
            size=run.size,
            rep=run.rep,
            load1=load1,
            elapsed_s=time.perf_counter() - t0,
        )
        sink.write(json.dumps(result) + "\n")
        sink.flush()
        results.append(result)
        problems = "; ".join(result.get("problems", []))
        echo(
            f"[{i}/{len(runs)}] rep {run.rep} {run.test}@{run.size} {run.system}: "
            f"{result['status']} in {result['elapsed_s']:.1f} s (load {load1:.2f})"
            + (f" - {problems}" if problems else "")
        )
    return results


def source_digest() -> str:
    """A short digest of the traits_jobs sources, to see if they changed between runs.

    Returns
    -------
    str
        12 hex digits ("unknown" if traits_jobs is not found).
    """
    spec = importlib.util.find_spec("traits_jobs")
    if spec is None or spec.origin is None:
        return "unknown"
    digest = hashlib.sha256()
    for path in sorted(Path(spec.origin).resolve().parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def metadata(settings: Settings, argv: Sequence[str]) -> dict[str, Any]:
    """Versions, machine and settings, for the report's header.

    Parameters
    ----------
    settings : Settings
        The run's settings.
    argv : sequence of str
        The driver's command line.

    Returns
    -------
    dict
        A JSON-serialisable description, with ``kind: "meta"``.
    """
    versions = {"Python": platform.python_version()}
    for dist in DISTRIBUTIONS:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return {
        "kind": "meta",
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "versions": versions,
        "git": _git_revision(),
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs",
        "workers": settings.workers,
        "rate_hz": settings.rate_hz,
        "timeout_s": settings.timeout_s,
        "argv": list(argv),
    }


def _git_revision() -> str:
    """The traits_jobs checkout's commit, ``+dirty`` if ``traits_jobs/`` has local changes."""
    spec = importlib.util.find_spec("traits_jobs")
    if spec is None or spec.origin is None:
        return "unknown"
    package = Path(spec.origin).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=package, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "."],
            cwd=package,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")
