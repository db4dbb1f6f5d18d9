# SPDX-License-Identifier: BSD-3-Clause
"""A TraitsUI window that counts primes in the background and can be cancelled.

Run it with ``python docs/examples/prime_counter_app.py``.
"""

# [app]
from traits.api import Bool, Button, HasStrictTraits, Instance, Int, Property, Str, observe
from traitsui.api import Item, View

from traits_jobs.api import ProgressFuture, TraitsExecutor, submit_progress


def count_primes(limit, progress):
    """Count the primes below ``limit``, reporting every thousand numbers."""
    found = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            found += 1
        if n % 1000 == 0:
            progress((n, limit))
    return found


class PrimeCounter(HasStrictTraits):
    #: Runs the jobs; its futures change on the GUI thread.
    executor = Instance(TraitsExecutor, ())

    #: Count the primes below this number.
    limit = Int(2_000_000)

    #: The job in progress, or the last one.
    future = Instance(ProgressFuture)

    #: What the window shows.
    status = Str("Idle")

    count = Button("Count")
    cancel = Button("Cancel")

    #: Whether a new count may start.
    idle = Property(Bool, observe="future:done")

    #: Whether the current count may be cancelled.
    cancellable = Property(Bool, observe="future:cancellable")

    def _count_fired(self):
        self.status = "Starting"
        self.future = submit_progress(self.executor, count_primes, self.limit)

    def _cancel_fired(self):
        self.future.cancel()

    @observe("future:progress")
    def _show_progress(self, event):
        checked, limit = event.new
        self.status = f"Checked {checked:,} of {limit:,}"

    @observe("future:done")
    def _show_outcome(self, event):
        future = event.object
        if future.state == "completed":
            self.status = f"{future.result:,} primes below {self.limit:,}"
        elif future.state == "failed":
            self.status = f"Failed: {future.error!r}"
        else:
            self.status = "Cancelled"

    def _get_idle(self):
        return self.future is None or self.future.done

    def _get_cancellable(self):
        return self.future is not None and self.future.cancellable

    traits_view = View(
        Item("limit", enabled_when="idle"),
        Item("status", style="readonly"),
        Item("count", enabled_when="idle", show_label=False),
        Item("cancel", enabled_when="cancellable", show_label=False),
        title="Prime counter",
        resizable=True,
    )


# [/app]


def main():
    counter = PrimeCounter()
    try:
        counter.configure_traits()
    finally:
        # The GUI's event loop has ended: cancel what is left and wait for it.
        counter.executor.shutdown(timeout=30.0)


if __name__ == "__main__":
    main()
