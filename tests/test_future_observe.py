# SPDX-License-Identifier: BSD-3-Clause
"""``future.observe()``: the handlers a future keeps itself behave as Traits' own.

Each scenario runs twice on a future driven message by message: once through
``future.observe`` (the future's list for the traits it fires itself) and
once through ``HasTraits.observe`` (Traits' notifiers), and the two records
of what the handlers saw must be equal.
"""

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest
from traits.api import Event, HasStrictTraits, HasTraits, Instance, Int, TraitError, observe
from traits.observation.api import (
    NotifierNotFound,
    TraitChangeEvent,
    pop_exception_handler,
    push_exception_handler,
)

from traits_jobs.api import CallFuture, IterationFuture, ProgressFuture
from traits_jobs.states.messages import Control

Observe = Callable[..., None]
FIRED = ("state", "cancellable", "end_reason", "done")


def fast(future: CallFuture, handler: Any, expression: Any, **options: Any) -> None:
    future.observe(handler, expression, **options)


def traits(future: CallFuture, handler: Any, expression: Any, **options: Any) -> None:
    HasTraits.observe(future, handler, expression, **options)


def run(future: CallFuture, *letters: str) -> None:
    """S: started, R: returned 42, C: cancel(), A: abandoned."""
    for letter in letters:
        if letter == "C":
            future.cancel()
        else:
            kind = {"S": Control.STARTED, "R": Control.RETURNED, "A": Control.ABANDONED}[letter]
            future._receive(kind, 42)


class Log:
    """Handlers that record (tag, name, old, new) and check the event's object."""

    def __init__(self, future: CallFuture) -> None:
        self.future = future
        self.calls: list[tuple[str, str, Any, Any]] = []

    def handler(self, tag: str) -> Callable[[TraitChangeEvent], None]:
        def record(event: TraitChangeEvent) -> None:
            assert type(event) is TraitChangeEvent
            assert event.object is self.future
            self.calls.append((tag, event.name, event.old, event.new))

        return record


def each_fired_trait(names: tuple[str, ...], *letters: str) -> Callable[[Observe], list[Any]]:
    """A scenario: one handler on each of ``names``, in that order, then ``letters``."""

    def scenario(observe_: Observe) -> list[Any]:
        future = CallFuture()
        log = Log(future)
        for name in names:
            observe_(future, log.handler(name), name)
        run(future, *letters)
        return log.calls

    scenario.__name__ = f"{'_'.join(names)}_{''.join(letters)}"
    return scenario


every_fired_trait = each_fired_trait(tuple(reversed(FIRED)), "S", "R")
cancelled_before_start = each_fired_trait(FIRED, "C", "A")


def same_handler_counted(observe_: Observe) -> list[Any]:
    future = CallFuture()
    log = Log(future)
    handler = log.handler("h")
    observe_(future, handler, "state")
    observe_(future, handler, "state")
    run(future, "S")
    observe_(future, handler, "state", remove=True)
    run(future, "R")
    observe_(future, handler, "state", remove=True)
    with pytest.raises(NotifierNotFound):
        observe_(future, handler, "state", remove=True)
    return log.calls


def removed_before_the_change(observe_: Observe) -> list[Any]:
    future = CallFuture()
    log = Log(future)
    kept, removed = log.handler("kept"), log.handler("removed")
    observe_(future, kept, "done")
    observe_(future, removed, "done")
    observe_(future, removed, "done", remove=True)
    run(future, "S", "R")
    return log.calls


def removed_during_the_change(observe_: Observe) -> list[Any]:
    """A handler removed by an earlier one still sees the change in progress."""
    future = CallFuture()
    log = Log(future)
    second = log.handler("second")

    def first(event: TraitChangeEvent) -> None:
        log.calls.append(("first", event.name, event.old, event.new))
        observe_(future, second, "state", remove=True)

    observe_(future, first, "state")
    observe_(future, second, "state")
    run(future, "S", "R")
    return log.calls


