# SPDX-License-Identifier: BSD-3-Clause
"""How a JobsPanel looks: column headers, a colour and an icon per end reason,
each row's error inside the row, rows that are not cut off."""

import threading
import warnings

from tests._support import wait_done, wait_event, wait_for
from tests.ui.test_jobs_panel import control, outcome_label, panel_view, row_ui
from traits_jobs._qt import QtCore, QtGui, QtWidgets
from traits_jobs.api import (
    EXECUTING,
    PreemptionWarning,
    current_job,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.job_look import OUTCOME_LOOKS, outcome_look
from traits_jobs.ui.jobs_panel import JobsPanel

WAIT_MS = 10_000


def fail(message):
    raise ValueError(message)


def sleep_until_cancelled(started):
    started.set()
    current_job().sleep(SAFETY_TIMEOUT)


def row_widget(ui, index):
    """The widget of row ``index``'s view: the row's whole area, tinted by its outcome."""
    return row_ui(ui, index).control


def pane_rect(ui, widget):
    """``widget``'s rectangle in the coordinates of the list's pane."""
    (list_editor,) = ui.get_editors("rows")
    pane = list_editor._list_pane
    return QtCore.QRect(widget.mapTo(pane, QtCore.QPoint(0, 0)), widget.size())


def header_texts(ui):
    """The texts of the visible column headers, left to right."""
    (editor,) = ui.get_editors("headers")
    labels = [
        label for label in editor._ui.control.findChildren(QtWidgets.QLabel) if label.isVisible()
    ]
    return [label.text() for label in sorted(labels, key=lambda label: label.x())]


def end_in_each_way(executor):
    """Jobs that end completed, failed, timed out, cancelled and preempted; newest first."""
    futures = {"completed": submit_call(executor, pow, 2, 3, name="completed")}
    futures["failed"] = submit_call(executor, fail, "bad value", name="failed")
    started = threading.Event()
    futures["timed out"] = submit_call(
        executor, sleep_until_cancelled, started, timeout=0.01, name="timed out"
    )
    started = threading.Event()
    futures["cancelled"] = submit_call(executor, sleep_until_cancelled, started, name="cancelled")
    wait_event(started)
    wait_for(executor, futures["cancelled"], "state", lambda f: f.state == EXECUTING)
    futures["cancelled"].cancel()
    started = threading.Event()
    victim = submit_call(
        executor,
        sleep_until_cancelled,
        started,
        background=True,
        resources={"stage"},
        name="preempted",
    )
    wait_event(started)
    wait_for(executor, victim, "state", lambda f: f.state == EXECUTING)
    futures["preempted"] = victim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreemptionWarning)
        futures["preemptor"] = submit_call(executor, pow, 2, 2, resources={"stage"}, name="mover")
    for future in futures.values():
        wait_done(executor, future)
    return futures


def test_headers_name_each_column(qtbot, qt_executor):
    """Job, Kind, State, Progress, Elapsed, Cancel; Where too once an executor says where."""
    with panel_view(executor=qt_executor) as (panel, ui):
        ui.control.show()
        qtbot.waitUntil(lambda: bool(header_texts(ui)), timeout=WAIT_MS)
        assert header_texts(ui) == ["Job", "Kind", "State", "Progress", "Elapsed", "Cancel"]
    panel = JobsPanel(qt_executor, where="thread")
    ui = panel.edit_traits()
    try:
        ui.control.show()
        qtbot.waitUntil(lambda: "Where" in header_texts(ui), timeout=WAIT_MS)
        assert header_texts(ui)[:3] == ["Job", "Kind", "Where"]
    finally:
        ui.dispose()
        panel.dispose()


def test_each_end_reason_has_its_own_colour_tint_and_icon(qtbot, qt_executor):
    """Failed, timed out, preempted and cancelled rows are tinted each in their own
    colour, and their state column shows their end reason with its own icon."""
    reasons = ["failed", "timed out", "preempted", "cancelled"]
    with panel_view(executor=qt_executor, max_finished=10) as (panel, ui):
        futures = end_in_each_way(qt_executor)
        assert {name: futures[name].end_reason for name in reasons} == dict(
            zip(reasons, reasons, strict=True)
        )
        seen = {}
        for index, row in enumerate(panel.rows):
            if row.name not in reasons:
                continue
            look = outcome_look(row.name)
            widget = row_widget(ui, index)
            label = outcome_label(row_ui(ui, index))
            qtbot.waitUntil(lambda label=label, row=row: label.text() == row.name, timeout=WAIT_MS)
            assert widget.autoFillBackground()
            tint = widget.palette().color(QtGui.QPalette.ColorRole.Window).name()
            assert tint == look.tint
            assert look.colour in label.styleSheet()
            icon = row_ui(ui, index).get_editors("outcome")[0].icon_label.pixmap()
            assert icon is not None and not icon.isNull()
            seen[row.name] = (tint, look.colour, look.icon)
        assert sorted(seen) == sorted(reasons)
        for part in range(3):
            assert len({value[part] for value in seen.values()}) == len(reasons), seen
        # A job that completed is not tinted.
        (completed,) = [i for i, row in enumerate(panel.rows) if row.name == "completed"]
        assert not row_widget(ui, completed).autoFillBackground()
    assert set(reasons) <= set(OUTCOME_LOOKS)


def test_a_rows_error_sits_inside_that_row(qtbot, qt_executor):
    """The error line is within its row's widget, under the row's columns, above the next row."""
    with panel_view(executor=qt_executor) as (panel, ui):
        ui.control.resize(900, 500)
        ui.control.show()
        for message in ("first", "second"):
            wait_done(qt_executor, submit_call(qt_executor, fail, message, name=message))
        qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=WAIT_MS)
        for index in (0, 1):
            label = control(row_ui(ui, index), "error_message")
            qtbot.waitUntil(lambda label=label: label.isVisible(), timeout=WAIT_MS)
        QtWidgets.QApplication.processEvents()
        top, bottom = row_widget(ui, 0), row_widget(ui, 1)
        for index, widget in ((0, top), (1, bottom)):
            label = control(row_ui(ui, index), "error_message")
            name = control(row_ui(ui, index), "name")
            area = QtCore.QRect(label.mapTo(widget, QtCore.QPoint(0, 0)), label.size())
            assert widget.rect().contains(area), (index, area, widget.rect())
            assert area.top() >= name.mapTo(widget, QtCore.QPoint(0, name.height())).y()
        assert pane_rect(ui, top).bottom() < pane_rect(ui, bottom).top()


def test_rows_are_not_cut_off(qtbot, qt_executor):
    """Every row gets the height its widgets ask for: no message cut off below."""
    gate = threading.Event()

    def items():
        yield 1
        gate.wait(SAFETY_TIMEOUT)

    with panel_view(executor=qt_executor) as (panel, ui):
        ui.control.resize(900, 600)
        ui.control.show()
        futures = [submit_iteration(qt_executor, items, name=f"stream {i}") for i in range(3)]
        futures.append(submit_call(qt_executor, fail, "an error", name="broken"))
        try:
            qtbot.waitUntil(lambda: len(panel.rows) == 4, timeout=WAIT_MS)
            wait_done(qt_executor, futures[-1])
            panel.refresh()
            QtWidgets.QApplication.processEvents()
            for index in range(4):
                widget = row_widget(ui, index)
                assert widget.height() >= widget.minimumSizeHint().height(), index
                for label in widget.findChildren(QtWidgets.QLabel):
                    if label.isVisible():
                        assert label.height() >= label.sizeHint().height(), label.text()
        finally:
            gate.set()
            for future in futures:
                wait_done(qt_executor, future)
