# SPDX-License-Identifier: BSD-3-Clause
"""Worker processes for a :class:`~traits_jobs.api.MultiprocessingContext`, on the main side.

The pool starts its processes as jobs need them, up to ``max_workers``, and
keeps them: the start-up cost is paid once per process, not per job. Each
runs one job at a time. Jobs wait in the pool's own queue until a worker is
idle, so a job can be withdrawn until it is handed over, and a worker that
dies takes only its current job with it. One listener thread reads what
every worker sends, through one pipe per worker, and passes it to the
executor's router; a worker's pipe ends when its process does, so a death
is seen after everything the worker sent: it fails the job the worker was
running, and the queue goes on, on a fresh worker if need be.

Requests for a job (cancel, stop, pause, settings, values) go to the worker
that runs it, or wait with the job until it is handed over.
"""

import collections
import concurrent.futures
import functools
import itertools
import logging
import multiprocessing
import multiprocessing.connection
import pickle
import threading
from collections.abc import Callable
from typing import Any

from traits_jobs.contexts.process_worker import IDLE, READY, worker_main
from traits_jobs.contexts.remote import (
    RemoteControl,
    Sink,
    deliver_frame,
    pickle_task,
    plain_dumps,
)
from traits_jobs.states.exceptions import WorkerDiedError
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

logger = logging.getLogger(__name__)

#: Seconds a worker has to exit after it was asked to, before it is terminated.
EXIT_TIMEOUT = 5.0

#: Workers in a row that may die before they are ready, before the queue fails.
MAX_START_FAILURES = 3


class _Worker:
    """One worker process, the pipe to it and the pipe from it."""

    def __init__(self, index: int, context: Any, initializer: Any) -> None:
        self.index = index
        receiver, self.connection = context.Pipe(duplex=False)
        #: What the worker sends; end of file once it has exited or died.
        self.out, writer = context.Pipe(duplex=False)
        self.process = context.Process(
            target=worker_main,
            args=(receiver, writer, index, *initializer),
            name=f"traits_jobs-process-{index}",
            daemon=True,
        )
        self.process.start()
        # The worker holds the other ends: its death closes them.
        receiver.close()
        writer.close()
        self.send_lock = threading.Lock()
        #: The job it runs: (job key, job id), or None while idle.
        self.job: tuple[Any, int] | None = None
        self.ready = False

    def send(self, message: tuple[Any, ...]) -> bool:
        """Send to the worker; False if its pipe is broken (it died)."""
        try:
            with self.send_lock:
                self.connection.send(message)
        except (OSError, ValueError):
            return False
        return True


class _Pending:
    """A job waiting in the pool's queue, with the requests made for it meanwhile."""

    __slots__ = ("blob", "job_id", "ops")

    def __init__(self, job_id: int, blob: bytes) -> None:
        #: The job's id on the wire: unique in the pool, whichever executor sent it.
        self.job_id = job_id
        self.blob = blob
        self.ops: list[tuple[str, Any]] = []


