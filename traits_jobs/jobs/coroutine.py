# SPDX-License-Identifier: BSD-3-Clause
"""Coroutine jobs: ``async def`` functions on the executor's own asyncio loop.

``submit_coroutine(executor, move, 10)`` runs ``await move(10)`` on an
asyncio loop that the executor starts on a thread of its own at the first
coroutine job and closes when it stops. Many coroutine jobs share that loop
at once; none holds a worker thread while it awaits.

``future.cancel()`` cancels the coroutine's task: ``CancelledError`` is
raised at its current ``await``. The future stays CANCELLING until the
coroutine has really finished, ``finally`` blocks and cleanup awaits
included, then ends CANCELLED, even if the coroutine swallowed the
cancellation (``cancel_swallowed`` then says so). ``run_blocking()`` runs a
blocking driver call on a thread; a cancellation waits for that call to
return.
"""

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from traits.api import Bool

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask, check_callable
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.base_task import _refuse_values, current_task
from traits_jobs.jobs.options import split_options
from traits_jobs.states.control import JobControl
from traits_jobs.states.exceptions import JobStopRequested
from traits_jobs.states.failure import marshal_exception, safe_repr
from traits_jobs.states.messages import STOPPED, Control, SendFunction

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter


class _Swallowed:
    """The return value of a coroutine that went on after its cancellation. Internal."""

    __slots__ = ()


#: Sent as the result of a coroutine that returned although it was cancelled.
CANCEL_SWALLOWED: Any = _Swallowed()


class CoroutineFuture(BaseFuture):
    """Future of a coroutine job: ``result`` is what the coroutine returned."""

    #: True if the job was cancelled and its coroutine caught the
    #: ``CancelledError`` and returned instead of raising it. The future
    #: ends CANCELLED all the same.
    cancel_swallowed = Bool(False)

    _swallowed = Bool(False)

    def _receive(self, kind: Any, payload: Any) -> bool:
        if kind is Control.RETURNED and payload is CANCEL_SWALLOWED:
            self._swallowed, payload = True, None
        return super()._receive(kind, payload)

    def _finished(self) -> None:
        super()._finished()
        if self._swallowed:
            self.cancel_swallowed = True


class CoroutineTask(FunctionTask):
    """Worker side of a coroutine job: runs as a task on the executor's asyncio loop."""

    __slots__ = ("_asyncio_task", "_cancel_sent")

    _asyncio_task: "asyncio.Task[None] | None"

    #: The executor queues this kind of task on its asyncio loop, not on its pool.
    runs_on: ClassVar[str] = "event loop"

    def run(self) -> Any:  # pragma: no cover - never called: see _execute
        msg = "a coroutine job runs as an asyncio task"
        raise NotImplementedError(msg)

    def _execute(self, job_id: int, send: SendFunction, control: JobControl) -> bool:
        """Start the coroutine as a task of the running loop, and return. On the loop."""
        if control.is_set():
            _refuse_values(control, self)
            send(job_id, Control.ABANDONED, None)
            return False
        self._job_id, self._send, self._control = job_id, send, control
        self._cancelled = control.is_set
        self._context = None
        self._cancel_sent = False
        send(job_id, Control.STARTED, None)
        if control.stop_requested:
            send(job_id, STOPPED, None)
            send(job_id, Control.RETURNED, None)
            return False
        context = contextvars.copy_context()
        context.run(current_task.set, self)
        loop = asyncio.get_running_loop()
        self._asyncio_task = loop.create_task(self._main(), context=context)
        control.on_cancel(functools.partial(_cancel_soon, loop, self))
        return False

    def _cancel_task(self) -> None:
        """Cancel the coroutine's task, once. On the loop."""
        task = self._asyncio_task
        if task is not None and not self._cancel_sent:
            self._cancel_sent = True
            task.cancel()

    async def _main(self) -> None:
        send, job_id, control = self._send, self._job_id, self._control
        try:
            awaitable = self.fn(*self.args, **self.kwargs)
            if not inspect.isawaitable(awaitable):
                msg = (
                    f"submit_coroutine() expected a coroutine function; {safe_repr(self.fn)} "
                    f"returned {type(awaitable).__name__}: {safe_repr(awaitable)}"
                )
                raise TypeError(msg)
            result = await awaitable
        except asyncio.CancelledError as error:
            _refuse_values(control, self)
            if self._cancel_sent:
                send(job_id, Control.RETURNED, None)
            else:
                # Cancelled by something else than its future: a failure.
                send(job_id, Control.RAISED, marshal_exception(error))
        except JobStopRequested:
            _refuse_values(control, self)
            send(job_id, STOPPED, None)
            send(job_id, Control.RETURNED, None)
        except BaseException as error:
            _refuse_values(control, self)
            send(job_id, Control.RAISED, marshal_exception(error))
            del error
        else:
            _refuse_values(control, self)
            send(job_id, Control.RETURNED, CANCEL_SWALLOWED if self._cancel_sent else result)
            del result
        finally:
            self._asyncio_task = None
            self._context = None


