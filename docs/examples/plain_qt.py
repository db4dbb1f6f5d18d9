# SPDX-License-Identifier: BSD-3-Clause
"""A plain Qt window (no TraitsUI view) whose bar and button follow a job.

Run it with ``python docs/examples/plain_qt.py``.
"""

# [window]
from pyface.qt import QtGui, QtWidgets

from traits_jobs.api import TraitsExecutor, report_progress, submit_call
from traits_jobs.ui.api import bind_cancel_button, bind_progress_bar, confirm_close


def acquire(frames):
    for frame in range(1, frames + 1):
        # ... take one frame ...
        report_progress(frame, target=frames, message=f"frame {frame} of {frames}")
    return frames


class AcquisitionWindow(QtWidgets.QWidget):
    def __init__(self, executor, frames=500_000):
        super().__init__()
        self.executor = executor
        self.bar = QtWidgets.QProgressBar()
        self.start = QtWidgets.QPushButton("Acquire")
        self.cancel = QtWidgets.QPushButton("Cancel")
        self.cancel.setEnabled(False)
        layout = QtWidgets.QHBoxLayout(self)
        for widget in (self.start, self.bar, self.cancel):
            layout.addWidget(widget)
        self.start.clicked.connect(lambda: self.acquire(frames))
        self.future = None

    def acquire(self, frames):
        self.future = submit_call(self.executor, acquire, frames, name="acquire")
        # The bar follows the job; the button is enabled while it can be
        # cancelled, and cancels it. Both bindings end with the job.
        bind_progress_bar(self.bar, self.future)
        bind_cancel_button(self.cancel, self.future)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        # Asks first if the job is running; then stops the executor.
        if confirm_close(self.executor, parent=self):
            event.accept()
        else:
            event.ignore()


# [/window]

if __name__ == "__main__":
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    window = AcquisitionWindow(TraitsExecutor())
    window.show()
    app.exec()
