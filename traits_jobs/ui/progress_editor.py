# SPDX-License-Identifier: BSD-3-Clause
"""A TraitsUI editor that shows a future's progress inline: :class:`JobProgressEditor`.

Use it on a trait that holds a traits_jobs future or None::

    future = Instance(BaseFuture)
    view = View(Item("future", editor=JobProgressEditor(), show_label=False))

The editor shows a progress bar (the same as :func:`bind_progress_bar`'s)
and, unless ``show_message=False``, the job's message under it. When the
trait changes to another future the editor follows that one; None shows an
empty bar.
"""

from typing import Any

from traits.api import Bool, Instance
from traitsui.api import BasicEditorFactory
from traitsui.qt.editor import Editor

from traits_jobs._qt import QtWidgets
from traits_jobs.ui.bindings import BAR_STEPS, Binding, show_on_bar
from traits_jobs.ui.job_row import JobRow, check_future

#: What the bar says when the trait holds None.
NO_JOB_TEXT = "no job"


class _QtJobProgressEditor(Editor):
    """The Qt editor made by :class:`JobProgressEditor`. Main thread only."""

    #: The binding of the bar to the current future; None when there is none.
    binding = Instance(Binding)

    _bar = Instance(QtWidgets.QProgressBar)
    _label = Instance(QtWidgets.QLabel)

    def init(self, parent: Any) -> None:
        """Make the widgets; TraitsUI calls update_editor() next."""
        control = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(control)
        layout.setContentsMargins(0, 0, 0, 0)
        self._bar = QtWidgets.QProgressBar(control)
        layout.addWidget(self._bar)
        if self.factory.show_message:
            self._label = QtWidgets.QLabel(control)
            if self.factory.wrap_message:
                self._label.setWordWrap(True)
            else:
                # One line, cut at the editor's width (the tooltip has it all):
                # a wrapped label in a list of rows would be cut off below.
                policy = QtWidgets.QSizePolicy.Policy
                self._label.setSizePolicy(policy.Ignored, policy.Preferred)
            layout.addWidget(self._label)
        self.control = control

    def update_editor(self) -> None:
        """Follow the future the trait now holds.

        Raises
        ------
        TypeError
            If the trait holds something other than a future or None.
        """
        self._unbind()
        value = self.value
        if value is None:
            self._bar.setRange(0, BAR_STEPS)
            self._bar.setValue(0)
            self._bar.setFormat(NO_JOB_TEXT)
            self._bar.setToolTip(NO_JOB_TEXT)
            if self._label is not None:
                self._label.setText("")
            return
        try:
            future = check_future(value, f"JobProgressEditor (trait {self.name!r})")
        except TypeError:
            self._bar.setRange(0, BAR_STEPS)
            self._bar.setValue(0)
            self._bar.setFormat("not a job")
            raise
        # In a view of a JobRow (a jobs panel's row), follow that row rather
        # than making a second one for the same future.
        context = self.object
        row = context if isinstance(context, JobRow) and context.future is future else None
        self.binding = Binding(self._bar, future, self._show, row)

    def dispose(self) -> None:
        """Stop following the future and let TraitsUI remove the widgets."""
        self._unbind()
        super().dispose()

    def _show(self, row: JobRow) -> None:
        show_on_bar(self._bar, row)
        if self._label is not None:
            self._label.setText(row.message)
            self._label.setToolTip(row.message)

    def _unbind(self) -> None:
        if self.binding is not None:
            self.binding.unbind()
            self.binding = None


class JobProgressEditor(BasicEditorFactory):
    """Editor factory: a progress bar and message following a future (or None).

    Parameters
    ----------
    show_message : bool
        Whether to show the job's message under the bar; True by default.
    wrap_message : bool
        Whether a long message wraps onto more lines (True, the default) or
        stays on one, cut at the editor's width (its tooltip shows it all).
    """

    #: The editor class (Qt only).
    klass = _QtJobProgressEditor

    #: Whether to show the job's message under the bar.
    show_message = Bool(True)

    #: Whether a long message wraps; False keeps it on one line.
    wrap_message = Bool(True)
