# SPDX-License-Identifier: BSD-3-Clause
"""What a GUI shows of one job: :class:`JobRow`, a view model of a future.

Every widget in :mod:`traits_jobs.ui` shows a future through a ``JobRow``:
its name and kind, its state, how far it has come, for how long it has run,
and why it failed. The row follows the future on the main thread and can be
bound to any TraitsUI view.

Where the fraction done comes from, first found wins:

1. the job's structured progress (``report_progress()``, any job kind);
2. a :class:`~traits_jobs.api.ProgressFuture` whose job reports a
   ``(done, total)`` pair of numbers, as the traits-futures examples do;
3. nothing: the fraction is None and progress bars are indeterminate while
   the job executes. A completed job shows 1.

A loop job's row counts its iterations and the slots it missed; a pausable
job's row (an iteration or a loop job) can pause and resume it. Both are
found by duck typing (the future's ``iteration_count`` and ``missed_count``
traits; its ``pause()`` and ``resume()`` methods and ``paused`` trait), so
that any future that has them gets them.

A row follows the future's state, progress and pause as they change. What
changes at every item or iteration, an iteration's item count and a loop's
counts, it shows on :meth:`JobRow.refresh` instead (see its notes): a job
delivering 100,000 items a second costs its row a counter increment each.
"""

import logging
import time
from typing import Any

from traits.api import (
    Bool,
    Button,
    Float,
    HasStrictTraits,
    Instance,
    Int,
    Property,
    Str,
    Union,
    observe,
)

from traits_jobs.api import COMPLETED, EXECUTING, FAILED, WAITING, BaseFuture, FutureState

logger = logging.getLogger(__name__)


def job_kind(future: BaseFuture) -> str:
    """The kind of a job in words: ``"call"``, ``"iteration"``, ``"progress"``, ..."""
    name = type(future).__name__
    if name.endswith("Future") and name != "Future":
        name = name[: -len("Future")]
    return name.lower()


def error_line(future: BaseFuture) -> str:
    """``"ValueError: bad value"`` for a failed future. Main thread only.

    Showing or reporting an error is not handling it: this reads the error
    without marking it retrieved, so a FailureReporter still reports it.
    """
    failure = future.failure
    if failure is None:
        msg = f"error_line() expected a failed future, got {future!r}"
        raise ValueError(msg)
    type_name, message, _ = failure
    return f"{type_name}: {message}" if message else type_name


def count_text(iterations: int, missed: int) -> str:
    """What a loop job's row says of its counts: ``"12 iterations, 1 missed"``."""
    noun = "iteration" if iterations == 1 else "iterations"
    return f"{iterations} {noun}, {missed} missed"


def _is_loop(future: BaseFuture) -> bool:
    """Whether ``future`` counts a loop's iterations and missed slots."""
    return future.trait("iteration_count") is not None and future.trait("missed_count") is not None


def _is_pausable(future: BaseFuture) -> bool:
    """Whether ``future`` can pause its job: ``pause()``, ``resume()`` and ``paused``."""
    return (
        callable(getattr(future, "pause", None))
        and callable(getattr(future, "resume", None))
        and future.trait("paused") is not None
    )


def check_future(future: Any, where: str) -> BaseFuture:
    """Return ``future`` if it is a traits_jobs future; raise TypeError naming ``where``."""
    if not isinstance(future, BaseFuture):
        msg = (
            f"{where} expected a traits_jobs future (a BaseFuture such as the one "
            f"submit_call() returns), got {type(future).__name__}: {future!r}"
        )
        raise TypeError(msg)
    return future


class _Tally:
    """Counts the times an event trait fires: a raw trait notifier. Main thread only.

    ``future.observe()`` costs about 2 us per call, as much as delivering
    the item; a notifier in the trait's own list (the list ``observe()``
    itself adds its notifiers to) is called straight from Traits' C code
    as ``notifier(object, name, old, new)``, for about 0.15 us. Its count
    is not a trait either: a TraitsUI view re-evaluates its enabled_when
    and visible_when at every change of any trait of its object.
    """

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, obj: object, name: str, old: object, new: object) -> None:
        self.count += 1

    def follow(self, future: BaseFuture, name: str, remove: bool = False) -> None:
        """Count the firings of ``future``'s trait ``name``, or stop counting them."""
        # _trait(name, 2): the object's own copy of the trait, made if need be.
        notifiers = future._trait(name, 2)._notifiers(True)  # type: ignore[attr-defined]
        if not remove:
            notifiers.append(self)
        elif self in notifiers:
            notifiers.remove(self)


