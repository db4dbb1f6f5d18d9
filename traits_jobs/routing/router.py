# SPDX-License-Identifier: BSD-3-Clause
"""The message queue between an executor's workers and its futures.

Workers append ``(job_id, kind, payload)`` messages to one deque. The first
message after a drain posts a single wake-up to the event loop; later ones
see a wake-up pending and post nothing. On the main thread a drain delivers
messages for a few milliseconds, then, if messages remain, posts itself again
so that painting, input and timers get their turn. When the queue holds
``max_pending`` messages, worker threads wait (releasing the GIL) until the
main thread has caught up, so a fast producer cannot grow an unbounded
backlog. Messages from one job keep their order.

Messages of a :class:`~traits_jobs.states.messages.LatestKind` (structured
progress, and progress reports of a job that asked for coalescing) are
coalesced: while one is queued and no plain message of its job was queued
after it, a newer one of the same kind overwrites its payload. Coalescible
kinds do not keep their order among themselves (a job's published status may
overtake its progress report); every other message, plain progress reports
included, is delivered as sent and in order.
"""

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from traits_jobs.event_loops.i_event_loop import IEventLoop, logger
from traits_jobs.states.messages import LatestKind, Message, MessageKind

#: Default number of queued messages at which producers wait.
DEFAULT_MAX_PENDING = 2048

#: Default main-thread time one drain may take, in seconds.
DEFAULT_DRAIN_BUDGET = 0.002

# How many messages are delivered between two looks at the clock.
_CLOCK_STRIDE = 32


class Receiver(Protocol):
    """What the router delivers to: a future, on the main thread."""

    #: True once the job will send nothing more.
    _job_over: bool

    def _receive(self, kind: Any, payload: Any) -> bool:
        """Handle one message; return True if it was the job's last.

        If it raises (an observer of the future failed), the router reads
        ``_job_over`` to learn whether the message was the last.
        """


