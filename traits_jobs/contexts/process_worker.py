# SPDX-License-Identifier: BSD-3-Clause
"""What runs inside a worker process of a :class:`~traits_jobs.api.MultiprocessingContext`.

A worker reads one pipe from the main process: jobs to run, requests for
the jobs (cancel, stop, pause, settings, values) and the order to exit. A
reader thread applies the requests to each job's local
:class:`~traits_jobs.states.control.JobControl` at once, so a running job
sees them at its next checkpoint exactly as it would on a thread. The jobs
run one after the other on the worker's main thread.

Messages back go through a :class:`BatchingSender`: the job appends to a
buffer, and a flusher thread pickles what has accumulated and puts it on the
queue to the main process in one piece. At a low rate each message travels
alone; under a flood the batches grow, and the process hop costs little per
message. A payload that cannot be pickled is replaced by a note that fails
the job on the main side, with what could not be pickled and why.
"""

import logging
import pickle
import queue
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from traits_jobs.states.control import JobControl
from traits_jobs.states.failure import marshal_exception, safe_repr, safe_str, type_name
from traits_jobs.states.messages import Control

logger = logging.getLogger(__name__)

#: Kinds of the worker's own notes to the main process (never job messages).
IDLE = "traits_jobs.worker.idle"
UNPICKLABLE = "traits_jobs.worker.unpicklable"
READY = "traits_jobs.worker.ready"

#: Messages a job may have waiting in its worker before it waits for the flusher.
MAX_BUFFERED = 8192

#: Seconds a thread of a worker process runs before another may take the GIL.
SWITCH_INTERVAL = 0.001

#: Messages sent in one piece at most: small enough that the main process
#: unpickles a batch without keeping many objects alive across its young
#: garbage collections (which would promote them, and cost full collections).
MAX_BATCH = 512


def plain_dumps(obj: Any) -> bytes:
    """Pickle with the standard library, at the highest protocol."""
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


class BatchingSender:
    """Collects a worker's messages and sends them to the main process in batches.

    Parameters
    ----------
    write : callable
        ``write(data)`` sends one batch, pickled, on its way (a pipe's
        ``send_bytes``, a Dask worker's ``log_event``). The flusher thread calls it.
    worker_index : int
        Sent with each batch: who sent it.
    dumps : callable
        Pickles each payload.
    """

    def __init__(
        self,
        write: Callable[[bytes], object],
        worker_index: int,
        dumps: Callable[[Any], bytes] = plain_dumps,
    ) -> None:
        self._write = write
        self._worker_index = worker_index
        self._dumps = dumps
        self._buffer: list[tuple[int, Any, Any]] = []
        self._condition = threading.Condition(threading.Lock())
        self._flushing = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="traits_jobs-flusher", daemon=True)
        self._thread.start()

    def send(self, job_id: int, kind: Any, payload: Any = None) -> None:
        """Queue a message for the main process. The job's thread."""
        with self._condition:
            while len(self._buffer) >= MAX_BUFFERED and not self._closed:
                self._condition.wait()
            if self._closed:
                return  # Its way out is gone: nobody would receive it.
            self._buffer.append((job_id, kind, payload))
            if len(self._buffer) == 1:
                self._condition.notify_all()

    def flush(self) -> None:
        """Wait until everything sent so far is on its way. The job's thread."""
        with self._condition:
            while (self._buffer or self._flushing) and not self._closed:
                self._condition.notify_all()
                self._condition.wait()

    def discard(self, keep: Callable[[Any], bool]) -> None:
        """Drop the waiting messages whose kind ``keep`` rejects. Any thread."""
        with self._condition:
            self._buffer = [message for message in self._buffer if keep(message[1])]
            self._condition.notify_all()

    def note(self, kind: str, payload: Any = None) -> None:
        """Send a note of the worker itself, after everything sent before it."""
        self.send(-1, kind, payload)

    def close(self) -> None:
        """Send what is left, then stop the flusher."""
        self.flush()
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        self._thread.join()

    def _run(self) -> None:
        condition = self._condition
        while True:
            with condition:
                while not self._buffer and not self._closed:
                    condition.wait()
                if not self._buffer:
                    return
                if len(self._buffer) <= MAX_BATCH:
                    batch, self._buffer = self._buffer, []
                else:
                    batch = self._buffer[:MAX_BATCH]
                    del self._buffer[:MAX_BATCH]
                self._flushing = True
                condition.notify_all()
            try:
                self._write(_frames(batch, self._worker_index, self._dumps))
            except Exception:
                # The way back is gone (the main process, the Dask scheduler):
                # drop what is left, and never leave the job waiting on it.
                logger.warning(
                    "Messages of this worker cannot be sent; dropping them", exc_info=True
                )
                with condition:
                    self._closed = True
                    self._buffer.clear()
            finally:
                with condition:
                    self._flushing = False
                    condition.notify_all()


