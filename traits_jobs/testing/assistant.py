# SPDX-License-Identifier: BSD-3-Clause
"""Running an event loop from a test until something holds."""

from collections.abc import Callable
from typing import Any

from traits.api import HasTraits

from traits_jobs.api import AsyncioEventLoop, IEventLoop

#: Seconds a test waits for anything before it fails.
SAFETY_TIMEOUT = 10.0


def _nothing() -> None:
    pass


def run_until(
    event_loop: IEventLoop,
    obj: HasTraits,
    trait: str,
    condition: Callable[[Any], bool],
    *,
    timeout: float = SAFETY_TIMEOUT,
) -> None:
    """Run ``event_loop`` until ``condition(obj)`` holds. Main thread only.

    The condition is checked at once and after every change of ``trait`` on
    ``obj``.

    Parameters
    ----------
    event_loop : IEventLoop
        The loop that delivers to ``obj`` (``executor.event_loop``).
    obj : HasTraits
        The object to watch, typically a future.
    trait : str
        The name of the trait (or an ``observe`` expression) whose changes may
        make the condition true.
    condition : callable
        ``condition(obj) -> bool``.
    timeout : float
        Seconds to wait at most.

    Raises
    ------
    AssertionError
        If the condition does not hold within ``timeout``.
    """

    def recheck(event: object) -> None:
        event_loop.call_soon_threadsafe(_nothing)

    obj.observe(recheck, trait)
    try:
        holds = event_loop.run_until(lambda: bool(condition(obj)), timeout)
    finally:
        obj.observe(recheck, trait, remove=True)
    if not holds:
        msg = f"Timed out after {timeout} s waiting for a condition on {trait!r} of {obj!r}"
        raise AssertionError(msg)


def exercise_event_loop(event_loop: IEventLoop, *, timeout: float = SAFETY_TIMEOUT) -> None:
    """Run every callback already posted to ``event_loop``. Main thread only.

    A marker callback is posted and the loop runs until it has run; since
    callbacks run in order, everything posted before it has run too.

    Raises
    ------
    AssertionError
        If the marker has not run within ``timeout``.
    """
    ran: list[bool] = []
    event_loop.call_soon_threadsafe(lambda: ran.append(True))
    if not event_loop.run_until(lambda: bool(ran), timeout):
        msg = f"The event loop did not run its pending callbacks within {timeout} s"
        raise AssertionError(msg)


class TestAssistant:
    """unittest mixin: an event loop per test and helpers to run it.

    Examples
    --------
    ::

        class TestSquare(TestAssistant, unittest.TestCase):
            def test_square(self):
                executor = TraitsExecutor(event_loop=self.event_loop)
                future = submit_call(executor, pow, 3, 2)
                self.run_until(future, "done", lambda f: f.done)
                self.assertEqual(future.result, 9)
                executor.shutdown(timeout=SAFETY_TIMEOUT)

    Set ``event_loop_factory`` (a zero-argument callable) to test on another
    loop; the default is a fresh :class:`AsyncioEventLoop`.
    """

    #: Makes the event loop for each test.
    event_loop_factory: Callable[[], IEventLoop] = AsyncioEventLoop

    #: The current test's event loop.
    event_loop: IEventLoop

    def setUp(self) -> None:
        self.event_loop = type(self).event_loop_factory()
        self.event_loop.start()
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        self.event_loop.close()

    @property
    def _event_loop(self) -> IEventLoop:
        """The current test's event loop, under its traits-futures name."""
        return self.event_loop

    def run_until(
        self,
        obj: HasTraits,
        trait: str,
        condition: Callable[[Any], bool],
        timeout: float = SAFETY_TIMEOUT,
    ) -> None:
        """Run the loop until ``condition(obj)`` holds; see :func:`run_until`."""
        run_until(self.event_loop, obj, trait, condition, timeout=timeout)

    def exercise_event_loop(self) -> None:
        """Run the callbacks already posted; see :func:`exercise_event_loop`."""
        exercise_event_loop(self.event_loop)
