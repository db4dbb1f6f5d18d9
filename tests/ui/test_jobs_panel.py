# SPDX-License-Identifier: BSD-3-Clause
"""JobsPanel: the live and recent jobs of an executor, in a real TraitsUI view.

Finding widgets: row ``n``'s sub-UI is ``row_ui(ui, n)`` below (the ListEditor
of ``rows`` lays row ``n`` out in grid row ``n``; its InstanceEditor holds
the row's UI); in it, ``control(row_ui, "cancel_button")`` is the row's
Cancel button. "Cancel all" is ``control(ui, "cancel_all")``.
"""

import threading
import time
from contextlib import contextmanager

import pytest

from tests._support import wait_done, wait_event, wait_for
from traits_jobs._qt import QtCore
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    report_progress,
    submit_call,
)
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.jobs_panel import JobsPanel

WAIT_MS = 10_000


def held(started, release, value=None):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return value


def reporting(reported, release):
    report_progress(1, initial=0, target=2, message="half way")
    reported.set()
    release.wait(SAFETY_TIMEOUT)


def fail(message):
    raise ValueError(message)


def control(ui, name):
    """The Qt control of the editor of trait ``name`` in ``ui``."""
    (editor,) = ui.get_editors(name)
    return editor.control


def row_ui(ui, index):
    """The TraitsUI UI of row ``index`` (0 = newest) of a JobsPanel view."""
    (list_editor,) = ui.get_editors("rows")
    widget = list_editor._list_pane.layout().itemAtPosition(index, 0).widget()
    return widget._editor._ui


def outcome_label(row_ui):
    """The label of a row's state column: its state, or its end reason once ended."""
    (editor,) = row_ui.get_editors("outcome")
    return editor.text_label


def click(qtbot, button):
    """Click a TraitsUI button; its editor handles the click in a queued call."""
    qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)


@contextmanager
def panel_view(**traits):
    """A JobsPanel with its default view open; both disposed after."""
    panel = JobsPanel(**traits)
    ui = panel.edit_traits()
    try:
        yield panel, ui
    finally:
        ui.dispose()
        panel.dispose()


@contextmanager
def held_jobs(executor, *names):
    """Submit held call jobs, wait until they are EXECUTING; release them after."""
    release = threading.Event()
    futures = []
    try:
        for name in names:
            started = threading.Event()
            future = submit_call(executor, held, started, release, name=name)
            futures.append(future)
            wait_event(started)
            wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
        yield futures
    finally:
        release.set()


def test_rows_show_live_jobs_newest_first(qtbot, qt_executor):
    """Jobs live before the panel and jobs submitted after both get rows, newest first."""
    with held_jobs(qt_executor, "early") as (early,):
        with panel_view(executor=qt_executor) as (panel, ui):
            with held_jobs(qt_executor, "late") as (late,):
                assert [row.future for row in panel.rows] == [late, early]
                first = row_ui(ui, 0)
                assert control(first, "name").text() == "late"
                assert control(first, "kind").text() == "call"
                assert outcome_label(row_ui(ui, 0)).text() == EXECUTING
                assert control(row_ui(ui, 1), "name").text() == "early"


