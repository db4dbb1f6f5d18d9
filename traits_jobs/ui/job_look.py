# SPDX-License-Identifier: BSD-3-Clause
"""How a job's outcome looks: a colour, a tint and an icon per state and end reason.

:data:`OUTCOME_LOOKS` gives each value of :attr:`JobRow.outcome
<traits_jobs.ui.job_row.JobRow.outcome>` (a state while the job is live,
its end reason once it has ended) a :class:`Look`. A failed, timed-out,
preempted or cancelled job each has its own colour and icon, so that a
glance tells them apart; a jobs panel tints such a job's whole row, its
error line included, and the :class:`JobOutcomeEditor` shows the icon and
the word in that colour. The jobs timeline colours its bars the same way.
"""

from dataclasses import dataclass
from typing import Any

from traitsui.api import BasicEditorFactory
from traitsui.qt.editor import Editor

from traits_jobs._qt import QtCore, QtGui, QtWidgets

_Icon = QtWidgets.QStyle.StandardPixmap

#: Pixels of the icon's side.
ICON_SIZE = 14


@dataclass(frozen=True)
class Look:
    """The look of one outcome.

    Attributes
    ----------
    colour : str
        The colour of its text and of a timeline bar, "#rrggbb".
    tint : str
        The background of a row, "#rrggbb"; empty leaves it as it is.
    icon : QStyle.StandardPixmap
        One of the style's standard icons.
    """

    colour: str
    tint: str
    icon: Any


#: The look of each outcome: the states of a live job, the end reasons of an ended one.
OUTCOME_LOOKS: dict[str, Look] = {
    "waiting": Look("#757575", "", _Icon.SP_BrowserReload),
    "executing": Look("#1565c0", "", _Icon.SP_MediaPlay),
    "cancelling": Look("#8d6e63", "", _Icon.SP_MediaPause),
    "completed": Look("#2e7d32", "", _Icon.SP_DialogApplyButton),
    "stopped": Look("#00796b", "", _Icon.SP_MediaStop),
    "failed": Look("#c62828", "#fdecea", _Icon.SP_MessageBoxCritical),
    "timed out": Look("#e65100", "#fff3e0", _Icon.SP_MessageBoxWarning),
    "preempted": Look("#6a1b9a", "#f3e5f5", _Icon.SP_MediaSkipForward),
    "cancelled": Look("#546e7a", "#eceff1", _Icon.SP_DialogCancelButton),
}


def outcome_look(outcome: str) -> Look:
    """The :class:`Look` of ``outcome``; a neutral grey one for an unknown word."""
    return OUTCOME_LOOKS.get(outcome, Look("#616161", "", _Icon.SP_MessageBoxQuestion))


def outcome_icon(outcome: str) -> QtGui.QIcon:
    """The icon of ``outcome``, from the application's style. Main thread only."""
    style = QtWidgets.QApplication.style()
    return style.standardIcon(outcome_look(outcome).icon)


def tint_widget(widget: QtWidgets.QWidget, outcome: str) -> None:
    """Fill ``widget``'s background with the tint of ``outcome``, or stop filling it."""
    tint = outcome_look(outcome).tint
    widget.setAutoFillBackground(bool(tint))
    if tint:
        palette = widget.palette()
        palette.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(tint))
        widget.setPalette(palette)


class _QtJobOutcomeEditor(Editor):
    """The Qt editor made by :class:`JobOutcomeEditor`: an icon and a coloured word."""

    def init(self, parent: Any) -> None:
        control = QtWidgets.QWidget()
        layout = QtWidgets.QHBoxLayout(control)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self._icon = QtWidgets.QLabel(control)
        self._icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._text = QtWidgets.QLabel(control)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        self.control = control

    def update_editor(self) -> None:
        outcome = str(self.value)
        look = outcome_look(outcome)
        self._icon.setPixmap(outcome_icon(outcome).pixmap(QtCore.QSize(ICON_SIZE, ICON_SIZE)))
        self._text.setText(outcome)
        self._text.setStyleSheet(f"color: {look.colour}; font-weight: bold;")
        self.control.setToolTip(outcome)

    @property
    def text_label(self) -> QtWidgets.QLabel:
        """The label with the word (tests)."""
        return self._text

    @property
    def icon_label(self) -> QtWidgets.QLabel:
        """The label with the icon (tests)."""
        return self._icon


class JobOutcomeEditor(BasicEditorFactory):
    """Editor factory: a job's outcome as an icon and a word in its colour (read-only).

    Use it on :attr:`JobRow.outcome <traits_jobs.ui.job_row.JobRow.outcome>`;
    the looks come from :data:`OUTCOME_LOOKS`.
    """

    klass = _QtJobOutcomeEditor
