# SPDX-License-Identifier: BSD-3-Clause
"""What runs on a Dask worker for a :class:`~traits_jobs.api.DaskContext`: the task of each job.

:func:`run_dask_job` is the function every traits_jobs task calls. It claims
the job on the scheduler (a job cancelled before it started does not run; a
job that ran before on a worker that died does not run again), unpickles the
job inside its own ``try`` (a module the worker cannot import fails the job,
not the worker), and runs it as a worker process of a
:class:`~traits_jobs.api.MultiprocessingContext` would.

Its messages go through a :class:`BatchingSender` whose batches travel as
events on the executor's topic (``Worker.log_event``). Dask's streams have
no back-pressure, so a :class:`Window` keeps at most :data:`WINDOW` batches
on their way: the client counts the batches it has delivered, and the count
comes back with the requests. A flood then waits in the job (as it does on
a full pipe), not in the scheduler's memory, and a cancel is never behind
more than a few batches. A watcher thread
long-polls the scheduler for the requests made for the job (cancel, stop,
pause, settings, values) and applies each to the job's local control at
once; if the scheduler cannot be reached, or forgot the job (its client
left), the watcher cancels the job: a job that can no longer report does
not run on unseen.
"""

import logging
import pickle
import sys
import threading
from collections.abc import Callable
from typing import Any

from traits_jobs.contexts.dask_scheduler import FROM_TASK
from traits_jobs.contexts.process_worker import (
    SWITCH_INTERVAL,
    BatchingSender,
    apply_request,
    run_task,
)
from traits_jobs.states.control import JobControl
from traits_jobs.states.exceptions import WorkerDiedError
from traits_jobs.states.messages import Control

logger = logging.getLogger(__name__)

#: Seconds a watcher's poll waits on the scheduler for a request.
POLL = 2.0

#: Seconds beyond that after which an unanswered poll counts as a lost scheduler.
POLL_GRACE = 10.0

#: Batches of a job on their way to the client at most.
WINDOW = 4


class Window:
    """Lets a job's batches go while fewer than :data:`WINDOW` are undelivered."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self._condition = threading.Condition(threading.Lock())
        self._sent = 0
        self._delivered = 0
        self._open = True

    def write(self, data: bytes) -> None:
        """Send a batch once the window has room. The sender's flusher thread."""
        with self._condition:
            while self._open and self._sent - self._delivered >= WINDOW:
                self._condition.wait()
            self._sent += 1
        self._write(data)

    def delivered(self, count: int) -> None:
        """The client has delivered ``count`` batches. The watcher thread."""
        with self._condition:
            if count > self._delivered:
                self._delivered = count
                self._condition.notify_all()

    def open(self) -> None:
        """Let everything go: nobody counts any more (the job is over, or cut off)."""
        with self._condition:
            self._open = False
            self._condition.notify_all()


def payload_dumps(obj: Any) -> bytes:
    """Pickle a payload: by reference when it can, else by value (cloudpickle)."""
    try:
        return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
    except Exception:
        import cloudpickle

        return cloudpickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


def run_dask_job(blob: bytes, topic: str, wire: int, key: str) -> None:
    """Run one traits_jobs job on this Dask worker. The task of every job.

    Raises
    ------
    WorkerDiedError
        If the job ran before on a worker that died: Dask would run it
        twice; the job already failed with this error on the client.
    """
    from distributed import get_worker
    from distributed.utils import sync

    worker = get_worker()
    # The watcher (and the worker's IO loop) must get the GIL from a job that
    # computes without pause to hand it a cancel: 1 ms, not Python's 5 ms, at a
    # time, as in a MultiprocessingContext's workers.
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)

    def rpc(name: str, timeout: float | None = None, **kwargs: Any) -> Any:
        handler = getattr(worker.scheduler, name)
        return sync(worker.loop, handler, callback_timeout=timeout, **kwargs)

    reply = rpc("traits_jobs_claim", key=key, worker=worker.address)
    state = reply["state"]
    if state == "rerun":
        msg = (
            f"Job {key} ran before on a Dask worker that died; traits_jobs runs a job at most once."
        )
        raise WorkerDiedError(msg)
    if state != "run":
        return  # Cancelled before it started, or its client is gone.
    control = JobControl()
    for request, argument in reply["requests"]:
        apply_request(control, request, _loads(argument))
    window = Window(lambda data: worker.log_event(topic, {"b": data}))
    sender = BatchingSender(window.write, FROM_TASK, payload_dumps)
    done = threading.Event()
    watcher = threading.Thread(
        target=_watch,
        args=(rpc, key, len(reply["requests"]), control, sender, window, done),
        name="traits_jobs-dask-watcher",
        daemon=True,
    )
    watcher.start()
    try:
        run_task(wire, blob, control, sender)
        # The last batches wait for the window: the watcher goes on until they went.
        sender.close()
    finally:
        done.set()
        window.open()
        sender.close()


def _is_control(kind: Any) -> bool:
    return isinstance(kind, Control)


def _loads(argument: bytes | None) -> Any:
    return None if argument is None else pickle.loads(argument)


def _watch(
    rpc: Callable[..., Any],
    key: str,
    seen: int,
    control: JobControl,
    sender: BatchingSender,
    window: Window,
    done: threading.Event,
) -> None:
    """Apply the requests made for the job as they come. The watcher thread."""
    acked = 0
    while not done.is_set():
        try:
            reply = rpc(
                "traits_jobs_requests",
                timeout=POLL + POLL_GRACE,
                key=key,
                after=seen,
                acked=acked,
                wait=POLL,
            )
        except Exception as error:
            if not done.is_set():
                logger.warning(
                    "Job %s cannot reach the Dask scheduler (%s: %s); it is cancelled",
                    key,
                    type(error).__name__,
                    error,
                )
                control.set()
            window.open()
            return
        acked = reply["acked"]
        window.delivered(acked)
        for request, argument in reply["requests"]:
            try:
                apply_request(control, request, _loads(argument))
            except Exception:
                logger.exception("Job %s: request %r could not be applied", key, request)
        seen += len(reply["requests"])
        if control.is_set():
            # Its future now takes only its end: what waits to be sent is dropped here.
            sender.discard(_is_control)
        if reply["gone"]:
            if not done.is_set():
                # Its client left, or ended it: nobody would see what it does.
                control.set()
            window.open()
            return
