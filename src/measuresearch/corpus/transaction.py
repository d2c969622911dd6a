"""Write several corpus files all or nothing, one writer at a time.

An import takes `flock(<folder>/.import.lock)` (the kernel drops it if the
process dies), writes every new file beside its target and fsyncs it, then
records the renames to do in `<folder>/.import-journal` (itself written
atomically) and renames. A crash before the journal exists leaves the old
files and some temporary files that the next import removes; a crash after
it leaves every file whole, old or new, and the next import finishes the
renames before it reads anything; until then `check` and `index` refuse the
folder (`unfinished`), and the CLI finishes it first (`finish`). A dry run takes
the lock shared, writes nothing and refuses an unfinished journal. Files keep
their mode; a new file gets the mode the umask gives.
"""

import concurrent.futures
import contextlib
import functools
import json
import os
import pathlib

from measuresearch import storage
from measuresearch.errors import ImportLocked, Unfinished

LOCK, JOURNAL, SUFFIX = ".import.lock", ".import-journal", ".import-tmp"


def unfinished(folder):
    """Raise Unfinished when an import into folder was killed between its renames."""
    if (pathlib.Path(folder) / JOURNAL).exists():
        raise Unfinished(f"an import into {folder} was interrupted between its renames; nothing was read. "
                         "`measuresearch check` or an import (not --dry-run) finishes it")


def finish(folder, wait=60.0):
    """Finish an interrupted import's renames under the lock; return True if there was one.

    A journal seen before the lock may be a running import's, which finishes its renames itself
    while we wait: only one still there under the lock was left by an interrupted import.
    """
    if not (pathlib.Path(folder) / JOURNAL).exists():
        return False
    with locked(folder, wait) as interrupted:
        return interrupted


def locked(folder, wait=60.0, waiting=None, dry_run=False):
    """Hold the folder's import lock; wait up to `wait` seconds, calling waiting() once if we must.

    A dry run holds it shared, creates nothing and refuses a folder with an unfinished import.
    """
    folder = pathlib.Path(folder)
    if not dry_run:
        folder.mkdir(parents=True, exist_ok=True)
    busy = functools.partial(ImportLocked, f"another import into {folder} is running; nothing was changed "
                             f"(waited {wait:g} s; try again when it has finished)")
    lock = storage.locked(folder / LOCK, busy, wait, waiting, shared=dry_run)
    return _checked(lock, folder, dry_run)


@contextlib.contextmanager
def _checked(lock, folder, dry_run):
    with lock:
        if dry_run:
            unfinished(folder)
            yield False
        else:
            yield recover(folder)  # whether an interrupted import's renames were finished


def recover(folder):
    """Finish the renames of an import that was killed after its journal, then drop stray temporaries;
    return whether there were renames to finish."""
    folder = pathlib.Path(folder)
    journal = folder / JOURNAL
    interrupted = journal.exists()
    if interrupted:
        for tmp, target in _renames(journal):
            if (folder / tmp).exists():
                os.replace(folder / tmp, folder / target)
        storage.fsync_dir(folder)
        journal.unlink()
        storage.fsync_dir(folder)
    for stray in folder.glob(f".*{SUFFIX}"):
        stray.unlink(missing_ok=True)
    return interrupted


def _renames(journal):
    """Return the (temporary, target) file names a journal lists; Unfinished when it is not one an import wrote.

    Each pair is a temporary file of this folder (".<name>.*.import-tmp") and a file name: a damaged journal
    is refused rather than followed, and left for a person to look at.
    """
    try:
        renames = json.loads(journal.read_text(encoding="utf-8"))
        if not isinstance(renames, list):
            raise ValueError("not a list of renames")
        for pair in renames:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(name, str) for name in pair)):
                raise ValueError(f"{pair!r} is not a pair of file names")
            tmp, target = pair
            if any(sep in name for name in pair for sep in ("/", "\\", "\x00")) or not target \
                    or target.startswith(".") or not (tmp.startswith(f".{target}.") and tmp.endswith(SUFFIX)):
                raise ValueError(f"{pair!r} does not rename a temporary file of an import to its corpus file")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Unfinished(f"the journal of an interrupted import, {journal}, is damaged ({exc}); nothing was "
                         "changed: compare its .import-tmp files with the corpus files they were to replace, "
                         "keep what is right, and delete the journal") from None
    return [tuple(pair) for pair in renames]


def commit(folder, texts, write=None):
    """Replace the files named in texts all or nothing; hold the lock first.

    texts: {file name: text, str or UTF-8 bytes}, or (file name, text) pairs made one at a time: each is
    written (and synced) on a worker thread while the next is made (a file's write and fsync let go of
    Python's lock), and nothing is replaced before the last is written; a pair that fails to be made, or a
    write that fails, leaves no temporary file and no file changed (the writes still waiting are dropped).
    write: what writes a pair's second item instead, write(target, temporary, item) -> a Future of its
    write into the temporary file made for target here (storage.write_into), synced. The temporary files
    are made (0600), given their target's mode once written, and taken away here, so a writer in another
    process that dies, or still writes when the run has failed, leaves none behind.
    """
    folder = pathlib.Path(folder)
    pairs = texts.items() if isinstance(texts, dict) else texts
    renames, modes, writes = [], [], []  # (temporary file name, file name), its mode, the Future of its write
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="commit") as writer:
        if write is None:
            def write(target, temporary, text):
                return writer.submit(storage.write_into, temporary, text)
        try:
            checked = 0
            for name, text in pairs:
                while checked < len(writes) and writes[checked].done():  # a write that failed stops the run
                    writes[checked].result()
                    checked += 1
                target = folder / name
                temporary = storage.new_beside(target, SUFFIX)
                renames.append((temporary.name, name))
                modes.append(_mode(target))
                writes.append(write(target, temporary, text))
            for future in writes:
                future.result()
            for (temporary, _), mode in zip(renames, modes):  # once written: a mode may lack the owner's write bit
                os.chmod(folder / temporary, mode)
            _write_journal(folder, renames)
        except BaseException:
            # the writes not begun are dropped; the others end here; their files are taken away
            concurrent.futures.wait([future for future in writes if not future.cancel()])
            for temporary, _ in renames:
                (folder / temporary).unlink(missing_ok=True)
            raise
    recover(folder)


def _mode(target):
    """Return the mode of the file a write replaces, else what the umask gives a new file (mkstemp: 0600)."""
    try:
        return os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write_journal(folder, renames):
    tmp = storage.write_beside(folder / "journal", json.dumps(renames), SUFFIX)
    storage.fsync_dir(folder)
    os.replace(tmp, folder / JOURNAL)
    storage.fsync_dir(folder)
