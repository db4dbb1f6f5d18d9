# SPDX-License-Identifier: BSD-3-Clause
"""JobProgressDialog: a window showing one job, closing itself when it ends well."""

import threading

import pytest

from tests._support import wait_event
from traits_jobs._qt import QtCore, QtWidgets
from traits_jobs.api import CANCELLED, TaskCancelled, report_progress, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.progress_dialog import JobProgressDialog, show_progress_dialog

TIMEOUT = 10_000


def reporting(started, release):
    report_progress(1, target=2, message="moving the stage")
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return "arrived"


def held_until_cancelled(started, stop):
    started.set()
    stop.wait(SAFETY_TIMEOUT)
    raise TaskCancelled("stopped")


def failing_when_released(started, release):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    raise ValueError("stage stuck")


@pytest.fixture
def dialogs(qtbot):
    """Dialogs made by a test; closed after it."""
    made = []
    yield made
    for dialog in made:
        dialog.close()


def push_button(dialog, text):
    """The dialog's push button with this text."""
    (button,) = [
        button
        for button in dialog.ui.control.findChildren(QtWidgets.QPushButton)
        if button.text() == text
    ]
    return button


def label_texts(dialog):
    return [label.text() for label in dialog.ui.control.findChildren(QtWidgets.QLabel)]


def test_dialog_shows_title_message_and_progress(qt_executor, dialogs, qtbot):
    """The window has the title, the job's message and its progress bar."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, reporting, started, release, name="homing")
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    assert dialog.is_open
    assert dialog.ui.control.windowTitle() == "homing"
    wait_event(started)
    bar = dialog.ui.control.findChild(QtWidgets.QProgressBar)
    qtbot.waitUntil(lambda: bar.format() == "50 %", timeout=TIMEOUT)
    assert "moving the stage" in label_texts(dialog)
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)


def test_dialog_closes_itself_on_completion(qt_executor, dialogs, qtbot):
    """A completed job's dialog closes by itself."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, reporting, started, release)
    dialog = JobProgressDialog(future, title="Moving").open()
    dialogs.append(dialog)
    assert dialog.ui.control.windowTitle() == "Moving"
    release.set()
    qtbot.waitUntil(lambda: not dialog.is_open, timeout=TIMEOUT)
    assert future.result == "arrived"


def test_cancel_button_cancels_and_the_dialog_closes(qt_executor, dialogs, qtbot):
    """Cancel is enabled while cancellable; clicking it cancels; the dialog then closes."""
    started, stop = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held_until_cancelled, started, stop)
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    cancel = push_button(dialog, "Cancel")
    wait_event(started)
    qtbot.waitUntil(cancel.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(cancel, QtCore.Qt.MouseButton.LeftButton)
    # TraitsUI delivers button clicks through a queued connection.
    qtbot.waitUntil(lambda: not future.cancellable, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not cancel.isEnabled(), timeout=TIMEOUT)
    stop.set()
    qtbot.waitUntil(lambda: not dialog.is_open, timeout=TIMEOUT)
    assert future.state == CANCELLED


def test_failed_job_keeps_the_dialog_open_with_the_error(qt_executor, dialogs, qtbot):
    """A failure shows "ValueError: stage stuck" and a Close button that closes the window."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, failing_when_released, started, release)
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    wait_event(started)
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: push_button(dialog, "Close").isVisible(), timeout=TIMEOUT)
    assert dialog.is_open
    assert "ValueError: stage stuck" in label_texts(dialog)
    assert not push_button(dialog, "Cancel").isVisible()
    qtbot.mouseClick(push_button(dialog, "Close"), QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_open, timeout=TIMEOUT)


def test_already_completed_job_shows_no_dialog(qt_executor, dialogs, qtbot):
    """Opening a dialog on a completed job shows nothing."""
    future = submit_call(qt_executor, pow, 2, 3)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    assert not dialog.is_open


def test_already_failed_job_shows_the_error(qt_executor, dialogs, qtbot):
    """Opening a dialog on a failed job shows the error at once."""
    started, release = threading.Event(), threading.Event()
    release.set()
    future = submit_call(qt_executor, failing_when_released, started, release)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    assert dialog.is_open
    assert "ValueError: stage stuck" in label_texts(dialog)


def test_open_is_idempotent_and_close_too(qt_executor, dialogs, qtbot):
    """A second open() keeps the same window; a second close() does nothing."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, reporting, started, release)
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    ui = dialog.ui
    assert dialog.open() is dialog
    assert dialog.ui is ui
    dialog.close()
    dialog.close()
    assert not dialog.is_open
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)


def test_dialog_needs_a_future(qtbot):
    """Something other than a future is a TypeError naming it."""
    with pytest.raises(TypeError, match=r"JobProgressDialog\(\) expected a traits_jobs future"):
        show_progress_dialog(object())


def test_window_closed_by_the_user_is_noticed(qt_executor, dialogs, qtbot):
    """Closing the window itself leaves the dialog closed; open() shows it again."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, reporting, started, release)
    dialog = show_progress_dialog(future)
    dialogs.append(dialog)
    dialog.ui.control.close()
    qtbot.waitUntil(lambda: not dialog.is_open, timeout=TIMEOUT)
    assert dialog.open().is_open
    release.set()
    qtbot.waitUntil(lambda: not dialog.is_open, timeout=TIMEOUT)
    assert future.result == "arrived"
