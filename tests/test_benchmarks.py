# SPDX-License-Identifier: BSD-3-Clause
"""Smoke tests of the benchmark suite (``benchmarks/``): shapes, not timings.

Each measurement runs in a child process, exactly as ``python -m benchmarks``
runs it, with tiny sizes. Systems whose library is not installed are skipped.
"""

import importlib.util
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import report, runner
from benchmarks.__main__ import main as benchmarks_main
from benchmarks.catalog import TESTS
from benchmarks.measures import ESTOP_HOOKS, ESTOP_JOBS, grid_lateness
from benchmarks.runner import REPO, Run, Settings, execute, plan, spawn
from benchmarks.systems import ONLY_TESTS, REFERENCE, SYSTEMS, not_applicable

#: Tiny sizes: enough to exercise every code path in a second or two.
SIZES = {
    "calls": 20,
    "iter": 200,
    "iter-panel": 200,
    "progress": 200,
    "latency": 20,
    "loop": 50,
    "coro": 50,
    "estop": 3,
    "gui": 200,
    "mem": 50,
    "scale-calls": 30,
    "scale-mem": 50,
    "admission": 60,
    "process": 50,
    "process-gui": 200,
    "process-rtt": 10,
    "process-cancel": 3,
    "dask": 50,
    "dask-rtt": 5,
    "dask-cancel": 2,
}
#: Library each system needs, for the skip reason.
LIBRARIES = {"traits_futures": "traits_futures", "superqt": "superqt", "qasync": "qasync"}
#: Tests whose child may answer "n/a" (the system has no such job kind).
PROCESS_TESTS = ("process", "process-gui", "process-rtt", "process-cancel")
DASK_TESTS = ("dask", "dask-rtt", "dask-cancel")
OPTIONAL = {*PROCESS_TESTS, *DASK_TESTS, "admission", "loop", "coro", "estop", "iter-panel"}
#: (test, system) pairs that must measure even though the test is optional.
REQUIRED = {
    ("admission", REFERENCE),
    ("iter-panel", REFERENCE),
    ("loop", REFERENCE),
    ("loop", "raw"),
    ("coro", REFERENCE),
    ("coro", "raw"),
    ("coro", "qasync"),
    ("estop", REFERENCE),
    ("estop", "raw"),
    *((test, system) for test in PROCESS_TESTS for system in (REFERENCE, "traits_futures")),
    *((test, REFERENCE) for test in DASK_TESTS),
}
#: Every (system, test) the driver starts a child for.
PAIRS = [(s, t) for t in TESTS for s in SYSTEMS if not_applicable(s, t) is None]


def _require(system: str) -> None:
    library = LIBRARIES.get(system)
    if library and importlib.util.find_spec(library) is None:
        pytest.skip(f"{library} is not installed (pip install .[bench])")


def test_every_test_has_a_smoke_size() -> None:
    assert set(SIZES) == set(TESTS)


