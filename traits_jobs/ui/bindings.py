# SPDX-License-Identifier: BSD-3-Clause
"""Plain Qt widgets that follow a future, for applications without TraitsUI views.

- :func:`bind_progress_bar`: a ``QProgressBar`` shows how far the job has come.
- :func:`bind_cancel_button`: a button is enabled exactly while the job can
  be cancelled, and cancels it when clicked.

Both return a :class:`Binding`, which ends by itself when the future is done
or the widget is destroyed; :meth:`Binding.unbind` ends it earlier. The
:class:`~traits_jobs.ui.progress_editor.JobProgressEditor` draws its bar with
the same :func:`show_on_bar`.
"""

import logging
from collections.abc import Callable
from typing import Any

from traits_jobs._qt import QtWidgets
from traits_jobs.api import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    FAILED,
    TIMED_OUT,
    WAITING,
    BaseFuture,
)
from traits_jobs.ui.job_row import JobRow, check_future

#: A known fraction 0..1 is shown as a bar value 0..BAR_STEPS.
BAR_STEPS = 1000

#: The traits of a JobRow that a binding follows; "done" comes last when a job ends.
_ROW_TRAITS = ["state", "cancellable", "fraction", "message", "error_message", "done"]

#: Live bindings: kept here so that a binding works when its caller drops it.
_LIVE: set["Binding"] = set()

logger = logging.getLogger(__name__)


def bar_text(row: JobRow) -> str:
    """What a progress bar says of a job: ``"42 %"``, ``"waiting"``, ``"preempted"``, ...

    A bar is short: a failed job's bar says ``"failed"`` (or ``"timed
    out"``), and its tooltip has the error (see :func:`bar_tooltip`).
    """
    state = row.state
    if state == COMPLETED:
        return "completed"
    if state == CANCELLED:
        return row.end_reason or "cancelled"  # "cancelled" or "preempted"
    if state == FAILED:
        return "timed out" if row.end_reason == TIMED_OUT else "failed"
    if state == WAITING:
        return "waiting"
    if state == CANCELLING:
        return "cancelling"
    if row.fraction is None:
        return "executing"
    return f"{round(row.fraction * 100)} %"


def show_on_bar(bar: QtWidgets.QProgressBar, row: JobRow) -> None:
    """Make ``bar`` show ``row``: the one bar updater of traits_jobs.ui. Main thread only.

    Empty while waiting, indeterminate (range 0, 0) while executing with an
    unknown fraction, the fraction mapped to 0..:data:`BAR_STEPS` when known,
    full when completed. The bar's text (its ``format()``) and tooltip say
    the state, see :func:`bar_text`.
    """
    value: int | None
    if row.state == WAITING:
        value = 0
    elif row.state == COMPLETED:
        value = BAR_STEPS
    elif row.fraction is not None:
        value = round(row.fraction * BAR_STEPS)
    elif row.state in (FAILED, CANCELLED):
        value = 0
    else:
        value = None
    if value is None:
        bar.setRange(0, 0)
    else:
        bar.setRange(0, BAR_STEPS)
        bar.setValue(value)
    bar.setTextVisible(True)
    bar.setFormat(bar_text(row))
    bar.setToolTip(bar_tooltip(row))


def bar_tooltip(row: JobRow) -> str:
    """The tooltip of a job's bar: its text, then the error of a failed job."""
    text = bar_text(row)
    return f"{text}: {row.error_message}" if row.error_message else text