class Parent(HasStrictTraits):
    future = Instance(CallFuture)
    calls = Instance(list, ())

    @observe("future:done")
    def _record(self, event: TraitChangeEvent) -> None:
        self.calls.append(("parent", event.name, event.old, event.new))


def parent_in_between(observe_: Observe) -> list[Any]:
    """Handlers, a parent's ``@observe("future:done")``, handlers: called in that order."""
    future = CallFuture()
    log = Log(future)
    observe_(future, log.handler("before"), "done")
    parent = Parent()
    parent.calls = log.calls
    parent.future = future
    observe_(future, log.handler("after"), "done")
    future.on_trait_change(lambda new: log.calls.append(("otc", "done", None, new)), "done")
    observe_(future, log.handler("last"), "done")
    run(future, "S", "R")
    return log.calls


def parent_first(observe_: Observe) -> list[Any]:
    future = CallFuture()
    log = Log(future)
    parent = Parent()
    parent.calls = log.calls
    parent.future = future
    observe_(future, log.handler("mine"), "done")
    run(future, "S", "R")
    parent.future = None
    return log.calls


class Owner:
    def __init__(self, calls: list[Any]) -> None:
        self.calls = calls

    def on_done(self, event: TraitChangeEvent) -> None:
        self.calls.append(("owner", event.name, event.old, event.new))


def bound_method_of_a_dead_object(observe_: Observe) -> list[Any]:
    """A bound method is held weakly: once its object is gone it is muted."""
    future = CallFuture()
    log = Log(future)
    kept, dropped = Owner(log.calls), Owner(log.calls)
    observe_(future, kept.on_done, "done")
    observe_(future, dropped.on_done, "done")
    del dropped
    gc.collect()
    run(future, "S", "R")
    return log.calls


def raising_handler(observe_: Observe) -> list[Any]:
    """With the exception handler logging: a raising handler never stops the others."""
    future = CallFuture()
    log = Log(future)

    def boom(event: TraitChangeEvent) -> None:
        log.calls.append(("boom", event.name, event.old, event.new))
        raise ZeroDivisionError

    seen: list[Any] = []
    push_exception_handler(handler=seen.append, reraise_exceptions=False)
    try:
        observe_(future, boom, "state")
        observe_(future, log.handler("next"), "state")
        observe_(future, log.handler("done"), "done")
        run(future, "S", "R")
    finally:
        pop_exception_handler()
    return [*log.calls, *(("handled", e.name, e.old, e.new) for e in seen)]


def reraising_handler(observe_: Observe) -> list[Any]:
    """With reraise (as in tests): the trait's later handlers are skipped, the others run."""
    future = CallFuture()
    log = Log(future)

    def boom(event: TraitChangeEvent) -> None:
        log.calls.append(("boom", event.name, event.old, event.new))
        raise ZeroDivisionError

    push_exception_handler(handler=lambda event: None, reraise_exceptions=True)
    try:
        observe_(future, boom, "state")
        observe_(future, log.handler("skipped"), "state")
        observe_(future, log.handler("done"), "done")
        for letter in "SR":
            with pytest.raises(ZeroDivisionError):
                run(future, letter)
    finally:
        pop_exception_handler()
    return log.calls


def async_handler(observe_: Observe) -> list[Any]:
    """An ``async def`` handler runs as a task of the running asyncio loop."""

    async def main() -> list[Any]:
        future = CallFuture()
        log = Log(future)
        record = log.handler("async")

        async def handler(event: TraitChangeEvent) -> None:
            record(event)

        observe_(future, handler, "done")
        run(future, "S", "R")
        assert log.calls == []
        await asyncio.sleep(0)
        return log.calls

    return asyncio.run(main())


def items_and_progress(observe_: Observe) -> list[Any]:
    """result_event and progress: each item, in order, around the state changes."""
    iteration, progress = IterationFuture(), ProgressFuture()
    log = Log(iteration)
    for future, name in ((iteration, "result_event"), (progress, "progress")):
        log.future = future
        observe_(future, log.handler(name), name)
        observe_(future, log.handler("state"), "state")
        run(future, "S")
        kind = "generated" if name == "result_event" else "progress"
        for item in (1, 1, None):
            future._receive(kind, item)
        run(future, "R")
    return log.calls


