# SPDX-License-Identifier: BSD-3-Clause
"""The demo window's emergency stop (button and Esc), its interlock, and its coroutine move.

Real TraitsUI views driven offscreen with pytest-qt: clicks and key presses
on the widgets, then the event loop runs until the outcome shows.
"""

import threading

import pytest

from tests.demo.test_demo_app import button, click, message, panel_ui, started
from tests.demo.test_instruments import SteppedStage, reached
from traits_jobs._qt import QtCore, QtWidgets
from traits_jobs.api import CANCELLED, COMPLETED, EXECUTING, FAILED, STOPPED, EmergencyReport
from traits_jobs.demo.app import INTERLOCK, describe_report
from traits_jobs.demo.instruments import Camera, DeviceHalted, TemperatureSensor
from traits_jobs.testing import SAFETY_TIMEOUT

WAIT = 10_000

HOOKS_OK = {"stage": "ok", "camera": "ok", "heater": "ok"}


def stepped_window(make_window, **kwargs):
    """A demo window whose stage moves 1 unit per step, one step per token."""
    stage = SteppedStage(speed=10.0, step_time=0.1)
    demo, ui = make_window(stage=stage, **kwargs)
    return demo, ui, stage


def start_everything(qtbot, demo, ui, stage):
    """Start the live view, the temperature loop and a move 3 steps in; return their futures."""
    click(qtbot, ui, "acquire")
    click(qtbot, ui, "poll_temperature")
    click(qtbot, ui, "move")
    move = started(qtbot, demo, "move_future")
    stage.tokens.release(3)
    qtbot.waitUntil(lambda: reached(move, 3.0), timeout=WAIT)
    qtbot.waitUntil(lambda: demo.frame_count > 0 and demo.reading is not None, timeout=WAIT)
    assert stage.moving and demo.camera.acquiring and demo.sensor.heater_on
    return move, demo.live_future, demo.temperature_future


def assert_everything_stopped(qtbot, demo, stage, jobs, stops=1, from_worker=False):
    """Every device's hook ran once per stop; the jobs ended CANCELLED.

    A stop from another thread than the main one (``from_worker``: the
    interlock's) halts the devices at once but cancels the jobs only when the
    main thread gets to it: a job may first meet its halted device and fail
    with DeviceHalted. Then the report does not count it, and the demo does
    not report its failure as an error.
    """
    qtbot.waitUntil(lambda: demo.emergency_count == stops, timeout=WAIT)
    qtbot.waitUntil(lambda: all(job.done for job in jobs), timeout=WAIT)
    report = demo.last_report
    assert report.hooks == HOOKS_OK and report.ok
    assert (stage.halt_count, demo.camera.halt_count) == (stops, stops)
    assert not stage.moving and not demo.camera.acquiring and not demo.sensor.heater_on
    if not from_worker:
        assert set(report.cancelled) == set(jobs)
        assert [job.state for job in jobs] == [CANCELLED] * len(jobs)
        return
    assert set(report.cancelled) <= set(jobs)
    for job in jobs:
        if job not in report.cancelled:
            assert job.state == FAILED and isinstance(job.error, DeviceHalted), job
        else:
            assert job.state == CANCELLED
    assert not demo.status.startswith("Error") and demo.failures.last_message == ""


def interlock_reads(qtbot, demo, count):
    """Run the event loop until the interlock has read the door ``count`` times more."""
    watch = demo.interlock_future
    start = watch.iteration_count
    qtbot.waitUntil(lambda: watch.iteration_count >= start + count, timeout=WAIT)


# -- the emergency stop -----------------------------------------------------------


def test_emergency_stop_button_is_red_and_stops_every_device(make_window, qtbot, qt_executor):
    """The red button cancels the jobs, runs every device's hook; the status shows the report."""
    demo, ui, stage = stepped_window(make_window)
    statuses = []
    demo.observe(lambda event: statuses.append(event.new), "status")
    widget = button(ui, "emergency_stop")
    assert widget.text() == "Emergency stop" and "#c62828" in widget.styleSheet()
    assert sorted(qt_executor.emergency_stops) == ["camera", "heater", "stage"]
    jobs = start_everything(qtbot, demo, ui, stage)
    click(qtbot, ui, "emergency_stop")
    assert_everything_stopped(qtbot, demo, stage, jobs)
    assert "Emergency stop: stopping every device" in statuses
    # The stage halted where it was: after step 3, though tokens for more are given.
    stage.tokens.release(1_000)
    assert stage.position == 3.0 and stage.positions == [1.0, 2.0, 3.0]
    assert demo.status == "Emergency stop: 3 jobs cancelled; ok: stage, camera, heater"
    # The jobs' own ends do not hide the report; the interlock's watch runs on.
    assert demo.interlock_future.state == EXECUTING
    assert button(ui, "move").isEnabled() and button(ui, "acquire").isEnabled()


