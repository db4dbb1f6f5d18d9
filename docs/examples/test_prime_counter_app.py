# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the tutorial's prime counter window, through its model.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

from prime_counter_app import PrimeCounter

from traits_jobs.testing import run_until


def test_count_shows_the_number_of_primes(qt_executor):
    counter = PrimeCounter(executor=qt_executor, limit=10_000)

    counter.count = True  # what clicking the button does
    assert not counter.idle
    run_until(qt_executor.event_loop, counter, "idle", lambda c: c.idle)

    assert counter.status == "1,229 primes below 10,000"


def test_cancel_stops_the_count(qt_executor):
    counter = PrimeCounter(executor=qt_executor, limit=10_000_000)
    counter.count = True
    run_until(qt_executor.event_loop, counter, "status", lambda c: "Checked" in c.status)

    counter.cancel = True
    run_until(qt_executor.event_loop, counter, "idle", lambda c: c.idle)

    assert counter.status == "Cancelled"