def _cancel_soon(loop: asyncio.AbstractEventLoop, task: CoroutineTask) -> None:
    """Hand a cancellation to the loop. The cancelling thread: never blocks."""
    try:
        loop.call_soon_threadsafe(task._cancel_task)
    except RuntimeError:
        pass  # The loop is closed: the coroutine has ended.


class BackgroundCoroutine(FunctionSpecification):
    """Specification of a coroutine job ``await fn(*args, **kwargs)``."""

    __slots__ = ()

    def future(self, cancel: Callable[[], None]) -> CoroutineFuture:
        return CoroutineFuture(_cancel=cancel)

    def task(self) -> CoroutineTask:
        return CoroutineTask(self.fn, self.args, self.kwargs)


def check_coroutine_function(function_name: str, fn: Any) -> None:
    """Refuse a coroutine object or a non-callable, naming what arrived."""
    if inspect.isawaitable(fn):
        if inspect.iscoroutine(fn):
            fn.close()  # It will never run: no "never awaited" warning.
        msg = (
            f"{function_name}() expected a coroutine function, got the awaitable "
            f"{safe_repr(fn)}; pass the function and its arguments, not the result of calling it"
        )
        raise TypeError(msg)
    check_callable(function_name, fn)


def submit_coroutine(
    executor: "Submitter", fn: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> CoroutineFuture:
    """Run ``await fn(*args, **kwargs)`` on the executor's asyncio loop. Thread-safe.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job.
    fn : coroutine function
        An ``async def`` function (or any callable returning an awaitable).
    *args, **kwargs
        Passed to ``fn``, except the job options (``name``, ``timeout``,
        ``settle_time``, ``resources``, ``background``, ...; see
        :class:`~traits_jobs.api.JobOptions`).

    Returns
    -------
    CoroutineFuture

    Raises
    ------
    TypeError
        If ``fn`` is a coroutine object or not callable.
    """
    check_coroutine_function("submit_coroutine", fn)
    options, kwargs = split_options(kwargs)
    future: CoroutineFuture = executor.submit(BackgroundCoroutine(fn, args, kwargs), **options)
    return future


async def run_blocking(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run a blocking call on a thread and await its result; inside a coroutine job.

    The call runs on a thread of the executor's asyncio loop, with the job's
    context: ``current_job()`` works there, and the call can read
    ``current_job().cancelled``. A cancellation of the job cannot interrupt
    the call: the coroutine goes on waiting for it to return, then raises
    ``CancelledError``. So the job is CANCELLED only once the driver call is
    over and the hardware is in a known state.

    Raises
    ------
    RuntimeError
        If not awaited inside a coroutine job.
    TypeError
        If ``fn`` is not callable.
    """
    task = current_task.get()
    if not isinstance(task, CoroutineTask):
        msg = "run_blocking() must be awaited inside a coroutine job (submit_coroutine)"
        raise RuntimeError(msg)
    check_callable("run_blocking", fn)
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = loop.run_in_executor(None, functools.partial(context.run, fn, *args, **kwargs))
    try:
        return await asyncio.shield(call)
    except asyncio.CancelledError:
        while not call.done():
            try:
                await asyncio.wait({call})
            except asyncio.CancelledError:
                continue
        raise
