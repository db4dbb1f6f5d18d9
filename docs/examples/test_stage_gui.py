# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the GUI tutorial's window: real widgets, clicked with pytest-qt.

Run them with ``pytest docs/examples`` (Qt runs offscreen).
"""

import pytest
from pyface.qt import QtCore, QtWidgets

from traits_jobs.api import CANCELLED, COMPLETED, FAILED, submit_call
from traits_jobs.demo.stage_gui import StageControl, StageWindow

LEFT = QtCore.Qt.MouseButton.LeftButton
TIMEOUT_MS = 10_000


def control(ui, name):
    """The Qt widget of the editor of trait ``name`` in a TraitsUI ui."""
    (editor,) = ui.get_editors(name)
    return editor.control


@pytest.fixture
def stage_ui(qtbot, qt_executor):
    stage = StageControl(executor=qt_executor)
    ui = stage.edit_traits()
    yield stage, ui
    ui.dispose()


def test_move_shows_progress_and_completes(qtbot, stage_ui):
    stage, ui = stage_ui
    stage.target = 5.0
    qtbot.mouseClick(control(ui, "move"), LEFT)
    qtbot.waitUntil(lambda: stage.future is not None and stage.future.done, timeout=TIMEOUT_MS)

    assert stage.future.state == COMPLETED and stage.future.result == 5.0
    bar = control(ui, "future").findChild(QtWidgets.QProgressBar)
    assert bar.value() == bar.maximum()
    assert control(ui, "move").isEnabled()
    assert not control(ui, "cancel").isEnabled()


def test_cancel_button_stops_the_move(qtbot, stage_ui):
    stage, ui = stage_ui
    stage.target = 100.0
    qtbot.mouseClick(control(ui, "move"), LEFT)
    # The cancel button is enabled once the move is under way.
    qtbot.waitUntil(lambda: stage.future is not None and stage.future.progress_info is not None)
    assert control(ui, "cancel").isEnabled() and not control(ui, "move").isEnabled()

    qtbot.mouseClick(control(ui, "cancel"), LEFT)
    qtbot.waitUntil(lambda: stage.future.done, timeout=TIMEOUT_MS)
    assert stage.future.state == CANCELLED
    assert stage.error == ""


def test_a_failed_move_shows_its_error(qtbot, stage_ui):
    stage, ui = stage_ui
    stage.target = 250.0
    qtbot.mouseClick(control(ui, "move"), LEFT)
    qtbot.waitUntil(lambda: stage.error != "", timeout=TIMEOUT_MS)

    assert stage.future.state == FAILED
    assert stage.error == "ValueError: target 250.0 is outside the stage's range 0..100.0"
    assert control(ui, "error").isVisible()


def test_the_window_lists_the_jobs_and_reports_unread_failures(
    qtbot, qt_executor, traits_jobs_errors
):
    window = StageWindow(qt_executor)
    ui = window.edit_traits()
    try:
        # A job nobody watches fails: the reporter says so, and logs it.
        submit_call(qt_executor, int, "forty", name="parse")
        qtbot.waitUntil(lambda: window.failures.last_message != "", timeout=TIMEOUT_MS)
        (logged,) = traits_jobs_errors.take()
        assert "parse" in logged.getMessage()
        assert window.failures.last_message == (
            "job 'parse' failed: ValueError: invalid literal for int() with base 10: 'forty'"
        )
        assert [row.name for row in window.jobs.rows] == ["parse"]
    finally:
        ui.dispose()
        window.jobs.dispose()
        window.failures.dispose()
