# SPDX-License-Identifier: BSD-3-Clause
"""The layout of the demo window: :func:`demo_view`, the view of a ``DemoApp``.

Each button is enabled by the ``*_enabled`` trait of the same name, which
follows the resources the executor's jobs claim.
"""

import numpy as np
from traitsui.api import Group, HGroup, Item, VGroup, View, spring

from traits_jobs.api import TraitsExecutor
from traits_jobs.demo.plot_editor import SpectrumPlotEditor
from traits_jobs.ui.api import ExecutorCloseHandler, JobProgressEditor


def demo_view(executor: TraitsExecutor, wavelengths: np.ndarray) -> View:
    """The window: controls on the left, the spectrum and the jobs on the right.

    Parameters
    ----------
    executor : TraitsExecutor
        Closing the window asks before cancelling this executor's jobs.
    wavelengths : array
        The x values of the plotted spectrum.
    """
    button = {"show_label": False}
    controls = VGroup(
        Group(
            Item("target", label="Target (mm)"),
            HGroup(
                Item("move", enabled_when="move_enabled", **button),
                Item("position_text", style="readonly", label="Position"),
            ),
            Item("move_future", editor=JobProgressEditor(), **button),
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
            Item("scan_future", editor=JobProgressEditor(), **button),
            Item("analysis_future", editor=JobProgressEditor(), **button),
            Item("result_text", style="readonly", show_label=False),
            label="Measurement",
            show_border=True,
        ),
        Item("cancel_all", enabled_when="cancel_all_enabled", **button),
        spring,
    )
    # At least 680 pixels wide: room for the jobs panel's rows under it.
    plot = Item("spectrum", editor=SpectrumPlotEditor(x=wavelengths), show_label=False, width=680)
    jobs = Item("jobs_panel", style="custom", show_label=False, springy=True)
    right = VGroup(plot, jobs, springy=True)
    return View(
        VGroup(
            HGroup(controls, right),
            HGroup(Item("status", style="readonly", show_label=False, springy=True)),
        ),
        title="traits_jobs demo: a simulated instrument",
        handler=ExecutorCloseHandler(executor=executor),
        resizable=True,
        width=1200,
        height=820,
    )
