# SPDX-License-Identifier: BSD-3-Clause
"""ManualEventLoop's virtual clock and its timers."""

import gc
import math
import weakref

import pytest

from traits_jobs.api import ManualEventLoop


class Callback:
    """A callable that records its calls and can be watched with a weak reference."""

    def __init__(self, log: list[str], name: str) -> None:
        self.log = log
        self.name = name

    def __call__(self) -> None:
        self.log.append(self.name)


def test_the_clock_starts_at_zero_and_moves_only_with_advance():
    """time() is 0 at first and moves by exactly what advance() is given."""
    loop = ManualEventLoop()
    assert loop.time() == 0.0
    loop.advance(1.5)
    loop.advance(0.25)
    assert loop.time() == 1.75


def test_advance_runs_the_timers_that_come_due_in_order():
    """Timers run in due order, each at its due time; later ones wait."""
    loop = ManualEventLoop()
    log: list[str] = []
    seen_at: list[float] = []
    loop.call_later(2.0, lambda: (log.append("b"), seen_at.append(loop.time())))
    loop.call_later(1.0, lambda: (log.append("a"), seen_at.append(loop.time())))
    loop.call_later(5.0, Callback(log, "c"))
    assert loop.advance(3.0) == 2
    assert log == ["a", "b"]
    assert seen_at == [1.0, 2.0]
    assert loop.time() == 3.0


def test_timers_due_at_the_same_time_run_in_the_order_they_were_set():
    """Ties are broken by the order of call_later calls."""
    loop = ManualEventLoop()
    log: list[str] = []
    for name in "xyz":
        loop.call_later(1.0, Callback(log, name))
    loop.advance(1.0)
    assert log == ["x", "y", "z"]


def test_a_cancelled_timer_does_not_run():
    """cancel() before the timer is due keeps its callback from running."""
    loop = ManualEventLoop()
    log: list[str] = []
    timer = loop.call_later(1.0, Callback(log, "cancelled"))
    loop.call_later(1.0, Callback(log, "kept"))
    timer.cancel()
    assert loop.advance(2.0) == 1
    assert log == ["kept"]


def test_cancelling_a_timer_releases_its_callback_at_once():
    """A cancelled timer holds nothing, even if the clock never reaches its due time."""
    loop = ManualEventLoop()
    callback = Callback([], "never")
    timer = loop.call_later(1000.0, callback)
    ref = weakref.ref(callback)
    del callback
    timer.cancel()
    gc.collect()
    assert ref() is None


def test_a_fired_timer_releases_its_callback():
    """Once run, a timer no longer refers to its callback; cancelling it then does nothing."""
    loop = ManualEventLoop()
    log: list[str] = []
    callback = Callback(log, "fired")
    timer = loop.call_later(1.0, callback)
    ref = weakref.ref(callback)
    del callback
    loop.advance(1.0)
    gc.collect()
    assert ref() is None
    timer.cancel()
    assert log == ["fired"]


def test_cancelled_timers_do_not_accumulate():
    """Setting and cancelling many timers on a still clock keeps the heap small."""
    loop = ManualEventLoop()
    for _ in range(10_000):
        loop.call_later(60.0, lambda: None).cancel()
    assert len(loop._timers) <= 1


def test_a_timer_set_by_a_timer_runs_in_the_same_advance_if_due():
    """A timer that a timer sets runs within the same advance() when it comes due by its end."""
    loop = ManualEventLoop()
    log: list[str] = []
    loop.call_later(1.0, lambda: (log.append("first"), loop.call_later(1.0, Callback(log, "next"))))
    assert loop.advance(3.0) == 2
    assert log == ["first", "next"]


def test_advance_refuses_a_negative_duration():
    """advance(-1) raises ValueError naming the value."""
    with pytest.raises(ValueError, match="-1"):
        ManualEventLoop().advance(-1)


@pytest.mark.parametrize("seconds", [math.nan, math.inf, "1"])
def test_advance_refuses_a_duration_that_is_not_a_finite_number(seconds):
    """advance() refuses NaN, infinity and non-numbers, naming the value."""
    with pytest.raises(ValueError, match="finite, non-negative"):
        ManualEventLoop().advance(seconds)


def test_the_clock_never_goes_back_when_a_timer_advances_it():
    """A timer that advances the clock itself leaves it at the later time."""
    loop = ManualEventLoop()
    loop.call_later(1.0, lambda: loop.advance(10.0))
    loop.advance(2.0)
    assert loop.time() == 11.0
