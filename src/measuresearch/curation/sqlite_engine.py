"""The SQLite engine of the store (the default): one file, measuresearch.sqlite3, in MEASURESEARCH_DATA.

Every write is one short `BEGIN IMMEDIATE` transaction on its own connection, so several
`serve` processes (and the curator's CLI) can write at once: WAL lets readers go on while
one writer holds the lock, and the busy timeout makes the others wait instead of failing
(BUSY_TIMEOUT_MS at most: then a 503, so that a lock held by another program holds no request long).
Writers are serialized by that lock, so `lock` has nothing to add. A fresh file is created
and migrated by one process at a time (an exclusive lock on a file beside it): switching a new
file to WAL while another process opens it fails at once with "database is locked".
"""

import contextlib
import logging
import pathlib
import sqlite3

from measuresearch import storage
from measuresearch.curation import migrations
from measuresearch.errors import InvalidParameter, StoreUnavailable

FILENAME = "measuresearch.sqlite3"
LOCKNAME = ".measuresearch.sqlite3.migrate-lock"
BUSY_TIMEOUT_MS = 5_000
log = logging.getLogger("measuresearch.store")


def unavailable(what, exc, where):
    """Return the StoreUnavailable of a failed step; the log names the file, the message does not."""
    log.warning("reports database %s: %s: %s", where, what, exc)
    reason = exc.strerror or type(exc).__name__ if isinstance(exc, OSError) else exc  # OSError's text has the path
    return StoreUnavailable(f"the reports database (SQLite) {what}: {reason}")


def _text(data):
    return data.decode("utf-8", "surrogateescape")


class SQLiteEngine:
    """The database file of one data folder."""

    name = "SQLite"

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.path = self.folder / FILENAME
        self.where = str(self.path)

    @contextlib.contextmanager
    def transaction(self, write=False):
        """Yield a connection inside one transaction (IMMEDIATE when writing); commit on success."""
        connection = self._open()
        try:
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield connection
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(connection)
            raise unavailable("failed", exc, self.where) from None
        except BaseException:
            _rollback(connection)
            raise
        finally:
            connection.close()

    def lock(self, db, key):
        """Serialize the writers of `key` until the transaction ends: BEGIN IMMEDIATE already does."""

    def try_lock(self, db, key):
        """Return whether this transaction alone may do the work of `key`: always, writers take turns."""
        return True

    def close(self):
        """Nothing to close: every transaction opens and closes its own connection."""

    def _open(self):
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            connection.row_factory = sqlite3.Row
            # text that is not UTF-8 (a damaged page of the file) is read with its bad bytes kept as lone
            # surrogates, for store.py to set that row aside, rather than failing the whole query
            connection.text_factory = _text
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except (OSError, sqlite3.Error) as exc:
            raise unavailable("cannot be opened", exc, self.where) from None
        return connection

    def migrate(self):
        """Create the file or bring its schema up to date, one process at a time; return the version."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with storage.locked(self.folder / LOCKNAME, self._busy, wait=BUSY_TIMEOUT_MS / 1000):
                return self._migrate()
        except OSError as exc:
            raise unavailable("cannot be opened", exc, self.where) from None

    def _busy(self):
        return StoreUnavailable("the reports database (SQLite) is being prepared by another process; try again")

    def _migrate(self):
        connection = self._open()
        try:
            # WAL is a property of the file: set once, kept by every later connection
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            before = connection.execute("PRAGMA user_version").fetchone()[0]
            version = migrations.apply(connection, migrations.SQLITE, before=before)
            # an older measuresearch reads user_version: it refuses a file newer than itself
            connection.execute(f"PRAGMA user_version = {version}")
            connection.execute("COMMIT")
            return version
        except sqlite3.Error as exc:
            raise unavailable("cannot be prepared", exc, self.where) from None
        finally:
            _rollback(connection)
            connection.close()

    def backup(self, target):
        """Copy the file to target with SQLite's online backup (consistent while others write)."""
        target = pathlib.Path(target)
        if any(_same_file(target, self.path.with_name(FILENAME + end)) for end in ("", "-wal", "-shm", "-journal")):
            raise InvalidParameter(f"{target} is the database itself (or its journal): back it up to another file",
                                   "to")
        target.parent.mkdir(parents=True, exist_ok=True)
        source = self._open()
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        except sqlite3.Error as exc:
            raise unavailable("cannot be copied", exc, self.where) from None
        finally:
            source.close()
        return target


def _same_file(a, b):
    """Whether two paths name one file: the same path once resolved, or one file by two links."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _rollback(connection):
    if connection.in_transaction:
        connection.execute("ROLLBACK")
