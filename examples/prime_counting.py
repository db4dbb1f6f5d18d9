# SPDX-License-Identifier: BSD-3-Clause
"""Count primes in the background, with a progress bar and a Cancel button.

Run ``python examples/prime_counting.py``. With a display it opens the
window; without one (or with ``QT_QPA_PLATFORM=offscreen``) it takes a
scripted tour: one count to the end, with a screenshot saved under
``--screenshots DIR`` (default ``screenshots/``), then one count cancelled
at its first progress report.
"""

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# Importing traitsui.api creates the QApplication, and Qt aborts the process
# when it finds no display, so both choices must precede that import.
os.environ.setdefault("ETS_TOOLKIT", "qt")
if not _has_display():
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

from traits.api import (  # noqa: E402
    Bool,
    Button,
    HasStrictTraits,
    Instance,
    Int,
    Property,
    Range,
    Str,
    observe,
)
from traits.api import Callable as CallableTrait  # noqa: E402
from traitsui.api import HGroup, Item, ProgressEditor, View  # noqa: E402

from traits_jobs.api import (  # noqa: E402
    CANCELLED,
    COMPLETED,
    ProgressFuture,
    TraitsExecutor,
    submit_progress,
)
from traits_jobs.testing import run_until  # noqa: E402

#: Big enough for the tour's count to take about a second.
TOUR_LIMIT = 400_000


def is_prime(n: int) -> bool:
    """Return True if ``n`` is prime, by trial division."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    return all(n % d for d in range(3, math.isqrt(n) + 1, 2))


def count_primes(limit: int, progress: Callable[[Any], None]) -> int:
    """Count the primes below ``limit``, reporting ``(done, limit)`` every 1%.

    Parameters
    ----------
    limit : int
        Primes ``p < limit`` are counted.
    progress : callable
        Supplied by ``submit_progress``; raises ``TaskCancelled`` once the
        job is cancelled, which ends the count.

    Returns
    -------
    int
    """
    step = max(1, limit // 100)
    count = 0
    for start in range(0, limit, step):
        stop = min(start + step, limit)
        count += sum(1 for n in range(start, stop) if is_prime(n))
        progress((stop, limit))
    return count


class PrimeCounter(HasStrictTraits):
    """Model and view of the prime-counting application."""

    #: Runs the counts; owned by whoever creates the counter.
    executor = Instance(TraitsExecutor)

    #: Primes below this number are counted.
    limit = Range(low=2, high=100_000_000, value=1_000_000)

    #: ``fn(limit, progress) -> int`` run in the background; replaceable so
    #: that tests can hold the job at a known point.
    count_function = CallableTrait(count_primes)

    #: The current (or last) count.
    future = Instance(ProgressFuture)

    #: Percentage of the range examined.
    percent = Int(0)

    #: What happened last, for the user.
    message = Str("Choose a limit and press Count.")

    count = Button("Count")
    cancel = Button("Cancel")

    #: True while a count is under way.
    running = Property(Bool, observe="future.done")

    #: True while the current count can still be cancelled.
    cancellable = Property(Bool, observe="future.cancellable")

    traits_view = View(
        Item("limit", enabled_when="not running"),
        Item("percent", show_label=False, editor=ProgressEditor(min=0, max=100)),
        Item("message", show_label=False, style="readonly"),
        HGroup(
            Item("count", show_label=False, enabled_when="not running"),
            Item("cancel", show_label=False, enabled_when="cancellable"),
        ),
        title="Prime counting",
        resizable=True,
        width=400,
    )

    def _get_running(self) -> bool:
        return self.future is not None and not self.future.done

    def _get_cancellable(self) -> bool:
        return self.future is not None and self.future.cancellable

    def start(self) -> ProgressFuture:
        """Start counting the primes below ``limit``. Main thread only.

        Raises
        ------
        ValueError
            If the counter has no executor.
        """
        executor = self.executor
        if executor is None:
            msg = "PrimeCounter has no executor; create it with executor=TraitsExecutor()."
            raise ValueError(msg)
        self.percent = 0
        self.message = f"Counting primes below {self.limit:,}..."
        self.future = submit_progress(executor, self.count_function or count_primes, self.limit)
        return self.future

    @observe("count")
    def _start_count(self, event: object) -> None:
        self.start()

    @observe("cancel")
    def _cancel_count(self, event: object) -> None:
        if self.future is not None:
            self.future.cancel()

    @observe("future:progress")
    def _show_progress(self, event: Any) -> None:
        done, total = event.new
        self.percent = 100 * done // total

    @observe("future:done")
    def _show_outcome(self, event: Any) -> None:
        future = event.object
        if future.state == COMPLETED:
            self.percent = 100
            self.message = f"{future.result:,} primes below {self.limit:,}."
        elif future.state == CANCELLED:
            self.message = "Cancelled"
        else:
            self.message = f"Failed: {future.exception[1]}"


def _tour(screenshots: Path) -> int:
    """Count to the end with a screenshot, then cancel a count; return 0."""
    executor = TraitsExecutor()
    counter = PrimeCounter(executor=executor, limit=TOUR_LIMIT)
    ui = counter.edit_traits()
    try:
        started = time.perf_counter()
        future = counter.start()
        run_until(executor.event_loop, future, "done", lambda f: f.done, timeout=60)
        elapsed = time.perf_counter() - started
        screenshots.mkdir(parents=True, exist_ok=True)
        path = screenshots / "prime_counting.png"
        if not ui.control.grab().save(str(path)):
            print(f"Could not save the screenshot to {path}", file=sys.stderr)
            return 1
        print(f"Count {future.state}: {future.result:,} primes below {TOUR_LIMIT:,}")
        print(f"Elapsed: {elapsed:.2f} s")
        print(f"Screenshot: {path}")

        second = counter.start()
        second.observe(lambda event: second.cancel(), "progress")
        run_until(executor.event_loop, second, "done", lambda f: f.done, timeout=60)
        print(f"Second count, cancelled at its first report, ended {second.state}")
    finally:
        ui.dispose()
        executor.shutdown(timeout=10)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Open the window, or take the scripted tour when there is no display.

    Returns
    -------
    int
        The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, default=Path("screenshots"))
    args = parser.parse_args(argv)
    if not _has_display():
        return _tour(args.screenshots)
    executor = TraitsExecutor()
    try:
        PrimeCounter(executor=executor).configure_traits()
    finally:
        # configure_traits() returns when the window closes: cancel what is
        # still counting and wait, so no worker outlives the application.
        executor.shutdown(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