@pytest.mark.parametrize(("system", "test"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_child_reports_every_metric(system: str, test: str) -> None:
    _require(system)

    result = spawn(Run(rep=1, test=test, size=SIZES[test], system=system), Settings(timeout_s=50))

    if test in OPTIONAL and (test, system) not in REQUIRED and result["status"] == "n/a":
        assert result["problems"], "an n/a result says why"
        return
    assert result["status"] == "ok", result["problems"]
    assert result["violations"] == 0
    assert (result["system"], result["test"], result["size"]) == (system, test, SIZES[test])
    for metric in TESTS[test].metrics:
        value = result[metric.key]
        assert isinstance(value, int | float), (metric.key, value)
        assert not math.isnan(value), metric.key


@pytest.mark.parametrize("system", [REFERENCE, "raw"])
def test_loop_child_reports_sane_counts(system: str) -> None:
    n = SIZES["loop"]

    result = spawn(Run(rep=1, test="loop", size=n, system=system), Settings(timeout_s=50))

    assert result["status"] == "ok", result["problems"]
    assert result["violations"] == 0
    assert result["last_ok"] is True
    # The 1 kHz loop is stopped once iteration n - 1 was delivered; the 10 kHz
    # one once a delivered status started n ms after its first iteration.
    assert result["iterations"] >= n
    assert 1 <= result["deliveries"] <= result["iterations"]
    assert result["fast_iterations"] >= 2
    assert 1 <= result["fast_deliveries"] <= result["fast_iterations"]
    # Lateness is measured from the latest grid slot at or before the start,
    # so it lies within one period; the counts are whole numbers.
    assert 0 <= result["late_p50_us"] <= result["late_p99_us"] < 1000
    assert 0 <= result["interval_p99_us"] <= result["interval_max_us"]
    for key in ("missed", "extra", "system_missed", "fast_system_missed"):
        assert isinstance(result[key], int), key
        assert result[key] >= 0, key
    for key in ("status_per_s", "fast_iter_per_s", "fast_status_per_s", "fast_cpu_ms_per_s"):
        assert result[key] > 0, key


@pytest.mark.parametrize("system", ["traits_futures", "superqt"])
def test_loop_is_not_applicable_without_loop_jobs(system: str) -> None:
    _require(system)

    result = spawn(
        Run(rep=1, test="loop", size=SIZES["loop"], system=system), Settings(timeout_s=50)
    )

    assert result["status"] == "n/a"
    assert "no loop jobs" in result["problems"][0]


@pytest.mark.parametrize("system", [REFERENCE, "raw", "qasync"])
def test_coro_child_delivers_every_result_and_item(system: str) -> None:
    _require(system)
    n = SIZES["coro"]

    result = spawn(Run(rep=1, test="coro", size=n, system=system), Settings(timeout_s=50))

    assert result["status"] == "ok", result["problems"]
    assert result["violations"] == 0
    assert result["failures"] == 0
    # The measure checks the checksum of the n results and the order of the
    # n items; here, that each rate and cost was measured.
    assert result["delivered"] == n
    for key in ("calls_per_s", "submit_us", "cpu_us_per_call", "items_per_s", "cpu_us_per_item"):
        assert result[key] > 0, key


@pytest.mark.parametrize("system", [REFERENCE, "raw"])
def test_estop_child_cancels_every_job_and_runs_every_hook(system: str) -> None:
    n = SIZES["estop"]

    result = spawn(Run(rep=1, test="estop", size=n, system=system), Settings(timeout_s=50))

    assert result["status"] == "ok", result["problems"]
    assert result["violations"] == 0
    assert result["rounds"] == n
    assert result["jobs"] == ESTOP_JOBS
    assert result["cancelled"] == ESTOP_JOBS
    assert result["hooks_ok"] == ESTOP_HOOKS - 1
    assert result["hooks_timed_out"] == 1
    assert 0 < result["call_p50_us"] <= result["call_p99_us"] <= result["call_max_us"]
    assert 0 < result["call_cpu_p50_us"]
    for key in ("hooks_p50_ms", "ended_p50_ms", "report_p50_ms"):
        assert result[key] > 0, key


@pytest.mark.parametrize("system", ["traits_futures", "superqt"])
def test_coro_and_estop_are_not_applicable_without_them(system: str) -> None:
    _require(system)

    coro = spawn(Run(rep=1, test="coro", size=5, system=system), Settings(timeout_s=50))
    estop = spawn(Run(rep=1, test="estop", size=1, system=system), Settings(timeout_s=50))

    assert coro["status"] == "n/a"
    assert "no coroutine jobs" in coro["problems"][0]
    assert estop["status"] == "n/a"
    assert "no emergency stop" in estop["problems"][0]


#: Systems with a MultiprocessingContext.
PROCESS_SYSTEMS = [REFERENCE, "traits_futures"]


def _process_child(system: str, test: str) -> dict[str, object]:
    """Run a process test's child; check what every process test reports."""
    _require(system)
    result = spawn(Run(rep=1, test=test, size=SIZES[test], system=system), Settings(timeout_s=60))
    assert result["status"] == "ok", result["problems"]
    assert result["violations"] == 0
    assert result["failures"] == 0
    assert result["setup_ms"] > 0
    assert result["startup_ms"] > 0
    return result


@pytest.mark.parametrize("system", PROCESS_SYSTEMS)
def test_process_child_delivers_every_item(system: str) -> None:
    result = _process_child(system, "process")

    # The measure checks the order and the checksum; here, that all came.
    assert result["delivered"] == SIZES["process"]
    assert result["items_per_s"] > 0
    assert result["cpu_us_per_item"] > 0


@pytest.mark.parametrize("system", PROCESS_SYSTEMS)
def test_process_gui_child_reports_timer_gaps(system: str) -> None:
    result = _process_child(system, "process-gui")

    assert result["delivered"] == SIZES["process-gui"]
    assert 0 < result["p99_gap_ms"] <= result["max_gap_ms"]
    assert 0 <= result["max_gap_at_ms"]
    assert result["ticks_ratio"] >= 0
    assert result["items_per_s"] > 0


@pytest.mark.parametrize("system", PROCESS_SYSTEMS)
def test_process_rtt_child_times_every_call(system: str) -> None:
    result = _process_child(system, "process-rtt")

    assert result["calls"] == SIZES["process-rtt"]
    assert 0 < result["rtt_p50_us"] <= result["rtt_p99_us"] <= result["rtt_max_us"]
    assert 0 < result["submit_p50_us"] < result["rtt_max_us"]
    assert result["cpu_us_per_call"] > 0


@pytest.mark.parametrize("system", PROCESS_SYSTEMS)
def test_process_cancel_child_cancels_every_job(system: str) -> None:
    n = SIZES["process-cancel"]

    result = _process_child(system, "process-cancel")

    # n sleeping jobs and n busy ones, each ended CANCELLED (warm-ups not counted).
    assert result["rounds"] == result["cancelled"] == 2 * n
    assert 0 < result["cancel_p50_ms"] <= result["cancel_p99_ms"]
    assert 0 < result["busy_cancel_p50_ms"] <= result["busy_cancel_p99_ms"]
    assert result["call_p50_us"] > 0
    assert result["first_item_p50_ms"] > 0


def test_spawned_workers_import_the_child_without_running_it() -> None:
    # traits_jobs' context spawns its workers, and a spawned worker imports
    # the parent's main module, here `python -m benchmarks.child`, as
    # __mp_main__: its __main__ guard must keep the workers from measuring too.
    cmd = [sys.executable, "-m", "benchmarks.child", REFERENCE, "process", "20"]

    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=60, check=True)

    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stdout
    result = json.loads(lines[0])
    assert result["status"] == "ok", result["problems"]
    assert result["start_method"] == "spawn"


def test_qasync_child_is_not_applicable_without_qasync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A qasync package that cannot be imported, ahead of any installed one.
    (tmp_path / "qasync").mkdir()
    (tmp_path / "qasync" / "__init__.py").write_text("raise ImportError('hidden')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))

    result = spawn(Run(rep=1, test="coro", size=5, system="qasync"), Settings(timeout_s=50))

    assert result["status"] == "n/a"
    assert "qasync is not installed" in result["problems"][0]


def test_driver_records_tests_outside_a_systems_scope_without_a_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_child(run: Run, settings: Settings) -> dict[str, object]:
        raise AssertionError(f"a child was started for {run}")

    monkeypatch.setattr(runner, "spawn", no_child)
    system, (tests, why) = next(iter(ONLY_TESTS.items()))
    outside = next(t for t in TESTS if t not in tests)
    sink = io.StringIO()

    (result,) = execute([Run(1, outside, 5, system)], Settings(), set(), sink, echo=print)

    assert result["status"] == "n/a"
    assert result["problems"] == [why]
    assert sink.getvalue().count("\n") == 1


def test_grid_lateness_puts_each_start_on_the_latest_slot_before_it() -> None:
    period = 1.0
    # Slots 1, 2, 3 started 0, 0.25 and 0.5 late; slot 4 had no start; slot 5
    # two (the second a catch-up iteration, 0.75 late).
    starts = [10.0, 11.0, 12.25, 13.5, 15.0, 15.75]

    lateness, missed, extra = grid_lateness(starts, period)

    assert lateness == pytest.approx([0.0, 0.25, 0.5, 0.0, 0.75])
    assert (missed, extra) == (1, 1)
    assert grid_lateness([3.0], period) == ([], 0, 0)
    assert grid_lateness([], period) == ([], 0, 0)


def test_plan_interleaves_and_rotates_systems() -> None:
    systems = ["a", "b", "c"]
    sizes = {"calls": [5], "iter": [7], "scale-calls": [1, 2]}

    runs = plan(systems, ["calls", "iter", "scale-calls"], sizes, reps=2, scale_reps=1)

    blocks = [[r.system for r in runs[i : i + 3]] for i in range(0, len(runs), 3)]
    assert blocks[:3] == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]]
    assert [r.size for r in runs if r.test == "scale-calls"] == [1, 1, 1, 2, 2, 2]
    assert sum(r.test == "calls" for r in runs) == 2 * len(systems)


