# SPDX-License-Identifier: BSD-3-Clause
"""The message router: coalesced wake-ups, sliced drains, a bounded queue."""

import threading

import pytest

from traits_jobs.api import ManualEventLoop
from traits_jobs.routing.router import MessageRouter
from traits_jobs.states.messages import COALESCED_PROGRESS, PROGRESS, LatestKind
from traits_jobs.testing import SAFETY_TIMEOUT


class Sink:
    """A receiver that records what it gets; final on the kind 'end'."""

    _job_over = False

    def __init__(self):
        self.received = []

    def _receive(self, kind, payload):
        self.received.append(payload)
        self._job_over = kind == "end"
        return self._job_over


def make_router(**options):
    loop = ManualEventLoop()
    ended, errors = [], []
    router = MessageRouter(
        loop, on_final=ended.append, on_error=lambda job, e: errors.append((job, e)), **options
    )
    return loop, router, ended, errors


def send_from_thread(router, messages):
    thread = threading.Thread(target=lambda: [router.send(*m) for m in messages])
    thread.start()
    return thread


def test_one_wake_up_for_many_messages():
    """A burst of messages posts a single wake-up to the event loop."""
    loop, router, _, _ = make_router()
    sink = Sink()
    router.add_receiver(1, sink)
    thread = send_from_thread(router, [(1, "item", i) for i in range(1000)])
    thread.join(SAFETY_TIMEOUT)
    assert loop.run_pending() == 1
    assert sink.received == list(range(1000))


def test_latest_kind_messages_are_coalesced_while_queued():
    """Queued reports of a LatestKind collapse into the newest one."""
    loop, router, _, _ = make_router()
    sink = Sink()
    router.add_receiver(1, sink)
    latest = LatestKind("progress")
    send_from_thread(router, [(1, latest, i) for i in range(1000)]).join(SAFETY_TIMEOUT)
    assert router.pending == 1
    loop.run_pending()
    assert sink.received == [999]
    # Delivered: the next report queues afresh.
    send_from_thread(router, [(1, latest, 1000)]).join(SAFETY_TIMEOUT)
    loop.run_pending()
    assert sink.received == [999, 1000]


def test_coalescing_keeps_each_jobs_order():
    """A report is not merged across another message of its job; jobs do not mix."""
    loop, router, _, _ = make_router()
    sinks = {1: Sink(), 2: Sink()}
    for job_id, sink in sinks.items():
        router.add_receiver(job_id, sink)
    latest = LatestKind("progress")
    messages = [
        (1, latest, "a1"),
        (2, latest, "b1"),
        (1, latest, "a2"),
        (1, "item", "x"),
        (1, latest, "a3"),
        (2, latest, "b2"),
        (1, latest, "a4"),
    ]
    send_from_thread(router, messages).join(SAFETY_TIMEOUT)
    loop.run_pending()
    assert sinks[1].received == ["a2", "x", "a4"]
    assert sinks[2].received == ["b2"]


def test_plain_string_kinds_are_never_coalesced():
    """A kind equal to "progress" but of type str is delivered every time."""
    loop, router, _, _ = make_router()
    sink = Sink()
    router.add_receiver(1, sink)
    send_from_thread(router, [(1, "progress", i) for i in range(10)]).join(SAFETY_TIMEOUT)
    loop.run_pending()
    assert sink.received == list(range(10))


def test_progress_reports_are_kept_unless_sent_as_coalesced_progress():
    """PROGRESS reports are each delivered; COALESCED_PROGRESS ones collapse while queued."""
    loop, router, _, _ = make_router()
    kept, coalesced = Sink(), Sink()
    router.add_receiver(1, kept)
    router.add_receiver(2, coalesced)
    messages = [
        (job, kind, i) for i in range(10) for job, kind in ((1, PROGRESS), (2, COALESCED_PROGRESS))
    ]
    send_from_thread(router, messages).join(SAFETY_TIMEOUT)
    loop.run_pending()
    assert kept.received == list(range(10))
    assert coalesced.received == [9]
    assert COALESCED_PROGRESS == PROGRESS


def test_drain_yields_after_its_budget_and_reposts():
    """A drain past its time budget stops and posts itself again."""
    loop, router, _, _ = make_router(drain_budget=0.0)
    sink = Sink()
    router.add_receiver(1, sink)
    send_from_thread(router, [(1, "item", i) for i in range(100)]).join(SAFETY_TIMEOUT)
    assert loop.run_pending() == 1
    assert 0 < len(sink.received) < 100
    assert loop.run_until(lambda: len(sink.received) == 100, SAFETY_TIMEOUT)
    assert sink.received == list(range(100))


def test_order_is_kept_per_job_across_jobs():
    """Messages of each job keep their order when jobs interleave."""
    loop, router, _, _ = make_router(drain_budget=0.0)
    sinks = {job: Sink() for job in range(3)}
    for job, sink in sinks.items():
        router.add_receiver(job, sink)
    threads = [send_from_thread(router, [(job, "item", i) for i in range(500)]) for job in sinks]
    for thread in threads:
        thread.join(SAFETY_TIMEOUT)
    assert loop.run_until(lambda: all(len(s.received) == 500 for s in sinks.values()), 5)
    assert all(sink.received == list(range(500)) for sink in sinks.values())


