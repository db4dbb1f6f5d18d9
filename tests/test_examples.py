# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the example applications under ``examples/``, through their real views."""

import os

# Importing traitsui creates the QApplication, so Qt must be told before.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ETS_TOOLKIT", "qt")

import importlib.util
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from traits_jobs.api import CANCELLED, COMPLETED, EXECUTING, FAILED, TraitsExecutor
from traits_jobs.testing import SAFETY_TIMEOUT, run_until

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# traitsui.api warns on import when numpy, which only its ArrayEditor needs,
# is missing; the examples do not use that editor.


@pytest.fixture(scope="module")
def prime_counting() -> ModuleType:
    """The prime-counting example, imported by path: examples/ is not a package."""
    spec = importlib.util.spec_from_file_location("prime_counting", EXAMPLES / "prime_counting.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HeldCount:
    """A count function that reports ``first_report``, then waits for ``release``."""

    def __init__(self, first_report: Any = None) -> None:
        self.first_report = first_report
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, limit: int, progress: Callable[[Any], None]) -> int:
        if self.first_report is not None:
            progress(self.first_report)
        self.started.set()
        if not self.release.wait(SAFETY_TIMEOUT):
            msg = "the test never released the held count"
            raise TimeoutError(msg)
        progress((limit, limit))
        return -1


@pytest.fixture
def held_count(qt_executor: TraitsExecutor) -> Iterator[HeldCount]:
    """A held count, released before the executor shuts down even if the test fails."""
    held = HeldCount()
    try:
        yield held
    finally:
        held.release.set()


@pytest.fixture
def tester() -> Any:
    """A UITester; imported late so that Qt is configured first."""
    from traitsui.testing.api import UITester

    return UITester()


def click(tester: Any, ui: Any, name: str) -> None:
    """Click the button of trait ``name``."""
    from traitsui.testing.api import MouseClick

    tester.find_by_name(ui, name).perform(MouseClick())


def is_enabled(tester: Any, ui: Any, name: str) -> bool:
    """Whether the editor of trait ``name`` is enabled."""
    from traitsui.testing.api import IsEnabled

    enabled: bool = tester.find_by_name(ui, name).inspect(IsEnabled())
    return enabled


def displayed_message(tester: Any, ui: Any) -> str:
    """The status message as shown in the view."""
    from traitsui.testing.api import DisplayedText

    text: str = tester.find_by_name(ui, "message").inspect(DisplayedText())
    return text


def wait_until_done(executor: TraitsExecutor, counter: Any) -> None:
    """Run the event loop until the counter's current job has ended."""
    run_until(executor.event_loop, counter.future, "done", lambda f: f.done)


def wait_until_executing(executor: TraitsExecutor, counter: Any) -> None:
    """Run the event loop until the counter's current job is known to be running."""
    run_until(executor.event_loop, counter.future, "state", lambda f: f.state == EXECUTING)


def test_count_shows_number_of_primes(prime_counting, qt_executor, tester):
    """Clicking Count shows how many primes lie below the limit."""
    counter = prime_counting.PrimeCounter(executor=qt_executor, limit=10_000)
    with tester.create_ui(counter) as ui:
        click(tester, ui, "count")
        wait_until_done(qt_executor, counter)
        assert counter.future.state == COMPLETED
        assert displayed_message(tester, ui) == "1,229 primes below 10,000."


def test_progress_reports_move_the_bar(prime_counting, qt_executor, held_count, tester):
    """A ``(done, total)`` report sets the progress bar's percentage."""
    held_count.first_report = (1, 4)
    counter = prime_counting.PrimeCounter(executor=qt_executor, count_function=held_count)
    with tester.create_ui(counter) as ui:
        click(tester, ui, "count")
        run_until(qt_executor.event_loop, counter, "percent", lambda c: c.percent == 25)
        held_count.release.set()
        wait_until_done(qt_executor, counter)


def test_cancel_while_running_ends_cancelled(prime_counting, qt_executor, held_count, tester):
    """Clicking Cancel during a count ends it CANCELLED, says so, and disables Cancel."""
    counter = prime_counting.PrimeCounter(executor=qt_executor, count_function=held_count)
    with tester.create_ui(counter) as ui:
        click(tester, ui, "count")
        assert held_count.started.wait(SAFETY_TIMEOUT)
        wait_until_executing(qt_executor, counter)
        click(tester, ui, "cancel")
        held_count.release.set()
        wait_until_done(qt_executor, counter)
        assert counter.future.state == CANCELLED
        assert displayed_message(tester, ui) == "Cancelled"
        assert not is_enabled(tester, ui, "cancel")


def test_failure_shows_error_message(prime_counting, qt_executor, tester):
    """A count that raises shows the exception's message."""

    def fail(limit: int, progress: Callable[[Any], None]) -> int:
        msg = f"cannot count below {limit}"
        raise ValueError(msg)

    counter = prime_counting.PrimeCounter(executor=qt_executor, limit=50, count_function=fail)
    with tester.create_ui(counter) as ui:
        click(tester, ui, "count")
        wait_until_done(qt_executor, counter)
        assert counter.future.state == FAILED
        assert displayed_message(tester, ui) == "Failed: cannot count below 50"


def test_cancel_disabled_before_any_job(prime_counting, qt_executor, tester):
    """Before the first count there is nothing to cancel."""
    counter = prime_counting.PrimeCounter(executor=qt_executor)
    with tester.create_ui(counter) as ui:
        assert is_enabled(tester, ui, "count")
        assert not is_enabled(tester, ui, "cancel")


def test_cancel_enabled_while_job_runs(prime_counting, qt_executor, held_count, tester):
    """Cancel is enabled while a count is running."""
    counter = prime_counting.PrimeCounter(executor=qt_executor, count_function=held_count)
    with tester.create_ui(counter) as ui:
        click(tester, ui, "count")
        wait_until_executing(qt_executor, counter)
        assert is_enabled(tester, ui, "cancel")
        held_count.release.set()
        wait_until_done(qt_executor, counter)


def test_count_disabled_while_job_runs_and_enabled_after(
    prime_counting, qt_executor, held_count, tester
):
    """Count is disabled while a count runs and enabled again once it ends."""
    counter = prime_counting.PrimeCounter(executor=qt_executor, count_function=held_count)
    with tester.create_ui(counter) as ui:
        click(tester, ui, "count")
        wait_until_executing(qt_executor, counter)
        assert not is_enabled(tester, ui, "count")
        held_count.release.set()
        wait_until_done(qt_executor, counter)
        assert is_enabled(tester, ui, "count")


@pytest.mark.timeout(150)
def test_prime_counting_tour_without_display(tmp_path):
    """Without a display the example counts, cancels, saves a screenshot and exits 0."""
    from pyface.qt.QtGui import QImage

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    screenshots = tmp_path / "shots"
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "prime_counting.py"), "--screenshots", str(screenshots)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "33,860 primes" in completed.stdout
    assert "ended cancelled" in completed.stdout
    image = QImage(str(screenshots / "prime_counting.png"))
    assert not image.isNull()
    colours = {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}
    assert len(colours) > 1
