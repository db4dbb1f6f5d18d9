# SPDX-License-Identifier: BSD-3-Clause
"""What jobs in other processes share on the main side, whichever the transport.

Worker processes of a :class:`~traits_jobs.api.MultiprocessingContext` and
Dask workers of a :class:`~traits_jobs.api.DaskContext` send their messages
as frames ``(wire, kind, pickled payload)``; :func:`open_frame` turns one
back into a message, and anything that went wrong on the way (a payload that
did not pickle in the worker, or does not unpickle here) into a message that
fails the job with what went wrong. A job's :class:`RemoteControl` forwards
each request (cancel, stop, pause, settings, values) to where the job runs.
"""

import pickle
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from traits_jobs.contexts.process_worker import UNPICKLABLE, plain_dumps
from traits_jobs.states.control import JobControl
from traits_jobs.states.exceptions import JobPicklingError
from traits_jobs.states.failure import RaisedPayload, marshal_exception, safe_repr, safe_str
from traits_jobs.states.messages import MESSAGE_LOST, Control

PoolT = TypeVar("PoolT")

#: The kinds that end a job.
ENDS = (Control.RETURNED, Control.RAISED, Control.ABANDONED)

#: ``sink(job_id, kind, payload)``: where a job's messages go (its executor's router).
Sink = Callable[[int, Any, Any], None]

#: ``dumps(obj) -> bytes``: how a context pickles what crosses to its workers.
Dumps = Callable[[Any], bytes]


class RemoteControl(JobControl):
    """A job's control on the main side: each request also goes to the job's worker.

    Parameters
    ----------
    dumps : callable
        How values sent to the job (settings, ``send()``) are checked to
        pickle: as the context pickles them.
    """

    __slots__ = ("dumps", "forward")

    def __init__(self, dumps: Dumps = plain_dumps) -> None:
        super().__init__()
        self.dumps = dumps
        #: ``forward(op, argument)``; set by the pool when the job is queued.
        self.forward: Callable[[str, Any], None] | None = None

    def _send(self, op: str, argument: Any = None) -> None:
        forward = self.forward
        if forward is not None:
            forward(op, argument)

    def set(self) -> None:
        """Request cancellation, here and in the worker."""
        super().set()
        self._send("cancel")

    def request_stop(self) -> None:
        """Ask the job to finish early, here and in the worker."""
        super().request_stop()
        self._send("stop")

    def request_pause(self, paused: bool) -> None:
        """Ask the job to pause or go on, in the worker."""
        super().request_pause(paused)
        self._send("pause", paused)

    def put_settings(self, settings: Any, serial: int) -> None:
        """Send new settings to the job's worker."""
        check_pickles("set_settings()", settings, self.dumps)
        self._send("settings", (settings, serial))

    def put_value(self, value: Any) -> None:
        """Send a value to the job's worker.

        Raises
        ------
        RuntimeError
            If the job has ended.
        TypeError
            If ``value`` cannot be pickled.
        """
        if self._closed:
            msg = "the job has ended; it takes no more values"
            raise RuntimeError(msg)
        check_pickles("send()", value, self.dumps)
        self._send("value", value)


def own_pool(pool: Any, pool_class: type[PoolT], context_name: str) -> PoolT:
    """Return ``pool`` if it is one that the context made (a ``pool_class``).

    Raises
    ------
    TypeError
        Naming what arrived and what to do instead.
    """
    if not isinstance(pool, pool_class):
        msg = (
            f"{context_name} runs jobs on its own worker_pool(); got "
            f"{type(pool).__name__}. Leave the executor's worker_pool out."
        )
        raise TypeError(msg)
    return pool


def check_pickles(what: str, value: Any, dumps: Dumps = plain_dumps) -> None:
    """Raise a :class:`JobPicklingError` naming ``what`` if ``value`` does not pickle."""
    try:
        dumps(value)
    except Exception as error:
        msg = (
            f"{what} of a job in a worker process needs a value that pickles; "
            f"{safe_repr(value)} does not: {type(error).__name__}: {safe_str(error)}"
        )
        raise JobPicklingError(msg) from error


