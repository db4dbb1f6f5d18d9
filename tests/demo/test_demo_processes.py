# SPDX-License-Identifier: BSD-3-Clause
"""The demo with ``--context process``: the analysis in a worker process, the rest on threads.

Each test starts one worker process (spawned: it takes a while), which
``demo.dispose()`` shuts down when the ``make_window`` fixture closes the window.
"""

import multiprocessing
import os

from tests.demo.test_demo_app import button, click, panel_ui, start_live_view, started
from tests.demo.test_tour import run_demo
from tests.ui.test_closing import answer_next_question
from tests.ui.test_jobs_panel import row_ui
from traits_jobs._qt import QtCore, QtWidgets
from traits_jobs.api import CANCELLED, COMPLETED, EXECUTING, STOPPED, EmergencyReport
from traits_jobs.demo import __main__ as demo_main
from traits_jobs.demo import tour
from traits_jobs.demo.app import describe_report
from traits_jobs.demo.instruments import AnalysisResult
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.closing import CANCEL_AND_CLOSE

#: Milliseconds to wait for what a worker process does: it starts first.
PROCESS_WAIT = int(3 * SAFETY_TIMEOUT * 1000)

#: An analysis that runs until cancelled (10,000 steps of a millisecond).
ENDLESS = {"steps": 10_000, "step_time": 0.001}


def process_window(make_window, qtbot, live=False, **kwargs):
    """A demo window whose analysis runs in a process, with spectra to analyse.

    The live view runs on if ``live``, else it is stopped once it has
    given three spectra.
    """
    demo, ui = make_window(context="process", **kwargs)
    start_live_view(qtbot, demo, ui)
    if not live:
        click(qtbot, ui, "stop")
        qtbot.waitUntil(lambda: demo.live_future.done, timeout=PROCESS_WAIT)
    return demo, ui


def start_analysis(qtbot, demo, ui):
    """Click Analyse; return the analysis's future once its worker reports progress."""
    click(qtbot, ui, "analyse")
    analysis = started(qtbot, demo, "analysis_future")
    qtbot.waitUntil(lambda: analysis.progress_info is not None, timeout=PROCESS_WAIT)
    return analysis


def row_of(demo, future):
    """The index and row of ``future`` in the demo's jobs panel."""
    rows = demo.jobs_panel.rows
    (index,) = [index for index, row in enumerate(rows) if row.future is future]
    return index, rows[index]


def test_the_analysis_result_arrives_from_a_worker_process(make_window, qtbot, qt_executor):
    """Analyse runs in a worker process of a second executor; its result shows as with threads."""
    demo, ui = process_window(make_window, qtbot)
    assert demo.analysis_executor is not qt_executor
    click(qtbot, ui, "analyse")
    analysis = started(qtbot, demo, "analysis_future")
    qtbot.waitUntil(lambda: analysis.done, timeout=PROCESS_WAIT)
    assert analysis.state == COMPLETED
    result = analysis.result
    assert isinstance(result, AnalysisResult) and result.frames == demo.frame_count
    assert demo.result_text == f"Analysis: {result.summary()}"
    assert demo.status == "Analysis completed"
    (worker,) = demo.processes.pool.processes
    assert worker.pid != os.getpid()
    # Everything else stays on the threads of the main executor.
    assert demo.live_future not in demo.analysis_executor.jobs
    assert button(ui, "analyse").isEnabled()


def test_the_jobs_panel_says_where_each_job_runs(make_window, qtbot):
    """The analysis's row says "process"; the live view's and the interlock's say "thread"."""
    demo, ui = process_window(make_window, qtbot, live=True, **ENDLESS)
    analysis = start_analysis(qtbot, demo, ui)
    where = {row.name: row.where for row in demo.jobs_panel.rows}
    assert where == {"analysis": "process", "live view": "thread", "door interlock": "thread"}
    panel = panel_ui(ui)
    index, _row = row_of(demo, analysis)
    qtbot.waitUntil(
        lambda: row_ui(panel, index).get_editors("where")[0].control.text() == "process",
        timeout=PROCESS_WAIT,
    )
    index, _row = row_of(demo, demo.live_future)
    assert row_ui(panel, index).get_editors("where")[0].control.text() == "thread"
    assert analysis.state == EXECUTING


