# SPDX-License-Identifier: BSD-3-Clause
"""JobProgressEditor: a future's progress bar and message inline in a TraitsUI view."""

import threading

import pytest
from traits.api import Any, HasTraits
from traitsui.api import Item, View

from tests._support import blocked_workers, wait_event
from traits_jobs._qt import QtWidgets
from traits_jobs.api import TaskCancelled, report_progress, submit_call, submit_progress
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.bindings import BAR_STEPS
from traits_jobs.ui.progress_editor import JobProgressEditor

TIMEOUT = 10_000


class Model(HasTraits):
    """A model with a future, shown with the editor."""

    future = Any()

    def default_traits_view(self):
        return View(Item("future", editor=JobProgressEditor(), show_label=False))


def held(started, release, value="done"):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return value


def reporting(reported, release):
    report_progress(42, target=100, message="moving the stage")
    reported.set()
    release.wait(SAFETY_TIMEOUT)
    return "arrived"


def counting(reported, release, progress):
    progress((1, 4))
    reported.set()
    release.wait(SAFETY_TIMEOUT)
    progress((4, 4))


def failing(message):
    raise ValueError(message)


def held_until_cancelled(started, stop):
    started.set()
    stop.wait(SAFETY_TIMEOUT)
    raise TaskCancelled("stopped")


@pytest.fixture
def shown(qtbot):
    """Show a Model's view; yields (model, bar, label) and disposes the UI after."""
    uis = []

    def show(future=None, view=None):
        model = Model(future=future)
        ui = model.edit_traits(view=view)
        uis.append(ui)
        bar = ui.control.findChild(QtWidgets.QProgressBar)
        label = ui.control.findChild(QtWidgets.QLabel)
        return model, bar, label

    yield show
    for ui in uis:
        ui.dispose()


def test_none_shows_an_empty_bar(shown):
    """A trait holding None shows an empty bar that says there is no job."""
    _, bar, label = shown(None)
    assert (bar.minimum(), bar.maximum(), bar.value()) == (0, BAR_STEPS, 0)
    assert bar.format() == "no job"
    assert label.text() == ""


def test_waiting_job_shows_an_empty_bar(qt_executor, shown, qtbot):
    """A job waiting for a worker shows 0 and "waiting"."""
    with blocked_workers(qt_executor):
        future = submit_call(qt_executor, pow, 2, 3)
        _, bar, _ = shown(future)
        assert (bar.maximum(), bar.value(), bar.format()) == (BAR_STEPS, 0, "waiting")
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)


def test_executing_job_without_progress_is_indeterminate(qt_executor, shown, qtbot):
    """An executing job with no known fraction shows a busy bar (range 0, 0)."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held, started, release)
    _, bar, _ = shown(future)
    wait_event(started)
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=TIMEOUT)
    assert (bar.minimum(), bar.format()) == (0, "executing")
    release.set()
    qtbot.waitUntil(lambda: bar.format() == "completed", timeout=TIMEOUT)
    assert (bar.maximum(), bar.value()) == (BAR_STEPS, BAR_STEPS)


def test_structured_progress_shows_fraction_and_message(qt_executor, shown, qtbot):
    """report_progress(42, target=100) shows 420 of 1000, "42 %" and the message."""
    reported, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, reporting, reported, release)
    _, bar, label = shown(future)
    wait_event(reported)
    qtbot.waitUntil(lambda: bar.format() == "42 %", timeout=TIMEOUT)
    assert (bar.maximum(), bar.value()) == (BAR_STEPS, 420)
    assert label.text() == "moving the stage"
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert (bar.value(), bar.format()) == (BAR_STEPS, "completed")


def test_done_total_reports_show_a_fraction(qt_executor, shown, qtbot):
    """A progress job's (done, total) reports show as a fraction and "1 of 4"."""
    reported, release = threading.Event(), threading.Event()
    future = submit_progress(qt_executor, counting, reported, release)
    _, bar, label = shown(future)
    wait_event(reported)
    qtbot.waitUntil(lambda: bar.format() == "25 %", timeout=TIMEOUT)
    assert bar.value() == 250
    assert label.text() == "1 of 4"
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert (bar.value(), bar.format()) == (BAR_STEPS, "completed")


def test_failed_job_says_why(qt_executor, shown, qtbot):
    """A failed job's bar text gives the exception type and message."""
    future = submit_call(qt_executor, failing, "no stage")
    _, bar, _ = shown(future)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert bar.format() == "failed"
    assert bar.toolTip() == "failed: ValueError: no stage"
    assert bar.toolTip() == "failed: ValueError: no stage"


def test_cancelled_job_says_cancelled(qt_executor, shown, qtbot):
    """A job cancelled while executing shows "cancelling", then "cancelled"."""
    started, stop = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held_until_cancelled, started, stop)
    _, bar, _ = shown(future)
    wait_event(started)
    qtbot.waitUntil(lambda: bar.format() == "executing", timeout=TIMEOUT)
    assert future.cancel()
    assert bar.format() == "cancelling"
    stop.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert bar.format() == "cancelled"


def test_timed_out_job_says_timed_out(qt_executor, shown, qtbot):
    """A job that ran past its timeout= shows "timed out"."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held, started, release, timeout=0.01)
    _, bar, _ = shown(future)
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    release.set()
    assert bar.format() == "timed out"


def test_editor_rebinds_to_a_new_future(qt_executor, shown, qtbot):
    """Assigning another future shows that one; the old one no longer moves the bar."""
    started, release = threading.Event(), threading.Event()
    first = submit_call(qt_executor, held, started, release)
    model, bar, _ = shown(first)
    wait_event(started)
    qtbot.waitUntil(lambda: bar.format() == "executing", timeout=TIMEOUT)
    second = submit_call(qt_executor, failing, "second")
    model.future = second
    qtbot.waitUntil(lambda: second.done, timeout=TIMEOUT)
    assert bar.toolTip() == "failed: ValueError: second"
    release.set()
    qtbot.waitUntil(lambda: first.done, timeout=TIMEOUT)
    assert bar.toolTip() == "failed: ValueError: second"
    model.future = None
    assert bar.format() == "no job"


def test_dispose_unhooks_the_future(qt_executor, qtbot):
    """After the UI is disposed the editor no longer follows its future."""
    started, release = threading.Event(), threading.Event()
    future = submit_call(qt_executor, held, started, release)
    ui = Model(future=future).edit_traits()
    editor = ui.get_editors("future")[0]
    binding = editor.binding
    assert binding.bound
    ui.dispose()
    assert not binding.bound
    release.set()
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)


def test_message_can_be_hidden(qt_executor, shown, qtbot):
    """show_message=False shows the bar only."""
    view = View(Item("future", editor=JobProgressEditor(show_message=False), show_label=False))
    future = submit_call(qt_executor, pow, 2, 3)
    _, bar, label = shown(future, view=view)
    assert label is None
    qtbot.waitUntil(lambda: future.done, timeout=TIMEOUT)
    assert bar.format() == "completed"


def test_a_value_that_is_not_a_future_is_a_type_error(qtbot):
    """Showing something other than a future or None raises TypeError naming it."""
    with pytest.raises(TypeError, match=r"JobProgressEditor.*got int: 42"):
        Model(future=42).edit_traits()


def test_assigning_a_non_future_is_a_type_error(qt_executor, shown):
    """Assigning something other than a future or None to a shown trait raises TypeError."""
    model, bar, _ = shown(None)
    with pytest.raises(TypeError, match=r"JobProgressEditor.*got str: 'job'"):
        model.future = "job"
    assert bar.format() == "not a job"
