# SPDX-License-Identifier: BSD-3-Clause
"""Iteration jobs: deliver each item an iterable produces, in order."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from traits.api import Event
from traits.trait_base import Undefined

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask, check_callable
from traits_jobs.jobs.base_task import Parked
from traits_jobs.jobs.message_handlers import message_handler
from traits_jobs.jobs.options import split_options
from traits_jobs.jobs.steering import PausableFuture
from traits_jobs.states.control import NO_VALUE
from traits_jobs.states.exceptions import JobStopRequested
from traits_jobs.states.messages import GENERATED, PAUSED

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter


class IterationFuture(PausableFuture):
    """Future of an iteration job.

    ``result_event`` fires once per item, in order; ``result`` is the value
    the generator returned (``None`` for a plain iterable, or when the job
    was stopped).

    The job can be steered while it runs: :meth:`pause` and :meth:`resume`
    hold the generator at its next ``yield``, :meth:`send` passes values in,
    and :meth:`stop` closes it at its next ``yield``.
    """

    #: Fires with each item the iterable produces.
    result_event = Event()

    def send(self, value: Any) -> None:
        """Pass ``value`` to the generator as the result of one of its ``yield``. Thread-safe.

        Values reach the generator in the order they were sent, one per
        ``yield``, each exactly once: values sent faster than it yields wait
        in a queue. The first ``yield`` never receives a value (a generator
        cannot be sent one before it starts), so a value sent before then
        arrives at the next. Values still queued when the job ends are
        discarded, with a warning in the log.

        Raises
        ------
        RuntimeError
            If the job has ended, or will take no more values.
        TypeError
            Not here, but in the job: it fails with a TypeError if its
            iterable is not a generator (it has no ``send``).
        """
        control = self._control
        if control is None or self.done:
            msg = f"send() to {self!r}: the job has ended; it takes no more values"
            raise RuntimeError(msg)
        try:
            control.put_value(value)
        except RuntimeError as error:
            msg = f"send() to {self!r}: {error}"
            raise RuntimeError(msg) from None

    _KEPT_EVENTS = frozenset({"result_event"})

    @message_handler(GENERATED)
    def _on_generated(self, item: Any) -> None:
        if self._observers:
            self._notify_observers("result_event", Undefined, item)
        self.result_event = item


class IterationTask(FunctionTask):
    """Worker side of an iteration job. Checks for requests before each item.

    A pause leaves the worker: the task keeps the iterator, tells the future
    it has paused and parks (:class:`~traits_jobs.jobs.base_task.Parked`);
    the executor puts it back on the pool when the pause ends.
    """

    __slots__ = ("_iterator", "_started")

    def run(self) -> Any:
        self._iterator = iter(self.fn(*self.args, **self.kwargs))
        self._started = False
        return self._iterate()

    def _run_parked(self) -> Any:
        self._send(self._job_id, PAUSED, False)
        return self._iterate()

    def _iterate(self) -> Any:
        iterator = self._iterator
        send, job_id, control = self._send, self._job_id, self._control
        cancelled = control.is_set
        started, parking = self._started, False
        try:
            while True:
                if control._steering is None:
                    if cancelled() or control._stop:
                        return self._end()
                    item = next(iterator)
                else:
                    # Only a steered job pays for these checks.
                    if control.pause_requested and not control.stop_requested:
                        self._started, parking = started, True
                        send(job_id, PAUSED, True)
                        raise Parked
                    if cancelled() or control._stop:
                        return self._end()
                    # A generator cannot be sent a value before its first yield.
                    value = control.take_value() if started else NO_VALUE
                    item = next(iterator) if value is NO_VALUE else _send_value(iterator, value)
                started = True
                send(job_id, GENERATED, item)
                del item
        except StopIteration as stop:
            return stop.value
        finally:
            if not parking:
                self._iterator = None
                # Run the generator's cleanup now, on the worker, not
                # whenever it happens to be collected.
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()

    def _end(self) -> None:
        """End at a checkpoint: stopped as asked, or cancelled (the result is dropped)."""
        if not self._control.is_set():
            raise JobStopRequested


def _send_value(iterator: Any, value: Any) -> Any:
    send = getattr(iterator, "send", None)
    if send is None:
        msg = (
            f"a value was sent to an iteration over {type(iterator).__name__}, "
            "which cannot receive values; send() needs a generator"
        )
        raise TypeError(msg)
    return send(value)


class BackgroundIteration(FunctionSpecification):
    """Specification of an iteration job over ``fn(*args, **kwargs)``."""

    __slots__ = ()

    def future(self, cancel: Callable[[], None]) -> IterationFuture:
        return IterationFuture(_cancel=cancel)

    def task(self) -> IterationTask:
        return IterationTask(self.fn, self.args, self.kwargs)


def submit_iteration(
    executor: "Submitter", fn: Callable[..., Iterable[Any]], /, *args: Any, **kwargs: Any
) -> IterationFuture:
    """Iterate over ``fn(*args, **kwargs)`` in the background. Thread-safe.

    Each item fires the future's ``result_event`` on the main thread. Each
    ``yield`` is a checkpoint: after ``cancel()`` or ``stop()`` the generator
    is closed (its ``finally`` blocks run) before it produces another item;
    after ``pause()`` it is not advanced until ``resume()``.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job (anything with its ``submit`` method).
    fn : callable
        Returns an iterable, typically a generator function.
    *args, **kwargs
        Passed to ``fn``, except the job options (``name``, ``timeout``,
        ``resources``, ...: the names in :data:`~traits_jobs.api.JOB_OPTIONS`,
        see :class:`~traits_jobs.api.JobOptions`), which are taken out.
        Pass an argument of ``fn`` with one of those names through
        :func:`functools.partial`.

    Returns
    -------
    IterationFuture
    """
    check_callable("submit_iteration", fn)
    options, kwargs = split_options(kwargs)
    future: IterationFuture = executor.submit(BackgroundIteration(fn, args, kwargs), **options)
    return future
