# SPDX-License-Identifier: BSD-3-Clause
"""The demo window, driven through its real widgets (offscreen)."""

import threading

import numpy as np
import pytest

from tests.demo.test_instruments import GatedStage
from tests.ui.test_closing import answer_next_question
from traits_jobs._qt import QtCore, QtWidgets
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
from traits_jobs.demo.instruments import Camera, SensorSettings, Stage, TemperatureSensor
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.closing import CANCEL_AND_CLOSE, KEEP_RUNNING

WAIT = 10_000


def button(ui, name):
    return ui.get_editors(name)[0].control


def panel_ui(ui):
    """The UI of the window's jobs panel, whose "Cancel all" is the window's."""
    return ui.get_editors("jobs_panel")[0]._ui


def click(qtbot, ui, name):
    widget = button(ui, name)
    assert widget.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(widget, QtCore.Qt.MouseButton.LeftButton)


def message(future):
    info = future.progress_info
    return "" if info is None or info.message is None else info.message


def started(qtbot, demo, name):
    """The future in ``demo``'s trait ``name`` once a click has started it."""
    qtbot.waitUntil(lambda: getattr(demo, name) is not None, timeout=WAIT)
    return getattr(demo, name)


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
    click(qtbot, panel_ui(ui), "cancel_all")
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
    qtbot.waitUntil(lambda: demo.status.startswith("Error: job 'move' failed"), timeout=WAIT)
    assert "ValueError: target must be a position from -20 to 20" in demo.status
    assert demo.jobs_panel.status == demo.failures.last_message
    row = next(row for row in demo.jobs_panel.rows if row.future is demo.move_future)
    assert row.error_message.startswith("ValueError")
    assert button(ui, "move").isEnabled()


def test_temperature_polling_shows_readings(make_window, qtbot):
    """Start polling shows readings and disables itself; Stop polling stops the loop."""
    demo, ui = make_window()
    click(qtbot, ui, "poll_temperature")
    qtbot.waitUntil(lambda: demo.temperature_text.endswith("°C"), timeout=WAIT)
    assert not button(ui, "poll_temperature").isEnabled()
    click(qtbot, ui, "stop_polling")
    qtbot.waitUntil(lambda: button(ui, "poll_temperature").isEnabled(), timeout=WAIT)
    assert (demo.temperature_future.state, demo.temperature_future.end_reason) == (
        COMPLETED,
        STOPPED,
    )


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


# -- the temperature loop -------------------------------------------------------


class HeldSensor(TemperatureSensor):
    """A sensor whose readings wait for the test while ``holding`` is set."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.holding = threading.Event()
        self.entered, self.release = threading.Semaphore(0), threading.Semaphore(0)

    def read(self):
        if self.holding.is_set():
            self.entered.release()
            assert self.release.acquire(timeout=SAFETY_TIMEOUT)
        return super().read()


def type_into(qtbot, line_edit, text):
    """Replace a line edit's text as a user would, and press Return."""
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, QtCore.Qt.Key.Key_Return)


def setpoint_field(ui):
    """The text field of the setpoint's slider editor."""
    return ui.get_editors("setpoint")[0].control.findChildren(QtWidgets.QLineEdit)[0]


def test_temperature_loop_shows_readings_and_takes_settings_while_running(make_window, qtbot):
    """Typed while the loop runs, a setpoint and an interval reach it; its readings show them."""
    demo, ui = make_window()
    click(qtbot, ui, "poll_temperature")
    loop = started(qtbot, demo, "temperature_future")
    qtbot.waitUntil(lambda: demo.reading is not None, timeout=WAIT)
    label = button(ui, "reading_text")
    qtbot.waitUntil(lambda: label.text().startswith("reading "), timeout=WAIT)
    assert "setpoint 21.0 °C, every 0.005 s" in label.text()
    assert button(ui, "temperature_text").text().endswith("°C")

    type_into(qtbot, setpoint_field(ui), "30")
    type_into(qtbot, button(ui, "sample_interval"), "0.003")
    assert (demo.setpoint, demo.sample_interval) == (30.0, 0.003)
    qtbot.waitUntil(lambda: loop.settings == SensorSettings(30.0, 0.003), timeout=WAIT)
    qtbot.waitUntil(
        lambda: (demo.reading.setpoint, demo.reading.interval) == (30.0, 0.003), timeout=WAIT
    )
    qtbot.waitUntil(lambda: "setpoint 30.0 °C, every 0.003 s" in label.text(), timeout=WAIT)
    assert demo.sensor.setpoint == 30.0
    assert loop.state == EXECUTING and loop.pending_settings is None
    click(qtbot, ui, "stop_polling")
    qtbot.waitUntil(lambda: loop.done, timeout=WAIT)


