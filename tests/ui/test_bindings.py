# SPDX-License-Identifier: BSD-3-Clause
"""bind_cancel_button() and bind_progress_bar(): plain Qt widgets following a future."""

import threading

import pytest

from tests._support import blocked_workers, wait_event
from traits_jobs._qt import QtCore, QtWidgets
from traits_jobs.api import (
    CANCELLED,
    PreemptionWarning,
    TaskCancelled,
    report_progress,
    submit_call,
    submit_iteration,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.bindings import BAR_STEPS, Binding, bind_cancel_button, bind_progress_bar

TIMEOUT = 10_000


def held(started, release, value="done"):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return value


def reporting(reported, release):
    report_progress(1, target=4, message="one of four")
    reported.set()
    release.wait(SAFETY_TIMEOUT)


def counting(reported, release, progress):
    progress((3, 4))
    reported.set()
    release.wait(SAFETY_TIMEOUT)


def held_until_cancelled(started, stop):
    started.set()
    stop.wait(SAFETY_TIMEOUT)
    raise TaskCancelled("stopped")


def failing():
    raise ValueError("bad value")


@pytest.fixture
def button(qtbot):
    widget = QtWidgets.QPushButton("Cancel")
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def bar(qtbot):
    widget = QtWidgets.QProgressBar()
    qtbot.addWidget(widget)
    return widget


def delete_now(widget):
    """Delete a widget's C++ object the way Qt does after deleteLater()."""
    widget.deleteLater()
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)


# -- the cancel button --------------------------------------------------------


def test_button_is_enabled_exactly_while_cancellable(qt_executor, button, qtbot):
    """Enabled while waiting and executing; disabled once cancelling, and after."""
    started, stop = threading.Event(), threading.Event()
    with blocked_workers(qt_executor):
        future = submit_call(qt_executor, held_until_cancelled, started, stop)
        button.setEnabled(False)
        binding = bind_cancel_button(button, future)
        assert button.isEnabled() and future.cancellable
    wait_event(started)
    assert future.cancel()
    assert not button.isEnabled() and not future.cancellable
    stop.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert not button.isEnabled()
    assert not binding.bound


def test_clicking_the_button_cancels_a_held_job(qt_executor, button, qtbot):
    """A real click on the button cancels the executing job."""
    started, stop = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held_until_cancelled, started, stop)
    bind_cancel_button(button, future)
    wait_event(started)
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert not future.cancellable
    assert not button.isEnabled()
    stop.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert future.state == CANCELLED


def test_button_is_disabled_when_the_job_completes(qt_executor, button, qtbot):
    """A completed job leaves the button disabled and the binding ended."""
    future = submit_call(qt_executor, pow, 2, 3)
    binding = bind_cancel_button(button, future)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert not button.isEnabled()
    assert not binding.bound


def test_binding_a_done_future_disables_the_button_at_once(qt_executor, button, qtbot):
    """A future already done gives a disabled button and an ended binding."""
    future = submit_call(qt_executor, pow, 2, 3)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    binding = bind_cancel_button(button, future)
    assert not button.isEnabled()
    assert not binding.bound


def test_unbind_is_idempotent_and_stops_following(qt_executor, button, qtbot):
    """After unbind() the button no longer follows nor cancels; a second unbind() is a no-op."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held, started, release)
    binding = bind_cancel_button(button, future)
    binding.unbind()
    binding.unbind()
    assert not binding.bound
    wait_event(started)
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)
    assert future.cancellable
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert button.isEnabled()
    assert future.result == "done"


def test_button_deleted_before_the_job_ends(qt_executor, qtbot):
    """Deleting the button ends the binding; the job's end touches nothing deleted."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held, started, release)
    button = QtWidgets.QPushButton("Cancel")
    binding = bind_cancel_button(button, future)
    delete_now(button)
    assert not binding.bound
    binding.unbind()
    wait_event(started)
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert future.result == "done"


