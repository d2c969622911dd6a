"""The gate in front of the store (curation/gate.py): stuck stores answer at once, busy ones in turn.

Each test drives a Gate with calls whose length it controls (events and sleeps), so what is
checked is the gate's own rule: a caller is refused at once only when the store makes no
progress, waits its turn while calls keep ending, and no caller starves behind others.
"""

import threading
import time

import pytest

from measuresearch.curation.gate import Gate
from measuresearch.errors import StoreUnavailable


def in_background(function, *args):
    thread = threading.Thread(target=function, args=args, daemon=True)
    thread.start()
    return thread


def hold(gate, release):
    """Run one call on the gate that lasts until `release` is set; return once it runs."""
    running = len(gate._running)
    thread = in_background(gate.run, release.wait)
    until(lambda: len(gate._running) > running)
    return thread


def until(condition, timeout=10):
    """Wait until condition() holds (a thread started under load may take a while)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_stuck_store_is_refused_at_once_and_its_slots_come_back_when_it_answers():
    gate = Gate("test", slots=2, slot_wait=5, stalled=0.3)
    release = threading.Event()
    holders = [hold(gate, release) for _ in range(2)]
    time.sleep(0.5)  # both calls have waited past `stalled`, and none has ended
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="not answering"):
        gate.run(lambda: "never")
    assert time.monotonic() - started < 1  # not slot_wait (5 s): nobody queues behind a stuck store
    release.set()
    for holder in holders:
        holder.join(5)
    assert [gate.run(lambda n=n: n) for n in range(3)] == [0, 1, 2]  # the refused caller left no slot taken


def test_a_slow_call_among_calls_that_keep_ending_is_contention_and_callers_wait_their_turn():
    """Writers queued on SQLite's write lock: one call is slow, the others end every 0.1 s; a caller that finds
    no free slot had been refused at once ("not answering") as soon as the slow call passed 2 s."""
    gate = Gate("test", slots=2, slot_wait=5, stalled=0.3)
    release, stop = threading.Event(), threading.Event()
    slow = hold(gate, release)

    def quick_calls():
        while not stop.is_set():
            gate.run(time.sleep, 0.1)
    busy = in_background(quick_calls)
    try:
        time.sleep(0.6)  # the slow call is past `stalled`; the quick ones keep ending
        answers = [gate.run(lambda n=n: n) for n in range(5)]
    finally:
        stop.set()
        release.set()
    assert answers == [0, 1, 2, 3, 4]
    busy.join(5)
    slow.join(5)


def test_a_caller_waiting_for_a_slot_is_not_overtaken_by_one_that_calls_again_at_once():
    """One slot, a thread that calls again the moment its call ends: with a plain semaphore it took the slot
    back each time, and the caller waiting beside it could wait out slot_wait."""
    gate = Gate("test", slots=1, slot_wait=2, stalled=10)
    stop = threading.Event()
    calls = []

    def again_and_again():
        while not stop.is_set():
            gate.run(time.sleep, 0.02)
            calls.append("other")
    busy = in_background(again_and_again)
    try:
        time.sleep(0.1)
        waited = []
        for _ in range(20):
            started = time.monotonic()
            gate.run(lambda: None)
            waited.append(time.monotonic() - started)
    finally:
        stop.set()
    busy.join(5)
    assert max(waited) < 1, waited  # each waited about one call (0.02 s), never slot_wait
    assert calls  # and the other thread went on being served


def test_slots_go_to_waiting_callers_in_the_order_they_came():
    gate = Gate("test", slots=1, slot_wait=5, stalled=10)
    release = threading.Event()
    holder = hold(gate, release)
    order = []
    waiters = []
    for n in range(5):
        waiters.append(in_background(gate.run, order.append, n))
        until(lambda n=n: len(gate._turns) == n + 1)  # each has queued before the next comes
    release.set()
    for waiter in [holder, *waiters]:
        waiter.join(5)
    assert order == [0, 1, 2, 3, 4]
