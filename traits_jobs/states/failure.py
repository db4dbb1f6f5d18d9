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


#: Longest repr that error messages and log lines quote, in characters.
REPR_LIMIT = 200


def safe_repr(obj: object, limit: int = REPR_LIMIT) -> str:
    """``repr(obj)``, shortened to ``limit`` characters; never raises.

    Error messages and log lines quote user objects (results, functions,
    exceptions) whose ``__repr__`` may raise anything.
    """
    try:
        text = repr(obj)
        if not isinstance(text, str):
            raise TypeError("__repr__ returned a non-str")
    except BaseException as error:  # user code may raise anything
        return f"<{_type_qualname(obj)} object (repr() raised {type(error).__name__})>"
    if len(text) > limit:
        text = f"{text[: limit - 5]}...{text[-2:]}"
    return text


def _type_qualname(obj: object) -> str:
    try:
        return type(obj).__qualname__
    except BaseException:
        return "object"


def safe_str(error: BaseException) -> str:
    """``str(error)``; never raises (an exception's ``__str__`` is user code)."""
    try:
        text = str(error)
        if isinstance(text, str):
            return text
        raise TypeError("__str__ returned a non-str")
    except BaseException as str_error:
        return f"<str() of the exception raised {type(str_error).__name__}>"


def _format(error: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except BaseException:  # a __str__ that raises can break the formatter
        pass
    try:
        frames = "".join(traceback.format_tb(error.__traceback__))
    except BaseException:
        frames = ""
    head = "Traceback (most recent call last):\n" if frames else ""
    return f"{head}{frames}{type_name(type(error))}: {safe_str(error)}\n"


def marshal_exception(error: BaseException) -> RaisedPayload:
    """Describe ``error`` for its future, keeping the object itself. Never raises.

    The exception's ``__str__`` (and anything else of it that formatting
    calls) is user code and may raise anything, even a ``BaseException``:
    the description then says so, and the job still ends with its error.

    Parameters
    ----------
    error : BaseException
        The exception the job raised.

    Returns
    -------
    RaisedPayload
    """
    return RaisedPayload(error, type_name(type(error)), safe_str(error), _format(error))
