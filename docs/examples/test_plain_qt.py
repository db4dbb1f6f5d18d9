# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the plain Qt window: bar and cancel button bound to a job."""

from plain_qt import AcquisitionWindow
from pyface.qt import QtCore, QtWidgets

from traits_jobs.api import CANCELLED, COMPLETED, STOPPED

LEFT = QtCore.Qt.MouseButton.LeftButton


def test_the_bar_fills_and_the_cancel_button_follows_the_job(qtbot, qt_executor):
    window = AcquisitionWindow(qt_executor, frames=200)
    qtbot.addWidget(window)
    qtbot.mouseClick(window.start, LEFT)
    qtbot.waitUntil(lambda: window.future.done, timeout=10_000)

    assert window.future.state == COMPLETED
    assert window.bar.value() == window.bar.maximum()
    assert not window.cancel.isEnabled()


def test_cancel_button_cancels_the_acquisition(qtbot, qt_executor):
    window = AcquisitionWindow(qt_executor)
    qtbot.addWidget(window)
    qtbot.mouseClick(window.start, LEFT)
    qtbot.waitUntil(lambda: window.cancel.isEnabled(), timeout=10_000)

    qtbot.mouseClick(window.cancel, LEFT)
    qtbot.waitUntil(lambda: window.future.done, timeout=10_000)
    assert window.future.state == CANCELLED


def test_closing_while_acquiring_asks_then_stops_the_executor(qtbot, qt_executor):
    window = AcquisitionWindow(qt_executor)
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.start, LEFT)
    qtbot.waitUntil(lambda: window.future.cancellable, timeout=10_000)

    def answer():
        box = QtWidgets.QApplication.activeModalWidget()
        (close,) = [b for b in box.buttons() if b.text() == "Cancel jobs and close"]
        close.click()

    QtCore.QTimer.singleShot(0, answer)
    assert window.close()
    qtbot.waitUntil(lambda: qt_executor.state == STOPPED, timeout=10_000)
    assert window.future.state == CANCELLED