class MessageRouter:
    """Carries job messages from any thread to receivers on the main thread.

    Parameters
    ----------
    event_loop : IEventLoop
        The loop whose thread receives the messages.
    on_final : callable
        ``on_final(job_id)`` runs on the main thread after a receiver has
        handled its job's last message.
    on_error : callable
        ``on_error(job_id, exception)`` runs on the main thread when a
        receiver raises; delivery then continues with the next message.
    max_pending : int
        Queue length at which worker threads wait for the main thread.
    drain_budget : float
        Seconds of main-thread time one drain may take before yielding.
    """

    def __init__(
        self,
        event_loop: IEventLoop,
        *,
        on_final: Callable[[int], object],
        on_error: Callable[[int, BaseException], object],
        max_pending: int = DEFAULT_MAX_PENDING,
        drain_budget: float = DEFAULT_DRAIN_BUDGET,
    ) -> None:
        if not isinstance(max_pending, int) or max_pending < 1:
            msg = f"max_pending must be a positive int, not {max_pending!r}"
            raise ValueError(msg)
        self._event_loop = event_loop
        self._on_final = on_final
        self._on_error = on_error
        self._max_pending = max_pending
        self._resume_at = max_pending // 2
        self._drain_budget = drain_budget
        self._queue: collections.deque[Message] = collections.deque()
        # job id -> kind -> the coalescible message of that kind queued with
        # no plain message of the job behind it.
        self._latest: dict[int, dict[LatestKind, list[Any]]] = {}
        self._latest_lock = threading.Lock()
        self._receivers: dict[int, Receiver] = {}
        self._main_ident = threading.get_ident()
        self._wake_pending = False
        self._draining = False
        self._wake_lock = threading.Lock()
        # Producers waiting for room, and a blocking drain waiting for data.
        self._room = threading.Condition(threading.Lock())
        self._producers_waiting = 0
        self._data_ready = threading.Event()
        self._sync_waiting = False
        self._closed = False

    # -- any thread ---------------------------------------------------------

    @property
    def pending(self) -> int:
        """How many messages are queued. Thread-safe; a snapshot."""
        return len(self._queue)

    @property
    def waiting_producers(self) -> int:
        """How many worker threads are waiting for room. Thread-safe; a snapshot."""
        return self._producers_waiting

    def add_receiver(self, job_id: int, receiver: Receiver) -> None:
        """Deliver messages for ``job_id`` to ``receiver``. Thread-safe."""
        self._receivers[job_id] = receiver

    def remove_receiver(self, job_id: int) -> None:
        """Forget ``job_id``'s receiver; later messages for it are dropped. Thread-safe."""
        self._receivers.pop(job_id, None)

    def send(self, job_id: int, kind: MessageKind, payload: Any = None) -> None:
        """Queue a message for the main thread. Thread-safe.

        On a worker thread this waits while the queue is full. Messages sent
        after :meth:`close` are discarded.
        """
        queue = self._queue
        if len(queue) >= self._max_pending and threading.get_ident() != self._main_ident:
            self._wait_for_room()
        if self._closed:
            return
        latest = self._latest
        if type(kind) is LatestKind:
            with self._latest_lock:
                cells = latest.get(job_id)
                if cells is None:
                    cells = latest[job_id] = {}
                else:
                    cell = cells.get(kind)
                    if cell is not None:
                        cell[2] = payload
                        return
                cell = cells[kind] = [job_id, kind, payload]
                queue.append(cell)
        else:
            if latest and job_id in latest:
                # Whatever comes next must be delivered after the cell.
                with self._latest_lock:
                    latest.pop(job_id, None)
            queue.append((job_id, kind, payload))
        if self._sync_waiting:
            self._data_ready.set()
        if not self._wake_pending:
            self._post_wake()

    def _post_wake(self) -> None:
        with self._wake_lock:
            if self._wake_pending or self._closed:
                return
            self._wake_pending = True
        try:
            self._event_loop.call_soon_threadsafe(self._drain)
        except RuntimeError:
            # The loop was closed under us: only stragglers after a stop get
            # here, and their jobs are already final.
            logger.warning("Event loop closed; %d message(s) not delivered", len(self._queue))

    def _wait_for_room(self) -> None:
        with self._room:
            self._producers_waiting += 1
            try:
                while len(self._queue) >= self._max_pending and not self._closed:
                    self._room.wait()
            finally:
                self._producers_waiting -= 1

    # -- main thread --------------------------------------------------------

    def deliver(self, job_id: int, kind: Any, payload: Any = None) -> None:
        """Deliver a message at once, bypassing the queue. Main thread only.

        For messages and events that the main thread itself originates, such
        as the end of a job removed from the pool's queue before it started,
        or a timeout.
        """
        receiver = self._receivers.get(job_id)
        if receiver is not None:
            self._deliver(job_id, receiver, kind, payload)

    def drain_until(self, condition: Callable[[], bool], timeout: float | None) -> bool:
        """Deliver messages in this call until ``condition()`` holds. Main thread only.

        Blocks between messages without running the event loop, so nothing
        but job messages is processed meanwhile.

        Returns
        -------
        bool
            The value of ``condition()`` when the call ended.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        self._sync_waiting = True
        # A drain posted meanwhile and run by an observer (processEvents)
        # must not deliver inside that observer; see _drain.
        was_draining, self._draining = self._draining, True
        try:
            while not condition():
                self._data_ready.clear()
                if not self._queue:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._data_ready.wait(remaining)
                    continue
                self._deliver_batch(time.perf_counter() + self._drain_budget)
        finally:
            self._sync_waiting = False
            self._draining = was_draining
            # A drain skipped meanwhile left the rest to this call.
            if self._queue and not self._wake_pending:
                self._post_wake()
        return True

    @contextlib.contextmanager
    def nested_drains(self) -> Iterator[None]:
        """Let drains run inside this block even if a drain is in progress. Main thread only.

        For a blocking wait made by an observer: the messages it waits for
        must be delivered inside it.
        """
        was_draining, self._draining = self._draining, False
        try:
            yield
        finally:
            self._draining = was_draining

    def close(self) -> None:
        """Stop waking the event loop and release waiting producers. Main thread only.

        Messages still queued are delivered first.
        """
        self._deliver_batch(None)
        self._closed = True
        with self._room:
            self._room.notify_all()

    def _drain(self) -> None:
        # Clear the flag before looking at the queue: a message appended from
        # here on posts a new wake-up, so none is left behind.
        self._wake_pending = False
        if self._draining:
            # An observer ran the event loop (a progress editor calling
            # processEvents(), say). The drain in progress delivers the rest
            # once that observer returns; delivering here would run observers
            # inside observers, as deep as the backlog is long.
            return
        self._draining = True
        try:
            self._deliver_batch(time.perf_counter() + self._drain_budget)
        finally:
            self._draining = False
        if self._queue and not self._wake_pending:
            self._post_wake()

    def _deliver_batch(self, deadline: float | None) -> None:
        queue = self._queue
        receivers = self._receivers
        clock = time.perf_counter
        count = 0
        while queue:
            message = queue.popleft()
            if type(message) is list:
                with self._latest_lock:
                    job_id, kind, payload = message
                    cells = self._latest.get(job_id)
                    if cells is not None and cells.get(kind) is message:
                        del cells[kind]
                        if not cells:
                            del self._latest[job_id]
            else:
                job_id, kind, payload = message
            receiver = receivers.get(job_id)
            if receiver is not None:
                # _deliver, inlined: this is the per-message hot path.
                try:
                    final = receiver._receive(kind, payload)
                except Exception as error:
                    final = receiver._job_over
                    self._on_error(job_id, error)
                if final:
                    receivers.pop(job_id, None)
                    self._on_final(job_id)
            count += 1
            if count == _CLOCK_STRIDE:
                if deadline is not None and clock() > deadline:
                    break
                count = 0
        if self._producers_waiting and len(queue) <= self._resume_at:
            with self._room:
                self._room.notify_all()

    def _deliver(self, job_id: int, receiver: Receiver, kind: Any, payload: Any) -> None:
        try:
            final = receiver._receive(kind, payload)
        except Exception as error:
            final = receiver._job_over
            self._on_error(job_id, error)
        if final:
            self._receivers.pop(job_id, None)
            self._on_final(job_id)