class ReportingCondition(threading.Condition):
    """The router's room condition, telling when a producer starts to wait on it.

    ``waiting`` is set while the producer still holds the lock, so anything
    that takes the lock afterwards finds the producer inside ``wait()``.
    """

    def __init__(self) -> None:
        super().__init__(threading.Lock())
        self.waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()
        return super().wait(timeout)


def watch_room(router: MessageRouter) -> threading.Event:
    """Make the router's producers report when they wait for room; return that event."""
    room = router._room = ReportingCondition()
    return room.waiting


def test_producer_waits_when_queue_is_full():
    """A worker waits at max_pending queued messages until the main thread drains."""
    loop, router, _, _ = make_router(max_pending=10)
    sink = Sink()
    router.add_receiver(1, sink)
    waiting = watch_room(router)
    thread = send_from_thread(router, [(1, "item", i) for i in range(50)])
    assert waiting.wait(SAFETY_TIMEOUT)
    with router._room:
        assert router.waiting_producers == 1
    assert router.pending == 10
    assert loop.run_until(lambda: len(sink.received) == 50, SAFETY_TIMEOUT)
    thread.join(SAFETY_TIMEOUT)
    assert sink.received == list(range(50))


def test_main_thread_never_waits_on_a_full_queue():
    """Sends from the main thread go through even past max_pending."""
    loop, router, _, _ = make_router(max_pending=2)
    sink = Sink()
    router.add_receiver(1, sink)
    for i in range(5):
        router.send(1, "item", i)
    assert router.pending == 5
    loop.run_pending()
    assert sink.received == list(range(5))


def test_close_releases_waiting_producers():
    """Closing the router lets blocked producers finish."""
    _, router, _, _ = make_router(max_pending=1)
    router.add_receiver(1, Sink())
    waiting = watch_room(router)
    thread = send_from_thread(router, [(1, "item", i) for i in range(10)])
    assert waiting.wait(SAFETY_TIMEOUT)
    router.close()
    thread.join(SAFETY_TIMEOUT)
    assert not thread.is_alive()


def test_final_message_removes_receiver():
    """After a final message the job's later messages are dropped."""
    loop, router, ended, _ = make_router()
    sink = Sink()
    router.add_receiver(7, sink)
    router.send(7, "end", "last")
    router.send(7, "item", "straggler")
    loop.run_pending()
    assert sink.received == ["last"]
    assert ended == [7]


def test_receiver_error_is_reported_and_delivery_goes_on():
    """A receiver that raises is reported; later messages are delivered."""
    loop, router, _, errors = make_router()

    class Fragile(Sink):
        def _receive(self, kind, payload):
            if payload == "bad":
                raise ValueError("observer failed")
            return super()._receive(kind, payload)

    fragile, other = Fragile(), Sink()
    router.add_receiver(1, fragile)
    router.add_receiver(2, other)
    router.send(1, "item", "bad")
    router.send(2, "item", "fine")
    loop.run_pending()
    assert [(job, str(error)) for job, error in errors] == [(1, "observer failed")]
    assert other.received == ["fine"]


def test_drain_until_times_out():
    """drain_until returns False when its timeout expires first."""
    _, router, _, _ = make_router()
    assert router.drain_until(lambda: False, 0.01) is False


@pytest.mark.parametrize("value", [0, -5])
def test_max_pending_must_be_positive(value):
    """A router with no room at all is refused."""
    with pytest.raises(ValueError, match="max_pending"):
        make_router(max_pending=value)


def test_messages_after_close_are_dropped():
    """A closed router neither queues nor delivers what stragglers send."""
    loop, router, _, _ = make_router()
    sink = Sink()
    router.add_receiver(1, sink)
    router.close()
    router.send(1, "item", "late")
    assert router.pending == 0
    assert loop.run_pending() == 0
    assert sink.received == []


def test_drain_is_not_reentered_from_an_observer():
    """An observer that runs the event loop does not get messages delivered inside it."""
    loop, router, _, _ = make_router()
    depth, deepest = [0], [0]

    class Reentrant(Sink):
        def _receive(self, kind, payload):
            depth[0] += 1
            deepest[0] = max(deepest[0], depth[0])
            try:
                loop.run_pending()  # as processEvents() would
                return super()._receive(kind, payload)
            finally:
                depth[0] -= 1

    sink = Reentrant()
    router.add_receiver(1, sink)
    send_from_thread(router, [(1, "item", i) for i in range(100)]).join(SAFETY_TIMEOUT)
    assert loop.run_until(lambda: len(sink.received) == 100, SAFETY_TIMEOUT)
    assert sink.received == list(range(100))
    assert deepest[0] == 1


def test_two_coalescible_kinds_of_one_job_coalesce_each():
    """A status and a progress report sent in turn each collapse to their newest."""
    loop, router, _, _ = make_router()
    sink = Sink()
    router.add_receiver(1, sink)
    status, progress = LatestKind("status"), LatestKind("progress")
    messages = [(1, status if i % 2 else progress, i) for i in range(1000)]
    messages += [(1, "item", "x"), (1, status, "after")]
    send_from_thread(router, messages).join(SAFETY_TIMEOUT)
    assert router.pending == 4
    loop.run_pending()
    assert sink.received == [998, 999, "x", "after"]