def _frames(
    batch: list[tuple[int, Any, Any]], worker_index: int, dumps: Callable[[Any], bytes]
) -> bytes:
    """Pickle a batch: each payload on its own, so that one bad payload spoils nothing else."""
    frames = []
    for job_id, kind, payload in batch:
        try:
            data = dumps(payload)
        except Exception as error:
            frames.append((job_id, UNPICKLABLE, _unpicklable(kind, payload, error)))
            continue
        frames.append((job_id, kind, data))
    return pickle.dumps((worker_index, frames), pickle.HIGHEST_PROTOCOL)


def _unpicklable(kind: Any, payload: Any, error: Exception) -> bytes:
    """What the main side needs to fail the job: the kind, the type, the error, pickled."""
    if kind is Control.RAISED:
        # The exception object does not pickle: send the rest of it.
        raised = payload
        note = (kind, raised.type_name, raised.message, raised.formatted_traceback)
    else:
        note = (
            kind,
            type_name(type(payload)),
            f"{safe_repr(payload)} cannot be pickled: {type(error).__name__}: {safe_str(error)}",
            "",
        )
    return pickle.dumps(note, pickle.HIGHEST_PROTOCOL)


def worker_main(
    connection: Connection,
    out: Connection,
    worker_index: int,
    initializer: Any = None,
    initargs: tuple[Any, ...] = (),
) -> None:
    """The entry point of a worker process."""
    # The reader thread must get the GIL from a job that computes without
    # pause to hand it a cancellation: 1 ms, not Python's 5 ms, at a time.
    sys.setswitchinterval(SWITCH_INTERVAL)
    if initializer is not None:
        initializer(*initargs)
    sender = BatchingSender(out.send_bytes, worker_index)
    controls: dict[int, JobControl] = {}
    jobs: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
    lock = threading.Lock()

    def control_of(job_id: int) -> JobControl:
        with lock:
            control = controls.get(job_id)
            if control is None:
                control = controls[job_id] = JobControl()
            return control

    reader = threading.Thread(
        target=_read,
        args=(connection, jobs, control_of),
        name="traits_jobs-reader",
        daemon=True,
    )
    reader.start()
    sender.note(READY)
    while True:
        item = jobs.get()
        if item is None:
            break
        job_id, blob = item
        control = control_of(job_id)
        run_task(job_id, blob, control, sender)
        with lock:
            controls.pop(job_id, None)
        sender.note(IDLE, job_id)
        sender.flush()
    sender.close()


def _read(
    connection: Connection,
    jobs: "queue.SimpleQueue[tuple[int, bytes] | None]",
    control_of: Any,
) -> None:
    """Apply what the main process sends, as it arrives. The reader thread."""
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            message = ("exit",)
        if message[0] == "job":
            _, job_id, blob, ops = message
            control = control_of(job_id)
            for op, argument in ops:
                apply_request(control, op, argument)
            jobs.put((job_id, blob))
        elif message[0] == "op":
            _, job_id, op, argument = message
            apply_request(control_of(job_id), op, argument)
        else:
            jobs.put(None)
            return


def apply_request(control: JobControl, op: str, argument: Any) -> None:
    """Apply a request from the main process to a job's local control."""
    if op == "cancel":
        control.set()
    elif op == "stop":
        control.request_stop()
    elif op == "pause":
        control.request_pause(argument)
    elif op == "settings":
        settings, serial = argument
        control.put_settings(settings, serial)
    elif op == "value":
        try:
            control.put_value(argument)
        except RuntimeError:
            pass  # The job ended: the main side counts values as it can.


def run_task(job_id: int, blob: bytes, control: JobControl, sender: BatchingSender) -> None:
    """Unpickle and run one job; anything that goes wrong ends it FAILED."""
    send = sender.send
    try:
        task = pickle.loads(blob)
    except BaseException as error:
        send(job_id, Control.RAISED, marshal_exception(error))
        return
    try:
        parked = task._execute(job_id, send, control)
        while parked:
            # A paused iteration in a process keeps its worker: wait here.
            control.wait_while_paused()
            parked = task._continue()
    except BaseException as error:
        # Not a task (it has no _execute), or a bug: the job fails, the worker goes on.
        send(job_id, Control.RAISED, marshal_exception(error))