def test_quick_edits_of_setpoint_and_interval_both_reach_the_loop(make_window, qtbot):
    """Two edits before the loop takes either: both are pending, and both are applied."""
    sensor = HeldSensor(interval=0.005)
    demo, ui = make_window(sensor=sensor)
    sensor.holding.set()
    click(qtbot, ui, "poll_temperature")
    loop = started(qtbot, demo, "temperature_future")
    try:
        # The loop is inside its first reading: it takes new settings at its next iteration.
        assert sensor.entered.acquire(timeout=SAFETY_TIMEOUT)
        demo.setpoint = 35.0
        demo.sample_interval = 0.004
        assert loop.pending_settings == SensorSettings(35.0, 0.004)
        assert loop.settings == SensorSettings(21.0, 0.005)
    finally:
        sensor.holding.clear()
        sensor.release.release()
    qtbot.waitUntil(lambda: loop.settings == SensorSettings(35.0, 0.004), timeout=WAIT)
    assert loop.pending_settings is None
    qtbot.waitUntil(
        lambda: (demo.reading.setpoint, demo.reading.interval) == (35.0, 0.004), timeout=WAIT
    )


def test_a_slow_reading_shows_missed_loop_slots(make_window, qtbot):
    """A reading that takes ten ticks makes the loop miss slots; the window counts them."""
    sensor = TemperatureSensor(interval=0.002, slow_read_every=2, slow_read_time=0.02)
    demo, ui = make_window(sensor=sensor)
    assert button(ui, "missed_text").text() == "0 loop slots missed"
    click(qtbot, ui, "poll_temperature")
    loop = started(qtbot, demo, "temperature_future")
    qtbot.waitUntil(lambda: loop.missed_count >= 1, timeout=WAIT)
    qtbot.waitUntil(lambda: demo.missed_count == loop.missed_count, timeout=WAIT)
    label = button(ui, "missed_text")
    qtbot.waitUntil(lambda: label.text() == demo.missed_text, timeout=WAIT)
    assert label.text().endswith("missed") and not label.text().startswith("0 ")


def test_temperature_row_in_the_jobs_panel_counts_the_loop(make_window, qtbot):
    """The jobs panel's temperature row shows the loop's iteration and missed counts."""
    demo, _ui = make_window()
    click(qtbot, _ui, "poll_temperature")
    loop = started(qtbot, demo, "temperature_future")
    row = next(row for row in demo.jobs_panel.rows if row.future is loop)
    assert row.kind == "loop" and row.pausable
    qtbot.waitUntil(lambda: row.iterations >= 3, timeout=WAIT)
    assert row.message == f"{row.iterations} iterations, {row.missed} missed"


# -- pausing the live view ------------------------------------------------------


