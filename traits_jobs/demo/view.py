# SPDX-License-Identifier: BSD-3-Clause
"""The layout of the demo window: :func:`demo_view`, the view of a ``DemoApp``.

Each button is enabled by the ``*_enabled`` trait of the same name, which
follows the resources the executor's jobs claim. The red Emergency stop
button is always enabled; the Esc key presses it, through TraitsUI key
bindings (:data:`EMERGENCY_KEYS`), wherever the focus is in the window.
"""

import numpy as np
from traits.api import Instance
from traitsui.api import Group, HGroup, Item, Tabbed, UIInfo, VGroup, View
from traitsui.key_bindings import KeyBinding, KeyBindings

from traits_jobs._qt import QtWidgets
from traits_jobs.api import TraitsExecutor
from traits_jobs.demo.plot_editor import SpectrumPlotEditor
from traits_jobs.ui.api import ExecutorCloseHandler, JobProgressEditor, confirm_close

#: The Emergency stop button's look: red, white bold text.
EMERGENCY_STYLE = (
    "QPushButton { background-color: #c62828; color: white; font-weight: bold;"
    " padding: 6px 14px; border-radius: 4px; }"
    " QPushButton:pressed { background-color: #8e0000; }"
)

#: The window's keys: Esc calls ``DemoApp.escape_pressed``, the emergency stop.
#: TraitsUI calls the binding before the window's own handling of Esc, which
#: would otherwise close it.
EMERGENCY_KEYS = KeyBindings(
    KeyBinding(binding1="Esc", description="Emergency stop", method_name="escape_pressed")
)


#: The window's size when it opens, in pixels.
WINDOW_SIZE = (1280, 760)

#: The height of the plot, in pixels.
PLOT_HEIGHT = 300

#: Pixels between the window's edges and its widgets.
WINDOW_MARGIN = 10


class DemoCloseHandler(ExecutorCloseHandler):
    """Closes the demo window, asking first if jobs run besides the interlock's watch.

    The watch runs as long as the window is open: alone, it is no reason to
    ask. Closing stops :attr:`executor` and :attr:`analysis_executor` both.
    """

    #: The executor on worker processes of the analysis, if it has one.
    analysis_executor = Instance(TraitsExecutor)

    def init(self, info: UIInfo) -> bool:
        """Leave a margin between the window's edges and its widgets."""
        window = info.ui.control
        layout = window.layout()
        if layout is not None:
            layout.setContentsMargins(*(WINDOW_MARGIN,) * 4)
        # The tabs keep the plot's height: a taller window gives its height
        # to the jobs panel under them.
        policy = QtWidgets.QSizePolicy.Policy
        for tabs in window.findChildren(QtWidgets.QTabWidget):
            tabs.setSizePolicy(policy.Preferred, policy.Maximum)
        return super().init(info)

    def close(self, info: UIInfo, is_ok: bool) -> bool:
        watch = getattr(info.object, "interlock_future", None)
        running = [
            executor
            for executor in dict.fromkeys((self.executor, self.analysis_executor))
            if executor is not None and executor.running
        ]
        busy = [
            executor
            for executor in running
            if any(not future.done and future is not watch for future in executor.jobs)
        ]
        if busy:
            # The question counts the jobs of the first busy executor.
            parent = info.ui.control if info.ui is not None else None
            if not confirm_close(busy[0], parent):
                return False
        for executor in running:
            if executor.running:
                executor.stop()
        return True


def demo_view(
    executor: TraitsExecutor,
    wavelengths: np.ndarray,
    analysis_executor: TraitsExecutor | None = None,
) -> View:
    """The window: controls on the left, the spectrum, timeline and jobs on the right.

    The spectrum and the jobs timeline are tabs; the jobs panel is under them.

    Parameters
    ----------
    executor : TraitsExecutor
        Closing the window asks before cancelling this executor's jobs.
    wavelengths : array
        The x values of the plotted spectrum.
    analysis_executor : TraitsExecutor, optional
        The analysis's executor, if not ``executor``: closing stops it too.
    """
    button = {"show_label": False}
    controls = VGroup(
        Group(
            HGroup(
                Item(
                    "emergency_stop",
                    style_sheet=EMERGENCY_STYLE,
                    tooltip="Stop every job and device (Esc)",
                    **button,
                ),
                Item("door_open", label="Door open"),
            ),
            Item("interlock_text", style="readonly", show_label=False),
            label="Safety",
            show_border=True,
        ),
        Group(
            Item("target", label="Target (mm)"),
            HGroup(
                Item("move", enabled_when="move_enabled", **button),
                Item("position_text", style="readonly", label="Position", springy=True),
            ),
            # The position line says where the stage is and goes: the bar
            # shows how far, not the move's last message.
            Item("move_future", editor=JobProgressEditor(show_message=False), **button),
            label="Stage",
            show_border=True,
        ),
        Group(
            HGroup(
                Item("acquire", enabled_when="acquire_enabled", **button),
                Item("stop", enabled_when="stop_enabled", **button),
                Item("pause_live", enabled_when="pause_live_enabled", **button),
                Item("resume_live", enabled_when="resume_live_enabled", **button),
            ),
            label="Camera",
            show_border=True,
        ),
        Group(
            Item("temperature_text", style="readonly", label="Temperature"),
            Item("reading_text", style="readonly", show_label=False),
            Item("missed_text", style="readonly", show_label=False),
            # Edited while the loop runs: it takes them at its next iteration.
            Item("setpoint", label="Setpoint (°C)"),
            Item("sample_interval", style="text", label="Interval (s)"),
            HGroup(
                Item("poll_temperature", enabled_when="poll_enabled", **button),
                Item("stop_polling", enabled_when="stop_polling_enabled", **button),
            ),
            label="Sensor",
            show_border=True,
        ),
        Group(
            Item("scan_frames", label="Spectra per scan"),
            HGroup(
                Item("run_scan", enabled_when="scan_enabled", **button),
                Item("analyse", enabled_when="analyse_enabled", **button),
            ),
            Item("scan_future", editor=JobProgressEditor(), label="Scan"),
            Item("analysis_future", editor=JobProgressEditor(), label="Analysis"),
            Item("result_text", style="readonly", show_label=False),
            label="Measurement",
            show_border=True,
        ),
    )
    # At least 700 pixels wide: room for the jobs panel's columns under it.
    # A fixed height: a taller window gives its height to the jobs panel.
    plot = Item(
        "spectrum",
        editor=SpectrumPlotEditor(x=wavelengths),
        show_label=False,
        width=700,
        height=-PLOT_HEIGHT,
    )
    timeline = Item("timeline", style="custom", show_label=False, height=-PLOT_HEIGHT)
    views = Tabbed(VGroup(plot, label="Spectrum"), VGroup(timeline, label="Jobs timeline"))
    # "Cancel all" is the jobs panel's: one for the window.
    jobs = Item("jobs_panel", style="custom", show_label=False, springy=True)
    right = VGroup(views, jobs, springy=True)
    return View(
        VGroup(
            HGroup(controls, right),
            HGroup(Item("status", style="readonly", show_label=False, springy=True)),
        ),
        title="traits_jobs demo: a simulated instrument",
        handler=DemoCloseHandler(executor=executor, analysis_executor=analysis_executor),
        key_bindings=EMERGENCY_KEYS,
        resizable=True,
        width=WINDOW_SIZE[0],
        height=WINDOW_SIZE[1],
    )