def _fake_run(system: str, test: str, size: int, rep: int, scale: float) -> dict[str, object]:
    values: dict[str, object] = {m.key: scale * (rep + 1) for m in TESTS[test].metrics}
    return {
        "system": system,
        "test": test,
        "size": size,
        "rep": rep,
        "load1": 0.5,
        "status": "ok",
        "violations": 0,
        "problems": [],
        **values,
    }


def test_report_renders_tables_with_ratios() -> None:
    systems = [REFERENCE, "raw"]
    runs = [
        _fake_run(system, test, size, rep, 1.0 if system == REFERENCE else 2.0)
        for rep in range(3)
        for test in ("calls", "mem", "scale-calls")
        for size in ([10, 100] if test == "scale-calls" else [5])
        for system in systems
    ]
    runs.append(
        {
            "system": "raw",
            "test": "process",
            "size": 5,
            "rep": 0,
            "status": "n/a",
            "problems": ["no process context"],
        }
    )
    runs.append(
        {
            "system": "raw",
            "test": "calls",
            "size": 5,
            "rep": 4,
            "status": "timeout",
            "problems": ["killed after 1 s"],
        }
    )
    meta = {"kind": "meta", "systems": systems, "versions": {"Python": "3"}, "argv": ["x"]}

    text = report.render(meta, runs)

    assert text.startswith("# traits_jobs benchmarks")
    assert "## Targets (medians)" in text
    assert f"| metric | {REFERENCE} | raw |" in text
    # calls/s is higher-is-better: raw's doubled value makes traits_jobs 0.5x "worse".
    assert "**x0.50**" in text
    assert "**x2.00**" in text
    assert "(ref)" in text
    assert "Growth of the per-job cost from N=10 to the largest N" in text
    assert "| 4 | calls | 5 | raw | timeout | killed after 1 s |" in text
    assert "process / raw: n/a (no process context)" in text
    assert "Handler calls off the main thread: **0**" in text