def focus_widgets(ui):
    return {
        "window": ui.control,
        "target field": button(ui, "target"),
        "move button": button(ui, "move"),
        "emergency stop button": button(ui, "emergency_stop"),
        # A view of its own inside the window: its keys go to the window's bindings.
        "jobs panel": button(ui.get_editors("jobs_panel")[0]._ui, "cancel_all"),
    }


@pytest.mark.parametrize(
    "where", ["window", "target field", "move button", "emergency stop button", "jobs panel"]
)
def test_escape_key_is_the_emergency_stop(make_window, qtbot, where):
    """Esc, wherever the focus is, stops everything, and does not close the window."""
    demo, ui, stage = stepped_window(make_window)
    jobs = start_everything(qtbot, demo, ui, stage)
    window = ui.control
    qtbot.keyClick(focus_widgets(ui)[where], QtCore.Qt.Key.Key_Escape)
    assert_everything_stopped(qtbot, demo, stage, jobs)
    assert demo.status == "Emergency stop: 3 jobs cancelled; ok: stage, camera, heater"
    assert ui.control is window and window.isVisible()
    assert QtWidgets.QApplication.activeModalWidget() is None


def test_escape_with_nothing_running_still_stops_the_devices(make_window, qtbot):
    """Esc with no job running: no job is cancelled, every hook runs all the same."""
    demo, ui = make_window()
    qtbot.keyClick(ui.control, QtCore.Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: demo.emergency_count == 1, timeout=WAIT)
    assert demo.status == "Emergency stop: 0 jobs cancelled; ok: stage, camera, heater"
    assert demo.stage.halt_count == 1 and not demo.sensor.heater_on
    assert ui.control is not None and ui.control.isVisible()


class FaultyCamera(Camera):
    """A camera whose stop raises."""

    def halt(self):
        super().halt()
        raise RuntimeError("shutter stuck")