class Binding:
    """A Qt widget following a future through a :class:`JobRow`. Main thread only.

    Made by :func:`bind_progress_bar` and :func:`bind_cancel_button`. It
    calls ``update(row)`` at once and then on every change of the row, until
    the future is done (after a last update), the widget is destroyed, or
    :meth:`unbind` is called.

    Parameters
    ----------
    widget : QWidget
        The widget kept up to date.
    future : BaseFuture
        The future followed.
    update : callable
        ``update(row)``: shows the row on the widget.
    row : JobRow, optional
        A row of ``future`` that already exists (a jobs panel's), to follow
        instead of making one; the binding leaves it alive when it ends.
    """

    def __init__(
        self,
        widget: QtWidgets.QWidget,
        future: BaseFuture,
        update: Callable[[JobRow], None],
        row: JobRow | None = None,
    ) -> None:
        self.widget = widget
        self.future = future
        #: The view model followed; current while the binding is bound.
        self.row = JobRow(future) if row is None else row
        self._owns_row = row is None
        self._update = update
        self._bound = True
        self._widget_alive = True
        self._connections: list[tuple[Any, Callable[..., None]]] = []
        _LIVE.add(self)
        self.row.observe(self._row_changed, _ROW_TRAITS)
        self.connect(widget.destroyed, self._widget_destroyed)
        self._apply()

    @property
    def bound(self) -> bool:
        """Whether the widget still follows the future."""
        return self._bound

    def connect(self, signal: Any, slot: Callable[..., None]) -> None:
        """Connect a signal of the widget to ``slot`` until the binding ends."""
        signal.connect(slot)
        self._connections.append((signal, slot))

    def unbind(self) -> None:
        """Stop following the future; the widget keeps what it shows. Idempotent."""
        if not self._bound:
            return
        self._bound = False
        _LIVE.discard(self)
        self.row.observe(self._row_changed, _ROW_TRAITS, remove=True)
        if self._owns_row:
            self.row.dispose()
        connections, self._connections = self._connections, []
        # A destroyed widget's connections went with it; touching it would raise.
        if self._widget_alive:
            for signal, slot in connections:
                signal.disconnect(slot)

    def __repr__(self) -> str:
        state = "bound" if self._bound else "unbound"
        return f"<Binding {state} {type(self.widget).__name__} to {self.future!r}>"

    def _row_changed(self, event: Any) -> None:
        self._apply()

    def _apply(self) -> None:
        if not self._bound:
            return
        try:
            self._update(self.row)
        except Exception:
            logger.exception("Showing %s on %r failed", self.row.name, self.widget)
        if self.row.done:
            self.unbind()

    def _widget_destroyed(self, *args: Any) -> None:
        self._widget_alive = False
        self.unbind()


def _check_widget(widget: Any, kind: type, where: str, expected: str) -> None:
    if not isinstance(widget, kind):
        msg = f"{where} expected {expected}, got {type(widget).__name__}: {widget!r}"
        raise TypeError(msg)


def bind_progress_bar(bar: QtWidgets.QProgressBar, future: BaseFuture) -> Binding:
    """Make a ``QProgressBar`` follow ``future``. Main thread only.

    The bar shows what :func:`show_on_bar` describes, until the future is
    done (the bar keeps its last state) or the bar is destroyed.

    Parameters
    ----------
    bar : QProgressBar
        The bar.
    future : BaseFuture
        The future to show.

    Returns
    -------
    Binding
        Call its ``unbind()`` to stop earlier.

    Raises
    ------
    TypeError
        If ``bar`` is not a QProgressBar or ``future`` not a traits_jobs future.
    """
    _check_widget(bar, QtWidgets.QProgressBar, "bind_progress_bar()", "a QProgressBar as bar")
    check_future(future, "bind_progress_bar()")
    return Binding(bar, future, lambda row: show_on_bar(bar, row))


def bind_cancel_button(button: QtWidgets.QAbstractButton, future: BaseFuture) -> Binding:
    """Enable ``button`` exactly while ``future`` is cancellable; a click cancels it.

    Main thread only. Once the future is done the button is left disabled
    and the binding ends; it also ends when the button is destroyed.

    Parameters
    ----------
    button : QAbstractButton
        The button (a QPushButton, QToolButton, ...).
    future : BaseFuture
        The future to cancel.

    Returns
    -------
    Binding
        Call its ``unbind()`` to stop earlier.

    Raises
    ------
    TypeError
        If ``button`` is not a QAbstractButton or ``future`` not a traits_jobs future.
    """
    _check_widget(
        button,
        QtWidgets.QAbstractButton,
        "bind_cancel_button()",
        "a QAbstractButton (such as a QPushButton) as button",
    )
    check_future(future, "bind_cancel_button()")

    def clicked(*args: Any) -> None:
        if binding.bound:
            binding.row.cancel()

    binding = Binding(button, future, lambda row: button.setEnabled(row.cancellable))
    if binding.bound:
        binding.connect(button.clicked, clicked)
    return binding
