# SPDX-License-Identifier: BSD-3-Clause
"""What a future offers beyond its traits: callbacks, waiting, awaiting, combining.

A mixin of :class:`~traits_jobs.api.BaseFuture`; it relies on the future's
``done``, ``_wait``, ``_done_callbacks``, ``_run_callback`` and
``_outcome_or_raise``.
"""

import asyncio
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from traits_jobs.states.exceptions import WaitTimeoutError
from traits_jobs.states.seconds import check_seconds

if TYPE_CHECKING:
    from traits_jobs.jobs.base_future import BaseFuture


class FutureWaiting:
    """Done callbacks, ``wait()``, ``await`` and ``&``/``|`` for futures."""

    # Provided by BaseFuture.
    done: bool
    _wait: Any
    _done_callbacks: Any
    _run_callback: Callable[..., None]
    _outcome_or_raise: Callable[[], Any]

    def add_done_callback(self, fn: Callable[["BaseFuture"], object]) -> None:
        """Call ``fn(future)`` once the future is done. Main thread only.

        The callback runs on the main thread after the final state is set
        and its observers have run; at once if the future is done already.
        An exception in a callback is logged with its traceback; it never
        reaches the caller and never stops the other callbacks.

        Raises
        ------
        TypeError
            If ``fn`` is not callable.
        """
        if not callable(fn):
            msg = f"add_done_callback() expected a callable, got {type(fn).__name__}"
            raise TypeError(msg)
        if self.done:
            self._run_callback(fn)
            return
        if self._done_callbacks is None:
            self._done_callbacks = []
        self._done_callbacks.append(fn)

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the future is done; return its result. Any thread.

        On the main thread the event loop runs meanwhile, so messages keep
        arriving and this cannot deadlock (observers of any future may run
        inside this call). On another thread it simply blocks.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most; None (or ``math.inf``) waits for as long
            as it takes.

        Returns
        -------
        object
            The future's ``result``.

        Raises
        ------
        WaitTimeoutError
            If the wait expired; the job goes on.
        JobCancelledError
            If the future ended CANCELLED.
        BaseException
            The job's own exception object, if it failed.
        RuntimeError
            If the future was never submitted, or its event loop cannot run
            here (an asyncio loop already running: ``await`` instead).
        TypeError, ValueError
            If ``timeout`` is not a number of seconds, or is negative.
        """
        timeout = check_seconds("timeout", timeout, allow_none=True)
        if not self.done:
            wait = self._wait
            if wait is None:
                msg = f"{self!r} was not submitted to an executor: nothing to wait for."
                raise RuntimeError(msg)
            if not wait(self, timeout):
                msg = f"{self!r} was not done after waiting {timeout} s; the job goes on."
                raise WaitTimeoutError(msg)
        return self._outcome_or_raise()

    def __await__(self) -> Generator[Any, None, Any]:
        """``await future``: the result, or the job's exception.

        Works in any running asyncio loop: the main thread's, or the
        executor's own in a coroutine job (``await stage.move(10)`` where
        ``move`` is a :func:`~traits_jobs.api.background` method). As with
        an asyncio task, cancelling the awaiting coroutine cancels the job
        it awaits.
        """
        if not self.done:
            if self._wait is None:
                msg = f"{self!r} was not submitted to an executor: nothing to await."
                raise RuntimeError(msg)
            loop = asyncio.get_running_loop()
            waiter = loop.create_future()

            def wake(future: "BaseFuture") -> None:
                try:
                    loop.call_soon_threadsafe(_resolve, waiter)
                except RuntimeError:
                    pass  # The awaiting loop is closed: nobody waits any more.

            self._wait.when_done(self, wake)
            try:
                yield from waiter
            except asyncio.CancelledError:
                # As when awaiting an asyncio task: the awaited job is
                # cancelled with the coroutine that awaits it.
                self._wait.call_on_main(self.cancel)  # type: ignore[attr-defined]
                raise
        return self._outcome_or_raise()

    def __and__(self, other: object) -> "BaseFuture":
        """``a & b``: :func:`~traits_jobs.api.all_of` of the two futures."""
        from traits_jobs.jobs.base_future import BaseFuture
        from traits_jobs.jobs.combined import all_of

        if not isinstance(other, BaseFuture):
            return NotImplemented
        return all_of(self, other)  # type: ignore[arg-type]

    def __or__(self, other: object) -> "BaseFuture":
        """``a | b``: :func:`~traits_jobs.api.any_of` of the two futures."""
        from traits_jobs.jobs.base_future import BaseFuture
        from traits_jobs.jobs.combined import any_of

        if not isinstance(other, BaseFuture):
            return NotImplemented
        return any_of(self, other)  # type: ignore[arg-type]


def _resolve(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)
