# SPDX-License-Identifier: BSD-3-Clause
"""The options every submit function takes, in one place.

``submit_call(executor, stage.move_to, 10.0, timeout=5, settle_time=0.2)``:
the names in :data:`JOB_OPTIONS` are taken by the submit functions as
options, keyword-only, and never passed to the job's function, as in
Dask's ``Client.submit``. A function that itself takes an argument of one
of these names gets it through :func:`functools.partial`::

    submit_call(executor, functools.partial(measure, timeout=2.0), timeout=5)
"""

import dataclasses
from collections.abc import Hashable
from typing import Any

from traits_jobs.states.seconds import check_seconds

#: The option names, taken out of the keyword arguments of every submit function.
JOB_OPTIONS: tuple[str, ...] = (
    "name",
    "timeout",
    "settle_time",
    "resources",
    "background",
    "preemptible",
    "on_conflict",
    "lock_token",
    "cancel_on_abort",
)

#: What ``on_conflict`` may be: raise ResourceConflictError at submit, or
#: wait until the resources are free.
ON_CONFLICT_CHOICES = ("raise", "wait")


def _flag(option: str, value: object) -> bool:
    if not isinstance(value, bool):
        msg = f"{option} must be True or False, not {value!r}"
        raise TypeError(msg)
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class JobOptions:
    """The options of one job, checked. Make one with :meth:`create`.

    Attributes
    ----------
    name : str or None
        A name for the job, shown in job lists; background jobs are found
        by it in ``executor.background_jobs``.
    timeout : float or None
        Seconds the job may execute before its future fails with
        ``JobTimeoutError``; counted from the moment it starts. None (or
        ``math.inf``) sets no limit; any finite value works, however long.
    settle_time : float
        Seconds the future stays executing after the job returned.
    resources : frozenset of str
        Names of the resources the job claims while it lives.
    background : bool
        The job may be preempted by a foreground job that needs its resources.
    preemptible : bool
        For a background job: False turns preemption into a conflict error.
    on_conflict : str
        "raise" (the default) or "wait", when a foreground job's resources
        are claimed by another foreground job.
    lock_token : hashable or None
        The token of the owner whose resources the job may claim: a job
        claiming a resource locked with ``executor.lock_owner()`` must carry
        its owner's token.
    cancel_on_abort : bool
        True (the default): ``executor.cancel_all()`` and
        ``executor.emergency_stop()`` cancel the job. False keeps it
        running through them (an interlock watcher, a logger).
    """

    name: str | None = None
    timeout: float | None = None
    settle_time: float = 0.0
    resources: frozenset[str] = frozenset()
    background: bool = False
    preemptible: bool = True
    on_conflict: str = "raise"
    lock_token: Hashable | None = None
    cancel_on_abort: bool = True

    @classmethod
    def create(cls, **options: Any) -> "JobOptions":
        """Check ``options`` and make the options of a job.

        Raises
        ------
        TypeError
            For an unknown option, or a value of the wrong type.
        ValueError
            For a value of the right type out of its range.
        """
        if not options:
            return _DEFAULT
        unknown = sorted(set(options) - set(JOB_OPTIONS))
        if unknown:
            msg = f"unknown job option(s) {unknown}; the options are {list(JOB_OPTIONS)}"
            raise TypeError(msg)
        name = options.get("name")
        if name is not None and not isinstance(name, str):
            msg = f"name must be a str or None, not {type(name).__name__}: {name!r}"
            raise TypeError(msg)
        on_conflict = options.get("on_conflict", "raise")
        if on_conflict not in ON_CONFLICT_CHOICES:
            msg = f"on_conflict must be one of {ON_CONFLICT_CHOICES}, not {on_conflict!r}"
            raise ValueError(msg)
        from traits_jobs.states.resources import validate_resources

        lock_token = options.get("lock_token")
        if not isinstance(lock_token, Hashable):
            msg = f"lock_token must be hashable, not {type(lock_token).__name__}: {lock_token!r}"
            raise TypeError(msg)

        return cls(
            name=name,
            timeout=check_seconds("timeout", options.get("timeout"), allow_none=True),
            settle_time=check_seconds(
                "settle_time", options.get("settle_time", 0.0), allow_none=False
            )
            or 0.0,
            resources=validate_resources(options.get("resources")),
            background=_flag("background", options.get("background", False)),
            preemptible=_flag("preemptible", options.get("preemptible", True)),
            on_conflict=on_conflict,
            lock_token=lock_token,
            cancel_on_abort=_flag("cancel_on_abort", options.get("cancel_on_abort", True)),
        )


_DEFAULT = JobOptions()


def split_options(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a submit function's keyword arguments into (options, the function's own)."""
    if not kwargs:
        return kwargs, kwargs
    options = {key: kwargs.pop(key) for key in JOB_OPTIONS if key in kwargs}
    return options, kwargs
