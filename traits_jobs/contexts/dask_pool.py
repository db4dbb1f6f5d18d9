# SPDX-License-Identifier: BSD-3-Clause
"""One executor's jobs on a Dask cluster, on the client side.

Each pool has its own topic on the scheduler. Its jobs' batches of messages
arrive as events on that topic; the Client calls the handler on its IO loop,
which only queues them, and a listener thread unpickles them and passes them
to the executor's router. What the pool tells the scheduler (register a job,
forward a request, forget a job) goes in order, in batches, from a pump on
the Client's IO loop; a job's task is submitted once its record exists.

The Dask future of each task is the safety net: if it ends in error or is
cancelled while the job has not reported its end (its worker was killed, the
scheduler was lost), the job fails with what happened.
"""

import concurrent.futures
import itertools
import logging
import pickle
import queue
import threading
import uuid
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.contexts.dask_scheduler import FROM_TASK, PREFIX
from traits_jobs.contexts.dask_worker import run_dask_job
from traits_jobs.contexts.remote import RemoteControl, Sink, deliver_frame
from traits_jobs.states.exceptions import WorkerDiedError
from traits_jobs.states.failure import marshal_exception, safe_str
from traits_jobs.states.messages import Control

if TYPE_CHECKING:
    from traits_jobs.contexts.dask_context import DaskContext

logger = logging.getLogger(__name__)

#: Seconds :meth:`DaskWorkerPool.shutdown` waits for the scheduler to hear the last requests.
FLUSH_TIMEOUT = 10.0


