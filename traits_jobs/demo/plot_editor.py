# SPDX-License-Identifier: BSD-3-Clause
"""A TraitsUI editor that plots a 1-D numpy array with pyqtgraph, for live data.

pyqtgraph draws into a Qt widget and redraws a curve of a few hundred points
in well under a millisecond, so a spectrum can be replaced 25 times a second
without slowing the window. Use it on an ``Array`` trait::

    Item("spectrum", editor=SpectrumPlotEditor(x=wavelengths), show_label=False)
"""

# traits_jobs._qt first: pyqtgraph then uses the binding TraitsUI already loaded.
from traits_jobs._qt import QtWidgets  # isort: skip

import numpy as np
import pyqtgraph as pg
from traits.api import Any as AnyTrait
from traits.api import Str
from traitsui.api import BasicEditorFactory
from traitsui.qt.editor import Editor

#: Pixels around the plot's axes (left, top, right, bottom).
PLOT_MARGINS = (4, 10, 12, 4)


class _SpectrumPlot(Editor):
    """The editor: a pyqtgraph PlotWidget with one curve, the trait's value."""

    #: The curve drawn; ``curve.getData()`` gives what is shown.
    curve = AnyTrait()

    def init(self, parent: QtWidgets.QWidget) -> None:
        factory = self.factory
        # TraitsUI passes a layout, not a widget: it adds the control itself.
        plot = pg.PlotWidget(background="w")
        plot.setMinimumSize(420, 260)
        plot.showGrid(x=True, y=True, alpha=0.3)
        # Room above the top tick's label and right of the last one.
        plot.getPlotItem().setContentsMargins(*PLOT_MARGINS)
        plot.setLabel("bottom", factory.x_label)
        plot.setLabel("left", factory.y_label)
        self.curve = plot.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.control = plot
        self.update_editor()

    def update_editor(self) -> None:
        value = self.value
        if value is None or len(value) == 0:
            self.curve.setData([], [])
            return
        y = np.asarray(value, dtype=float)
        x = self.factory.x
        if x is None or len(x) != len(y):
            x = np.arange(len(y))
        self.curve.setData(x, y)

    def dispose(self) -> None:
        self.curve = None
        super().dispose()


class SpectrumPlotEditor(BasicEditorFactory):
    """Editor factory: plot an array trait as a curve (pyqtgraph).

    Parameters
    ----------
    x : array, optional
        The x values of the points; their index when omitted or of another length.
    x_label, y_label : str
        The axes' labels.
    """

    klass = _SpectrumPlot

    #: The x values of the points, or None for their index.
    x = AnyTrait()

    #: Label of the horizontal axis.
    x_label = Str("wavelength (nm)")

    #: Label of the vertical axis.
    y_label = Str("intensity")