def test_with_threads_every_row_says_thread(make_window, qtbot):
    """With the default context, the analysis runs on the main executor, on a thread."""
    demo, ui = make_window()
    assert demo.processes is None and demo.analysis_executor is demo.executor
    start_live_view(qtbot, demo, ui)
    click(qtbot, ui, "analyse")
    analysis = started(qtbot, demo, "analysis_future")
    qtbot.waitUntil(lambda: analysis.done, timeout=PROCESS_WAIT)
    assert {row.where for row in demo.jobs_panel.rows} == {"thread"}


def test_cancel_all_cancels_the_analysis_in_its_process(make_window, qtbot):
    """Cancel all is enabled by the process analysis alone, and cancels it."""
    demo, ui = process_window(make_window, qtbot, **ENDLESS)
    analysis = start_analysis(qtbot, demo, ui)
    qtbot.waitUntil(lambda: button(panel_ui(ui), "cancel_all").isEnabled(), timeout=PROCESS_WAIT)
    click(qtbot, panel_ui(ui), "cancel_all")
    qtbot.waitUntil(lambda: analysis.done, timeout=PROCESS_WAIT)
    assert analysis.state == CANCELLED
    assert demo.status == "analysis: cancelled"
    assert demo.interlock_future.state == EXECUTING


def test_the_emergency_stop_cancels_the_analysis_in_its_process(make_window, qtbot):
    """The red button cancels the process analysis too; the status line counts it."""
    demo, ui = process_window(make_window, qtbot, live=True, **ENDLESS)
    analysis = start_analysis(qtbot, demo, ui)
    live = demo.live_future
    click(qtbot, ui, "emergency_stop")
    qtbot.waitUntil(
        lambda: demo.emergency_count == 1 and analysis.done and live.done, timeout=PROCESS_WAIT
    )
    assert (analysis.state, live.state) == (CANCELLED, CANCELLED)
    assert demo.last_report.cancelled == (live,)
    assert demo.status == (
        "Emergency stop: 1 job cancelled, 1 more in a worker process; ok: stage, camera, heater"
    )


def test_opening_the_door_cancels_the_analysis_in_its_process(make_window, qtbot):
    """The interlock's stop, made on its worker, reaches the process analysis as well."""
    demo, ui = process_window(make_window, qtbot, **ENDLESS)
    analysis = start_analysis(qtbot, demo, ui)
    demo.door_open = True
    qtbot.waitUntil(lambda: demo.emergency_count == 1 and analysis.done, timeout=PROCESS_WAIT)
    assert analysis.state == CANCELLED
    assert demo.status.startswith(
        "Door opened, emergency stop: 1 job cancelled in a worker process; ok: stage,"
    )


def test_describe_report_counts_the_jobs_cancelled_in_worker_processes():
    """The jobs cancelled in processes follow those of the report, or stand alone."""
    hooks = {"stage": "ok"}
    report = EmergencyReport(cancelled=(object(),), hooks=hooks)
    assert describe_report(report, 2) == "1 job cancelled, 2 more in a worker process; ok: stage"
    report = EmergencyReport(cancelled=(), hooks=hooks)
    assert describe_report(report, 1) == "1 job cancelled in a worker process; ok: stage"
    assert describe_report(report) == "0 jobs cancelled; ok: stage"


