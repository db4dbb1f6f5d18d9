# SPDX-License-Identifier: BSD-3-Clause
"""What the main thread asks of a running job: cancel, stop, pause, settings, values.

Messages travel from a job to its future (:mod:`traits_jobs.states.messages`);
a :class:`JobControl` carries requests the other way. The main thread (or,
for the thread-safe requests, any thread) writes it; the job's worker reads
it at its checkpoints and waits on it.

Most jobs are only ever cancelled, so a control starts as two flags: setting
and reading an attribute is atomic under the GIL. The condition variable,
the settings slot and the queue of sent values are made on first use.
"""

import collections
import threading
from collections.abc import Callable
from typing import Any

#: Makes the steering part of a control at most once, whoever asks first.
_MAKING = threading.Lock()


class _NoValue:
    """The type of :data:`NO_VALUE`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_VALUE"


#: "Nothing here": no settings pending, no value sent. Unlike None, it is
#: never a value a user passes.
NO_VALUE: Any = _NoValue()


class _Steering:
    """The part of a control that only steerable jobs use."""

    __slots__ = (
        "condition",
        "parked",
        "pause_requested",
        "relaunch",
        "sent",
        "settings",
        "settings_serial",
        "user_conditions",
    )

    def __init__(self) -> None:
        self.condition = threading.Condition(threading.Lock())
        self.pause_requested = False
        #: True while the job is paused off its worker; ``relaunch()`` puts
        #: it back on the pool.
        self.parked = False
        self.relaunch: Callable[[], object] | None = None
        #: Values sent to the job and not yet taken, oldest first.
        self.sent: collections.deque[Any] = collections.deque()
        #: The latest settings not yet taken, and their serial number.
        self.settings: Any = NO_VALUE
        self.settings_serial = 0
        #: Conditions of the job's own that it waits on through wait_for().
        self.user_conditions: list[threading.Condition] = []


class JobControl:
    """Requests from the main thread to one job, and how the job waits on them.

    ``set()`` and ``is_set()`` make it the job's cancel flag (the
    :class:`~traits_jobs.contexts.i_parallel_context.CancelEvent` protocol).
    """

    __slots__ = ("_closed", "_on_cancel", "_set", "_steering", "_stop", "job_id", "locks")

    def __init__(self) -> None:
        self._set = False
        self._stop = False
        #: Called once cancellation is requested: how a job that is not a
        #: thread (a coroutine) learns it at once. Set by the job itself.
        self._on_cancel: Callable[[], object] | None = None
        #: True once the job takes no more values: later sends are refused.
        self._closed = False
        self._steering: _Steering | None = None
        #: The executor's table of locks between jobs, for ``job_lock()``.
        self.locks: Any = None
        #: The job's id in its executor, once submitted.
        self.job_id = -1

    # -- requests: any thread --------------------------------------------

    def set(self) -> None:
        """Request cancellation, waking the job if it waits."""
        self._set = True
        on_cancel = self._on_cancel
        if on_cancel is not None:
            on_cancel()
        self._wake()

    def on_cancel(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` when cancellation is requested, or now if it was. Job side.

        ``callback`` runs on the thread that cancels (the main thread): it
        must only hand the request on, never block.
        """
        self._on_cancel = callback
        # The flag is read after the callback is in place: a set() that
        # missed the callback has set the flag first.
        if self._set:
            callback()

    def request_stop(self) -> None:
        """Ask the job to finish early, waking it if it waits."""
        self._stop = True
        self._wake()

    def request_pause(self, paused: bool) -> None:
        """Ask the job to pause at its next checkpoint (True) or to go on (False)."""
        steering = self.steering()
        with steering.condition:
            steering.pause_requested = paused
            steering.condition.notify_all()
            relaunch = None if paused else _unpark(steering)
        if relaunch is not None:
            relaunch()

    def put_settings(self, settings: Any, serial: int) -> None:
        """Leave ``settings`` for the job to take; it replaces any not yet taken."""
        steering = self.steering()
        with steering.condition:
            steering.settings = settings
            steering.settings_serial = serial

    def put_value(self, value: Any) -> None:
        """Queue ``value`` for the job to take.

        Raises
        ------
        RuntimeError
            If the job will take no more values.
        """
        steering = self.steering()
        with steering.condition:
            # Read under the condition, after the steering part exists: see
            # close_values() for why no value can slip between the two.
            if self._closed:
                msg = "the job has ended; it takes no more values"
                raise RuntimeError(msg)
            steering.sent.append(value)

    # -- reading: the job's worker ---------------------------------------

    def is_set(self) -> bool:
        """True once cancellation was requested."""
        return self._set

    @property
    def stop_requested(self) -> bool:
        """True once the job was asked to stop or was cancelled."""
        return self._stop or self._set

    def wait(self, timeout: float | None) -> bool:
        """Wait until a stop or cancel request, or ``timeout`` seconds; True on a request."""
        if self._stop or self._set:
            return True
        steering = self.steering()
        with steering.condition:
            return steering.condition.wait_for(lambda: self._stop or self._set, timeout)

    def wait_while_paused(self) -> bool:
        """Wait while a pause is requested and no stop or cancel is; True if it paused."""
        steering = self._steering
        if steering is None or not steering.pause_requested:
            return False
        with steering.condition:
            steering.condition.wait_for(
                lambda: not steering.pause_requested or self._stop or self._set
            )
        return True

    @property
    def pause_requested(self) -> bool:
        """True while a pause is requested."""
        steering = self._steering
        return steering is not None and steering.pause_requested

    def take_settings(self) -> tuple[int, Any]:
        """Take the settings left for the job: ``(serial, settings)``, or ``(0, NO_VALUE)``."""
        steering = self._steering
        if steering is None or steering.settings is NO_VALUE:
            return 0, NO_VALUE
        with steering.condition:
            taken = steering.settings_serial, steering.settings
            steering.settings = NO_VALUE
        return taken

    def take_value(self) -> Any:
        """Take the oldest value sent to the job, or :data:`NO_VALUE`."""
        steering = self._steering
        if steering is None or not steering.sent:
            return NO_VALUE
        with steering.condition:
            return steering.sent.popleft() if steering.sent else NO_VALUE

    def close_values(self) -> int:
        """Refuse later values; return how many sent values were never taken.

        The flag is set before the steering part is read. A sender makes
        the steering part before it reads the flag under the condition; so
        either it sees the flag and raises, or this sees its steering part
        and, under the same condition, its value.
        """
        self._closed = True
        steering = self._steering
        if steering is None:
            return 0
        with steering.condition:
            left = len(steering.sent)
            steering.sent.clear()
        return left

    def wait_for(
        self,
        condition: threading.Condition,
        predicate: Callable[[], Any],
        timeout: float | None,
    ) -> Any:
        """``condition.wait_for(predicate, timeout)``, also woken by a stop or cancel.

        The caller holds ``condition``, as for ``Condition.wait_for``.
        Returns the predicate's last value, or None if a stop or cancel
        request ended the wait first (the caller checks
        :attr:`stop_requested`).
        """
        steering = self.steering()
        with steering.condition:
            steering.user_conditions.append(condition)
        try:
            result = condition.wait_for(lambda: self._stop or self._set or predicate(), timeout)
            return None if self._stop or self._set else result
        finally:
            with steering.condition:
                steering.user_conditions.remove(condition)

    # -- internals -------------------------------------------------------

    def steering(self) -> _Steering:
        """The steering part, made on first use. Any thread."""
        steering = self._steering
        if steering is None:
            with _MAKING:
                steering = self._steering
                if steering is None:
                    steering = self._steering = _Steering()
        return steering

    def park(self, relaunch: Callable[[], object]) -> bool:
        """Leave the worker while paused, if the pause still holds; True if parked.

        Called by the worker after the job saved its state. From then on,
        whatever ends the pause (resume, stop, cancel) calls ``relaunch()``
        once, outside the condition, to put the job back on the pool.
        """
        steering = self.steering()
        with steering.condition:
            if not steering.pause_requested or self._stop or self._set:
                return False
            steering.parked, steering.relaunch = True, relaunch
            return True

    def _wake(self) -> None:
        # The flag was written first: a worker that makes the steering part
        # after this read sees the flag when it checks under the condition.
        steering = self._steering
        if steering is None:
            return
        with steering.condition:
            steering.condition.notify_all()
            user_conditions = list(steering.user_conditions)
            relaunch = _unpark(steering)
        for condition in user_conditions:
            _notify_without_blocking(condition)
        if relaunch is not None:
            relaunch()


