# SPDX-License-Identifier: BSD-3-Clause
"""The executor's admission bookkeeping as a state machine searched by Hypothesis.

A :class:`Scheduler` is driven by random programs: jobs submitted with
claims drawn from a small alphabet of names and patterns, in the
foreground or the background, preemptible or not, refusing or waiting on
conflict, some with a background name already in use; running jobs ended;
waiting jobs withdrawn; preempted jobs ended, as the executor ends them.
Plain objects stand for the jobs and their futures.

An independent model, a linear scan over lists that uses only
:func:`~traits_jobs.states.resources.overlaps`, predicts each admission
(start, wait or refusal, the blockers, the exact preemptions) and the jobs
that each end or withdrawal lets start. After every step the books must
agree with it, no two running jobs overlap, no waiter could start and yet
waits, and the snapshots are exact. At the end every running job is ended
in turn until every waiter has started and ended.

A second pair of tests checks :class:`ClaimIndex` against ``overlaps()``.

The number of examples is set by the Hypothesis profile
(``tests/conftest.py``): 200 in the suite, ``HYPOTHESIS_PROFILE=fuzz`` for
10,000; never fewer than 200.
"""

import itertools

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from traits_jobs.executor.claim_index import ClaimIndex
from traits_jobs.executor.scheduler import Scheduler
from traits_jobs.jobs.options import JobOptions
from traits_jobs.states.resources import ResourceConflictError, overlaps

#: The profile's settings, with at least 200 examples whatever profile is loaded.
SETTINGS = settings(max_examples=max(200, settings().max_examples), deadline=None)

#: Claims of the machine's jobs: names, patterns, and a name whose first
#: segment starts like another's ("ab:1" is not below "a").
NAMES = ("a", "a:1", "a:2", "a:1:x", "a:*", "a:1:*", "ab:1", "b", "b:*")
CLAIMS = st.frozensets(st.sampled_from(NAMES), max_size=3)
#: Few background names, so that they are often reused.
BACKGROUND_NAMES = st.none() | st.sampled_from(["poll", "view"])


def overlap_of(held: frozenset[str], claims: frozenset[str]) -> frozenset[str]:
    """Return those of ``held`` that overlap some claim in ``claims``."""
    return frozenset(h for h in held if any(overlaps(h, c) for c in claims))


class FakeJob:
    """One job, standing for both the scheduler's job and its future."""

    def __init__(self, number: int, options: JobOptions) -> None:
        self.number = number
        self.options = options

    @property
    def claims(self) -> frozenset[str]:
        """The job's resource claims."""
        return self.options.resources

    @property
    def preemptible(self) -> bool:
        """True if a foreground job may preempt this job."""
        return self.options.background and self.options.preemptible

    def __repr__(self) -> str:
        opts = self.options
        kind = "bg" if opts.background else "fg"
        flags = "" if opts.preemptible else ",keep"
        return f"<job{self.number} {kind}{flags} {sorted(opts.resources)} name={opts.name}>"


