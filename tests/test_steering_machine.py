# SPDX-License-Identifier: BSD-3-Clause
"""Steering an iteration as a state machine: random interleavings searched by Hypothesis.

Each example runs one generator job whose every ``yield`` waits for the
program's permit, and a random program of ``send``, ``pause``, ``resume``,
``stop``, ``cancel``, permits and runs of the event loop, some of them
from other threads. Whatever the interleaving:

- the values the generator received are a prefix of the values sent, in
  order, each once (none lost in the middle, none duplicated);
- a paused job does not advance, gives its worker up to other jobs, and
  ``paused`` shows it on the main thread;
- the job ends as its first ending request says, ``paused`` False at the end,
  and the values never received are exactly the ones logged as lost.
"""

import logging
import threading

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    STOPPED,
    ManualEventLoop,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def echo(permits: threading.Semaphore, received: list):
    """Yield forever, each yield waiting for a permit; record what each yield receives."""
    while True:
        if not permits.acquire(timeout=SAFETY_TIMEOUT):
            return "starved"
        received.append((yield len(received)))


class LostValues(logging.Handler):
    """Collects the warnings about values the job never received."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        if "never received" in record.getMessage():
            self.messages.append(record.getMessage())


class SteeringMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.loop = ManualEventLoop()
        # One worker: a paused job must give it up for others to run.
        self.executor = TraitsExecutor(event_loop=self.loop, max_workers=1)
        self.permits = threading.Semaphore(0)
        self.received = []
        self.sent = []
        self.next_value = 0
        self.ending = None
        self.pause_requested = False
        self.paused_changes = []
        self.lost = LostValues()
        logging.getLogger("traits_jobs").addHandler(self.lost)
        self.future = submit_iteration(self.executor, echo, self.permits, self.received)
        self.future.observe(lambda e: self.paused_changes.append(e.new), "paused")

    # -- the program ---------------------------------------------------------

    def _send(self):
        """Send the next value; True if the job took it, False if it has ended."""
        value = self.next_value
        self.next_value += 1
        try:
            self.future.send(value)
        except RuntimeError as error:
            # The job ended (on its worker, or on the main thread too).
            assert "has ended" in str(error)
            assert self.ending is not None
            return False
        self.sent.append(value)
        return True

    @rule(count=st.integers(1, 3))
    def send(self, count):
        for _ in range(count):
            if not self._send():
                return

    @rule()
    def send_from_a_thread(self):
        outcome = []
        thread = threading.Thread(target=lambda: outcome.append(self._send()))
        thread.start()
        thread.join(SAFETY_TIMEOUT)
        assert outcome, "send() from a thread did not return"

    @rule(count=st.integers(1, 3))
    def permit(self, count):
        self.permits.release(count)

    @rule()
    def pause(self):
        if self.future.pause():
            self.pause_requested = True

    @rule()
    def resume(self):
        if self.future.resume():
            self.pause_requested = False

    @precondition(lambda self: self.ending is None)
    @rule(how=st.sampled_from(["stop", "cancel"]))
    def end(self, how):
        if getattr(self.future, how)():
            self.ending = how

    @rule()
    def run_loop(self):
        self.loop.run_pending()

    @precondition(lambda self: self.pause_requested and self.ending is None)
    @rule()
    def reach_the_pause(self):
        """With a pause requested, the job pauses at its next yield and then holds."""
        self.permits.release(1)
        assert self.loop.run_until(lambda: self.future.paused, SAFETY_TIMEOUT)
        reached = len(self.received)
        # The paused job gave its worker up: another job runs meanwhile.
        other = submit_call(self.executor, len, self.received)
        assert self.loop.run_until(lambda: other.done, SAFETY_TIMEOUT)
        assert other.state == COMPLETED
        # Permits do not move a paused job: it is off its worker.
        self.permits.release(2)
        assert len(self.received) == reached

    # -- what always holds ---------------------------------------------------

    @invariant()
    def received_values_are_a_prefix_of_the_sent_ones(self):
        values = [value for value in list(self.received) if value is not None]
        assert values == self.sent[: len(values)]

    def teardown(self):
        try:
            if self.ending is None:
                self.future.cancel()
                self.ending = "cancel"
            self.permits.release(1000)
            assert self.loop.run_until(lambda: self.future.done, SAFETY_TIMEOUT)
            self.executor.shutdown(timeout=SAFETY_TIMEOUT)
        finally:
            logging.getLogger("traits_jobs").removeHandler(self.lost)
        expected = {"stop": (COMPLETED, STOPPED), "cancel": (CANCELLED, CANCELLED)}
        assert (self.future.state, self.future.end_reason) == expected[self.ending]
        assert self.future.paused is False
        # paused alternates True/False, starting with True.
        assert all(change == (index % 2 == 0) for index, change in enumerate(self.paused_changes))
        values = [value for value in self.received if value is not None]
        assert values == self.sent[: len(values)]
        never = len(self.sent) - len(values)
        logged = sum(int(message.split()[0]) for message in self.lost.messages)
        if self.ending == "stop":
            # A stopped job reports every value it did not take.
            assert logged == never


TestSteering = SteeringMachine.TestCase
