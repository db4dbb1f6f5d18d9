# SPDX-License-Identifier: BSD-3-Clause
"""The future's state machine, driven message by message without an executor."""

import itertools
import re

import pytest

from traits_jobs.api import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXECUTING,
    FAILED,
    WAITING,
    BaseFuture,
    CallFuture,
)
from traits_jobs.states.exceptions import InvalidTransition
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

# S: started, R: returned, X: raised, C: cancel(), A: abandoned, M: custom message.
# A job reports S, then custom messages, then R or X; a job refused by its pool
# reports only X; a job cancelled before starting may report A instead of S.
PROTOCOL = re.compile(r"SM*[RX]|SM*CM*[RX]|CSM*[RX]|CA|C?X")
LETTERS = "SRXCAM"
VALID = {
    sequence
    for length in range(1, 6)
    for sequence in map("".join, itertools.product(LETTERS, repeat=length))
    if PROTOCOL.fullmatch(sequence)
}


def final_state(sequence):
    if "C" in sequence:
        return CANCELLED
    return COMPLETED if sequence.endswith("R") else FAILED


def apply(future, letter):
    """Apply one step of a sequence to a future; return whether it was final."""
    if letter == "C":
        future.cancel()
        return future.done
    if letter == "M":
        return future._receive("ping", None)
    kind, payload = {
        "S": (Control.STARTED, None),
        "R": (Control.RETURNED, 42),
        "X": (Control.RAISED, marshal_exception(ValueError("x"))),
        "A": (Control.ABANDONED, None),
    }[letter]
    return future._receive(kind, payload)


def is_valid_prefix(sequence):
    return any(valid.startswith(sequence) for valid in VALID)


class OneFuture(BaseFuture):
    """A future that handles the custom message 'ping' and counts it."""

    pinged = 0

    def _process_ping(self, payload):
        type(self).pinged += 1


@pytest.mark.parametrize("sequence", sorted(VALID))
def test_valid_sequences_end_done(sequence):
    """Each valid message sequence ends in its final state, final on the last step."""
    future = OneFuture(_cancel=lambda: None)
    finals = [apply(future, letter) for letter in sequence]
    assert future.state == final_state(sequence)
    assert future.done
    assert finals[-1] is True
    assert not any(finals[:-1])


def _invalid_sequences():
    for length in range(1, 4):
        for sequence in map("".join, itertools.product(LETTERS, repeat=length)):
            prefix, last = sequence[:-1], sequence[-1]
            if is_valid_prefix(prefix) and not is_valid_prefix(sequence) and last != "C":
                yield sequence


@pytest.mark.parametrize("sequence", sorted(set(_invalid_sequences())))
def test_invalid_sequences_raise(sequence):
    """A message that the protocol forbids raises InvalidTransition."""
    future = OneFuture(_cancel=lambda: None)
    for letter in sequence[:-1]:
        apply(future, letter)
    with pytest.raises(InvalidTransition):
        apply(future, sequence[-1])


def test_cancel_when_done_is_refused_quietly():
    """cancel() after the end returns False for every final state."""
    for sequence in VALID:
        future = OneFuture(_cancel=lambda: None)
        for letter in sequence:
            apply(future, letter)
        assert future.cancel() is False


def test_public_states_seen_for_cancel_before_start():
    """Cancel then abandon shows WAITING, CANCELLING, CANCELLED."""
    future = CallFuture(_cancel=lambda: None)
    seen = [future.state]
    future.observe(lambda event: seen.append(event.new), "state")
    apply(future, "C")
    apply(future, "A")
    assert seen == [WAITING, CANCELLING, CANCELLED]


def test_custom_messages_dispatch_only_while_executing():
    """A custom message is handled while executing and dropped once cancelling."""
    OneFuture.pinged = 0
    future = OneFuture(_cancel=lambda: None)
    apply(future, "S")
    apply(future, "M")
    apply(future, "C")
    apply(future, "M")
    assert OneFuture.pinged == 1
    assert future.state == CANCELLING


def test_cancel_callback_is_released_when_done():
    """The future drops its cancel callback once it is done."""
    future = CallFuture(_cancel=lambda: None)
    apply(future, "S")
    apply(future, "R")
    assert future._cancel is None


def test_a_failing_cancel_callback_does_not_raise(caplog):
    """cancel() logs a failing cancel callback and still returns True."""

    def broken():
        raise RuntimeError("broken callback")

    future = CallFuture(_cancel=broken)
    assert future.cancel() is True
    assert future.state == CANCELLING
    assert "Cancelling" in caplog.text


def test_states_are_traits_futures_strings():
    """The state constants are the lower-case strings of traits-futures."""
    assert [WAITING, EXECUTING, COMPLETED, FAILED, CANCELLING, CANCELLED] == [
        "waiting",
        "executing",
        "completed",
        "failed",
        "cancelling",
        "cancelled",
    ]