def test_closing_asks_about_the_process_analysis_and_stops_both_executors(
    make_window, qtbot, qt_executor
):
    """With only the analysis running, closing asks about it; then both executors stop."""
    demo, ui = process_window(make_window, qtbot, **ENDLESS)
    analysis = start_analysis(qtbot, demo, ui)
    questions = []
    answer_next_question(CANCEL_AND_CLOSE, seen=questions)
    ui.control.close()
    qtbot.waitUntil(lambda: ui.control is None, timeout=PROCESS_WAIT)
    assert [text for text, _, _ in questions] == ["1 job is still running."]
    qtbot.waitUntil(
        lambda: qt_executor.state == STOPPED and demo.analysis_executor.state == STOPPED,
        timeout=PROCESS_WAIT,
    )
    assert analysis.state == CANCELLED


def test_dispose_shuts_the_worker_process_down(make_window, qtbot):
    """dispose() stops the executor on processes and waits for its worker to exit."""
    demo, ui = process_window(make_window, qtbot, **ENDLESS)
    analysis = start_analysis(qtbot, demo, ui)
    (worker,) = demo.processes.pool.processes
    ui.dispose()
    demo.dispose()
    assert analysis.state == CANCELLED
    assert demo.analysis_executor.state == STOPPED
    assert not worker.is_alive()


# -- the command line -------------------------------------------------------------


def test_context_option_reaches_the_tour(monkeypatch, tmp_path):
    """``--tour --context process`` runs the tour with the analysis in processes."""
    calls = []
    monkeypatch.setattr(tour, "run_tour", lambda path, **kwargs: calls.append((path, kwargs)))
    assert demo_main.main(["--tour", "--context", "process", "--screenshots", str(tmp_path)]) == 0
    assert calls == [(tmp_path, {"context": "process", "address": ""})]
    assert demo_main.parse_args([]).context == "thread"


def test_the_window_with_the_analysis_in_a_process_closes_and_ends_its_worker(
    qtbot, traits_jobs_errors
):
    """open_window("process"): analyse, close, cancel: returns 0 with no worker left."""
    steps, questions, workers = [], [], []

    def window():
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if widget.isVisible() and widget.windowTitle().startswith("traits_jobs demo"):
                return widget
        return None

    def button(text):
        (found,) = [b for b in window().findChildren(QtWidgets.QPushButton) if b.text() == text]
        return found

    def when(condition, then):
        """Call ``then()`` once ``condition()`` holds, checking every 10 ms."""

        def check():
            if condition():
                then()
            else:
                QtCore.QTimer.singleShot(10, check)

        check()

    def acquire():
        button("Acquire").click()
        steps.append("acquire")
        when(lambda: button("Analyse").isEnabled(), analyse)

    def analyse():
        button("Analyse").click()
        steps.append("analyse")
        # The analysis claims "analysis" until it ends: Analyse is disabled meanwhile.
        when(lambda: not button("Analyse").isEnabled() and multiprocessing.active_children(), close)

    def close():
        workers.extend(multiprocessing.active_children())
        answer_next_question(CANCEL_AND_CLOSE, seen=questions)
        steps.append("close")
        window().close()

    when(lambda: window() is not None, acquire)
    assert demo_main.open_window("process") == 0
    assert steps == ["acquire", "analyse", "close"]
    # The live view and the interlock's watch, on the main executor.
    assert [text for text, _, _ in questions] == ["2 jobs are still running."]
    assert workers and not any(worker.is_alive() for worker in workers)
    assert multiprocessing.active_children() == []
    assert window() is None


def test_module_runs_the_tour_with_the_analysis_in_a_process(tmp_path):
    """``python -m traits_jobs.demo --tour --context process`` exits 0; the panel says process.

    The spawned worker does not start the demo again (a package's
    ``__main__`` module is not run in it), and the demo waits for it to exit.
    """
    shots = tmp_path / "tour"
    run = run_demo("--tour", "--context", "process", "--screenshots", str(shots))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "the analysis on a worker process" in run.stdout
    assert "5. Analyse the latest spectra (in a worker process)" in run.stdout
    assert "the jobs panel: analysis [process], call" in run.stdout
    assert len(list(shots.glob("*.png"))) == 15
    # One tour: a worker that ran the demo again would have printed a second.
    assert run.stdout.count("traits_jobs demo tour") == 1
