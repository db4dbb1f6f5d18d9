# SPDX-License-Identifier: BSD-3-Clause
"""The scripted tour and ``python -m traits_jobs.demo``."""

import os
import subprocess
import sys

import pytest

from tests.ui.test_closing import answer_next_question
from traits_jobs._qt import QtCore, QtGui, QtWidgets
from traits_jobs.demo import __main__ as demo_main
from traits_jobs.demo.tour import run_tour
from traits_jobs.ui.closing import CANCEL_AND_CLOSE

#: Seconds the tour may take in a subprocess (it takes well under 30).
TOUR_TIMEOUT = 120


def assert_not_blank(path):
    image = QtGui.QImage(str(path))
    assert not image.isNull() and image.width() > 100, path
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 10, f"{path.name} looks blank"


def test_tour_saves_screenshots_of_each_step(qt_executor, tmp_path, traits_jobs_errors):
    """run_tour() goes through every step and saves screenshots that are not blank.

    Among the steps: pausing and resuming the live view, a new setpoint
    and interval for the temperature loop while it runs, Esc (the emergency
    stop), opening the interlock's door, and last the jobs timeline's tab.
    The names of the first 14 screenshots stay the same: the docs show some
    of them.
    """
    lines = []
    saved = run_tour(tmp_path / "shots", executor=qt_executor, say=lines.append)
    # The tutorial window's FailureReporter logs the failure nobody read.
    (logged,) = traits_jobs_errors.take()
    assert logged.getMessage().startswith("job 'parse setting' failed: ValueError")
    assert [path.name for path in saved] == [
        "01-window.png",
        "02-live-view.png",
        "03-moving.png",
        "04-temperature.png",
        "05-scan.png",
        "06-scan-done.png",
        "07-analysing.png",
        "08-failed-move.png",
        "09-cancelled.png",
        "10-tutorial-moving.png",
        "11-tutorial-failed.png",
        "12-tutorial-jobs.png",
        "13-emergency-stop.png",
        "14-door-open.png",
        "15-timeline.png",
    ]
    assert sorted(saved) == sorted((tmp_path / "shots").glob("*.png"))
    for path in saved:
        assert_not_blank(path)
    text = "\n".join(lines)
    assert "end_reason 'preempted'" in text
    assert "Pause enabled: False, Resume enabled: True" in text
    assert "resumed:" in text and "paused: False" in text
    assert "applied: SensorSettings(setpoint=30.0, interval=0.1)" in text
    assert "setpoint 30.0 °C, every 0.1 s" in text
    assert "loop slot" in text
    assert "PreemptionWarning" in text
    assert "analysis cancelled" in text
    assert "ValueError" in text
    assert "last failure: job 'parse setting' failed" in text
    # What traits_jobs logs is told as a step of the tour, without a traceback.
    assert "expected: the tour makes it fail on purpose" in text
    assert "logged (ERROR): job 'parse setting' failed: ValueError" in text
    assert "Traceback" not in text
    assert "a coroutine job, the stage's @background async move" in text
    assert "stage moving: True, camera acquiring: True, heater on: True" in text
    assert "Emergency stop: 3 jobs cancelled; ok: stage, camera, heater" in text
    assert "(moving: False), camera acquiring: False, heater on: False; move cancelled" in text
    # Opening the door stops from the interlock's worker: the live view may
    # meet its halted camera (DeviceHalted) before its cancellation arrives.
    assert "Door opened, emergency stop: " in text
    assert text.count("cancelled; ok: stage, camera, heater") == 2
    assert "Interlock: tripped, the door is open" in text
    assert "read 5 times more: 1 emergency stop" in text
    assert "door closed: Interlock: armed" in text
    assert str((tmp_path / "shots").resolve()) in text
    # The timeline tab: a lane per job, the live view's preemption an arrow.
    assert "11. The Jobs timeline tab" in text
    assert "arrows: scan preempted live view" in text