def pickle_task(task: Any, dumps: Dumps, where: str, advice: str) -> bytes:
    """Pickle a job's task for its worker, or say which part of it does not pickle.

    Raises
    ------
    JobPicklingError
        Naming the function or the argument that does not pickle.
    """
    try:
        return dumps(task)
    except Exception as error:
        msg = (
            f"The job cannot run {where}: {what_does_not_pickle(task, dumps)} does not "
            f"pickle ({type(error).__name__}: {safe_str(error)}). {advice}"
        )
        raise JobPicklingError(msg) from error


def what_does_not_pickle(task: Any, dumps: Dumps = plain_dumps) -> str:
    """Name the part of a task that does not pickle: its function, or which argument."""
    # A function job keeps fn and args; a loop job keeps them as loop.body, loop.args.
    holder = getattr(task, "loop", task)
    fn = getattr(task, "fn", None) or getattr(holder, "body", None)
    parts: list[tuple[str, Any]] = [("the function " + safe_repr(fn), fn)]
    parts += [
        (f"argument {index} ({safe_repr(arg)})", arg)
        for index, arg in enumerate(getattr(holder, "args", ()))
    ]
    parts += [
        (f"argument {name}= ({safe_repr(arg)})", arg)
        for name, arg in getattr(task, "kwargs", {}).items()
    ]
    for label, part in parts:
        try:
            dumps(part)
        except Exception:
            return label
    return f"the job {safe_repr(task)}"


def deliver_frame(
    wire: int,
    kind: Any,
    payload: bytes,
    wires: "Mapping[int, tuple[Sink, int, RemoteControl]]",
    job_over: "Callable[[int, RemoteControl], object]",
) -> None:
    """Pass one frame from a worker to its job's sink. The pool's listener thread.

    ``wires`` maps a wire to ``(sink, job id, control)`` of a live job; a
    frame of a job that has ended is dropped, and so is a message of a
    cancelled job that its future would drop (anything but its start and
    end), without unpickling it. A frame that ends the job calls
    ``job_over(wire, control)`` before it reaches the sink.
    """
    target = wires.get(wire)
    if target is None:
        return  # Its job ended.
    sink, job_id, control = target
    if control.is_set() and kind != UNPICKLABLE and not isinstance(kind, Control):
        return
    kind, payload = open_frame(kind, payload)
    if kind in ENDS:
        job_over(wire, control)
    sink(job_id, kind, payload)


def open_frame(kind: Any, payload: bytes) -> tuple[Any, Any]:
    """Turn a frame from a worker back into ``(kind, payload)``.

    A frame that says its payload did not pickle in the worker, or a payload
    that does not unpickle here, becomes a message that fails the job.
    """
    try:
        if kind == UNPICKLABLE:
            return _failure_for(payload)
        return kind, pickle.loads(payload)
    except Exception as error:
        return _unloadable(kind, error)


def _failure_for(note: bytes) -> tuple[Any, Any]:
    """Turn a worker's "could not pickle" note into a message that fails the job."""
    kind, type_name, message, formatted = pickle.loads(note)
    if kind is Control.RAISED:
        return Control.RAISED, RaisedPayload(None, type_name, message, formatted)
    what = "result" if kind is Control.RETURNED else f"{kind!r} message"
    error = JobPicklingError(f"The job's {what} of type {type_name}: {message}")
    payload = marshal_exception(error)
    # A result that did not pickle ends the job; anything else fails it
    # while it runs on, and it ends at its next checkpoint.
    return (Control.RAISED if kind is Control.RETURNED else MESSAGE_LOST), payload


def _unloadable(kind: Any, error: Exception) -> tuple[Any, Any]:
    """A payload that pickled in the worker but cannot be unpickled here."""
    failure = JobPicklingError(
        f"A {kind!r} message of the job could not be unpickled in the main process: "
        f"{type(error).__name__}: {safe_str(error)}"
    )
    payload = marshal_exception(failure)
    if kind in ENDS:
        return Control.RAISED, payload
    return MESSAGE_LOST, payload
