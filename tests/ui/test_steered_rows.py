# SPDX-License-Identifier: BSD-3-Clause
"""Rows of loop and pausable jobs: counts, and Pause/Resume, in JobRow and JobsPanel.

The loops here run on a :class:`SteppedClock`: virtual time that moves only
when a loop iteration says it took time or when the test lets the loop's
wait between two iterations end, so their iteration and missed counts are
exact. The iteration jobs yield an item per token the test releases.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from traits.observation.api import anytrait

from tests._support import wait_done, wait_for
from tests.ui.test_jobs_panel import WAIT_MS, click, control, panel_view, row_ui
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    STOPPED,
    submit_call,
    submit_iteration,
    submit_loop,
)
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.api import JobRow
from traits_jobs.ui.job_row import count_text


class SteppedClock:
    """A loop clock whose time moves only as the test and the loop body say.

    Each ``sleep`` of the loop waits for a step the test gives with
    :meth:`step`, then moves the time on by the seconds it was asked to
    sleep. A stop or cancel request ends the wait (``ctx.wait_for``).
    """

    def __init__(self) -> None:
        self.time = 0.0
        self.steps = 0
        self.condition = threading.Condition()

    def now(self) -> float:
        with self.condition:
            return self.time

    def sleep(self, ctx: Any, seconds: float) -> None:
        with self.condition:
            ctx.wait_for(self.condition, lambda: self.steps > 0)
            self.steps -= 1
            self.time += seconds

    def advance(self, seconds: float) -> None:
        """Move the time on: an iteration that takes ``seconds``."""
        with self.condition:
            self.time += seconds

    def step(self, count: int = 1) -> None:
        """Let ``count`` waits between iterations end."""
        with self.condition:
            self.steps += count
            self.condition.notify_all()


def timed_body(clock: SteppedClock, durations: list[float]) -> Any:
    """A loop body whose iterations take ``durations`` seconds of the clock, then none."""
    remaining = iter(durations)

    def body(ctx: Any) -> None:
        clock.advance(next(remaining, 0.0))

    return body


def start_overrunning_loop(executor: Any, **options: Any) -> tuple[Any, SteppedClock]:
    """A loop of period 1 whose second iteration takes 2.5: 2 iterations, 2 slots missed.

    Iteration 1 runs at 0 and waits for a step; iteration 2 then starts on
    the slot at 1 and ends at 3.5, past the slots at 2 and 3 (skip: it waits
    for 4). Returns once the future shows both counts.
    """
    clock = SteppedClock()
    future = submit_loop(
        executor, timed_body(clock, [0.0, 2.5]), period=1.0, clock=clock, **options
    )
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 1)
    clock.step()
    wait_for(executor, future, "missed_count", lambda f: f.missed_count == 2)
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 2)
    return future, clock


class Gate:
    """Lets a generator produce one item per token, and tells when it asks for one."""

    def __init__(self) -> None:
        self.tokens = threading.Semaphore(0)
        self.asked = threading.Semaphore(0)

    def release(self, count: int = 1) -> None:
        """Let the generator produce ``count`` more items."""
        self.tokens.release(count)

    def wait_asked(self) -> None:
        """Wait until the generator asks for its next item.

        It is then inside ``next()``, past the job's checkpoint before that
        item: a pause asked for now is reached after the item.
        """
        assert self.asked.acquire(timeout=SAFETY_TIMEOUT), "the generator asked for no item"


def gated_items(gate: Gate) -> Iterator[int]:
    """Yield 1, 2, 3, ..., one per token released on ``gate``."""
    count = 0
    while True:
        gate.asked.release()
        assert gate.tokens.acquire(timeout=SAFETY_TIMEOUT), "the test released no token"
        count += 1
        yield count


@contextmanager
def gated_iteration(executor: Any, **options: Any) -> Iterator[tuple[Any, Gate]]:
    """An iteration job over gated_items; cancelled and let go after the block."""
    gate = Gate()
    future = submit_iteration(executor, gated_items, gate, **options)
    try:
        yield future, gate
    finally:
        future.cancel()
        gate.release(1_000)  # the generator may wait for a token: let it reach a yield
        wait_done(executor, future)


def stop_and_wait(executor: Any, future: Any) -> None:
    future.stop()
    wait_done(executor, future)
    assert (future.state, future.end_reason) == (COMPLETED, STOPPED)


# -- JobRow, on every event loop ---------------------------------------------


def test_loop_row_counts_on_refresh_not_per_iteration(executor):
    """A loop's row reads its counts and writes its message at refresh(), not at each iteration."""
    clock = SteppedClock()
    future = submit_loop(executor, timed_body(clock, [0.0, 2.5]), period=1.0, clock=clock)
    row = JobRow(future)
    assert (row.kind, row.is_loop, row.pausable) == ("loop", True, True)
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 1)
    clock.step()
    wait_for(executor, future, "missed_count", lambda f: f.missed_count == 2)
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 2)
    # Between two refreshes the row does not follow the counts.
    assert (row.iterations, row.missed) == (0, 0)
    row.refresh()
    assert (row.iterations, row.missed) == (2, 2)
    assert row.message == "2 iterations, 2 missed" == count_text(2, 2)
    stop_and_wait(executor, future)
    # The end refreshes the row: the final counts.
    assert (row.iterations, row.missed, row.done) == (2, 2, True)
    row.dispose()