def test_driver_writes_report_and_raw_results(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    argv = ["--reps", "1", "--systems", f"{REFERENCE},raw", "--tests", "calls,mem"]
    argv += ["--n-calls", "10", "--n-mem", "20", "--timeout", "50", "--out", str(out)]

    assert benchmarks_main(argv) == 0

    meta, runs = report.load(out.with_suffix(".jsonl"))
    assert meta["systems"] == [REFERENCE, "raw"]
    assert [(r["test"], r["status"]) for r in runs] == [("calls", "ok")] * 2 + [("mem", "ok")] * 2
    assert "| metric | traits_jobs | raw |" in out.read_text(encoding="utf-8")


def test_dask_children_deliver_every_item_and_cancel_every_job() -> None:
    items = _process_child(REFERENCE, "dask")
    cancel = _process_child(REFERENCE, "dask-cancel")

    assert items["delivered"] == SIZES["dask"]
    assert items["start_method"] == "dask"
    n = SIZES["dask-cancel"]
    assert cancel["rounds"] == cancel["cancelled"] == 2 * n
    assert 0 < cancel["busy_cancel_p50_ms"] <= cancel["busy_cancel_p99_ms"]


def test_where_accounts_for_every_part_of_a_call() -> None:
    """benchmarks.where: the parts of a call's time and of a future's bytes add up."""
    from benchmarks import where

    rows = where.time_parts(200)
    *parts, (total_label, total_share, total_us) = rows
    assert total_label.startswith("total") and total_share == 1.0 and total_us > 0
    assert math.isclose(sum(us for _, _, us in parts), total_us, rel_tol=1e-6)
    assert all(us >= 0 for label, _, us in parts if not label.startswith("Qt")), rows

    *allocations, (total_label, total_bytes) = where.memory_parts(200)
    assert total_label == "total" and total_bytes > 0
    assert any(label.startswith("the future") for label, _ in allocations), allocations
