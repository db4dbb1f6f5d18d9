# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions raised by traits_jobs.

::

    Exception
     +-- TaskCancelled            raised in a worker by a report made after cancel
     +-- JobStopRequested         raised in a worker by a job-context wait after stop() or cancel()
     +-- TraitsJobsError          base of the library's own errors
          +-- ExecutorStateError  the executor is not in a state that allows the call
          |    +-- ShutdownTimeoutError (also a TimeoutError) shutdown(timeout=) expired
          +-- JobTimeoutError     (also a TimeoutError) a job ran past its timeout=
          +-- WaitTimeoutError    (also a TimeoutError) future.wait(timeout=) expired
          +-- JobCancelledError   wait() or await on a future that was cancelled
          +-- UnknownMessageError a job sent a message kind its future cannot handle
          +-- RemoteJobError      a job's exception could not cross to the main thread
          +-- MissedDeadlineError a loop job with missed="terminate" started an iteration late
          +-- LockTimeoutError    (also a TimeoutError) job_lock(timeout=) expired
          +-- JobPicklingError    (also a TypeError) a job or its message cannot cross to a process
          +-- WorkerDiedError     the worker process running the job died
          +-- InvalidTransition   internal: a message arrived in a state that forbids it
    UserWarning
     +-- PreemptionWarning        a foreground job cancelled a background job for its resources
"""


class TaskCancelled(Exception):
    """Raised inside a job when it reports progress after cancellation.

    Progress jobs need not catch it: the job ends and its future becomes
    CANCELLED.
    """


class JobStopRequested(Exception):
    """Raised inside a job by its context's waits once it is asked to stop or cancelled.

    ``current_job().sleep()`` and ``current_job().wait_for()`` raise it, so
    that a job written as a sequence of waits ends at the first wait after
    ``future.stop()`` or ``future.cancel()``. Let it propagate: a job it
    ends is over as asked. After ``stop()`` its future ends COMPLETED with
    ``end_reason`` "stopped" and no result; after ``cancel()`` it ends
    CANCELLED. Either way nothing is logged.
    """


class TraitsJobsError(Exception):
    """Base class of the errors traits_jobs raises itself."""


class ExecutorStateError(TraitsJobsError, RuntimeError):
    """The executor's state does not allow the call (submit after stop, ...)."""


class ShutdownTimeoutError(ExecutorStateError, TimeoutError):
    """``shutdown(timeout=...)`` expired while jobs were still running.

    A :exc:`RuntimeError`, as traits-futures raised, and a :exc:`TimeoutError`.
    """


class JobTimeoutError(TraitsJobsError, TimeoutError):
    """A job ran past the ``timeout=`` it was submitted with.

    Its future ends FAILED with this error, counted from the moment the job
    started executing. The job is asked to cancel; what it returns later is
    discarded.
    """


class WaitTimeoutError(TraitsJobsError, TimeoutError):
    """``future.wait(timeout=...)`` expired; the job itself goes on."""


class JobCancelledError(TraitsJobsError):
    """Raised by ``wait()`` and ``await`` for a future that ended CANCELLED."""


class UnknownMessageError(TraitsJobsError, LookupError):
    """A job sent a message kind that its future has no handler for."""


class RemoteJobError(TraitsJobsError):
    """Stands in for a job's exception that could not be passed back as is.

    Attributes
    ----------
    type_name : str
        The qualified name of the original exception's type.
    message : str
        ``str()`` of the original exception.
    formatted_traceback : str
        The original traceback, formatted.
    """

    def __init__(self, type_name: str, message: str, formatted_traceback: str):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message
        self.formatted_traceback = formatted_traceback


class MissedDeadlineError(TraitsJobsError):
    """A loop job submitted with ``missed="terminate"`` fell behind its period.

    Attributes
    ----------
    lateness : float
        Seconds between the grid slot the iteration should have started on
        and the moment it could start.
    slots_missed : int
        The grid slots that passed without an iteration starting on them.
    """

    def __init__(self, lateness: float, slots_missed: int) -> None:
        super().__init__(
            f"The loop fell {lateness * 1e3:.3f} ms behind its period "
            f"({slots_missed} slot(s) missed) and was submitted with missed='terminate'"
        )
        self.lateness = lateness
        self.slots_missed = slots_missed

    def __reduce__(self) -> tuple[type, tuple[float, int]]:
        return type(self), (self.lateness, self.slots_missed)


class LockTimeoutError(TraitsJobsError, TimeoutError):
    """``job_lock(..., timeout=)`` expired before the resources could be locked.

    Attributes
    ----------
    resources : frozenset of str
        The resources requested.
    timeout : float or None
        The timeout, in seconds.
    """

    def __init__(self, resources: frozenset[str], timeout: float | None) -> None:
        super().__init__(
            f"Could not lock {sorted(resources)} within {timeout} s: another job holds "
            "or claims them"
        )
        self.resources = resources
        self.timeout = timeout

    def __reduce__(self) -> tuple[type, tuple[frozenset[str], float | None]]:
        return type(self), (self.resources, self.timeout)


class JobPicklingError(TraitsJobsError, TypeError):
    """A job, or what it sends or receives, cannot be pickled to cross processes.

    Raised by the submit call for a job whose function or arguments do not
    pickle, by ``send()`` and ``set_settings()`` for a value that does not;
    a job whose result or message does not pickle fails with it.
    """


class WorkerDiedError(TraitsJobsError, RuntimeError):
    """The worker process running a job died (killed, crashed, ``os._exit``).

    The job fails with it; jobs still queued run on a fresh worker process.
    """


class InvalidTransition(TraitsJobsError):
    """Internal error: a future received a message its state forbids.

    Seeing this means a job broke the message protocol or there is a bug in
    traits_jobs; it is never part of normal operation.
    """


class PreemptionWarning(UserWarning):
    """A foreground job cancelled a background job that held its resources."""
