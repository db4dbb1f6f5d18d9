# SPDX-License-Identifier: BSD-3-Clause
"""The public API module: its exports, and compatibility with traits-futures."""

import re

import traits_jobs.api as api

# Every name traits_futures.api 0.3 exports, except MultiprocessingContext
# (it arrives with the process context).
TRAITS_FUTURES_NAMES = {
    "TraitsExecutor", "submit_call", "submit_iteration", "submit_progress",
    "CallFuture", "IterationFuture", "ProgressFuture", "TaskCancelled",
    "FutureState", "WAITING", "EXECUTING", "COMPLETED", "FAILED", "CANCELLING",
    "CANCELLED", "ExecutorState", "RUNNING", "STOPPING", "STOPPED", "BaseFuture",
    "BaseTask", "IFuture", "ITaskSpecification", "IParallelContext",
    "MultithreadingContext", "IEventLoop", "AsyncioEventLoop", "ETSEventLoop",
}  # fmt: skip


def test_all_names_are_importable():
    """Every name in __all__ can be imported from the api module."""
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_all_matches_the_docstring():
    """__all__ lists exactly the names the module docstring documents."""
    documented = set(re.findall(r":(?:class|func|data|exc):`(\w+)`", api.__doc__))
    assert documented == set(api.__all__)


def test_traits_futures_names_are_all_there():
    """An application importing traits_futures.api names finds them all."""
    assert TRAITS_FUTURES_NAMES <= set(api.__all__)


def test_qt_event_loop_is_public():
    """QtEventLoop is exported, and imported on first use."""
    from traits_jobs.api import QtEventLoop

    assert QtEventLoop.__name__ == "QtEventLoop"


def test_unknown_attribute_raises():
    """A misspelt name raises AttributeError."""
    try:
        api.TraitsExecuter
    except AttributeError as error:
        assert "TraitsExecuter" in str(error)
    else:
        raise AssertionError("expected AttributeError")
