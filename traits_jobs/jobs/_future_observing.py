# SPDX-License-Identifier: BSD-3-Clause
"""A cheaper ``observe()`` for the traits a future fires itself.

``future.observe(handler, "done")`` is what applications do with a future,
once per job. Traits' own ``observe()`` makes, for that one handler, a
notifier on a per-instance copy of the ``done`` trait and a maintainer on
another of ``trait_added``: about 2 KB and a dozen container objects per
future, which the garbage collector then traverses again and again while
thousands of futures wait. A future fires ``state``, ``cancellable``,
``end_reason`` and ``done`` itself (``BaseFuture._fire``), and its message
handlers set the untyped events of ``_KEPT_EVENTS`` (``result_event``,
``progress``), so for those names, with the default ``dispatch="same"``, it
keeps the handler in a tuple of its own and calls it as Traits' notifier
would: with the same
:class:`~traits.observation.api.TraitChangeEvent`, through Traits'
``dispatch_same`` (async handlers included), exceptions through Traits'
observer exception handler (``push_exception_handler`` applies), a weak
reference to a bound method's object, the same reference counting of a
handler observed twice, and the same ``NotifierNotFound`` for removing one
that is not there.

Order is kept: a handler is kept here only while no Traits notifier is on
the trait (an ``@observe("future:done")`` of a parent object, an
``on_trait_change``, a ``dispatch="ui"`` observer); these handlers are
called first, then Traits' notifiers, as Traits would call them in the
order they were added. Anything else (another expression, a list,
``dispatch="ui"``, a trait added with Traits' machinery) goes to Traits
unchanged.
"""

import inspect
import types
import weakref
from collections.abc import Callable
from typing import Any, ClassVar

from traits.api import Any as AnyTrait
from traits.api import Event, HasStrictTraits
from traits.observation.api import TraitChangeEvent, dispatch_same
from traits.observation.exception_handling import handle_exception

#: The traits a future fires itself, with ``trait_property_changed``.
FIRED_TRAITS = frozenset({"state", "cancellable", "end_reason", "done"})


class FutureObserving(HasStrictTraits):
    """``observe()`` of a future: handlers of the traits it fires itself are kept by it."""

    #: (name, handler or a WeakMethod of it, count, dispatch_same or None if
    #: the handler is not async) per handler observed here: that one tuple
    #: for a single handler (one object per future, as most futures have),
    #: a tuple of them for several; None until the first. Replaced on
    #: change, so that a change in progress goes on with the handlers it
    #: started with.
    _observers = AnyTrait(transient=True)

    #: Untyped Event traits of the class whose handlers are kept here too.
    #: The message handler that sets one calls
    #: ``self._notify_observers(name, Undefined, value)`` first, if
    #: ``self._observers``: once per item, so written out, not a method.
    _KEPT_EVENTS: ClassVar[frozenset[str]] = frozenset()

    # Keyword-only as in Traits itself; the traits stubs say otherwise.
    def observe(  # type: ignore[override]
        self,
        handler: Callable[[Any], object],
        expression: Any,
        *,
        remove: bool = False,
        dispatch: str = "same",
    ) -> None:
        """Observe trait changes of the future, as ``HasTraits.observe``.

        The same call, the same events, the same order of handlers.
        ``observe(handler, "done")`` (or ``"state"``, ``"cancellable"``,
        ``"end_reason"``, and ``"result_event"`` or ``"progress"`` of the
        futures that have them) with the default dispatch keeps the handler
        in the future and costs a fraction of Traits' own; see
        :ref:`observing-a-future`. Anything else is Traits' ``observe()``.
        """
        if (
            dispatch != "same"
            or type(expression) is not str
            or not (expression in FIRED_TRAITS or _keeps_event(type(self), expression))
            or not callable(handler)
        ):
            super().observe(handler, expression, remove=remove, dispatch=dispatch)
            return
        observers = _entries(self._observers)
        index = _find(observers, expression, handler) if observers else -1
        if index >= 0:
            name, kept, count, dispatch_ = observers[index]
            count += -1 if remove else 1
            changed = ((name, kept, count, dispatch_),) if count else ()
            self._set_entries(observers[:index] + changed + observers[index + 1 :])
            return
        if remove:
            super().observe(handler, expression, remove=True)
            return
        trait = self._trait(expression, 0)  # type: ignore[attr-defined]
        if trait._notifiers(False):
            # A Traits notifier came first: keep the order by adding after it.
            super().observe(handler, expression)
            return
        kept = weakref.WeakMethod(handler) if type(handler) is types.MethodType else handler
        # Traits' dispatch_same runs an async handler as a task; looked up
        # here once rather than at every change.
        dispatch_ = dispatch_same if inspect.iscoroutinefunction(handler) else None
        self._set_entries((*observers, (expression, kept, 1, dispatch_)))

    def _set_entries(self, entries: tuple[tuple[Any, ...], ...]) -> None:
        self._observers = entries[0] if len(entries) == 1 else entries or None

    def _notify_observers(self, name: str, old: Any, new: Any) -> None:
        """Call the handlers kept here for ``name``, in order; main thread."""
        # Once per delivered item: written for speed.
        observers: Any = self._observers
        if not observers:
            return
        for entry in (observers,) if type(observers[0]) is str else observers:
            if entry[0] != name:
                continue
            handler = entry[1]
            if type(handler) is weakref.WeakMethod:
                handler = handler()
                if handler is None:
                    continue  # The bound method's object is gone: muted, as in Traits.
            event = TraitChangeEvent(object=self, name=name, old=old, new=new)
            try:
                if entry[3] is None:
                    handler(event)
                else:
                    entry[3](handler, event)
            except Exception:
                handle_exception(event)


#: (class, name) -> whether ``observe(handler, name)`` keeps the handler.
_KEEPS_EVENT: dict[tuple[type, str], bool] = {}


def _keeps_event(cls: type, name: str) -> bool:
    """True if ``name`` is one of the class's kept Event traits, untyped.

    An Event with a trait type validates what it is set to, and a value it
    refuses must reach no handler: such an event is left to Traits.
    """
    keeps = _KEEPS_EVENT.get((cls, name))
    if keeps is None:
        trait = cls.class_traits().get(name)  # type: ignore[attr-defined]
        keeps = (
            name in cls._KEPT_EVENTS  # type: ignore[attr-defined]
            and trait is not None
            and isinstance(trait.handler, Event)
            and trait.handler.trait is None
        )
        _KEEPS_EVENT[cls, name] = keeps
    return keeps


def _entries(observers: Any) -> tuple[tuple[Any, ...], ...]:
    """The entries of ``_observers``, as a tuple of them."""
    if not observers:
        return ()
    return (observers,) if type(observers[0]) is str else observers  # type: ignore[no-any-return]


def _find(observers: tuple[tuple[Any, ...], ...], name: str, handler: Any) -> int:
    """Index of ``handler`` observing ``name`` (compared as Traits does), or -1."""
    for index, entry in enumerate(observers):
        if entry[0] == name and _resolve(entry[1]) == handler:
            return index
    return -1


def _resolve(kept: Any) -> Any:
    return kept() if type(kept) is weakref.WeakMethod else kept