class SchedulerMachine(RuleBasedStateMachine):
    """Random submits, ends and withdrawals of a Scheduler, checked against a list model."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduler: Scheduler[FakeJob, FakeJob] = Scheduler()
        self.numbers = itertools.count()
        #: Started live jobs, in the order they started.
        self.running: list[FakeJob] = []
        #: Jobs waiting for resources, in FIFO order.
        self.waiting: list[FakeJob] = []
        #: Running jobs that admission reported for preemption.
        self.victims: set[FakeJob] = set()
        #: Background name -> the live background jobs given it, oldest first.
        self.names: dict[str, list[FakeJob]] = {}
        #: Jobs that ended or were withdrawn.
        self.gone: list[FakeJob] = []

    # -- the model ------------------------------------------------------------

    def startable(self) -> list[FakeJob]:
        """Return the waiters that may start now, in FIFO order.

        A waiter may start when its claims overlap neither a running job nor
        an earlier waiter, whether that one starts first or stays queued.
        """
        ahead = list(self.running)
        ready = []
        for job in self.waiting:
            if not any(overlap_of(other.claims, job.claims) for other in ahead):
                ready.append(job)
            ahead.append(job)
        return ready

    def started_from_queue(self, ready: list[FakeJob], cause: str) -> None:
        """Check the jobs that an end or withdrawal let start, and move them to running."""
        assert ready == self.startable()
        for job in ready:
            self.waiting.remove(job)
            earlier = [w for w in self.waiting if w.number < job.number]
            overtaken = [w for w in earlier if overlap_of(w.claims, job.claims)]
            assert not overtaken, f"{job} overtook {overtaken}"
            self.running.append(job)
        if ready:
            event(f"{cause} starts {min(len(ready), 3)}+ waiter(s)")

    def ended(self, job: FakeJob) -> None:
        """End a running job as the executor does, and check which waiters start."""
        name = job.options.name
        ready = self.scheduler.end(job, name)
        self.running.remove(job)
        self.victims.discard(job)
        if job.options.background and name is not None:
            self.names[name].remove(job)
            if self.names[name]:
                event("a background name returns to an earlier job")
            else:
                del self.names[name]
        self.gone.append(job)
        self.started_from_queue(ready, "an end")

    # -- rules ----------------------------------------------------------------

    @rule(
        claims=CLAIMS,
        background=st.booleans(),
        preemptible=st.booleans(),
        on_conflict=st.sampled_from(["raise", "wait"]),
        name=BACKGROUND_NAMES,
    )
    def submit(
        self,
        claims: frozenset[str],
        background: bool,
        preemptible: bool,
        on_conflict: str,
        name: str | None,
    ) -> None:
        """Admit any job; its outcome, blockers and preemptions are the model's."""
        self.admit(
            JobOptions.create(
                resources=claims,
                background=background,
                preemptible=preemptible,
                on_conflict=on_conflict,
                name=name,
            )
        )

    @rule(claims=CLAIMS.filter(bool))
    def queue(self, claims: frozenset[str]) -> None:
        """Admit a foreground job that waits on conflict, to grow the queue."""
        self.admit(JobOptions.create(resources=claims, on_conflict="wait"))

    def admit(self, options: JobOptions) -> None:
        """Admit a job and check the outcome, blockers and preemptions against the model."""
        claims, background, name = options.resources, options.background, options.name
        job = FakeJob(next(self.numbers), options)
        named = self.names.get(name, []) if background and name is not None else []
        renamed = named[-1] if named else None
        assert self.scheduler.renamed_background(options) is renamed

        holders = {h: overlap_of(h.claims, claims) for h in self.running}
        holders = {h: held for h, held in holders.items() if held}
        waiters = {w: overlap_of(w.claims, claims) for w in self.waiting}
        waiters = {w: held for w, held in waiters.items() if held}
        blockers = {
            h: held for h, held in holders.items() if background or not h.preemptible
        } | waiters
        refused = bool(blockers) and (background or options.on_conflict == "raise")

        try:
            start, preemptions = self.scheduler.admit(job, job, options)
        except ResourceConflictError as error:
            assert refused, f"{job} was refused, the model admits it: {error}"
            assert error.claims == claims
            assert error.holders == blockers
            self.gone.append(job)
            event("refused")
            return
        assert not refused, f"{job} was admitted, the model refuses it for {blockers}"

        expected = sorted(
            (h.number, sorted(held)) for h, held in holders.items() if h not in blockers
        )
        assert all(p.by is job for p in preemptions)
        assert sorted((p.victim.number, p.overlap) for p in preemptions) == expected
        assert start == (not holders and not waiters)

        if start:
            self.running.append(job)
        else:
            self.waiting.append(job)
        self.victims.update(p.victim for p in preemptions)
        if background and name is not None:
            self.names.setdefault(name, []).append(job)
        event("started" if start else "waits")
        if preemptions:
            event("preempts")
        if renamed is not None:
            event("renames a background job")

    @precondition(lambda self: self.running)
    @rule(data=st.data())
    def end(self, data: st.DataObject) -> None:
        """End a running job; the waiters it frees start."""
        self.ended(data.draw(st.sampled_from(self.running), label="ends"))

    @precondition(lambda self: self.victims)
    @rule(data=st.data())
    def preempt(self, data: st.DataObject) -> None:
        """End a job reported for preemption, as its cancellation would."""
        victims = sorted(self.victims, key=lambda job: job.number)
        self.ended(data.draw(st.sampled_from(victims), label="preempted"))

    @precondition(lambda self: self.waiting)
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """Withdraw a waiting job; the waiters it stood before may start."""
        job = data.draw(st.sampled_from(self.waiting), label="withdrawn")
        ready = self.scheduler.withdraw(job, job.options.name)
        assert ready is not None, f"{job} was waiting, withdraw() says it was not"
        self.waiting.remove(job)
        self.gone.append(job)
        self.started_from_queue(ready, "a withdrawal")

    @rule(data=st.data())
    def withdraw_not_waiting(self, data: st.DataObject) -> None:
        """Withdrawing a running, ended, refused or unknown job changes nothing."""
        stranger = FakeJob(-1, JobOptions.create(resources={"a"}, name="poll"))
        candidates = [*self.running, *self.gone[-5:], stranger]
        job = data.draw(st.sampled_from(candidates), label="not waiting")
        assert self.scheduler.withdraw(job, job.options.name) is None

    # -- invariants -------------------------------------------------------------

    @invariant()
    def running_jobs_never_overlap(self) -> None:
        """No two running jobs hold overlapping claims.

        A preempted background job keeps its claims until it has ended, and
        its preemptor waits until then, so not even a preemption is an
        exception.
        """
        for first, second in itertools.combinations(self.running, 2):
            shared = overlap_of(first.claims, second.claims)
            assert not shared, f"{first} and {second} both hold {sorted(shared)}"

    @invariant()
    def no_waiter_could_start(self) -> None:
        """Every waiter is blocked: nothing waits for an event that will not come."""
        assert self.startable() == []
        if not self.running:
            assert self.waiting == []

    @invariant()
    def victims_are_running_preemptible_background_jobs(self) -> None:
        """A job reported for preemption runs until it ends, and was preemptible."""
        assert all(job in self.running and job.preemptible for job in self.victims)

    @invariant()
    def snapshots_match_the_model(self) -> None:
        """The waiting queue, claims, background names and futures are the model's."""
        scheduler = self.scheduler
        assert scheduler.waiting_jobs() == self.waiting
        assert scheduler.claimed_resources() == {
            claim: job for job in self.running for claim in job.claims
        }
        assert scheduler.background_jobs() == {name: jobs[-1] for name, jobs in self.names.items()}
        assert scheduler.background_futures() == sorted(
            (job for job in self.running if job.options.background),
            key=lambda job: job.number,
        )

    @invariant()
    def tracks_the_live_jobs_that_claim_or_are_background(self) -> None:
        """tracks() is true for live jobs with claims or in the background, only."""
        for job in self.running + self.waiting:
            assert self.scheduler.tracks(job) == bool(job.claims or job.options.background)
        assert not any(self.scheduler.tracks(job) for job in self.gone[-5:])

    def teardown(self) -> None:
        """End the running jobs one at a time: every waiter starts, then nothing is left."""
        while self.running:
            self.ended(self.running[0])
            self.running_jobs_never_overlap()
            self.no_waiter_could_start()
            self.snapshots_match_the_model()
        assert self.waiting == []
        assert self.scheduler.claimed_resources() == {}
        assert self.scheduler.background_jobs() == {}


