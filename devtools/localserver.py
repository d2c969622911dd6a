"""Start and stop `measuresearch serve` on a free loopback port (tests, benchmarks, stress, screenshots)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url, timeout=60, process=None):
    """Wait until url answers 200; return the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"process exited with {process.returncode}") from None
        time.sleep(0.02)
    raise TimeoutError(url)


def start(index_root, threads=8, output=subprocess.DEVNULL, args=(), env=None, port=None):
    """Start a server on the index; return (process, base URL, seconds until /healthz answered).

    env: MEASURESEARCH_* settings added to this process's environment for the server; port: a free one
    chosen before (for a --base-url naming it), else one found here. A port found here was free when
    found, but another process may take it (a client's connection gets its local port from the same
    range) before the server, half a second later, binds it: the server then exits with 2 ("port ...
    is in use"), and another port is tried, up to PORT_TRIES in all.
    """
    tries = 1 if port else PORT_TRIES
    for attempt in range(1, tries + 1):
        chosen = port or free_port()
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "measuresearch.cli", "serve", "--port", str(chosen),
                                    "--index", str(index_root), "--threads", str(threads), *args],
                                   stdout=output, stderr=subprocess.STDOUT if output != subprocess.DEVNULL else output,
                                   env={**os.environ, **(env or {})})
        base = f"http://127.0.0.1:{chosen}"
        try:
            wait_http(base + "/healthz", timeout=30, process=process)
        except (RuntimeError, TimeoutError):
            stop(process)
            if process.returncode == 2 and attempt < tries:
                continue
            raise
        return process, base, time.perf_counter() - started


PORT_TRIES = 3


def stop(process):
    """Stop a server started by start()."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