class GatedCamera(Camera):
    """A camera that takes a spectrum per token, and tells when it waits for one."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.tokens, self.asked = threading.Semaphore(0), threading.Semaphore(0)

    def acquire(self, count=None):
        taken = 0
        while count is None or taken < count:
            self.asked.release()
            assert self.tokens.acquire(timeout=SAFETY_TIMEOUT)
            taken += 1
            yield self.snap()

    def wait_asked(self):
        """Wait until the live view asks for its next spectrum: past its checkpoint."""
        assert self.asked.acquire(timeout=SAFETY_TIMEOUT)


def live_buttons(ui):
    return {name: button(ui, name).isEnabled() for name in ("stop", "pause_live", "resume_live")}


def test_pause_and_resume_the_live_view(make_window, qtbot):
    """Pause: Resume is enabled at once, `paused` follows at the next spectrum; Resume undoes it."""
    camera = GatedCamera(frame_interval=0.0)
    demo, ui = make_window(camera=camera)
    assert (button(ui, "pause_live").text(), button(ui, "resume_live").text()) == (
        "Pause",
        "Resume",
    )
    assert live_buttons(ui) == {"stop": False, "pause_live": False, "resume_live": False}
    try:
        click(qtbot, ui, "acquire")
        live = started(qtbot, demo, "live_future")
        camera.tokens.release()
        qtbot.waitUntil(lambda: demo.frame_count == 1, timeout=WAIT)
        camera.wait_asked()  # for spectrum 1
        camera.wait_asked()  # for spectrum 2: a pause asked for now comes after it
        assert live_buttons(ui) == {"stop": True, "pause_live": True, "resume_live": False}

        click(qtbot, ui, "pause_live")
        qtbot.waitUntil(lambda: demo.live_pause_requested, timeout=WAIT)
        assert live_buttons(ui) == {"stop": True, "pause_live": False, "resume_live": True}
        assert not live.paused and demo.status == "Live view: pausing"
        camera.tokens.release()
        qtbot.waitUntil(lambda: live.paused, timeout=WAIT)
        assert demo.frame_count == 2 and demo.status == "Live view paused"
        assert live_buttons(ui) == {"stop": True, "pause_live": False, "resume_live": True}

        camera.tokens.release()  # for when it runs again
        click(qtbot, ui, "resume_live")
        qtbot.waitUntil(lambda: not live.paused and demo.frame_count == 3, timeout=WAIT)
        assert demo.status == "Live view" and not demo.live_pause_requested
        assert live_buttons(ui) == {"stop": True, "pause_live": True, "resume_live": False}
    finally:
        camera.tokens.release(1_000)


def test_stopping_a_live_view_before_its_pause_forgets_the_pause(make_window, qtbot):
    """Pause, then Stop before the next spectrum: the camera's buttons are as before."""
    camera = GatedCamera(frame_interval=0.0)
    demo, ui = make_window(camera=camera)
    try:
        click(qtbot, ui, "acquire")
        live = started(qtbot, demo, "live_future")
        camera.wait_asked()  # for spectrum 1: a pause asked for now comes after it
        # Stop and Pause are enabled before the first spectrum arrives.
        qtbot.waitUntil(lambda: button(ui, "pause_live").isEnabled(), timeout=WAIT)
        assert button(ui, "stop").isEnabled() and demo.frame_count == 0
        click(qtbot, ui, "pause_live")
        qtbot.waitUntil(lambda: demo.live_pause_requested, timeout=WAIT)
        click(qtbot, ui, "stop")
        qtbot.waitUntil(lambda: live.cancellable is False, timeout=WAIT)
        camera.tokens.release()
        qtbot.waitUntil(lambda: live.done, timeout=WAIT)
        assert not live.paused and not demo.live_pause_requested
        assert live_buttons(ui) == {"stop": False, "pause_live": False, "resume_live": False}
        assert button(ui, "acquire").isEnabled()
    finally:
        camera.tokens.release(1_000)


def test_jobs_panel_pause_of_the_live_view_shows_in_the_camera_buttons(make_window, qtbot):
    """Paused from its jobs panel row, the live view's Resume button is enabled; resumed, not."""
    demo, ui = make_window()
    start_live_view(qtbot, demo, ui)
    live = demo.live_future
    row = next(row for row in demo.jobs_panel.rows if row.future is live)
    row.pause_button = True  # the row's Pause button
    qtbot.waitUntil(lambda: live.paused, timeout=WAIT)
    qtbot.waitUntil(lambda: button(ui, "resume_live").isEnabled(), timeout=WAIT)
    assert not button(ui, "pause_live").isEnabled() and row.pause_label == "Resume"
    click(qtbot, ui, "resume_live")
    qtbot.waitUntil(lambda: not live.paused, timeout=WAIT)
    assert button(ui, "pause_live").isEnabled() and row.pause_label == "Pause"


def test_scan_preempts_a_paused_live_view(make_window, qtbot):
    """A paused live view holds the camera; a scan preempts it all the same."""
    demo, ui = make_window()
    start_live_view(qtbot, demo, ui)
    live = demo.live_future
    click(qtbot, ui, "pause_live")
    qtbot.waitUntil(lambda: live.paused, timeout=WAIT)
    with pytest.warns(PreemptionWarning, match="'scan' preempts background job 'live view'"):
        click(qtbot, ui, "run_scan")
        qtbot.waitUntil(lambda: demo.scan_future is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: demo.scan_future.done, timeout=WAIT)
    assert (live.state, live.end_reason, live.paused) == (CANCELLED, PREEMPTED, False)
    assert demo.scan_future.state == COMPLETED
    assert live_buttons(ui) == {"stop": False, "pause_live": False, "resume_live": False}
