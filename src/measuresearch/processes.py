"""Forked worker processes for the batch commands (index builds, imports): one per core, as the memory allows.

A job's function and what it reads are handed over by fork, not pickled:
only each call's argument and its result cross a pipe. A worker asks Linux
to kill it when its parent dies, so a killed command leaves no process behind.
"""

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from measuresearch.errors import MeasureSearchError

PR_SET_PDEATHSIG = 1  # prctl(2)


def count(process_bytes, cores=None, available=None):
    """Return one process per core this process may run on, as many as the free memory holds (at least one).

    process_bytes: what one worker may take at its peak. cores and available
    (bytes of memory free for new processes) are read from the system when not given.
    """
    cores = cores or len(os.sched_getaffinity(0))
    available = available_memory() if available is None else available
    return max(1, min(cores, available // process_bytes))


def available_memory():
    """Return MemAvailable from /proc/meminfo in bytes (free pages elsewhere)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def die_with_parent():
    """Make this worker process end with the process that forked it, quietly.

    Linux kills it when its parent dies; Ctrl-C (SIGINT to the whole process
    group) ends it at once without a traceback of its own, while the parent
    stops the command with its message.
    """
    signal.signal(signal.SIGINT, _interrupted)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _interrupted(signum, frame):
    os._exit(128 + signum)


# The function of the pool being started: set only while forked() forks, so the workers inherit it.
_FUNCTION = None


def _call(item):
    return _FUNCTION(item)


@contextlib.contextmanager
def forked(function, processes, died):
    """Yield submit(item) -> a Future of function(item), run in `processes` forked workers.

    function may be any callable (a closure over what the workers read); it is
    inherited, never pickled. When a worker dies (killed, out of memory),
    submit and the Futures' results raise BrokenProcessPool inside the `with`
    block, which leaves it as MeasureSearchError(died).
    """
    global _FUNCTION
    context = multiprocessing.get_context("fork")
    _FUNCTION = function
    try:
        with ProcessPoolExecutor(processes, mp_context=context, initializer=die_with_parent) as pool:
            try:
                # with fork, the pool starts all its workers at the first submit, while _FUNCTION is this job's
                yield lambda item: pool.submit(_call, item)
            except BaseException:
                pool.shutdown(cancel_futures=True)  # what has not started will not be needed
                raise
    except BrokenProcessPool:
        raise MeasureSearchError(died) from None
    finally:
        _FUNCTION = None


@contextlib.contextmanager
def numpy_small_pages():
    """Have numpy give its large arrays the kernel's small pages in the `with` block (forked workers inherit it).

    numpy asks for transparent huge pages (madvise) for every array of 4 MiB or more. On this
    project's machines (virtual ones) the kernel's first touch of a 2 MiB page is slow: one
    1.9-million-entry gather of fresh arrays took 0.6 s instead of 0.04 s; with small pages a
    single writer's 10k build went 6.1-6.2 -> 5.2-5.5 s (system time 1.2-1.4 -> 0.4-0.5 s), the
    CLI's 3.4-3.7 -> 3.2-3.3 s. Batch commands write each array once and soon free it, so huge pages
    have nothing to repay them. NUMPY_MADVISE_HUGEPAGE, numpy's own setting, is left to decide when
    the operator sets it.
    """
    try:  # numpy's own switch (numpy.core in 1.26, numpy._core in 2), private: without it, numpy's default
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:
            _set_madvise_hugepage = None
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ or _set_madvise_hugepage is None:
        yield
        return
    previous = _set_madvise_hugepage(False)
    try:
        yield
    finally:
        _set_madvise_hugepage(previous)


@contextlib.contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector for the `with` block (then restore it as it was).

    Reading, checking, importing or indexing a large corpus allocates millions of objects that live
    until it ends, and each collection would walk them all again: `check` of 100k measures took 33 s
    with it and 11 s without, a build's reading 39 s and 18 s. Reference counting still frees the rest.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
