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


def test_ui_api_exports_match_its_docstring():
    """traits_jobs.ui.api: every exported name imports and is documented."""
    import traits_jobs.ui.api as ui_api

    for name in ui_api.__all__:
        assert getattr(ui_api, name) is not None, name
    documented = set(re.findall(r":(?:class|func|data|exc):`(\w+)`", ui_api.__doc__))
    assert documented == set(ui_api.__all__)


def test_the_core_api_does_not_import_the_ui():
    """Importing traits_jobs.api loads neither traits_jobs.ui nor TraitsUI."""
    import subprocess
    import sys

    code = (
        "import sys, traits_jobs.api; "
        "print(sorted(m for m in sys.modules if m.startswith(('traits_jobs.ui', 'traitsui'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
