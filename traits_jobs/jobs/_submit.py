# SPDX-License-Identifier: BSD-3-Clause
"""What the built-in job kinds share: a function with its arguments, and checks.

The specification and the task of a call, an iteration or a progress job
each hold ``fn, args, kwargs``. They use ``__slots__``: a submission makes
one of each, and fewer objects per job means less garbage-collector work
while thousands of jobs are queued.
"""

from collections.abc import Callable
from typing import Any

from traits_jobs.jobs.base_task import BaseTask
from traits_jobs.jobs.i_task_specification import ITaskSpecification
from traits_jobs.states.failure import safe_repr


def check_callable(function_name: str, fn: Callable[..., Any]) -> None:
    """Raise a TypeError naming ``function_name`` if ``fn`` is not callable."""
    if not callable(fn):
        msg = (
            f"{function_name}() expected a callable as its second argument, "
            f"got {type(fn).__name__}: {fn!r}"
        )
        raise TypeError(msg)


class FunctionTask(BaseTask):
    """A task that runs ``fn(*args, **kwargs)`` in some way."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __repr__(self) -> str:
        return f"{type(self).__name__}({safe_repr(self.fn)})"


class FunctionSpecification(ITaskSpecification):
    """A specification of a job around ``fn(*args, **kwargs)``."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.fn, self.args, self.kwargs = fn, args, kwargs
