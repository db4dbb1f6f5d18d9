# SPDX-License-Identifier: BSD-3-Clause
"""@background: device methods submit themselves and return their future at once."""

import asyncio
import threading

import pytest
from traits.api import Any, HasTraits, Instance, Str

from tests._support import wait_done, wait_for
from traits_jobs.api import (
    CallFuture,
    CoroutineFuture,
    IterationFuture,
    ResourceConflictError,
    TraitsExecutor,
    background,
    submit_coroutine,
)
from traits_jobs.testing import SAFETY_TIMEOUT


class Stage(HasTraits):
    executor = Instance(TraitsExecutor)
    position = Any(0)
    log = Any()

    def _log_default(self):
        return []

    @background(resources={"stage"})
    async def move(self, target, *, speed=1):
        await asyncio.sleep(0)
        self.position = target
        self.log.append(("move", target, speed))
        return target

    @background
    def home(self):
        self.log.append(("home", threading.current_thread().name))
        return 0

    @background(name="scan")
    def scan(self, points):
        yield from range(points)


class Camera(HasTraits):
    runner = Instance(TraitsExecutor)
    model = Str("cam")

    @background(executor="runner", timeout=SAFETY_TIMEOUT)
    def snap(self, timeout=1.0):
        return self.model, timeout


def test_each_kind_of_method_becomes_its_kind_of_job(executor):
    """async def -> coroutine job, generator -> iteration, anything else -> call."""
    stage = Stage(executor=executor)
    moved = stage.move(10, speed=3)
    homed = stage.home()
    scanned = stage.scan(3)
    assert isinstance(moved, CoroutineFuture)
    assert isinstance(homed, CallFuture)
    assert isinstance(scanned, IterationFuture)
    for future in (moved, homed, scanned):
        wait_done(executor, future)
    assert moved.result == 10
    assert ("move", 10, 3) in stage.log
    assert homed.result == 0
    assert (moved.name, homed.name, scanned.name) == ("Stage.move", "Stage.home", "scan")


def test_options_apply_to_every_call(executor):
    """resources= given to the decorator: a second move conflicts with the first."""
    stage = Stage(executor=executor)
    gate = threading.Event()

    async def hold():
        await asyncio.to_thread(gate.wait, SAFETY_TIMEOUT)

    holder = submit_coroutine(executor, hold, resources={"stage"})
    with pytest.raises(ResourceConflictError):
        stage.move(1)
    gate.set()
    wait_done(executor, holder)


def test_arguments_named_like_options_go_to_the_method(executor):
    """A method's own timeout= argument is the method's, not the job's."""
    camera = Camera(runner=executor, model="ccd")
    future = camera.snap(timeout=0.5)
    wait_done(executor, future)
    assert future.result == ("ccd", 0.5)


def test_awaiting_a_background_method_inside_a_coroutine_job(executor):
    """await stage.move(10) inside another coroutine job waits for that job."""
    stage = Stage(executor=executor)

    async def sequence():
        first = await stage.move(5)
        second = await stage.move(7)
        return first, second, stage.position

    future = submit_coroutine(executor, sequence)
    wait_done(executor, future)
    assert future.result == (5, 7, 7)


def test_awaiting_a_failed_job_raises_its_error(executor):
    """The awaited job's exception is raised at the await."""

    class Broken(HasTraits):
        executor = Instance(TraitsExecutor)

        @background
        def fail(self):
            raise OSError("limit switch")

    broken = Broken(executor=executor)

    async def caller():
        try:
            await broken.fail()
        except OSError as error:
            return str(error)

    future = submit_coroutine(executor, caller)
    wait_done(executor, future)
    assert future.result == "limit switch"


def test_without_an_executor_the_call_says_so():
    """A device with no executor raises naming the attribute."""
    with pytest.raises(RuntimeError, match=r"self\.executor, which is None"):
        Stage().home()


def test_bad_decorations_fail_where_they_are_written():
    """Unknown options, bad values and a non-str executor fail at decoration."""
    with pytest.raises(TypeError, match="unknown job option"):
        background(speed=3)
    with pytest.raises(ValueError):
        background(timeout=-1)
    with pytest.raises(TypeError, match="attribute"):
        background(executor=3)


def test_the_method_keeps_its_name_and_doc():
    """functools.wraps: the decorated method still reads as itself."""
    assert Stage.move.__name__ == "move"
    assert Stage.home.__qualname__ == "Stage.home"


def test_cancelling_a_sequence_cancels_the_step_it_awaits(executor):
    """As with asyncio tasks: cancelling the awaiting job cancels the job it awaits."""
    step_entered = threading.Event()

    class Slow(HasTraits):
        executor = Instance(TraitsExecutor)

        @background
        async def step(self):
            step_entered.set()
            await asyncio.sleep(3600)

    slow = Slow(executor=executor)
    steps = []

    async def sequence():
        future = slow.step()
        steps.append(future)
        await future

    outer = submit_coroutine(executor, sequence)
    assert step_entered.wait(10)
    wait_for(executor, outer, "state", lambda f: f.state == "executing")
    outer.cancel()
    wait_done(executor, outer)
    (inner,) = steps
    wait_done(executor, inner)
    assert outer.state == inner.state == "cancelled"