def test_binding_works_when_the_caller_drops_it(qt_executor, button, qtbot):
    """The returned Binding need not be kept for the button to follow the job."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held, started, release)
    bind_cancel_button(button, future)
    wait_event(started)
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert not button.isEnabled()


def test_cancel_button_needs_a_button(qt_executor, bar):
    """A widget that is not a QAbstractButton is a TypeError naming it."""
    future = submit_call(qt_executor, pow, 2, 3)
    with pytest.raises(TypeError, match=r"expected a QAbstractButton.*got QProgressBar"):
        bind_cancel_button(bar, future)
    with pytest.raises(TypeError, match=r"bind_cancel_button\(\) expected a QAbstractButton"):
        bind_cancel_button(None, future)


def test_cancel_button_needs_a_future(button):
    """Something other than a future is a TypeError naming it."""
    with pytest.raises(TypeError, match=r"bind_cancel_button\(\) expected a traits_jobs future"):
        bind_cancel_button(button, "job")


# -- the progress bar ---------------------------------------------------------


def test_bar_follows_structured_progress(qt_executor, bar, qtbot):
    """Waiting shows 0; report_progress(1, target=4) shows 250 of 1000; completion fills it."""
    reported, release = threading.Event(), threading.Event()
    with blocked_workers(qt_executor):
        future = submit_call(qt_executor, reporting, reported, release)
        binding = bind_progress_bar(bar, future)
        assert (bar.maximum(), bar.value(), bar.format()) == (BAR_STEPS, 0, "waiting")
    wait_event(reported)
    qtbot.waitUntil(lambda: bar.format() == "25 %", timeout=TIMEOUT)
    assert bar.value() == 250
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert (bar.value(), bar.format()) == (BAR_STEPS, "completed")
    assert not binding.bound


def test_bar_follows_done_total_reports(qt_executor, bar, qtbot):
    """A progress job's (3, 4) report shows 750 of 1000."""
    reported, release = threading.Event(), threading.Event()
    future = submit_progress(qt_executor, counting, reported, release)
    bind_progress_bar(bar, future)
    wait_event(reported)
    qtbot.waitUntil(lambda: bar.format() == "75 %", timeout=TIMEOUT)
    assert bar.value() == 750
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)


def test_bar_is_indeterminate_then_shows_cancelled(qt_executor, bar, qtbot):
    """Executing without progress: range (0, 0); a cancelled job says so."""
    started, stop = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held_until_cancelled, started, stop)
    bind_progress_bar(bar, future)
    wait_event(started)
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=TIMEOUT)
    future.cancel()
    stop.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert (bar.maximum(), bar.format()) == (BAR_STEPS, "cancelled")


def test_bar_shows_a_failure(qt_executor, bar, qtbot):
    """A failed job's bar says "failed"; its tooltip has the error."""
    future = submit_call(qt_executor, failing)
    bind_progress_bar(bar, future)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert bar.format() == "failed"
    assert bar.toolTip() == "failed: ValueError: bad value"


def test_bar_deleted_before_the_job_ends(qt_executor, qtbot):
    """Deleting the bar ends the binding with no error."""
    reported, release = threading.Event(), threading.Event()
    future = submit_progress(qt_executor, counting, reported, release)
    bar = QtWidgets.QProgressBar()
    binding = bind_progress_bar(bar, future)
    delete_now(bar)
    assert not binding.bound
    wait_event(reported)
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)


def test_progress_bar_needs_a_bar_and_a_future(qt_executor, button, bar):
    """A widget that is not a QProgressBar, or a non-future, is a TypeError naming it."""
    future = submit_call(qt_executor, pow, 2, 3)
    with pytest.raises(TypeError, match=r"expected a QProgressBar as bar, got QPushButton"):
        bind_progress_bar(button, future)
    with pytest.raises(TypeError, match=r"bind_progress_bar\(\) expected a traits_jobs future"):
        bind_progress_bar(bar, 3)


def frames(started):
    started.set()
    while True:
        yield "frame"


def test_bar_of_a_preempted_job_says_so(qt_executor, bar, qtbot):
    """A background job preempted by a foreground one shows "preempted"."""
    started = threading.Event()
    live = submit_iteration(
        qt_executor, frames, started, resources={"camera"}, background=True, name="live"
    )
    bind_progress_bar(bar, live)
    wait_event(started)
    with pytest.warns(PreemptionWarning):
        snap = submit_call(qt_executor, pow, 2, 2, resources={"camera"}, name="snap")
    qtbot.waitUntil(lambda: snap.done, timeout=TIMEOUT)
    assert bar.format() == "preempted"


def test_a_failing_update_is_logged_and_stops_nothing(qt_executor, bar, qtbot, traits_jobs_errors):
    """An update that raises is logged; other bindings of the job keep updating."""
    reported, release = threading.Event(), threading.Event()
    future = submit_progress(qt_executor, counting, reported, release)
    seen = []

    def broken(row):
        seen.append(row.state)
        raise RuntimeError("widget gone wrong")

    Binding(bar, future, broken)
    bind_progress_bar(bar, future)
    wait_event(reported)
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert bar.format() == "completed"
    assert seen[-1] == "completed"
    logged = traits_jobs_errors.take()
    assert logged and all(r.exc_info[1].args == ("widget gone wrong",) for r in logged)
