# SPDX-License-Identifier: BSD-3-Clause
"""Test of ``examples/instrument_control.py``: it runs headless and tells what happened."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "instrument_control.py"


@pytest.mark.timeout(150)
def test_instrument_control_runs_and_reports_each_feature(tmp_path):
    """The script exits 0 and prints the timeout, the preemption and a full progress bar."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    completed = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLE)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "move x to 5: completed at 5.00" in out
    assert "move x to 50: timed out (JobTimeoutError" in out
    assert "done callback: move x to 50 is done" in out
    assert "PreemptionWarning: job 'move x' preempts background job 'live view'" in out
    assert "shutter closed" in out
    assert "end_reason 'preempted'" in out
    assert "preempted_by: 'move x'; the move ended completed" in out
    assert "[##############################] 100%" in out
    assert "both moves completed: (x, y) = (4.0, 3.0)" in out
    assert out.rstrip().endswith("executor stopped")