class DaskWorkerPool(concurrent.futures.Executor):
    """The jobs of one executor on the cluster of a :class:`~traits_jobs.api.DaskContext`."""

    def __init__(self, context: "DaskContext") -> None:
        self._context = context
        #: The scheduler topic this pool's jobs send their messages to.
        self.topic = f"{PREFIX}{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._wire_ids = itertools.count()
        #: wire -> (sink, the executor's job id, the job's control).
        self._wires: dict[int, tuple[Sink, int, RemoteControl]] = {}
        #: wire -> the job's task key on the cluster.
        self._keys: dict[int, str] = {}
        #: wire -> the Dask future of the job's task.
        self._futures: dict[int, Any] = {}
        #: What the pump sends next, in order.
        self._outbox: list[tuple[Any, ...]] = []
        #: key -> batches of its task delivered; key -> the count the pump sends next.
        self._delivered: dict[str, int] = {}
        self._acks: dict[str, int] = {}
        self._pumping = False
        self._client: Any = None
        self._failure: BaseException | None = None
        self._shutdown = False
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._listener = threading.Thread(
            target=self._listen, name="traits_jobs-dask-listener", daemon=True
        )
        self._listener.start()
        #: :meth:`withdraw`, bound once.
        self.withdrawer = self.withdraw
        context._when_connected(self._connected)

    # -- jobs: any thread --------------------------------------------------------

    def submit_job(self, job_id: int, blob: bytes, control: RemoteControl, sink: Sink) -> None:
        """Queue the pickled job ``blob`` as job ``job_id``; its messages go to ``sink``.

        Raises
        ------
        RuntimeError
            If the pool has been shut down.
        ConnectionError
            If the context could not connect to its cluster.
        """
        with self._lock:
            if self._shutdown:
                msg = "cannot run jobs after the executor's Dask pool was shut down"
                raise RuntimeError(msg)
            if self._failure is not None:
                raise ConnectionError(safe_str(self._failure)) from self._failure
            wire = next(self._wire_ids)
            key = f"{PREFIX}{uuid.uuid4().hex}"
            self._wires[wire] = (sink, job_id, control)
            self._keys[wire] = key
            self._outbox.append(("submit", wire, key, blob))
        control.forward = lambda request, argument: self._forward(wire, request, argument)
        self._kick()

    def withdraw(self, job: Any) -> bool:
        """Never certain here: the scheduler decides, and a job it withdraws ends CANCELLED."""
        return False

    def _forward(self, wire: int, request: str, argument: Any) -> None:
        data = None if argument is None else self._context.dumps(argument)
        with self._lock:
            key = self._keys.get(wire)
            if key is None:
                return  # The job has ended.
            self._outbox.append(("request", key, request, data))
        self._kick()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Not supported: jobs reach the pool through its context."""
        msg = "DaskWorkerPool runs traits_jobs jobs only; submit them to a TraitsExecutor"
        raise NotImplementedError(msg)

    # -- the pump: the Client's IO loop ---------------------------------------------

    def _connected(self, client: Any, error: BaseException | None) -> None:
        """The context connected (or failed to). The context's connecting thread."""
        if self._shutdown:
            return
        if error is not None:
            with self._lock:
                self._failure = error
                targets = list(self._wires.values())
                self._wires.clear()
                self._keys.clear()
                self._outbox.clear()
            payload = marshal_exception(error)
            for sink, job_id, control in targets:
                control._closed = True
                sink(job_id, Control.RAISED, payload)
            return
        # The handler, here; the subscription, also by the plugin, before the
        # jobs are registered: subscribe_topic alone is not acknowledged, and
        # what the plugin publishes for a job could overtake it.
        client.subscribe_topic(self.topic, _EventHandler(self))
        with self._lock:
            self._client = client
            self._outbox.insert(0, ("subscribe", self.topic, client.id))
        self._kick()

    def _kick(self) -> None:
        with self._lock:
            if self._pumping or self._client is None or not (self._outbox or self._acks):
                return
            self._pumping = True
            client = self._client
        if client.status == "running":
            try:
                client.loop.add_callback(self._pump)
            except RuntimeError:
                pass  # Its loop is closed: as below.
            else:
                return
        # The Client was closed, or lost its scheduler: nothing more reaches
        # it. Jobs not yet on the cluster fail; the others' Dask futures were
        # cancelled with the connection, which fails them.
        with self._lock:
            lost = [item[1] for item in self._outbox if item[0] == "submit"]
            self._outbox.clear()
            self._acks.clear()
            self._pumping = False
            self._idle.notify_all()
        if lost:
            error = ConnectionError(
                f"The Dask Client is {client.status}, not connected to its scheduler; "
                "the job was never sent"
            )
            self._inbox.put(("fail", lost, error))

    async def _pump(self) -> None:
        client = self._client
        while True:
            with self._lock:
                batch, self._outbox = self._outbox, []
                acks, self._acks = self._acks, {}
                if not batch and not acks:
                    self._pumping = False
                    self._idle.notify_all()
                    return
            ops: list[list[Any]] = [["ack", key, count] for key, count in acks.items()]
            submits = []
            for item in batch:
                if item[0] == "submit":
                    _, wire, key, blob = item
                    ops.append(["register", key, self.topic, wire, client.id])
                    submits.append((wire, key, blob))
                else:
                    ops.append(list(item))
            try:
                await client.scheduler.traits_jobs_control(ops=ops)
            except Exception as error:
                self._lost(submits, error)
                continue
            for wire, key, blob in submits:
                self._submit(client, wire, key, blob)

    def _submit(self, client: Any, wire: int, key: str, blob: bytes) -> None:
        with self._lock:
            target = self._wires.get(wire)
            if target is None or target[2].is_set():
                return  # Cancelled already: the scheduler withdraws it.
        future = client.submit(
            run_dask_job, blob, self.topic, wire, key, key=key, pure=False, retries=0
        )
        with self._lock:
            if wire in self._wires:
                self._futures[wire] = future
        future.add_done_callback(lambda future: self._inbox.put(("done", wire, future)))

    def _lost(self, submits: list[tuple[int, str, bytes]], error: BaseException) -> None:
        logger.warning("The Dask scheduler could not be reached: %s", error)
        failure = ConnectionError(
            f"The Dask scheduler could not be reached to start the job: "
            f"{type(error).__name__}: {safe_str(error)}"
        )
        # The listener fails them: the router may make a sender wait, never the IO loop.
        self._inbox.put(("fail", [wire for wire, _, _ in submits], failure))

    # -- the listener ------------------------------------------------------------

    def _on_event(self, event: tuple[float, Any]) -> None:
        """A batch on the pool's topic. The Client's IO loop: never block it."""
        message = event[1]
        if isinstance(message, dict) and isinstance(message.get("b"), bytes):
            self._inbox.put(message["b"])

    def _listen(self) -> None:
        """Deliver what arrives, in order. The listener thread."""
        while True:
            item = self._inbox.get()
            if item is None:
                return
            try:
                if isinstance(item, bytes):
                    self._deliver(item)
                elif item[0] == "done":
                    self._task_done(item[1], item[2])
                else:
                    self._end_jobs(item[1], item[2])
            except Exception:
                logger.exception("traits_jobs: a message from the Dask cluster was lost")
            # Hold nothing (a Dask future, an item) while waiting for the next.
            del item

    def _deliver(self, data: bytes) -> None:
        wires, job_over = self._wires, self._job_over
        origin, frames = pickle.loads(data)
        for wire, kind, payload in frames:
            deliver_frame(wire, kind, payload, wires, job_over)
        if origin == FROM_TASK and frames:
            # Delivered (the router may have made this thread wait): the task may send more.
            self._count_delivered(frames[0][0])

    def _count_delivered(self, wire: int) -> None:
        with self._lock:
            key = self._keys.get(wire)
            if key is None:
                return  # Its job ended.
            count = self._delivered[key] = self._delivered.get(key, 0) + 1
            self._acks[key] = count
        self._kick()

    def _job_over(self, wire: int, control: RemoteControl) -> None:
        control._closed = True
        with self._lock:
            self._wires.pop(wire, None)
            future = self._futures.pop(wire, None)
            key = self._keys.pop(wire, None)
            if key is not None:
                self._delivered.pop(key, None)
                self._acks.pop(key, None)
                self._outbox.append(("forget", key))
        if future is not None:
            # Let the task go: the scheduler forgets it and never runs it again.
            future.release()
        self._kick()

    def _task_done(self, wire: int, future: Any) -> None:
        """A job's Dask future ended. If the job has not reported its end, it fails."""
        if wire not in self._wires:
            return
        status = future.status
        if status == "error":
            error = _task_error(future)
        elif status == "cancelled":
            error = ConnectionError(
                "The Dask cluster cancelled the job's task (the connection to the scheduler "
                "was lost, or the task was cancelled outside traits_jobs); the job's outcome "
                "is unknown."
            )
        else:
            error = RuntimeError(f"The job's task ended ({status}) without reporting an outcome.")
        self._end_jobs([wire], error)

    def _end_jobs(self, wires: list[int], error: BaseException) -> None:
        payload = marshal_exception(error)
        for wire in wires:
            target = self._wires.get(wire)
            if target is None:
                continue
            sink, job_id, control = target
            self._job_over(wire, control)
            sink(job_id, Control.RAISED, payload)

    # -- the end -----------------------------------------------------------------

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel what still runs, free the scheduler's records and topic. Idempotent.

        With ``wait``, returns once the scheduler has heard it (or after a
        timeout, if it cannot be reached).
        """
        with self._lock:
            first = not self._shutdown
            self._shutdown = True
            controls = [control for _, _, control in self._wires.values()]
        if first:
            # Jobs whose futures are done may still wind down on the cluster
            # (a timed-out job): they are cancelled and forgotten, and their
            # watchers stop them if the cancel has not.
            for control in controls:
                control.set()
            with self._lock:
                futures = list(self._futures.values())
                self._outbox.extend(("forget", key) for key in self._keys.values())
                self._wires.clear()
                self._keys.clear()
                self._futures.clear()
                self._delivered.clear()
                self._acks.clear()
                if self._client is not None:
                    # The plugin unsubscribes the client and drops the topic, in
                    # order with the jobs' last requests. (The Client's own
                    # unsubscribe_topic message could arrive after the drop, and
                    # make the topic again.)
                    self._outbox.append(("drop", self.topic, self._client.id))
            for future in futures:
                future.release()
            self._kick()
            self._inbox.put(None)
        if wait:
            client = self._client
            if client is not None and client.status == "running":
                self.flush(FLUSH_TIMEOUT)
            if threading.current_thread() is not self._listener:
                self._listener.join(FLUSH_TIMEOUT)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the scheduler has heard everything sent so far; False on timeout."""
        with self._lock:
            return self._idle.wait_for(
                lambda: self._client is None or not (self._outbox or self._acks or self._pumping),
                timeout,
            )


def _task_error(future: Any) -> BaseException:
    """What to fail a job with whose task ended in error without reporting."""
    try:
        exception = future.exception(timeout=FLUSH_TIMEOUT)
    except Exception as error:
        exception = error
    if type(exception).__name__ == "KilledWorker":
        return WorkerDiedError(
            f"The Dask workers running this job died ({safe_str(exception)}); "
            "the job did not finish."
        )
    if isinstance(exception, BaseException):
        return exception
    return RuntimeError(f"The job's task failed: {exception!r}")


class _EventHandler:
    """The pool's handler of its topic on the Client, holding the pool weakly.

    The Client keeps its handlers for good (the plugin, not the Client,
    unsubscribes it): a pool that has gone leaves this small object behind,
    which drops whatever still arrives.
    """

    __slots__ = ("_pool",)

    def __init__(self, pool: DaskWorkerPool) -> None:
        self._pool = weakref.ref(pool)

    def __call__(self, event: tuple[float, Any]) -> None:
        pool = self._pool()
        if pool is not None:
            pool._on_event(event)
