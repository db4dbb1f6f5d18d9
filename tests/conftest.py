# SPDX-License-Identifier: BSD-3-Clause
"""Test configuration: the executor fixture for every loop, and Hypothesis profiles.

Qt runs offscreen: see ../conftest.py.

Hypothesis profiles, chosen with the ``HYPOTHESIS_PROFILE`` environment
variable:

``suite`` (the default)
    200 examples per test: what every run of the test suite searches.
``fuzz``
    10,000 examples per test, for a long search (``nox -s fuzz``).

Both keep ``deadline=None``: the examples wait for worker threads, whose
timing is the machine's, not the code's.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from traits_jobs.api import TraitsExecutor

pytest_plugins = ["pytester"]

settings.register_profile(
    "suite",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


@pytest.fixture(params=["qt", "asyncio", "manual"])
def executor(request: pytest.FixtureRequest) -> TraitsExecutor:
    """An executor on each event loop in turn: every contract test runs on all three."""
    result: TraitsExecutor = request.getfixturevalue(f"{request.param}_executor")
    return result


@pytest.fixture(params=["qt", "asyncio"])
def real_executor(request: pytest.FixtureRequest) -> TraitsExecutor:
    """An executor on each loop whose clock is the wall clock (Qt, asyncio)."""
    result: TraitsExecutor = request.getfixturevalue(f"{request.param}_executor")
    return result