class StuckHeaterSensor(TemperatureSensor):
    """A sensor whose heater_off() hangs until ``release`` is set."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.release = threading.Event()

    def heater_off(self):
        assert self.release.wait(SAFETY_TIMEOUT)
        super().heater_off()


def test_a_failed_and_a_timed_out_hook_show_in_the_status_line(make_window, qtbot):
    """A hook that raises is "failed", with its error; one that hangs too long "timed out"."""
    sensor = StuckHeaterSensor(interval=0.005)
    demo, ui = make_window(
        camera=FaultyCamera(frame_interval=0.002), sensor=sensor, hook_timeout=0.2
    )
    try:
        click(qtbot, ui, "emergency_stop")
        qtbot.waitUntil(lambda: demo.emergency_count == 1, timeout=WAIT)
    finally:
        sensor.release.set()
    report = demo.last_report
    assert report.hooks["stage"] == "ok" and report.hooks["heater"] == "timed out"
    assert isinstance(report.hooks["camera"], RuntimeError) and not report.ok
    assert demo.status == (
        "Emergency stop: 0 jobs cancelled; ok: stage; "
        "failed: camera (RuntimeError: shutter stuck); timed out: heater"
    )


def test_describe_report():
    """One line: the jobs cancelled, then the hooks ok, failed and timed out."""
    report = EmergencyReport(cancelled=(), hooks={})
    assert describe_report(report) == "0 jobs cancelled; no device registered a stop"
    report = EmergencyReport(
        cancelled=(object(),), hooks={"a": "ok", "b": ValueError("bad"), "c": "timed out"}
    )
    assert describe_report(report) == (
        "1 job cancelled; ok: a; failed: b (ValueError: bad); timed out: c"
    )


def test_a_job_whose_device_was_halted_is_no_error_in_the_status_line(make_window, qtbot):
    """The camera halted under the live view: it fails with DeviceHalted, read, not reported."""
    demo, ui = make_window()
    click(qtbot, ui, "acquire")
    live = started(qtbot, demo, "live_future")
    qtbot.waitUntil(lambda: demo.camera.acquiring, timeout=WAIT)
    demo.camera.halt()  # as the hook does, with no cancellation
    qtbot.waitUntil(lambda: live.done, timeout=WAIT)
    assert live.state == FAILED and "acquisition was halted" in str(live.error)
    row = next(row for row in demo.jobs_panel.rows if row.future is live)
    assert "DeviceHalted: the camera's acquisition was halted" in row.error_message
    qtbot.waitUntil(lambda: button(ui, "acquire").isEnabled(), timeout=WAIT)
    assert demo.failures.last_message == "" and demo.status == "Live view"


# -- the interlock ------------------------------------------------------------------


def door(ui):
    return button(ui, "door_open")


def test_opening_the_door_stops_everything_once_per_opening(make_window, qtbot):
    """Each opening of the door is one emergency stop, however long it stays open."""
    demo, ui, stage = stepped_window(make_window)
    qtbot.waitUntil(lambda: demo.interlock_text == "Interlock: armed", timeout=WAIT)
    jobs = start_everything(qtbot, demo, ui, stage)
    assert isinstance(door(ui), QtWidgets.QCheckBox) and not door(ui).isChecked()

    door(ui).click()  # open
    assert demo.door_open and demo.status == "Door opened: the interlock stops everything"
    assert_everything_stopped(qtbot, demo, stage, jobs, from_worker=True)
    count = len(demo.last_report.cancelled)
    assert demo.status == (
        f"Door opened, emergency stop: {count} job{'s' if count != 1 else ''} cancelled; "
        "ok: stage, camera, heater"
    )
    assert demo.interlock_text == "Interlock: tripped, the door is open"
    interlock_reads(qtbot, demo, 10)
    assert demo.emergency_count == 1 and stage.halt_count == 1

    door(ui).click()  # closed: the interlock re-arms
    assert demo.status == "Door closed"
    qtbot.waitUntil(lambda: demo.interlock_text == "Interlock: armed", timeout=WAIT)
    interlock_reads(qtbot, demo, 3)
    assert demo.emergency_count == 1

    stopped_live = demo.live_future
    click(qtbot, ui, "acquire")
    qtbot.waitUntil(lambda: demo.live_future is not stopped_live, timeout=WAIT)
    live = demo.live_future
    qtbot.waitUntil(lambda: demo.camera.acquiring, timeout=WAIT)
    door(ui).click()  # open again: a second stop
    assert_everything_stopped(qtbot, demo, stage, (live,), stops=2, from_worker=True)
    assert demo.status.startswith("Door opened, emergency stop: ")
    assert demo.status.endswith(" cancelled; ok: stage, camera, heater")
    interlock_reads(qtbot, demo, 5)
    assert demo.emergency_count == 2


def test_cancel_all_leaves_the_interlock_watching(make_window, qtbot, qt_executor):
    """Cancel all leaves the interlock's watch running, and is disabled when it alone runs."""
    demo, ui = make_window()
    watch = demo.interlock_future
    assert watch.name == INTERLOCK and watch in qt_executor.jobs
    assert not button(panel_ui(ui), "cancel_all").isEnabled()
    click(qtbot, ui, "poll_temperature")
    loop = started(qtbot, demo, "temperature_future")
    qtbot.waitUntil(lambda: button(panel_ui(ui), "cancel_all").isEnabled(), timeout=WAIT)
    click(qtbot, panel_ui(ui), "cancel_all")
    qtbot.waitUntil(lambda: loop.done, timeout=WAIT)
    assert demo.status == "Cancelled 1 job" and watch.state == EXECUTING
    qtbot.waitUntil(lambda: not button(panel_ui(ui), "cancel_all").isEnabled(), timeout=WAIT)