def test_rows_of_other_jobs_are_neither_loops_nor_pausable(executor):
    """A call job's row has no counts and no pause; an iteration's can pause."""
    call = JobRow(submit_call(executor, pow, 2, 3))
    assert (call.is_loop, call.pausable) == (False, False)
    assert not call.pause() and not call.resume()
    with gated_iteration(executor) as (future, _gate):
        iteration = JobRow(future)
        assert (iteration.is_loop, iteration.pausable) == (False, True)
        iteration.dispose()
    wait_done(executor, call.future)
    call.dispose()


def test_row_pauses_and_resumes_an_iteration(executor):
    """pause() asks (label "Resume" at once); paused follows the job; resume() undoes both."""
    with gated_iteration(executor) as (future, gate):
        row = JobRow(future)
        gate.release()
        assert executor.event_loop.run_until(lambda: refreshed_items(row) == 1, SAFETY_TIMEOUT)
        gate.wait_asked()  # for item 1
        gate.wait_asked()  # for item 2: the pause comes after it
        assert row.pause()
        assert (row.pause_requested, row.paused, row.pause_label) == (True, False, "Resume")
        gate.release()
        wait_for(executor, row, "paused", lambda r: r.paused)
        assert future.paused and row.items == 2 and row.pause_label == "Resume"
        assert row.resume()
        assert row.pause_label == "Resume"  # until the job runs again
        wait_for(executor, row, "paused", lambda r: not r.paused)
        assert (row.pause_requested, row.pause_label) == (False, "Pause")
        gate.release()
        assert executor.event_loop.run_until(lambda: refreshed_items(row) == 3, SAFETY_TIMEOUT)
        row.dispose()


def refreshed_items(row: JobRow) -> int:
    """The row's item count once refreshed, as a panel's timer refreshes it."""
    row.refresh()
    return row.items


def test_row_shows_the_item_count_on_refresh_only(executor):
    """Items are counted as they arrive, but items and message change on refresh().

    A view re-evaluates its conditions at every change of a row's traits:
    an item delivered must change none of them.
    """
    with gated_iteration(executor) as (future, gate):
        row = JobRow(future)
        delivered = []
        future.observe(delivered.append, "result_event")
        assert executor.event_loop.run_until(lambda: row.state == "executing", SAFETY_TIMEOUT)
        changes = []
        row.observe(changes.append, anytrait())
        gate.release(2)
        assert executor.event_loop.run_until(lambda: len(delivered) == 2, SAFETY_TIMEOUT)
        assert (row.items, row.message, changes) == (0, "", [])
        row.refresh()
        assert (row.items, row.message) == (2, "2 items")
        row.dispose()
        gate.release()
        assert executor.event_loop.run_until(lambda: len(delivered) == 3, SAFETY_TIMEOUT)
        row.refresh()
        assert row.items == 2  # disposed: no longer counting


def test_row_follows_a_pause_made_elsewhere(executor):
    """The future paused and resumed directly: the row's paused and label follow."""
    with gated_iteration(executor) as (future, gate):
        row = JobRow(future)
        gate.wait_asked()
        future.pause()
        gate.release()
        wait_for(executor, row, "paused", lambda r: r.paused)
        assert (row.pause_requested, row.pause_label) == (False, "Resume")
        future.resume()
        wait_for(executor, row, "paused", lambda r: not r.paused)
        assert row.pause_label == "Pause"
        row.dispose()


def test_row_of_a_job_ended_while_paused_shows_it_is_not(executor):
    """Cancelling a paused job: the row's paused goes False, Pause comes back, disabled."""
    with gated_iteration(executor) as (future, gate):
        row = JobRow(future)
        gate.wait_asked()
        row.pause()
        gate.release()
        wait_for(executor, row, "paused", lambda r: r.paused)
        future.cancel()
        wait_done(executor, future)
        assert (row.state, row.paused, row.pause_requested) == (CANCELLED, False, False)
        assert row.pause_label == "Pause" and not row.cancellable
        assert not row.pause()
        row.dispose()


