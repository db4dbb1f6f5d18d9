# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the example of the "Structured progress" guide.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

from progress_bar import move_with_bar, text_bar
from stage import SimulatedStage

from traits_jobs.api import ProgressInfo
from traits_jobs.testing import SAFETY_TIMEOUT


def test_text_bar():
    info = ProgressInfo(
        current=5.0,
        initial=0.0,
        target=10.0,
        message=None,
        fraction_done=0.5,
        time_elapsed=2.0,
        time_remaining=2.0,
    )
    assert text_bar(info, width=10) == "[#####-----]  50%, 2.0 s left"


def test_the_bar_ends_full(asyncio_executor):
    lines = []
    future = move_with_bar(asyncio_executor, SimulatedStage(speed=1000.0), 10.0, lines.append)
    assert future.wait(timeout=SAFETY_TIMEOUT) == 10.0
    assert lines[-1].startswith("[####################] 100%")
    assert future.progress_info.fraction_done == 1.0