def test_row_shows_progress_and_elapsed_time(qtbot, qt_executor):
    """The row's bar follows the job's progress; elapsed shows seconds with one decimal."""
    reported, release = threading.Event(), threading.Event()
    with panel_view(executor=qt_executor) as (panel, ui):
        future = submit_call(qt_executor, reporting, reported, release, name="move")
        try:
            wait_event(reported)
            qtbot.waitUntil(lambda: panel.rows[0].fraction is not None, timeout=WAIT_MS)
            (progress,) = row_ui(ui, 0).get_editors("future")
            bar = progress._bar
            qtbot.waitUntil(lambda: bar.value() == bar.maximum() // 2, timeout=WAIT_MS)
            panel.refresh(now=time.monotonic() + 100.0)
            row = panel.rows[0]
            assert row.elapsed >= 100.0
            assert control(row_ui(ui, 0), "elapsed").text() == f"{row.elapsed:.1f} s"
        finally:
            release.set()
        wait_done(qt_executor, future)


def test_failed_row_shows_its_error(qtbot, qt_executor):
    """A failed job's row shows FAILED and "ValueError: ..." in a visible label."""
    with panel_view(executor=qt_executor) as (panel, ui):
        future = submit_call(qt_executor, fail, "bad value", name="scan")
        wait_done(qt_executor, future)
        assert panel.rows[0].state == FAILED
        label = control(row_ui(ui, 0), "error_message")
        qtbot.waitUntil(lambda: label.text() == "ValueError: bad value", timeout=WAIT_MS)
        assert not label.isHidden()
        assert outcome_label(row_ui(ui, 0)).text() == FAILED


def test_error_label_is_hidden_without_an_error(qtbot, qt_executor):
    """A row with no error does not show the error line."""
    with held_jobs(qt_executor, "fine"), panel_view(executor=qt_executor) as (_panel, ui):
        assert control(row_ui(ui, 0), "error_message").isHidden()


def test_row_cancel_button_cancels_a_held_job(qtbot, qt_executor):
    """Cancel is enabled while the job is cancellable; a click cancels it and disables it."""
    with held_jobs(qt_executor, "held") as (future,):
        with panel_view(executor=qt_executor) as (_panel, ui):
            button = control(row_ui(ui, 0), "cancel_button")
            assert button.text() == "Cancel" and button.isEnabled()
            click(qtbot, button)
            qtbot.waitUntil(lambda: not future.cancellable, timeout=WAIT_MS)
            assert not button.isEnabled()
    wait_done(qt_executor, future)
    assert future.state == CANCELLED


def test_row_cancel_button_is_disabled_once_the_job_ends(qtbot, qt_executor):
    """A completed job's Cancel button is disabled."""
    with panel_view(executor=qt_executor) as (_panel, ui):
        future = submit_call(qt_executor, pow, 2, 3)
        wait_done(qt_executor, future)
        assert future.state == COMPLETED
        assert not control(row_ui(ui, 0), "cancel_button").isEnabled()


def test_cancel_all_cancels_every_live_job(qtbot, qt_executor):
    """ "Cancel all" is enabled while a row is cancellable and cancels every live job."""
    with panel_view(executor=qt_executor) as (panel, ui):
        button = control(ui, "cancel_all")
        assert not button.isEnabled()
        with held_jobs(qt_executor, "a", "b") as futures:
            assert button.isEnabled()
            click(qtbot, button)
            qtbot.waitUntil(lambda: not button.isEnabled(), timeout=WAIT_MS)
            assert not any(future.cancellable for future in futures)
        for future in futures:
            wait_done(qt_executor, future)
        assert [row.state for row in panel.rows] == [CANCELLED, CANCELLED]


def test_finished_rows_beyond_max_finished_are_dropped(qtbot, qt_executor):
    """Only the max_finished newest finished rows stay; live rows always stay."""
    with panel_view(executor=qt_executor, max_finished=2) as (panel, _ui):
        with held_jobs(qt_executor, "live") as (live,):
            done = []
            for value in range(4):
                done.append(submit_call(qt_executor, pow, 2, value))
                wait_done(qt_executor, done[-1])
            qtbot.waitUntil(lambda: len(panel.rows) == 3, timeout=WAIT_MS)
            assert [row.future for row in panel.rows] == [done[3], done[2], live]
            panel.max_finished = 0
            assert [row.future for row in panel.rows] == [live]


def test_finished_rows_expire_after_finished_lifetime(qtbot, qt_executor):
    """A finished row older than finished_lifetime goes at the next refresh; live ones stay."""
    with panel_view(executor=qt_executor, finished_lifetime=5.0) as (panel, _ui):
        with held_jobs(qt_executor, "live") as (live,):
            finished = submit_call(qt_executor, pow, 2, 2)
            wait_done(qt_executor, finished)
            panel.refresh(now=time.monotonic())
            assert [row.future for row in panel.rows] == [finished, live]
            panel.refresh(now=time.monotonic() + 6.0)
            assert [row.future for row in panel.rows] == [live]
            panel.refresh(now=time.monotonic() + 1000.0)
            assert [row.future for row in panel.rows] == [live]


def test_timer_runs_only_while_a_view_is_open_and_a_job_is_live(qtbot, qt_executor):
    """The refresh timer starts with a view and a live job and stops when either goes."""
    panel = JobsPanel(qt_executor)
    try:
        with held_jobs(qt_executor, "live") as (live,):
            assert not panel.refreshing
            ui = panel.edit_traits()
            assert panel.refreshing
            ui.dispose()
            assert not panel.refreshing
            ui = panel.edit_traits()
            assert panel.refreshing
        wait_done(qt_executor, live)
        qtbot.waitUntil(lambda: not panel.refreshing, timeout=WAIT_MS)
        ui.dispose()
    finally:
        panel.dispose()


def test_timer_updates_elapsed(qtbot, qt_executor):
    """While the timer runs, a live row's elapsed time grows without refresh() calls."""
    with held_jobs(qt_executor, "live"), panel_view(executor=qt_executor) as (panel, _ui):
        row = panel.rows[0]
        before = row.elapsed
        qtbot.waitUntil(lambda: row.elapsed > before, timeout=WAIT_MS)


def test_status_line_shows_the_reporters_last_message(qtbot, qt_executor):
    """With a reporter, the panel's status follows its last_message and is shown."""
    from traits_jobs.ui.failures import FailureReporter

    reporter = FailureReporter(qt_executor, report=lambda future: None)
    with panel_view(executor=qt_executor) as (panel, ui):
        assert control(ui, "status").isHidden()
        panel.reporter = reporter
        reporter.last_message = "job 'scan' failed: ValueError: bad"
        assert panel.status == "job 'scan' failed: ValueError: bad"
        label = control(ui, "status")
        qtbot.waitUntil(lambda: not label.isHidden(), timeout=WAIT_MS)
        assert label.text() == "job 'scan' failed: ValueError: bad"
    reporter.dispose()


def test_disposed_panel_leaves_rows_alone(qtbot, qt_executor):
    """After dispose() no rows are added and existing rows stop following their futures."""
    with held_jobs(qt_executor, "held") as (future,):
        panel = JobsPanel(qt_executor)
        (row,) = panel.rows
        panel.dispose()
        submit_call(qt_executor, pow, 2, 2)
        future.cancel()
        assert panel.rows == [row]
        assert row.state == EXECUTING
    wait_done(qt_executor, future)
    assert row.state == EXECUTING and not panel.refreshing


@pytest.mark.parametrize("bad", [None, "executor", 42])
def test_panel_needs_an_executor(bad):
    """Anything but a TraitsExecutor is refused with a TypeError naming it."""
    with pytest.raises(TypeError, match=r"JobsPanel\(\) expected a TraitsExecutor"):
        JobsPanel(executor=bad)


# -- where jobs run: several executors ---------------------------------------------


@contextmanager
def other_executor():
    """A second executor on its own Qt event loop; shut down after."""
    from traits_jobs.api import QtEventLoop, TraitsExecutor

    loop = QtEventLoop()
    executor = TraitsExecutor(event_loop=loop, max_workers=2)
    try:
        yield executor
    finally:
        try:
            executor.shutdown(timeout=SAFETY_TIMEOUT)
        finally:
            loop.close()


def test_rows_say_where_their_jobs_run(qtbot, qt_executor):
    """With where=, each row shows it in a column after the kind."""
    with held_jobs(qt_executor, "early") as (early,):
        with panel_view(executor=qt_executor, where="thread") as (panel, ui):
            with held_jobs(qt_executor, "late") as (late,):
                assert [(row.future, row.where) for row in panel.rows] == [
                    (late, "thread"),
                    (early, "thread"),
                ]
                label = control(row_ui(ui, 0), "where")
                assert label.text() == "thread" and not label.isHidden()


def test_without_where_rows_have_no_where_column(qtbot, qt_executor):
    """A panel told nowhere shows no where column."""
    with held_jobs(qt_executor, "job"), panel_view(executor=qt_executor) as (panel, ui):
        assert panel.rows[0].where == ""
        assert control(row_ui(ui, 0), "where").isHidden()


def test_an_added_executor_s_jobs_get_rows_saying_where(qtbot, qt_executor):
    """add_executor(): its live and later jobs get rows, newest first, with its where."""
    with other_executor() as other, held_jobs(other, "before") as (before,):
        with panel_view(executor=qt_executor, where="thread") as (panel, ui):
            panel.add_executor(other, where="process")
            assert panel.executors == [qt_executor, other]
            with held_jobs(qt_executor, "here") as (here,), held_jobs(other, "there") as (there,):
                assert [(row.future, row.where) for row in panel.rows] == [
                    (there, "process"),
                    (here, "thread"),
                    (before, "process"),
                ]
                assert control(row_ui(ui, 0), "where").text() == "process"
                assert control(row_ui(ui, 1), "where").text() == "thread"


def test_cancel_all_cancels_the_jobs_of_every_executor_shown(qtbot, qt_executor):
    """ "Cancel all" cancels the live jobs of the panel's executor and of those added."""
    with other_executor() as other, panel_view(executor=qt_executor) as (panel, ui):
        panel.add_executor(other, where="process")
        with held_jobs(qt_executor, "a") as (a,), held_jobs(other, "b") as (b,):
            click(qtbot, control(ui, "cancel_all"))
            qtbot.waitUntil(lambda: not a.cancellable and not b.cancellable, timeout=WAIT_MS)
        wait_done(qt_executor, a)
        wait_done(other, b)
        assert (a.state, b.state) == (CANCELLED, CANCELLED)


def test_dispose_stops_following_every_executor(qtbot, qt_executor):
    """After dispose(), jobs of an added executor get no rows either."""
    with other_executor() as other:
        panel = JobsPanel(qt_executor)
        panel.add_executor(other, where="process")
        panel.dispose()
        future = submit_call(other, pow, 2, 2)
        wait_done(other, future)
        assert panel.rows == []


def test_add_executor_refuses_what_it_cannot_show(qtbot, qt_executor):
    """Not an executor, a where that is not a str, or an executor shown already: refused."""
    panel = JobsPanel(qt_executor)
    try:
        with pytest.raises(TypeError, match=r"add_executor\(\) expected a TraitsExecutor"):
            panel.add_executor("executor")
        with pytest.raises(TypeError, match="where= to be a str such as 'process', got 1"):
            panel.add_executor(qt_executor, where=1)
        with pytest.raises(ValueError, match=r"shows the jobs of .* already"):
            panel.add_executor(qt_executor)
        with pytest.raises(TypeError, match=r"JobsPanel\(\) expected where= to be a str"):
            JobsPanel(qt_executor, where=None)
    finally:
        panel.dispose()
    with pytest.raises(ValueError, match="disposed JobsPanel"):
        panel.add_executor(qt_executor)