class JobRow(HasStrictTraits):
    """A view model of one future, kept current on the main thread.

    Parameters
    ----------
    future : BaseFuture
        The future to show.
    **traits
        Initial values of other traits, such as ``where``.

    Raises
    ------
    TypeError
        If ``future`` is not a traits_jobs future.
    """

    #: The future shown.
    future = Instance(BaseFuture, allow_none=False)

    #: The job's ``name=``, or its kind and a number when it has none.
    name = Str()

    #: The kind of job, in words ("call", "iteration", "progress", ...).
    kind = Str()

    #: Where the job runs, in words ("thread", "process", ...), as whoever
    #: made the row said (a :class:`~traits_jobs.ui.api.JobsPanel` says what
    #: it was told for the job's executor); empty when nobody said.
    where = Str()

    #: The future's state.
    state = FutureState()

    #: Whether ``cancel()`` can still have an effect; bind cancel buttons here.
    cancellable = Bool()

    #: Whether the job has ended.
    done = Bool()

    #: Fraction done, 0 to 1; None when unknown (show an indeterminate bar).
    fraction = Union(None, Float())

    #: What the job says it is doing, or how many items it produced, or a
    #: loop's counts ("12 iterations, 0 missed").
    message = Str()

    #: Seconds the job has been executing (frozen once it ends); see refresh().
    elapsed = Float(0.0)

    #: "ValueError: bad value" for a failed job, else empty.
    error_message = Str()

    #: The future's end_reason once done ("completed", "timed out", ...), else empty.
    end_reason = Str()

    #: What the job's state column says: its end reason once it has ended
    #: ("preempted", "timed out", ...), its state until then.
    outcome = Property(Str, observe="state, end_reason")

    #: Items an iteration job has produced, as of the last :meth:`refresh`.
    items = Int(0)

    #: Whether the job is a loop job (its future counts iterations and missed slots).
    is_loop = Bool(False)

    #: Iterations a loop job has run, and grid slots it missed, as of the
    #: last :meth:`refresh`.
    iterations = Int(0)
    missed = Int(0)

    #: Whether the job can be paused (its future has pause(), resume() and paused).
    pausable = Bool(False)

    #: Whether the job is paused now (the future's ``paused``).
    paused = Bool(False)

    #: Whether this row asked the job to pause and not to resume since.
    pause_requested = Bool(False)

    #: The label of :attr:`pause_button`: "Pause", or "Resume" once a pause
    #: was asked for or the job is paused.
    pause_label = Str("Pause")

    #: A button for views: pauses or resumes the job, as :attr:`pause_label`
    #: says. Show it ``visible_when="pausable", enabled_when="cancellable"``,
    #: with ``ButtonEditor(label_value="pause_label")``.
    pause_button = Button("Pause")

    #: A button for views: cancels the job. Show it ``enabled_when="cancellable"``.
    cancel_button = Button("Cancel")

    #: time.monotonic() when the row saw the job end.
    _ended_at = Union(None, Float())

    #: Counts the items delivered so far, shown as :attr:`items` on
    #: refresh(). Not a trait of its own: a view re-evaluates its
    #: enabled_when and visible_when at every change of any trait.
    _tally = Instance(_Tally, (), allow_none=False)

    _counter = 0

    def __init__(self, future: BaseFuture, **traits: Any) -> None:
        check_future(future, "JobRow()")
        if future.name is None:
            JobRow._counter += 1
            default_name = f"{job_kind(future)} #{JobRow._counter}"
        else:
            default_name = future.name
        traits.setdefault("name", default_name)
        super().__init__(
            future=future,
            kind=job_kind(future),
            is_loop=_is_loop(future),
            pausable=_is_pausable(future),
            **traits,
        )
        self._follow(future)

    # -- public -------------------------------------------------------------

    def cancel(self) -> bool:
        """Cancel the job; return whether it was cancellable."""
        return self.future.cancel()

    def pause(self) -> bool:
        """Ask a pausable job to pause at its next checkpoint; return whether it could be.

        :attr:`pause_label` says "Resume" from now on; :attr:`paused`
        follows once the job has paused.
        """
        if not self.pausable:
            return False
        future: Any = self.future
        accepted = bool(future.pause())
        self.pause_requested = accepted
        return accepted

    def resume(self) -> bool:
        """Let a paused job run on, or withdraw a pause; return whether the job was live."""
        if not self.pausable:
            return False
        self.pause_requested = False
        future: Any = self.future
        return bool(future.resume())

    def refresh(self, now: float | None = None) -> None:
        """Bring ``elapsed`` and the counts up to date; ``now`` is a time.monotonic() value.

        Notes
        -----
        A loop's :attr:`iterations` and :attr:`missed`, an iteration's
        :attr:`items`, and the message that counts them, are brought up to
        date here rather than at each iteration or item, so that a fast job
        costs its row next to nothing between two refreshes. A
        :class:`~traits_jobs.ui.api.JobsPanel` calls this on its timer
        while its view is open; the row calls it itself when the job starts,
        pauses, resumes and ends.
        """
        if self.is_loop:
            self._update_counts()
        if self._tally.count != self.items:
            self._update_items()
        started = self.future.started_at
        if started is None:
            return
        end = self._ended_at if self._ended_at is not None else now
        if end is None:
            end = time.monotonic()
        self.elapsed = max(0.0, end - started)

    def dispose(self) -> None:
        """Stop following the future."""
        self._follow(self.future, remove=True)

    # -- following the future ----------------------------------------------

    def _follow(self, future: Any, remove: bool = False) -> None:
        future.observe(self._state_changed, "state", remove=remove)
        future.observe(self._progress_info_changed, "progress_info", remove=remove)
        if future.trait("progress") is not None:
            future.observe(self._progress_reported, "progress", remove=remove)
        if future.trait("result_event") is not None:
            self._tally.follow(future, "result_event", remove=remove)
        if self.pausable:
            future.observe(self._future_paused, "paused", remove=remove)
        if not remove:
            if self.pausable:
                self.paused = bool(future.paused)
            self._update_state()
            if future.progress_info is not None:
                self._show_info(future.progress_info)

    def _state_changed(self, event: Any) -> None:
        self._update_state()

    def _update_state(self) -> None:
        future = self.future
        self.state = future.state
        self.cancellable = future.cancellable
        if future.done and not self.done:
            self._ended_at = time.monotonic()
            self.end_reason = future.end_reason or ""
            if future.state == FAILED:
                self.error_message = error_line(future)
            elif future.state == COMPLETED:
                self.fraction = 1.0
            # A pause asked for and never reached is over too.
            self.pause_requested = False
        self.done = future.done
        if self.state not in (WAITING, EXECUTING) or self.done:
            self.refresh()

    def _progress_info_changed(self, event: Any) -> None:
        if event.new is not None:
            self._show_info(event.new)

    def _show_info(self, info: Any) -> None:
        self.fraction = info.fraction_done
        if info.message:
            self.message = info.message

    def _progress_reported(self, event: Any) -> None:
        if self.future.progress_info is not None:
            return
        report = event.new
        if (
            isinstance(report, tuple)
            and len(report) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) for x in report)
        ):
            done, total = report
            if total > 0:
                fraction = done / total
                if not 0.0 <= fraction <= 1.0:
                    logger.warning(
                        "%s reported progress %r of %r, outside 0..1; shown clamped",
                        self.name,
                        done,
                        total,
                    )
                    fraction = min(1.0, max(0.0, fraction))
                self.fraction = fraction
                self.message = f"{done} of {total}"

    def _update_counts(self) -> None:
        future: Any = self.future
        iterations, missed = future.iteration_count, future.missed_count
        if (iterations, missed) == (self.iterations, self.missed):
            return
        self.iterations, self.missed = iterations, missed
        info = future.progress_info
        if info is None or not info.message:
            self.message = count_text(iterations, missed)

    def _future_paused(self, event: Any) -> None:
        self.paused = bool(event.new)
        if not event.new:
            # Resumed (by this row or elsewhere), or ended.
            self.pause_requested = False
        self.refresh()

    @observe("paused, pause_requested")
    def _update_pause_label(self, event: Any) -> None:
        self.pause_label = "Resume" if self.paused or self.pause_requested else "Pause"

    @observe("pause_button")
    def _pause_clicked(self, event: Any) -> None:
        if self.pause_label == "Pause":
            self.pause()
        else:
            self.resume()

    def _update_items(self) -> None:
        items = self.items = self._tally.count
        info = self.future.progress_info
        if info is None or not info.message:
            self.message = f"{items} items" if items != 1 else "1 item"

    def _get_outcome(self) -> str:
        return self.end_reason or self.state

    @observe("cancel_button")
    def _cancel_clicked(self, event: Any) -> None:
        self.cancel()

    @observe("state")
    def _note_start(self, event: Any) -> None:
        if event.new == EXECUTING:
            self.refresh()
