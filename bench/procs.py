"""Process helpers for the benchmarks: servers (measuresearch.localserver), memory of a process tree."""

import datetime
import json
import os
import pathlib
import subprocess
import threading
import time


from devtools.localserver import free_port, stop, wait_http  # noqa: F401  (used by bench and stress)
from devtools.localserver import start as start_serve  # noqa: F401


def _children(pid):
    kids = []
    for task in pathlib.Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def _proc_kb(pid, file, key):
    """Return one "Key:  N kB" figure of a /proc/PID file in MB, or None."""
    try:
        for line in pathlib.Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb(pid):
    """Return the resident memory of one process in MB (0 if gone)."""
    return _proc_kb(pid, "status", "VmRSS:") or 0.0


def pss_mb(pid):
    """Return the proportional set size of one process in MB: shared pages split between sharers."""
    pss = _proc_kb(pid, "smaps_rollup", "Pss:")
    return rss_mb(pid) if pss is None else pss


def memory_mb(pid):
    """Return one process's memory in MB: RSS, its anonymous part (the heap: Python objects, arrays read into
    memory), its file-backed part (mapped files, such as an index's) and PSS."""
    return {"rss_mb": round(rss_mb(pid)), "anon_mb": round(_proc_kb(pid, "status", "RssAnon:") or 0),
            "file_mb": round(_proc_kb(pid, "status", "RssFile:") or 0), "pss_mb": round(pss_mb(pid))}


def tree_rss_mb(pid):
    """Return the memory of a process and all its descendants in MB (PSS, so that pages
    the writer processes share with their parent after fork() count once)."""
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += pss_mb(current)
        stack.extend(_children(current))
    return total


class PeakMemory:
    """Samples the RSS of a process tree every 50 ms; .peak is the largest sum seen."""

    def __init__(self, pid):
        self.pid = pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_measured(argv, env=None):
    """Run a command; return (seconds, peak tree RSS in MB, completed process output)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env or os.environ.copy())
    with PeakMemory(process.pid) as memory:
        out, err = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"{argv} failed: {err.decode(errors='replace')[-2000:]}")
    return seconds, memory.peak, out.decode()


def write_results(kind, results):
    """Write one run's figures as bench/results/<kind>-<UTC time>.json beside the earlier runs; return the path."""
    folder = pathlib.Path(__file__).resolve().parent / "results"
    folder.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H%M%S%z")
    path = folder / f"{kind}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {path}")
    return path
