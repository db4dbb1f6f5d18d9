# SPDX-License-Identifier: BSD-3-Clause
"""The demo window's layout: margins, one Cancel all, labelled bars, no dead area."""

from tests.demo.test_demo_app import click, started
from traits_jobs._qt import QtCore, QtWidgets
from traits_jobs.demo.plot_editor import PLOT_MARGINS
from traits_jobs.demo.view import WINDOW_MARGIN, WINDOW_SIZE

WAIT = 10_000

#: The most pixels the window may leave empty between the controls and the status line.
MAX_GAP_UNDER_CONTROLS = 80


def shown(qtbot, ui):
    window = ui.control
    window.resize(*WINDOW_SIZE)
    window.show()
    qtbot.waitUntil(window.isVisible, timeout=WAIT)
    QtWidgets.QApplication.processEvents()
    return window


def window_rect(window, widget):
    return QtCore.QRect(widget.mapTo(window, QtCore.QPoint(0, 0)), widget.size())


def test_no_widget_touches_the_windows_edges(make_window, qtbot):
    """Every visible widget keeps WINDOW_MARGIN pixels from each edge of the window."""
    _demo, ui = make_window()
    window = shown(qtbot, ui)
    inner = window.rect().adjusted(WINDOW_MARGIN, WINDOW_MARGIN, -WINDOW_MARGIN, -WINDOW_MARGIN)
    assert WINDOW_MARGIN > 0
    widgets = [w for w in window.findChildren(QtWidgets.QWidget) if w.isVisible()]
    assert len(widgets) > 20
    outside = [
        (type(widget).__name__, window_rect(window, widget))
        for widget in widgets
        if not inner.contains(window_rect(window, widget))
        # Widgets inside a scroll area may scroll past its edges.
        and not _in_scroll_area(widget)
    ]
    assert outside == []


def _in_scroll_area(widget):
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def test_one_cancel_all_the_jobs_panels(make_window, qtbot):
    """The window has one Cancel all button: the jobs panel's."""
    _demo, ui = make_window()
    window = shown(qtbot, ui)
    buttons = [b for b in window.findChildren(QtWidgets.QPushButton) if b.text() == "Cancel all"]
    (panel_button,) = ui.get_editors("jobs_panel")[0]._ui.get_editors("cancel_all")
    assert buttons == [panel_button.control]


def test_the_measurement_bars_are_labelled(make_window, qtbot):
    """The scan's bar and the analysis's bar each have a label before them."""
    _demo, ui = make_window()
    window = shown(qtbot, ui)
    texts = {label.text() for label in window.findChildren(QtWidgets.QLabel) if label.isVisible()}
    assert {"Scan:", "Analysis:"} <= texts


def test_no_dead_area_under_the_controls(make_window, qtbot):
    """At the window's size, the last group of controls ends near the status line."""
    _demo, ui = make_window()
    window = shown(qtbot, ui)
    boxes = [b for b in window.findChildren(QtWidgets.QGroupBox) if b.isVisible()]
    bottom = max(window_rect(window, box).bottom() for box in boxes)
    (status,) = ui.get_editors("status")
    gap = window_rect(window, status.control).top() - bottom
    assert 0 <= gap <= MAX_GAP_UNDER_CONTROLS


def test_the_plot_has_room_above_its_top_tick(make_window, qtbot):
    """The plot keeps a margin above its axes, so its top tick label is not cut."""
    _demo, ui = make_window()
    shown(qtbot, ui)
    (plot,) = ui.get_editors("spectrum")
    margins = plot.control.getPlotItem().getContentsMargins()
    assert tuple(margins) == PLOT_MARGINS
    assert margins[1] > 0


def test_the_stage_text_shows_the_position_reached_after_a_move(make_window, qtbot):
    """While it moves: where to; once arrived: where it is, and nothing about moving."""
    demo, ui = make_window()
    texts = []
    demo.observe(lambda event: texts.append(event.new), "position_text")
    demo.target = 4.0
    click(qtbot, ui, "move")
    move = started(qtbot, demo, "move_future")
    qtbot.waitUntil(lambda: move.done, timeout=WAIT)
    assert any(text.endswith("mm, moving to 4") for text in texts), texts
    assert demo.position_text == texts[-1] == "4.00 mm"
    (bar,) = ui.get_editors("move_future")
    assert bar._label is None  # the bar shows no message to contradict it
