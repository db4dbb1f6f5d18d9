# SPDX-License-Identifier: BSD-3-Clause
"""Jobs of the compat harness itself, importable from worker processes."""

from typing import Any

#: Seconds a holding job waits for its release at most.
HOLD_TIMEOUT = 30.0


def hold(started: Any, release: Any) -> None:
    """Tell the test a worker is taken, then keep it until released."""
    started.set()
    release.wait(HOLD_TIMEOUT)
