# SPDX-License-Identifier: BSD-3-Clause
"""``@background``: device methods that run as jobs and return their future at once.

::

    class Stage(HasTraits):
        executor = Instance(TraitsExecutor)

        @background(resources={"stage"}, timeout=30)
        async def move(self, position):
            ...

    future = stage.move(10)          # submitted; returns at once
    position = await stage.move(10)  # inside another coroutine job

A coroutine function becomes a coroutine job, a generator function an
iteration, anything else a call. Concert's ``@background`` does the same for
its devices; here the job is an ordinary traits_jobs job, with its future,
options and jobs-panel row.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, overload

from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.call import submit_call
from traits_jobs.jobs.coroutine import submit_coroutine
from traits_jobs.jobs.iteration import submit_iteration
from traits_jobs.jobs.options import JobOptions

_F = TypeVar("_F", bound=Callable[..., Any])


@overload
def background(fn: _F, /) -> Callable[..., BaseFuture]: ...


@overload
def background(
    *, executor: str = "executor", **options: Any
) -> Callable[[_F], Callable[..., BaseFuture]]: ...


def background(
    fn: Callable[..., Any] | None = None, /, *, executor: str = "executor", **options: Any
) -> Any:
    """Make a method run in the background on its object's executor.

    Use it bare (``@background``) or with job options
    (``@background(resources={"stage"}, timeout=30)``). Calling the method
    submits ``method(self, *args, **kwargs)`` to ``getattr(self, executor)``
    and returns the future at once: a coroutine function as a coroutine
    job, a generator function as an iteration, anything else as a call.
    Every argument of the call goes to the method; the job options are
    those given to the decorator. A job without a ``name=`` option is named
    after the class and the method ("Stage.move").

    Parameters
    ----------
    executor : str
        The attribute of the object that holds its
        :class:`~traits_jobs.api.TraitsExecutor`.
    **options
        Job options for every call (see :class:`~traits_jobs.api.JobOptions`).

    Raises
    ------
    TypeError, ValueError
        At decoration, for an option that is unknown or has a bad value, or
        an ``executor`` that is not a str.
    """
    if not isinstance(executor, str):
        msg = f"executor must name an attribute (a str), not {executor!r}"
        raise TypeError(msg)
    JobOptions.create(**options)  # Refuse bad options where they are written.
    if fn is None:
        return functools.partial(_decorate, executor=executor, options=options)
    return _decorate(fn, executor=executor, options=options)


def _decorate(
    fn: Callable[..., Any], *, executor: str, options: dict[str, Any]
) -> Callable[..., BaseFuture]:
    if not callable(fn):
        msg = f"@background expected a function, got {type(fn).__name__}: {fn!r}"
        raise TypeError(msg)
    if inspect.iscoroutinefunction(fn):
        submit: Callable[..., BaseFuture] = submit_coroutine
    elif inspect.isgeneratorfunction(fn):
        submit = submit_iteration
    else:
        submit = submit_call

    @functools.wraps(fn)
    def in_background(self: Any, /, *args: Any, **kwargs: Any) -> BaseFuture:
        runner = getattr(self, executor, None)
        if runner is None:
            msg = (
                f"{type(self).__name__}.{fn.__name__}() runs in the background on "
                f"self.{executor}, which is None: give the object an executor first"
            )
            raise RuntimeError(msg)
        job_options = options
        if "name" not in options:
            job_options = {**options, "name": f"{type(self).__name__}.{fn.__name__}"}
        return submit(runner, functools.partial(fn, self, *args, **kwargs), **job_options)

    return in_background
