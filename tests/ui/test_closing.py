# SPDX-License-Identifier: BSD-3-Clause
"""Closing a window while jobs run: confirm_close() and ExecutorCloseHandler."""

import threading

import pytest
from traits.api import HasTraits, Instance, Str
from traitsui.api import Item, View

from tests._support import wait_event, wait_for
from traits_jobs._qt import QtCore, QtWidgets
from traits_jobs.api import CANCELLED, EXECUTING, RUNNING, STOPPED, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.closing import (
    CANCEL_AND_CLOSE,
    KEEP_RUNNING,
    ExecutorCloseHandler,
    confirm_close,
)
from traits_jobs.ui.jobs_panel import JobsPanel

WAIT_MS = 10_000


def held(started, release):
    started.set()
    release.wait(SAFETY_TIMEOUT)


def start_held_job(executor, release):
    started = threading.Event()
    future = submit_call(executor, held, started, release, name="held")
    wait_event(started)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    return future


def answer_next_question(button_text=None, seen=None):
    """Once the next modal box shows, record its text and click ``button_text``.

    ``button_text=None`` presses Escape instead. Scheduled before the call
    that opens the box; retries until the box is up.
    """
    tries = [0]

    def click():
        box = QtWidgets.QApplication.activeModalWidget()
        if box is None:
            tries[0] += 1
            assert tries[0] < 1000, "no modal message box appeared"
            QtCore.QTimer.singleShot(10, click)
            return
        if seen is not None:
            buttons = sorted(button.text() for button in box.buttons())
            defaults = (box.defaultButton().text(), box.escapeButton().text())
            seen.append((box.text(), buttons, defaults))
        if button_text is None:
            box.reject()  # what Escape does: the escape button is clicked
            return
        (button,) = [b for b in box.buttons() if b.text() == button_text]
        button.click()

    QtCore.QTimer.singleShot(0, click)


def test_no_live_jobs_closes_without_asking(qtbot, qt_executor):
    """With no live jobs, confirm_close stops the executor and returns True at once."""
    assert confirm_close(qt_executor) is True
    assert QtWidgets.QApplication.activeModalWidget() is None
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=WAIT_MS)


def test_keep_running_keeps_the_window_and_the_jobs(qtbot, qt_executor):
    """Answering "Keep running" returns False and cancels nothing."""
    release = threading.Event()
    try:
        future = start_held_job(qt_executor, release)
        seen = []
        answer_next_question(KEEP_RUNNING, seen)
        assert confirm_close(qt_executor) is False
        buttons = sorted([CANCEL_AND_CLOSE, KEEP_RUNNING])
        assert seen == [("1 job is still running.", buttons, (KEEP_RUNNING, KEEP_RUNNING))]
        assert future.state == EXECUTING and qt_executor.state == RUNNING
    finally:
        release.set()


def test_escape_keeps_running(qtbot, qt_executor):
    """Escape (and closing the box) answers "Keep running"."""
    release = threading.Event()
    try:
        future = start_held_job(qt_executor, release)
        answer_next_question(None)
        assert confirm_close(qt_executor) is False
        assert future.cancellable and qt_executor.running
    finally:
        release.set()


def test_cancel_jobs_and_close_stops_the_executor(qtbot, qt_executor, traits_jobs_errors):
    """The other answer returns True at once; the jobs end CANCELLED and the executor STOPPED."""
    release = threading.Event()
    try:
        futures = [start_held_job(qt_executor, release) for _ in range(2)]
        seen = []
        answer_next_question(CANCEL_AND_CLOSE, seen)
        assert confirm_close(qt_executor) is True
        assert seen[0][0] == "2 jobs are still running."
        assert not any(future.cancellable for future in futures)
    finally:
        release.set()
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=WAIT_MS)
    assert [future.state for future in futures] == [CANCELLED, CANCELLED]
    assert traits_jobs_errors.records == []


class Window(HasTraits):
    text = Str("working")


def window_view(executor):
    return View(Item("text"), handler=ExecutorCloseHandler(executor=executor), title="Work")


def test_window_asks_before_closing_and_stays_on_keep_running(qtbot, qt_executor):
    """Closing a TraitsUI window with the handler asks; "Keep running" keeps it open."""
    release = threading.Event()
    ui = Window().edit_traits(view=window_view(qt_executor))
    try:
        future = start_held_job(qt_executor, release)
        control = ui.control
        answer_next_question(KEEP_RUNNING)
        control.close()
        assert ui.control is control and control.isVisible()
        assert future.state == EXECUTING
    finally:
        release.set()
        ui.dispose()


def test_window_closes_and_cancels_on_cancel_jobs_and_close(qtbot, qt_executor):
    """ "Cancel jobs and close" closes the window; the job ends CANCELLED, the executor stops."""
    release = threading.Event()
    ui = Window().edit_traits(view=window_view(qt_executor))
    try:
        future = start_held_job(qt_executor, release)
        answer_next_question(CANCEL_AND_CLOSE)
        ui.control.close()
        qtbot.waitUntil(lambda: ui.control is None, timeout=WAIT_MS)
        assert not future.cancellable
    finally:
        release.set()
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=WAIT_MS)
    assert future.state == CANCELLED


def test_handler_without_executor_just_closes(qtbot):
    """A handler with no executor lets the window close."""
    ui = Window().edit_traits(view=View(Item("text"), handler=ExecutorCloseHandler()))
    ui.control.close()
    qtbot.waitUntil(lambda: ui.control is None, timeout=WAIT_MS)


@pytest.mark.parametrize("bad", [None, "executor"])
def test_confirm_close_needs_an_executor(bad):
    """Anything but a TraitsExecutor is refused with a TypeError naming it."""
    with pytest.raises(TypeError, match=r"confirm_close\(\) expected a TraitsExecutor"):
        confirm_close(bad)


class PanelWindow(HasTraits):
    panel = Instance(JobsPanel)


def test_closing_a_window_with_a_jobs_panel(qtbot, qt_executor, traits_jobs_errors):
    """A window showing a JobsPanel closes cleanly; late messages reach the futures only."""
    release = threading.Event()
    panel = JobsPanel(qt_executor)
    view = View(
        Item("panel", style="custom", show_label=False),
        handler=ExecutorCloseHandler(executor=qt_executor),
    )
    ui = PanelWindow(panel=panel).edit_traits(view=view)
    try:
        future = start_held_job(qt_executor, release)
        assert panel.refreshing
        answer_next_question(CANCEL_AND_CLOSE)
        ui.control.close()
        qtbot.waitUntil(lambda: ui.control is None, timeout=WAIT_MS)
        assert not panel.refreshing
        panel.dispose()
    finally:
        release.set()
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=WAIT_MS)
    assert future.state == CANCELLED
    assert panel.rows[0].state != CANCELLED
    assert traits_jobs_errors.records == []
