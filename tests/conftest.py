# SPDX-License-Identifier: BSD-3-Clause
"""Test configuration: the executor fixture for both loops (Qt offscreen: ../conftest.py)."""

import pytest

from traits_jobs.api import TraitsExecutor

pytest_plugins = ["pytester"]


@pytest.fixture(params=["qt", "asyncio"])
def executor(request: pytest.FixtureRequest) -> TraitsExecutor:
    """An executor on each event loop in turn: every contract test runs on both."""
    result: TraitsExecutor = request.getfixturevalue(f"{request.param}_executor")
    return result
