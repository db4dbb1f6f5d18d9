# SPDX-License-Identifier: BSD-3-Clause
"""The demo window, driven through its real widgets (offscreen)."""

import numpy as np
import pytest

from tests.demo.test_instruments import GatedStage
from tests.ui.test_closing import answer_next_question
from traits_jobs._qt import QtCore
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    STOPPED,
    PreemptionWarning,
)
from traits_jobs.demo.app import DemoApp
from traits_jobs.demo.instruments import Camera, Stage, TemperatureSensor
from traits_jobs.ui.closing import CANCEL_AND_CLOSE, KEEP_RUNNING

WAIT = 10_000


@pytest.fixture
def make_window(qt_executor, qtbot):
    """Open a demo window with fast instruments; close it after the test."""
    opened = []

    def make(stage=None, camera=None, steps=5, step_time=0.001):
        stage = stage or Stage(speed=500.0, step_time=0.001)
        demo = DemoApp(
            qt_executor,
            stage=stage,
            camera=camera or Camera(stage=stage, frame_interval=0.002),
            sensor=TemperatureSensor(interval=0.005),
            analysis_steps=steps,
            analysis_step_time=step_time,
            scan_frames=5,
        )
        ui = demo.edit_traits()
        opened.append((demo, ui))
        return demo, ui

    yield make
    for demo, ui in opened:
        ui.dispose()
        demo.dispose()


def button(ui, name):
    return ui.get_editors(name)[0].control


def click(qtbot, ui, name):
    widget = button(ui, name)
    assert widget.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(widget, QtCore.Qt.MouseButton.LeftButton)


def message(future):
    info = future.progress_info
    return "" if info is None or info.message is None else info.message


def start_live_view(qtbot, demo, ui, frames=3):
    click(qtbot, ui, "acquire")
    qtbot.waitUntil(lambda: demo.frame_count >= frames, timeout=WAIT)


def test_executor_is_required():
    """DemoApp() without a TraitsExecutor raises TypeError naming what arrived."""
    with pytest.raises(TypeError, match="DemoApp\\(\\) expected a TraitsExecutor, got NoneType"):
        DemoApp(None)


def test_move_button_is_disabled_while_the_stage_is_claimed(make_window, qtbot):
    """Clicking Move starts a move; Move is disabled until the move has settled."""
    stage = GatedStage(speed=500.0, step_time=0.001)
    demo, ui = make_window(stage=stage)
    click(qtbot, ui, "move")
    qtbot.waitUntil(lambda: demo.move_future is not None, timeout=WAIT)
    assert stage.started.wait(WAIT / 1000)
    assert not button(ui, "move").isEnabled()
    assert not button(ui, "run_scan").isEnabled()
    stage.release.set()
    qtbot.waitUntil(lambda: button(ui, "move").isEnabled(), timeout=WAIT)
    assert demo.move_future.state == COMPLETED
    assert demo.position_text == "10.00 mm"


def test_live_view_streams_spectra_into_the_plot(make_window, qtbot):
    """Acquire starts the live view; each new spectrum replaces the plotted curve."""
    demo, ui = make_window()
    curve = ui.get_editors("spectrum")[0].curve
    assert curve.getData()[1] is None  # nothing plotted yet
    start_live_view(qtbot, demo, ui)
    first = curve.getData()[1].copy()
    count = demo.frame_count
    qtbot.waitUntil(lambda: demo.frame_count > count, timeout=WAIT)
    assert not np.array_equal(curve.getData()[1], first)
    assert not button(ui, "acquire").isEnabled() and button(ui, "stop").isEnabled()


def test_stop_ends_the_live_view(make_window, qtbot):
    """Stop cancels the live view and enables Acquire again."""
    demo, ui = make_window()
    start_live_view(qtbot, demo, ui)
    click(qtbot, ui, "stop")
    qtbot.waitUntil(lambda: button(ui, "acquire").isEnabled(), timeout=WAIT)
    assert demo.live_future.state == CANCELLED