def test_pause_never_reached_is_forgotten_when_the_job_ends(executor):
    """Cancelled after pause() but before its checkpoint: the row says Pause again."""
    with gated_iteration(executor) as (future, gate):
        row = JobRow(future)
        gate.wait_asked()
        assert row.pause() and row.pause_label == "Resume"
        future.cancel()
        gate.release()
        wait_done(executor, future)
        assert (row.state, row.paused, row.pause_requested) == (CANCELLED, False, False)
        assert row.pause_label == "Pause"
        row.dispose()


# -- JobsPanel, in its view ----------------------------------------------------


def test_panel_row_of_a_loop_shows_its_counts(qtbot, qt_executor):
    """The refresh timer brings a loop's counts to its row; the bar's label shows them."""
    with panel_view(executor=qt_executor) as (panel, ui):
        future, _clock = start_overrunning_loop(qt_executor, name="sensor loop")
        row = panel.rows[0]
        assert row.future is future
        # No refresh() here: the panel's timer does it.
        qtbot.waitUntil(lambda: (row.iterations, row.missed) == (2, 2), timeout=WAIT_MS)
        assert control(row_ui(ui, 0), "kind").text() == "loop"
        (progress,) = row_ui(ui, 0).get_editors("future")
        qtbot.waitUntil(lambda: progress._label.text() == "2 iterations, 2 missed", timeout=WAIT_MS)
        stop_and_wait(qt_executor, future)
        assert row.message == "2 iterations, 2 missed"


def test_panel_pause_button_pauses_and_resumes_a_loop(qtbot, qt_executor):
    """The loop row's button says Pause; a click pauses the loop (Resume), another resumes it."""
    with panel_view(executor=qt_executor) as (panel, ui):
        future, clock = start_overrunning_loop(qt_executor)
        row = panel.rows[0]
        button = control(row_ui(ui, 0), "pause_button")
        assert not button.isHidden() and button.isEnabled()
        assert button.text() == "Pause"
        click(qtbot, button)
        qtbot.waitUntil(lambda: button.text() == "Resume", timeout=WAIT_MS)
        assert row.pause_requested and not future.paused
        # The loop waits for its next slot; it pauses before that iteration.
        clock.step()
        qtbot.waitUntil(lambda: future.paused, timeout=WAIT_MS)
        assert row.paused and button.text() == "Resume" and button.isEnabled()
        assert future.iteration_count == 2
        click(qtbot, button)
        qtbot.waitUntil(lambda: not future.paused, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: button.text() == "Pause", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: future.iteration_count == 3, timeout=WAIT_MS)
        stop_and_wait(qt_executor, future)
        qtbot.waitUntil(lambda: not button.isEnabled(), timeout=WAIT_MS)


def test_panel_pause_button_pauses_and_resumes_an_iteration(qtbot, qt_executor):
    """An iteration's row has the button too: paused, no item comes; resumed, they do."""
    with panel_view(executor=qt_executor) as (panel, ui):
        with gated_iteration(qt_executor, name="frames") as (future, gate):
            row = panel.rows[0]
            button = control(row_ui(ui, 0), "pause_button")
            gate.wait_asked()
            click(qtbot, button)
            qtbot.waitUntil(lambda: button.text() == "Resume", timeout=WAIT_MS)
            gate.release()
            qtbot.waitUntil(lambda: future.paused, timeout=WAIT_MS)
            assert row.items == 1
            gate.release()  # a token for when it runs again
            click(qtbot, button)
            qtbot.waitUntil(lambda: row.items == 2 and button.text() == "Pause", timeout=WAIT_MS)
            assert not future.paused


def test_panel_rows_of_other_jobs_have_no_pause_button(qtbot, qt_executor):
    """A call job's row hides the button; its other columns stay as they were."""
    release = threading.Event()
    with panel_view(executor=qt_executor) as (panel, ui):
        future = submit_call(qt_executor, release.wait, SAFETY_TIMEOUT)
        qtbot.waitUntil(lambda: len(panel.rows) == 1, timeout=WAIT_MS)
        assert control(row_ui(ui, 0), "pause_button").isHidden()
        assert not control(row_ui(ui, 0), "cancel_button").isHidden()
        release.set()
        wait_done(qt_executor, future)