def test_a_cancelled_interlock_watch_is_started_again(make_window, qtbot, qt_executor):
    """Cancelled from its jobs panel row, the watch is replaced: the door stays watched."""
    demo, ui = make_window()
    first = demo.interlock_future
    qtbot.waitUntil(lambda: any(row.future is first for row in demo.jobs_panel.rows), timeout=WAIT)
    row = next(row for row in demo.jobs_panel.rows if row.future is first)
    row.cancel_button = True
    qtbot.waitUntil(lambda: first.done, timeout=WAIT)
    second = demo.interlock_future
    assert first.state == CANCELLED and second is not first and second.name == INTERLOCK
    assert demo.status == "The interlock's watch ended: watching the door again"
    qtbot.waitUntil(lambda: demo.interlock_text == "Interlock: armed", timeout=WAIT)
    door(ui).click()
    qtbot.waitUntil(lambda: demo.emergency_count == 1, timeout=WAIT)


def test_dispose_stops_the_interlock_and_unregisters_the_hooks(qtbot, qt_executor):
    """dispose(): the watch stops (not started again) and the hooks are gone."""
    from traits_jobs.demo.app import DemoApp

    demo = DemoApp(qt_executor, interlock_period=0.002)
    watch = demo.interlock_future
    assert qt_executor.emergency_stops == ["stage", "camera", "heater"]
    demo.dispose()
    qtbot.waitUntil(lambda: watch.done, timeout=WAIT)
    assert watch.end_reason == STOPPED and demo.interlock_future is watch
    assert qt_executor.emergency_stops == []


def test_closing_with_only_the_interlock_running_does_not_ask(make_window, qtbot, qt_executor):
    """The interlock's watch alone is no reason to ask before closing."""
    _demo, ui = make_window()
    asked = []

    def refuse_questions():
        box = QtWidgets.QApplication.activeModalWidget()
        if box is not None:
            asked.append(box.text())
            box.reject()

    guard = QtCore.QTimer()
    guard.timeout.connect(refuse_questions)
    guard.start(10)
    try:
        ui.control.close()
        qtbot.waitUntil(lambda: ui.control is None, timeout=WAIT)
    finally:
        guard.stop()
    assert asked == []
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=WAIT)


# -- the stage's coroutine move in the window ----------------------------------------


def test_cancelling_the_move_leaves_the_stage_at_rest(make_window, qtbot):
    """The move is a coroutine job; cancelled, the stage stops at its last step, at rest."""
    demo, ui, stage = stepped_window(make_window)
    demo.target = 10.0
    click(qtbot, ui, "move")
    move = started(qtbot, demo, "move_future")
    assert type(move).__name__ == "CoroutineFuture" and move.name == "move"
    stage.tokens.release(4)
    qtbot.waitUntil(lambda: reached(move, 4.0), timeout=WAIT)
    assert message(move) == "moving to 10" and not button(ui, "move").isEnabled()
    row = next(row for row in demo.jobs_panel.rows if row.future is move)
    assert row.kind == "coroutine"
    row.cancel_button = True
    qtbot.waitUntil(lambda: move.done, timeout=WAIT)
    assert move.state == CANCELLED and not move.cancel_swallowed
    assert stage.position == 4.0 and not stage.moving and stage.halt_count == 0
    qtbot.waitUntil(lambda: demo.position_text == "4.00 mm", timeout=WAIT)
    assert demo.status == "move: cancelled"
    # Consistent: a new move starts from there and arrives.
    stage.tokens.release(1_000)
    demo.target = 6.0
    qtbot.waitUntil(lambda: button(ui, "move").isEnabled(), timeout=WAIT)
    click(qtbot, ui, "move")
    qtbot.waitUntil(lambda: demo.move_future is not move and demo.move_future.done, timeout=WAIT)
    assert demo.move_future.state == COMPLETED and stage.positions[-2:] == [5.0, 6.0]
    assert demo.status == "move: completed"


def test_a_second_demo_on_the_same_executor_is_refused(make_window, qtbot, qt_executor):
    """The hooks' names are the demo's: a second DemoApp raises ValueError, the first's stay."""
    from traits_jobs.demo.app import DemoApp

    demo, _ui = make_window()
    with pytest.raises(ValueError, match="'stage' is registered already"):
        DemoApp(qt_executor)
    assert qt_executor.emergency_stops == ["stage", "camera", "heater"]
    click(qtbot, _ui, "emergency_stop")
    qtbot.waitUntil(lambda: demo.emergency_count == 1, timeout=WAIT)
    assert demo.last_report.hooks == HOOKS_OK