def test_scan_preempts_the_live_view(make_window, qtbot):
    """Run scan needs the camera: the live view ends preempted, the scan completes."""
    demo, ui = make_window()
    start_live_view(qtbot, demo, ui)
    live = demo.live_future
    assert button(ui, "run_scan").isEnabled()
    with pytest.warns(PreemptionWarning, match="'scan' preempts background job 'live view'"):
        click(qtbot, ui, "run_scan")
        qtbot.waitUntil(lambda: demo.scan_future is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: demo.scan_future.done, timeout=WAIT)
    assert (live.state, live.end_reason, live.preempted_by) == (
        CANCELLED,
        PREEMPTED,
        demo.scan_future,
    )
    assert demo.scan_future.state == COMPLETED
    assert demo.result_text.startswith("Scan: 5 spectra")


SLOW_PHASES = {
    "moving": {"stage": Stage(speed=1.0, step_time=0.01)},
    "acquiring": {"camera": Camera(frame_interval=0.01)},
    "analysing": {"steps": 10_000, "step_time": 0.001},
}


@pytest.mark.parametrize("phase", sorted(SLOW_PHASES))
def test_cancelling_the_scan_in_each_phase(make_window, qtbot, phase):
    """Cancel all during a scan's move, acquisition or analysis ends it CANCELLED."""
    demo, ui = make_window(**SLOW_PHASES[phase])
    demo.scan_frames = 10_000 if phase == "acquiring" else 5
    click(qtbot, ui, "run_scan")
    qtbot.waitUntil(lambda: demo.scan_future is not None, timeout=WAIT)
    scan = demo.scan_future
    qtbot.waitUntil(lambda: message(scan).startswith(phase), timeout=WAIT)
    click(qtbot, ui, "cancel_all")
    qtbot.waitUntil(lambda: scan.done, timeout=WAIT)
    assert (scan.state, scan.end_reason) == (CANCELLED, "cancelled")
    qtbot.waitUntil(lambda: button(ui, "run_scan").isEnabled(), timeout=WAIT)


def test_failing_move_shows_its_error(make_window, qtbot):
    """A move beyond the limits fails; the status line and the jobs panel show why."""
    demo, ui = make_window()
    demo.target = 100.0
    click(qtbot, ui, "move")
    qtbot.waitUntil(lambda: demo.move_future is not None and demo.move_future.done, timeout=WAIT)
    assert demo.move_future.state == FAILED
    qtbot.waitUntil(lambda: demo.status.startswith("Error: job 'move to 100' failed"), timeout=WAIT)
    assert "ValueError: target must be a position from -20 to 20" in demo.status
    assert demo.jobs_panel.status == demo.failures.last_message
    row = next(row for row in demo.jobs_panel.rows if row.future is demo.move_future)
    assert row.error_message.startswith("ValueError")
    assert button(ui, "move").isEnabled()


def test_temperature_polling_shows_readings(make_window, qtbot):
    """Start polling shows readings and disables itself; Stop polling ends it."""
    demo, ui = make_window()
    click(qtbot, ui, "poll_temperature")
    qtbot.waitUntil(lambda: demo.temperature_text.endswith("°C"), timeout=WAIT)
    assert not button(ui, "poll_temperature").isEnabled()
    click(qtbot, ui, "stop_polling")
    qtbot.waitUntil(lambda: button(ui, "poll_temperature").isEnabled(), timeout=WAIT)
    assert demo.temperature_future.state == CANCELLED


def test_analyse_needs_spectra_and_shows_its_result(make_window, qtbot):
    """Analyse is disabled before any spectrum; afterwards it analyses them."""
    demo, ui = make_window()
    assert not button(ui, "analyse").isEnabled()
    start_live_view(qtbot, demo, ui)
    click(qtbot, ui, "analyse")
    qtbot.waitUntil(lambda: demo.analysis_future is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: demo.analysis_future.done, timeout=WAIT)
    assert demo.analysis_future.state == COMPLETED
    assert demo.result_text.startswith("Analysis: ")


def test_closing_the_demo_while_a_job_runs_asks_first(make_window, qtbot, qt_executor):
    """The demo's close prompt: "Keep running" keeps it, "Cancel jobs and close" stops all."""
    demo, ui = make_window()
    start_live_view(qtbot, demo, ui)
    live, window = demo.live_future, ui.control
    answer_next_question(KEEP_RUNNING)
    window.close()
    assert ui.control is window and window.isVisible()
    assert live.state == EXECUTING

    answer_next_question(CANCEL_AND_CLOSE)
    window.close()
    qtbot.waitUntil(lambda: ui.control is None, timeout=WAIT)
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=WAIT)
    assert live.state == CANCELLED