class TypedItems(IterationFuture):
    result_event = Event(Int)


def typed_event_refusing_a_value(observe_: Observe) -> list[Any]:
    """An Event with a type refuses a value before any handler sees it."""
    future = TypedItems()
    log = Log(future)
    observe_(future, log.handler("item"), "result_event")
    run(future, "S")
    future._receive("generated", 1)
    with pytest.raises(TraitError):
        future._receive("generated", "not an int")
    return log.calls


def observed_by_a_handler(observe_: Observe) -> list[Any]:
    """A handler of ``state`` that observes ``done`` hears the same transition's ``done``."""
    future = CallFuture()
    log = Log(future)

    def on_state(new: str) -> None:
        log.calls.append(("state", "state", None, new))
        if new == "completed":
            observe_(future, log.handler("late"), "done")

    # Not kept by the future: nothing is kept when the transition starts.
    future.on_trait_change(on_state, "state")
    run(future, "S", "R")
    return log.calls


SCENARIOS = [
    observed_by_a_handler,
    items_and_progress,
    typed_event_refusing_a_value,
    async_handler,
    every_fired_trait,
    cancelled_before_start,
    same_handler_counted,
    removed_before_the_change,
    removed_during_the_change,
    parent_in_between,
    parent_first,
    bound_method_of_a_dead_object,
    raising_handler,
    reraising_handler,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_handlers_see_what_traits_notifiers_see(scenario: Callable[[Observe], list[Any]]) -> None:
    expected = scenario(traits)
    assert expected, "the scenario observed nothing"
    assert scenario(fast) == expected


def test_the_fired_traits_are_kept_by_the_future_and_no_traits_notifier_is_made() -> None:
    future = CallFuture()
    for name in FIRED:
        future.observe(lambda event: None, name)
    assert [entry[0] for entry in future._observers] == list(FIRED)
    for name in FIRED:
        assert not future._trait(name, 0)._notifiers(False)
    assert future._trait("trait_added", 0) is CallFuture()._trait("trait_added", 0)


@pytest.mark.parametrize(
    ("expression", "options"),
    [("done", {"dispatch": "ui"}), (["done"], {}), ("state,done", {}), ("status", {})],
)
def test_other_expressions_and_dispatch_go_to_traits(expression: Any, options: Any) -> None:
    future = CallFuture()
    future.observe(lambda event: None, expression, **options)
    assert future._observers is None


@pytest.mark.parametrize("observe_", [fast, traits], ids=["future", "traits"])
def test_a_handler_that_is_not_callable_is_refused(observe_: Observe) -> None:
    with pytest.raises(ValueError, match="handler must be a callable"):
        observe_(CallFuture(), "not callable", "done")


def test_a_handler_observed_here_runs_before_done_callbacks() -> None:
    future = CallFuture()
    order: list[str] = []
    future.add_done_callback(lambda f: order.append("callback"))
    future.observe(lambda event: order.append("observer") if event.new else None, "done")
    run(future, "S", "R")
    assert order == ["observer", "callback"]


@pytest.mark.parametrize(
    ("future_class", "name", "kept"),
    [
        (IterationFuture, "result_event", True),
        (ProgressFuture, "progress", True),
        (TypedItems, "result_event", False),
        (IterationFuture, "status", False),
    ],
)
def test_untyped_item_events_are_kept_by_the_future(
    future_class: Any, name: str, kept: bool
) -> None:
    future = future_class()
    future.observe(lambda event: None, name)
    assert (future._observers is not None) is kept
    assert bool(future._trait(name, 0)._notifiers(False)) is not kept


def test_kept_handlers_are_not_copied_with_the_traits() -> None:
    """As Traits' notifiers: copy_traits and the pickled state leave the handlers behind."""
    future = CallFuture()
    future.observe(lambda event: None, "done")
    copy = CallFuture()
    copy.copy_traits(future)
    assert copy._observers is None
    assert "_observers" not in future.__getstate__()