class ProcessWorkerPool(concurrent.futures.Executor):
    """Up to ``max_workers`` worker processes, each running one job at a time.

    Each job comes with its sink, ``sink(job_id, kind, payload)``: where its
    messages go (its executor's router), so executors may share a pool.

    Parameters
    ----------
    max_workers : int
        The number of worker processes at most.
    mp_context : multiprocessing context
        Starts the processes ("spawn" by default in the context).
    initializer, initargs : optional
        ``initializer(*initargs)`` runs first in each worker process.
    """

    def __init__(
        self,
        max_workers: int,
        mp_context: Any,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ):
        if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
            msg = f"max_workers must be a positive int, not {max_workers!r}"
            raise ValueError(msg)
        self._context = mp_context
        self._initializer = (initializer, initargs)
        self._lock = threading.Lock()
        #: wire id -> (sink, the executor's job id, the job's control).
        self._wires: dict[int, tuple[Sink, int, RemoteControl]] = {}
        self._wire_ids = itertools.count()
        self._pending: collections.OrderedDict[Any, _Pending] = collections.OrderedDict()
        #: job key -> worker running it.
        self._running: dict[Any, _Worker] = {}
        self._shutdown = False
        self._finisher: threading.Thread | None = None
        self._indexes = itertools.count()
        self._max_workers = max_workers
        #: Workers in a row that died before they were ready.
        self._start_failures = 0
        #: Worker processes, started as jobs need them, up to max_workers.
        self._workers: dict[int, _Worker] = {}
        self._wake_reader, self._wake_writer = multiprocessing.Pipe(duplex=False)
        self._listener = threading.Thread(
            target=self._listen, name="traits_jobs-process-listener", daemon=True
        )
        self._listener.start()
        #: :meth:`withdraw`, bound once.
        self.withdrawer = self.withdraw

    @property
    def processes(self) -> list[Any]:
        """The worker processes now alive or starting."""
        with self._lock:
            return [worker.process for worker in self._workers.values()]

    def _start_worker(self) -> _Worker:
        worker = _Worker(next(self._indexes), self._context, self._initializer)
        self._workers[worker.index] = worker
        return worker

    # -- jobs: any thread ----------------------------------------------------

    def submit_job(
        self,
        key: Any,
        job_id: int,
        task: Any,
        control: RemoteControl,
        sink: Callable[[int, Any, Any], None],
    ) -> None:
        """Queue ``task`` as job ``job_id`` under ``key``; its messages go to ``sink``. Thread-safe.

        Raises
        ------
        JobPicklingError
            If the task (its function or an argument) cannot be pickled.
        RuntimeError
            If the pool has been shut down.
        """
        blob = pickle_task(
            task,
            plain_dumps,
            "in a worker process",
            "Its function must be importable (defined at the top level of a module) "
            "and its arguments picklable.",
        )
        control.forward = lambda op, argument: self._forward(key, op, argument)
        with self._lock:
            if self._shutdown:
                msg = "cannot run jobs after the worker processes were shut down"
                raise RuntimeError(msg)
            wire = next(self._wire_ids)
            self._wires[wire] = (sink, job_id, control)
            self._pending[key] = _Pending(wire, blob)
        self._dispatch()

    def withdraw(self, key: Any) -> bool:
        """Take a job that no worker has yet back; True if it will never run. Thread-safe."""
        with self._lock:
            pending = self._pending.pop(key, None)
            if pending is None:
                return False
            del self._wires[pending.job_id]
            return True

    def _forward(self, key: Any, op: str, argument: Any) -> None:
        with self._lock:
            worker = self._running.get(key)
            if worker is None:
                pending = self._pending.get(key)
                if pending is not None:
                    pending.ops.append((op, argument))
                return
            job_id = worker.job[1] if worker.job is not None else -1
        worker.send(("op", job_id, op, argument))

    def _dispatch(self) -> None:
        """Hand queued jobs to idle workers, starting workers as needed. Any thread.

        Pipes are written outside the lock. A worker starts when jobs wait
        that the workers starting already will not take, up to max_workers.
        """
        while True:
            with self._lock:
                if not self._pending or self._shutdown:
                    return
                idle = next((w for w in self._workers.values() if w.ready and w.job is None), None)
                if idle is None:
                    starting = sum(not worker.ready for worker in self._workers.values())
                    grow = len(self._workers) < self._max_workers and starting < len(self._pending)
                    if not grow:
                        return
                    self._start_worker()
                    # The listener watches the pipes it knew: show it the new one.
                    self._wake_writer.send(None)
                    continue
                key, pending = self._pending.popitem(last=False)
                idle.job = (key, pending.job_id)
                self._running[key] = idle
            # The requests made while it waited are applied before it starts.
            idle.send(("job", pending.job_id, pending.blob, pending.ops))

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Not supported: jobs reach the pool through its context."""
        msg = "ProcessWorkerPool runs traits_jobs jobs only; submit them to a TraitsExecutor"
        raise NotImplementedError(msg)

    # -- the listener and the monitor -----------------------------------------

    def _listen(self) -> None:
        """Read every worker's pipe; a worker's end of file is its exit or death."""
        while True:
            with self._lock:
                if self._shutdown and not self._workers:
                    return
                pipes = {worker.out: worker for worker in self._workers.values()}
            for ready in multiprocessing.connection.wait([*pipes, self._wake_reader]):
                worker = pipes.get(ready)  # type: ignore[call-overload]
                if worker is None:
                    self._wake_reader.recv()
                    continue
                try:
                    data = worker.out.recv_bytes()
                except (EOFError, OSError):
                    self._worker_ended(worker)
                    continue
                self._deliver(data)

    def _deliver(self, data: bytes) -> None:
        wires = self._wires
        worker_index, frames = pickle.loads(data)
        job_over = functools.partial(self._job_over, worker_index)
        for wire, kind, payload in frames:
            if wire < 0:
                self._note(worker_index, kind, payload)
            else:
                deliver_frame(wire, kind, payload, wires, job_over)

    def _note(self, worker_index: int, kind: str, payload: Any) -> None:
        with self._lock:
            worker = self._workers.get(worker_index)
            if worker is None:
                return
            if kind == READY:
                worker.ready = True
            elif kind == IDLE:
                if worker.job is not None:
                    self._running.pop(worker.job[0], None)
                worker.job = None
        self._dispatch()

    def _job_over(self, worker_index: int, wire: int, control: RemoteControl) -> None:
        # The job takes no more values: send() on its future raises from now on.
        control._closed = True
        with self._lock:
            self._wires.pop(wire, None)
            worker = self._workers.get(worker_index)
            if worker is not None and worker.job is not None and worker.job[1] == wire:
                self._running.pop(worker.job[0], None)

    def _worker_ended(self, worker: _Worker) -> None:
        """A worker's pipe closed: it exited, or died. The listener thread.

        Everything it sent before has been delivered: the pipe is read to its
        end first.
        """
        worker.process.join()
        worker.out.close()
        worker.connection.close()
        with self._lock:
            self._workers.pop(worker.index, None)
            shutting_down = self._shutdown
            if worker.ready:
                self._start_failures = 0
            else:
                self._start_failures += 1
                failing = self._start_failures >= MAX_START_FAILURES
        if not shutting_down and not worker.ready and failing:
            self._fail_queue(worker)
            return
        if not shutting_down:
            # Fails its job; the queue goes on, on a new worker if need be.
            self._worker_died(worker.index, worker.process.pid, worker.process.exitcode)

    def _fail_queue(self, worker: _Worker) -> None:
        """Workers die before they can start: fail the queued jobs, do not retry forever."""
        with self._lock:
            pending, self._pending = list(self._pending.values()), collections.OrderedDict()
            targets = [self._wires.pop(p.job_id) for p in pending if p.job_id in self._wires]
            self._start_failures = 0
        error = WorkerDiedError(
            f"{MAX_START_FAILURES} worker processes in a row died before they could run a "
            f"job (the last: pid {worker.process.pid}, exit code {worker.process.exitcode}). "
            "Does the initializer raise? With the 'spawn' start method, does the main "
            "script start the executor under `if __name__ == '__main__':`? The worker's "
            "error is on its standard error."
        )
        for sink, job_id, control in targets:
            control._closed = True
            sink(job_id, Control.RAISED, marshal_exception(error))

    def _worker_died(self, worker_index: int, pid: int | None, exitcode: int | None) -> None:
        """A worker process died; fail its job. The listener thread, in message order."""
        with self._lock:
            lost = [
                (key, worker.job[1])
                for key, worker in self._running.items()
                if worker.index == worker_index and worker.job is not None
            ]
            targets = []
            for key, wire in lost:
                del self._running[key]
                target = self._wires.pop(wire, None)
                if target is not None:
                    targets.append(target)
        for sink, job_id, control in targets:
            control._closed = True
            error = WorkerDiedError(
                f"The worker process running this job died (pid {pid}, exit code "
                f"{exitcode}); the job did not finish. Queued jobs run on a new worker process."
            )
            sink(job_id, Control.RAISED, marshal_exception(error))
        self._dispatch()

    # -- the end -----------------------------------------------------------------

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers (their current jobs first) and the pool's threads. Idempotent.

        Worker processes that do not exit within a few seconds are terminated.
        With ``wait``, returns once every process has ended, also when an
        earlier call started the shutdown without waiting.
        """
        with self._lock:
            finisher = self._finisher
            if finisher is None:
                self._shutdown = True
                self._pending.clear()
                workers = list(self._workers.values())
                finisher = self._finisher = threading.Thread(
                    target=self._finish,
                    args=(workers,),
                    name="traits_jobs-process-shutdown",
                    daemon=True,
                )
                starting = True
            else:
                starting = False
        if starting:
            for worker in workers:
                worker.send(("exit",))
            # The listener may wait on no worker at all: let it see the shutdown.
            self._wake_writer.send(None)
            finisher.start()
        if wait and threading.current_thread() is not finisher:
            finisher.join()

    def _finish(self, workers: list[_Worker]) -> None:
        # The listener reads each worker's pipe to its end, reaps the process
        # and stops once none is left; only it waits on the processes.
        self._listener.join(EXIT_TIMEOUT)
        if self._listener.is_alive():
            with self._lock:
                stuck = [worker.process for worker in self._workers.values()]
            for process in stuck:
                logger.warning("Worker process %s did not exit; terminating it", process.pid)
                process.terminate()
            self._listener.join(EXIT_TIMEOUT)
        self._wake_reader.close()
        self._wake_writer.close()
