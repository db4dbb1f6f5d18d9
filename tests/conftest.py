# SPDX-License-Identifier: BSD-3-Clause
"""Test configuration: Qt offscreen, and the executor fixture for both loops."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ETS_TOOLKIT", "qt")

import pytest

from traits_jobs.api import TraitsExecutor

pytest_plugins = ["pytester"]


@pytest.fixture(params=["qt", "asyncio"])
def executor(request: pytest.FixtureRequest) -> TraitsExecutor:
    """An executor on each event loop in turn: every contract test runs on both."""
    result: TraitsExecutor = request.getfixturevalue(f"{request.param}_executor")
    return result
