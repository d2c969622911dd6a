"""A bound on every call of the store: how long a caller waits for it, and how many run at once.

A database that stops answering (a lock held by another session, a frozen server, a lost
network) must not hold the web process's threads: each would wait as long as the database,
and once every waitress thread waits, search and /healthz stop answering too. So a call runs
on a thread of its own, at most `slots` at a time, and its caller waits at most `deadline`
seconds for it (StoreUnavailable, a 503, after that). A call still running past its deadline
keeps its slot until the database answers it. A caller waits for a free slot only while the
database makes progress: once a running call has waited STALLED_S and no call has ended for
as long, the store is taken to be stuck and a caller that finds no free slot is answered 503
at once. A slow call among calls that keep ending (writers queued on SQLite's one write lock,
a slow disk) is contention, not a stuck store: its callers wait their turn. The engines' own bounds
(PostgreSQL's statement and lock timeouts, SQLite's busy timeout) are shorter than the
deadline, so the database normally answers first, with an error, and rolls back.
"""

import collections
import threading
import time

from measuresearch.errors import StoreUnavailable

DEADLINE_S = 10  # the longest a request waits on the store
SLOT_WAIT_S = 3  # the longest it waits for a free slot while the store answers
STALLED_S = 2  # a call running this long, with none ended for as long, means the store is stuck
SLOTS = 4  # calls of one process at once: with waitress's 8 threads, 4 are always left for search

_inside = threading.local()


class Gate:
    """Runs the store's calls on their own threads, `slots` at a time, each waited for at most `deadline`."""

    def __init__(self, what, slots=SLOTS, deadline=DEADLINE_S, slot_wait=SLOT_WAIT_S, stalled=STALLED_S):
        self.what, self.deadline, self.slot_wait, self.stalled = what, deadline, slot_wait, stalled
        self._free = slots  # slots nobody holds
        self._turns = collections.deque()  # an Event per caller waiting for a slot, first come first served
        self._guard = threading.Lock()
        self._running = {}  # call -> when it started (time.monotonic), abandoned ones included
        self._last_end = time.monotonic()  # when a call last ended (or the gate was made)

    def run(self, function, *args, **kwargs):
        """Return function(*args, **kwargs) run within the bound; StoreUnavailable past it."""
        if getattr(_inside, "call", None) is not None:  # a store call made by another one: already bounded
            return function(*args, **kwargs)
        self._take_slot()
        call = _Call(function, args, kwargs)
        with self._guard:
            self._running[call] = time.monotonic()
        try:
            threading.Thread(target=self._work, args=(call,), daemon=True, name="measuresearch-store").start()
        except RuntimeError:  # no thread to be had: give the slot back
            with self._guard:
                del self._running[call]
                self._hand_on()
            raise
        if not call.done.wait(self.deadline):
            with self._guard:
                call.abandoned = not call.done.is_set()
            if call.abandoned:
                raise StoreUnavailable(f"the reports database ({self.what}) did not answer within "
                                       f"{self.deadline:g} s; try again in a minute")
        if call.error is not None:
            raise call.error
        return call.result

    def _take_slot(self):
        """Take a slot: wait up to slot_wait for one while the store answers, not at all once it is stuck.

        Slots go to waiting callers in the order they came: with a plain semaphore, a thread that
        calls again at once took back the slot it had just given, and one waiting beside it could
        wait out slot_wait while the store answered everybody else.
        """
        with self._guard:
            if self._free and not self._turns:
                self._free -= 1
                return
            turn = threading.Event()
            self._turns.append(turn)
        give_up = time.monotonic() + self.slot_wait
        while not turn.wait(0.05):
            if self._stalled() or time.monotonic() >= give_up:
                with self._guard:
                    if not turn.is_set():  # else the slot came as it gave up: it is this caller's
                        self._turns.remove(turn)
                        raise StoreUnavailable(f"the reports database ({self.what}) is not answering: every "
                                               "connection to it is waiting; try again in a minute")
                return

    def _hand_on(self):
        """Give a slot to the first waiting caller, or back to the free ones; self._guard is held."""
        if self._turns:
            self._turns.popleft().set()
        else:
            self._free += 1

    def _stalled(self):
        """Return whether a running call has waited on the database `stalled` seconds and none ended since."""
        now = time.monotonic()
        with self._guard:
            return now - self._last_end >= self.stalled and \
                any(now - started >= self.stalled for started in self._running.values())

    def _work(self, call):
        _inside.call = call
        try:
            call.result = call.function(*call.args, **call.kwargs)
        except BaseException as exc:  # handed to the caller, who raises it in its own thread
            call.error = exc
        finally:
            _inside.call = None
            with self._guard:
                call.done.set()
                del self._running[call]
                self._last_end = time.monotonic()
                self._hand_on()


def check_wanted():
    """Raise StoreUnavailable in a store call whose caller gave up: its transaction rolls back, not commits
    what the caller was told failed."""
    call = getattr(_inside, "call", None)
    if call is not None and call.abandoned:
        raise StoreUnavailable("the reports database answered after the request had given up on it")


class _Call:
    __slots__ = ("function", "args", "kwargs", "result", "error", "done", "abandoned")

    def __init__(self, function, args, kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.result = self.error = None
        self.done = threading.Event()
        self.abandoned = False