class LinkedControl(JobControl):
    """A control whose cancellation also sets a context's own event.

    For contexts whose :meth:`cancel_flag` is not a :class:`JobControl`:
    their workers read that event; the rest of the control is in-process.
    """

    __slots__ = ("_event",)

    def __init__(self, event: Any) -> None:
        super().__init__()
        self._event = event

    def set(self) -> None:
        """Request cancellation through the context's event too."""
        self._event.set()
        super().set()

    def is_set(self) -> bool:
        """True once cancellation was requested, here or through the event."""
        return self._set or self._event.is_set()


def _unpark(steering: _Steering) -> Callable[[], object] | None:
    """Under the condition: end a parked pause; return what relaunches the job."""
    if not steering.parked:
        return None
    relaunch, steering.relaunch = steering.relaunch, None
    steering.parked = False
    return relaunch


def _notify_without_blocking(condition: threading.Condition) -> None:
    """Wake the waiters of a job's own condition without ever blocking the caller.

    If another thread holds the condition's lock, a helper thread waits for
    it and notifies: the caller may be the main thread.
    """
    if condition.acquire(blocking=False):
        try:
            condition.notify_all()
        finally:
            condition.release()
        return

    def notify() -> None:
        with condition:
            condition.notify_all()

    threading.Thread(target=notify, name="traits_jobs-wake", daemon=True).start()
