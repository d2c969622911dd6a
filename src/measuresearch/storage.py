"""The file steps every reader and writer shares: one YAML loader, one durable write, one lock.

A durable write puts the text in a temporary file beside its target, fsyncs
it, renames it over the target and fsyncs the folder, so that a crash leaves
the old file or the new one, never a part. A lock is flock() on a file of the
folder it guards: the kernel drops it when the holding process dies.
"""

import contextlib
import fcntl
import json
import os
import pathlib
import tempfile
import time

import yaml

from measuresearch.errors import InputProblems, Problem

# libyaml's loader when PyYAML was built with it: the same nodes and marks, ten times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAMLError = yaml.YAMLError


def load_yaml(text):
    """Return the data of one YAML document (plain types only); yaml.YAMLError if it is not YAML."""
    return yaml.load(text, Loader=YAML_LOADER)


def parse_yaml(text, path, what="YAML error"):
    """Return (node, data) of one YAML document; a syntax error is InputProblems at its line, headed `what`."""
    loader = YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputProblems([Problem(str(path), mark.line + 1 if mark else 1, f"{what}: {problem}")]) from None
    finally:
        loader.dispose()
    return node, data


def write_text(path, text, durable=True):
    """Replace the file at path with text (str, or bytes already UTF-8) durably (its folder is made if missing).

    durable=False for a cache that a reader checks: no fsync, so a crash may leave it empty, never half old.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.replace(write_beside(path, text, ".tmp", durable=durable), path)
    if durable:
        fsync_dir(path.parent)


def write_json(path, data):
    """Replace the file at path with data as UTF-8 JSON, durably."""
    write_text(path, json.dumps(data, ensure_ascii=False))


def write_beside(path, text, suffix, mode=None, durable=True):
    """Write text (str or UTF-8 bytes) into a new file `.<name>.*<suffix>` beside path, fsync it; return its path.

    mode: the new file's permissions (default mkstemp's 0600). Nothing is left behind on failure.
    """
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except BaseException:
        pathlib.Path(tmp).unlink(missing_ok=True)
        raise
    return pathlib.Path(tmp)


def fsync_dir(folder):
    """Make the renames and new names of a folder durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(path, busy, wait=0.0, waiting=None, shared=False):
    """Hold flock() on the file at path (made if missing) for the `with` block.

    Wait up to `wait` seconds for another holder, calling waiting() once if we
    must; then raise busy() (an error of errors.py). shared: a shared lock, and
    a lock file that does not exist is not made (nobody holds it).
    """
    if shared and not os.path.exists(path):
        yield
        return
    with open(path, "r" if shared else "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy() from None
                if waiting:
                    waiting()
                    waiting = None
                time.sleep(0.1)
        yield
