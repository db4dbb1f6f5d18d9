# SPDX-License-Identifier: BSD-3-Clause
"""Fixtures of the demo's tests: a demo window with fast instruments."""

import pytest

from traits_jobs.demo.app import DemoApp
from traits_jobs.demo.instruments import Camera, Stage, TemperatureSensor


@pytest.fixture
def make_window(qt_executor, qtbot):
    """Open a demo window with fast instruments; close it after the test.

    The interlock reads the door every 2 ms; ``hook_timeout`` is the
    seconds each device's emergency stop hook has to return; ``context`` is
    where the analysis runs ("process": an executor on a worker process,
    shut down by ``demo.dispose()``).
    """
    opened = []

    def make(
        stage=None,
        camera=None,
        sensor=None,
        steps=5,
        step_time=0.001,
        hook_timeout=5.0,
        context="thread",
        dask_address="",
    ):
        stage = stage or Stage(speed=500.0, step_time=0.001)
        demo = DemoApp(
            qt_executor,
            context=context,
            dask_address=dask_address,
            stage=stage,
            camera=camera or Camera(stage=stage, frame_interval=0.002),
            sensor=sensor or TemperatureSensor(interval=0.005),
            temperature_tick=0.002,
            interlock_period=0.002,
            hook_timeout=hook_timeout,
            analysis_steps=steps,
            analysis_step_time=step_time,
            scan_frames=5,
        )
        ui = demo.edit_traits()
        opened.append((demo, ui))
        return demo, ui

    yield make
    for demo, ui in opened:
        ui.dispose()
        demo.dispose()