def run_demo(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``python -m traits_jobs.demo ARGS`` with ``env`` set; by default offscreen, no display."""
    environ = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    environ.pop("DISPLAY", None)
    environ.pop("WAYLAND_DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "traits_jobs.demo", *args],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=TOUR_TIMEOUT,
        check=False,
    )


def test_module_runs_the_tour_and_prints_the_folder(tmp_path):
    """``python -m traits_jobs.demo --tour --screenshots DIR`` exits 0 and names DIR."""
    shots = tmp_path / "tour"
    run = run_demo("--tour", "--screenshots", str(shots))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("No display found: running the scripted tour offscreen.\n")
    assert str(shots.resolve()) in run.stdout
    assert list(shots.glob("*.png"))
    # Neither the offscreen platform's notes nor the intended failure's traceback.
    assert run.stderr == ""


def test_a_platform_plugin_that_cannot_load_is_named(monkeypatch):
    """platform_plugin_error() says why Qt cannot start, and None where it can."""
    monkeypatch.setenv("QT_QPA_PLATFORM", "no-such-plugin")
    reason = demo_main.platform_plugin_error()
    assert reason is not None and "no-such-plugin" in reason
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert demo_main.platform_plugin_error() is None


@pytest.mark.parametrize(
    ("reason", "packages"),
    [
        ('qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in ""', True),
        (
            "qt.qpa.xcb: could not connect to display :5; qt.qpa.plugin: Could not load "
            'the Qt platform plugin "xcb" in ""',
            False,
        ),
        ('qt.qpa.plugin: Could not find the Qt platform plugin "bogus" in ""', False),
    ],
)
def test_the_hint_names_the_xcb_packages_when_they_are_the_fix(reason, packages):
    """The xcb plugin failed to load: its packages; no X server or another plugin: no."""
    hint = demo_main.fallback_hint(reason)
    assert hint.startswith(f"The window cannot open ({reason}): running the scripted tour")
    assert (demo_main.XCB_PACKAGES in hint) is packages
    assert "\n" not in hint


def test_a_display_whose_platform_plugin_fails_runs_the_tour_instead(tmp_path):
    """With a display but a Qt platform plugin that cannot load (xcb without its
    libraries, here one that does not exist), the demo says why in one line and
    runs the tour offscreen instead of aborting.
    """
    shots = tmp_path / "tour"
    run = run_demo("--screenshots", str(shots), DISPLAY=":0", QT_QPA_PLATFORM="no-such-plugin")
    assert run.returncode == 0, run.stdout + run.stderr
    first, second = run.stdout.splitlines()[:2]
    assert first.startswith("The window cannot open (")
    assert '"no-such-plugin"' in first
    assert "running the scripted tour offscreen instead" in first
    assert "on the Qt platform 'offscreen'" in second
    assert list(shots.glob("*.png"))
    assert run.stderr == ""


def test_missing_pyqtgraph_says_what_to_install(monkeypatch, capsys):
    """Without the demo extra, main() exits 1 and says pip install "traits_jobs[demo]"."""
    monkeypatch.setattr(demo_main, "missing_demo_packages", lambda: ["pyqtgraph"])
    assert demo_main.main([]) == 1
    assert 'pip install "traits_jobs[demo]"' in capsys.readouterr().err


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {}, False),
        ("linux", {"DISPLAY": ":0"}, True),
        ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, True),
        ("win32", {}, True),
        ("darwin", {}, True),
    ],
)
def test_display_detection(monkeypatch, platform, env, expected):
    """A display is there on Windows and macOS, and on Linux with DISPLAY or WAYLAND_DISPLAY."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert demo_main.has_display() is expected


def test_the_window_opens_runs_and_closes_after_asking(qtbot, traits_jobs_errors):
    """open_window(): start a live view, close the window, cancel the jobs: returns 0."""
    steps, questions = [], []

    def window():
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if widget.isVisible() and widget.windowTitle().startswith("traits_jobs demo"):
                return widget
        return None

    def drive():
        top = window()
        if top is None:
            QtCore.QTimer.singleShot(10, drive)
            return
        button(top, "Acquire").click()
        steps.append("acquire")
        close()

    def close():
        # Once the live view runs (Stop is enabled), close: the window asks first.
        if not button(window(), "Stop").isEnabled():
            QtCore.QTimer.singleShot(10, close)
            return
        answer_next_question(CANCEL_AND_CLOSE, seen=questions)
        steps.append("close")
        window().close()

    def button(top, text):
        (found,) = [b for b in top.findChildren(QtWidgets.QPushButton) if b.text() == text]
        return found

    QtCore.QTimer.singleShot(0, drive)
    assert demo_main.open_window() == 0
    assert steps == ["acquire", "close"]
    # The live view, and the interlock's watch: it runs as long as the window is open.
    assert [text for text, _, _ in questions] == ["2 jobs are still running."]
    assert window() is None
