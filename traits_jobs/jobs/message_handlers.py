# SPDX-License-Identifier: BSD-3-Clause
"""How a future class finds the handler of each message kind its job sends."""

from collections.abc import Callable
from typing import Any, TypeVar

from traits_jobs.states.messages import MessageKind

_F = TypeVar("_F", bound=Callable[..., Any])

#: Attribute that marks a method as the handler of a message kind.
_HANDLES = "_traits_jobs_handles"
_PROCESS_PREFIX = "_process_"


def message_handler(kind: str) -> Callable[[_F], _F]:
    """Mark a future's method as the handler of messages of ``kind``.

    Examples
    --------
    >>> class FizzBuzzFuture(BaseFuture):
    ...     fizz = Event(Int)
    ...
    ...     @message_handler("fizz")
    ...     def _on_fizz(self, value: int) -> None:
    ...         self.fizz = value
    """
    if not isinstance(kind, str):
        msg = f"message_handler() expected a str message kind, got {type(kind).__name__}: {kind!r}"
        raise TypeError(msg)

    def decorate(method: _F) -> _F:
        setattr(method, _HANDLES, kind)
        return method

    return decorate


def collect_handlers(cls: type) -> dict[MessageKind, Callable[[Any, Any], None]]:
    """Map each message kind to its handler among the methods of ``cls`` and its bases.

    A method is a handler if :func:`message_handler` marked it, or if it is
    named ``_process_<kind>`` (traits-futures' convention). A subclass's
    handler of a kind replaces its base's.
    """
    handlers: dict[MessageKind, Callable[[Any, Any], None]] = {}
    for klass in reversed(cls.__mro__):
        for name, member in vars(klass).items():
            kind = getattr(member, _HANDLES, None)
            if kind is None and name.startswith(_PROCESS_PREFIX) and callable(member):
                kind = name[len(_PROCESS_PREFIX) :]
            if kind is not None:
                handlers[kind] = member
    return handlers