SchedulerMachine.TestCase.settings = SETTINGS
TestSchedulerMachine = SchedulerMachine.TestCase


# -- the claim index ------------------------------------------------------------

#: Valid names and patterns of up to three segments; "ab" shares a first
#: letter with "a" to catch prefixes compared by character.
SEGMENTS = st.lists(st.sampled_from(["a", "b", "ab"]), min_size=1, max_size=3)
INDEX_NAMES = st.builds(
    lambda segments, wild: ":".join(segments + ["*"] * wild), SEGMENTS, st.booleans()
)
HELD = st.lists(st.frozensets(INDEX_NAMES, max_size=3), max_size=8)


@SETTINGS
@given(held=HELD, removed=st.sets(st.integers(0, 7)), queries=st.lists(INDEX_NAMES, min_size=1))
def test_claim_index_yields_exactly_the_overlapping_holders(
    held: list[frozenset[str]], removed: set[int], queries: list[str]
) -> None:
    """overlapping(claim) yields the holders with a claim that overlaps it, and no other."""
    index: ClaimIndex[int] = ClaimIndex()
    for holder, claims in enumerate(held):
        index.add(holder, claims)
    for holder in removed & set(range(len(held))):
        index.remove(holder, held[holder])
    live = {holder: claims for holder, claims in enumerate(held) if holder not in removed}
    for query in queries:
        expected = {h for h, claims in live.items() if any(overlaps(query, c) for c in claims)}
        assert set(index.overlapping(query)) == expected, query


@SETTINGS
@given(held=HELD, data=st.data())
def test_emptied_claim_index_keeps_no_branch(
    held: list[frozenset[str]], data: st.DataObject
) -> None:
    """Removing every claim, in any order, prunes every branch."""
    index: ClaimIndex[int] = ClaimIndex()
    for holder, claims in enumerate(held):
        index.add(holder, claims)
    for holder in data.draw(st.permutations(range(len(held))), label="removal order"):
        index.remove(holder, held[holder])
    assert index._root.empty()
