# SPDX-License-Identifier: BSD-3-Clause
"""How a job's exception travels to its future."""

import builtins
import traceback
from typing import NamedTuple

from traits_jobs.states.exceptions import RemoteJobError


class RaisedPayload(NamedTuple):
    """Payload of a :attr:`~traits_jobs.states.messages.Control.RAISED` message.

    Attributes
    ----------
    error : BaseException or None
        The exception object itself, with its ``__traceback__`` when it ran in
        this process. ``None`` when it could not be sent (a process context
        whose exception does not pickle).
    type_name : str
        ``"ValueError"`` for built-in types, ``"module.QualName"`` otherwise.
    message : str
        ``str(error)``.
    formatted_traceback : str
        The whole traceback, chained exceptions included.
    """

    error: BaseException | None
    type_name: str
    message: str
    formatted_traceback: str

    def exception_triple(self) -> tuple[str, str, str]:
        """The ``(type name, message, traceback)`` triple of traits-futures."""
        return (self.type_name, self.message, self.formatted_traceback)

    def exception_object(self) -> BaseException:
        """The exception object, or a :class:`RemoteJobError` standing in."""
        if self.error is not None:
            return self.error
        return RemoteJobError(self.type_name, self.message, self.formatted_traceback)


def type_name(exc_type: type) -> str:
    """Name an exception type: bare for builtins, ``module.QualName`` otherwise."""
    if exc_type.__module__ == builtins.__name__:
        return exc_type.__qualname__
    return f"{exc_type.__module__}.{exc_type.__qualname__}"


def marshal_exception(error: BaseException) -> RaisedPayload:
    """Describe ``error`` for its future, keeping the object itself.

    Parameters
    ----------
    error : BaseException
        The exception the job raised.

    Returns
    -------
    RaisedPayload
    """
    formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        message = str(error)
    except Exception as str_error:
        message = f"<str() of the exception raised {type(str_error).__name__}>"
    return RaisedPayload(error, type_name(type(error)), message, formatted)
