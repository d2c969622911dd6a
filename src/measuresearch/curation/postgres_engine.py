"""The PostgreSQL engine of the store, chosen by MEASURESEARCH_DATABASE_URL=postgresql://... (psycopg 3).

Each process keeps a few idle connections and runs every call in one transaction
(READ COMMITTED). Work that must not interleave across processes takes a transaction-scoped
advisory lock on its key: the rate limit of one client (so that two processes cannot both
pass its last slot) and the migration (so that a fresh database is created once).
The SQL of store.py is written with `?` placeholders, which this module turns into psycopg's.

Every connection is bounded: the server cancels a statement after STATEMENT_TIMEOUT_MS and a
lock wait (a table another session locked, an advisory lock) after LOCK_TIMEOUT_MS, and on TCP
libpq drops a peer that stops acknowledging (tcp_user_timeout, keepalives). A server that
stops answering altogether (frozen) is bounded by the store's gate (gate.py).
"""

import contextlib
import hashlib
import logging
import threading

from measuresearch.curation import migrations
from measuresearch.errors import InvalidParameter, StoreUnavailable

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 5000
LOCK_TIMEOUT_MS = 4000  # shorter than a statement: a lock wait is named as such
# set on each connection (a URL's own options come after, so a deployment can change them)
SESSION_OPTIONS = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
# libpq's client-side bounds on TCP (ignored on a Unix socket); a URL's own values win
TCP_BOUNDS = {"tcp_user_timeout": 10_000, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
              "keepalives_count": 3}
KEPT_IDLE = 8
log = logging.getLogger("measuresearch.store")


def unavailable(what, exc):
    """Return the StoreUnavailable of a failed call; the log has psycopg's text, the message no host or path."""
    log.warning("reports database (PostgreSQL) %s: %s", what, exc)
    primary = getattr(getattr(exc, "diag", None), "message_primary", None)  # sent by the server
    return StoreUnavailable(f"the reports database (PostgreSQL) {what}: {primary or type(exc).__name__}")


def lock_key(key):
    """Return the signed 64-bit advisory lock number of a text key."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class _Connection:
    """A psycopg connection that takes store.py's `?` placeholders."""

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql, args=()):
        return self.raw.execute(sql.replace("?", "%s"), tuple(args) or None)


class PostgresEngine:
    """The database at one postgresql:// URL."""

    name = "PostgreSQL"
    where = "PostgreSQL (MEASURESEARCH_DATABASE_URL)"

    def __init__(self, url):
        import psycopg  # only a deployment on PostgreSQL needs it loaded
        self.psycopg = psycopg
        self.url = url
        self._idle = []
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def transaction(self, write=False):
        """Yield a connection inside one transaction; commit on success, roll back on any error."""
        raw = self._begin()
        try:
            yield _Connection(raw)
            raw.execute("COMMIT")
        except self.psycopg.Error as exc:
            self._give_back(raw, rollback=True)
            raise unavailable("failed", exc) from None
        except BaseException:
            self._give_back(raw, rollback=True)
            raise
        self._give_back(raw)

    def _begin(self):
        """Return a connection in a new transaction; a kept one that died (the server restarted) is replaced once."""
        with self._guard:
            raw = self._idle.pop() if self._idle else None
        if raw is not None:
            try:
                raw.execute("BEGIN")
                return raw
            except self.psycopg.OperationalError:
                raw.close()
        raw = self._connect()
        try:
            raw.execute("BEGIN")
        except self.psycopg.Error as exc:
            raw.close()
            raise unavailable("cannot be reached", exc) from None
        return raw

    def lock(self, db, key):
        """Wait until no other transaction holds `key`; hold it until this one ends."""
        db.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(key),))

    def try_lock(self, db, key):
        """Take `key` for this transaction if nobody holds it; return whether it was taken."""
        return db.execute("SELECT pg_try_advisory_xact_lock(?) AS taken", (lock_key(key),)).fetchone()["taken"]

    def _connect(self):
        try:
            info = self.psycopg.conninfo.conninfo_to_dict(self.url)
            info.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
            info["options"] = f"{SESSION_OPTIONS} {info.get('options') or ''}".strip()
            info = {**TCP_BOUNDS, **info}
            return self.psycopg.connect(autocommit=True, row_factory=self.psycopg.rows.dict_row, **info)
        except self.psycopg.Error as exc:
            raise unavailable("cannot be reached", exc) from None

    def _give_back(self, raw, rollback=False):
        """Keep a connection for the next call if it is sound and out of any transaction, else close it."""
        if rollback and not (raw.closed or raw.broken):
            try:
                raw.execute("ROLLBACK")
            except self.psycopg.Error:
                raw.close()
        if raw.closed or raw.broken or raw.info.transaction_status != self.psycopg.pq.TransactionStatus.IDLE:
            raw.close()
            return
        with self._guard:
            if len(self._idle) < KEPT_IDLE:
                self._idle.append(raw)
                return
        raw.close()

    def close(self):
        """Close the idle connections (the next call opens new ones)."""
        with self._guard:
            idle, self._idle = self._idle, []
        for raw in idle:
            raw.close()

    def migrate(self):
        """Create the tables or bring them up to date in one transaction, one process at a time."""
        with self.transaction(write=True) as db:
            self.lock(db, "measuresearch migrate")
            return migrations.apply(db, migrations.POSTGRES)

    def backup(self, target):
        """Refuse: a PostgreSQL database is copied with PostgreSQL's own tool."""
        raise InvalidParameter("the reports database is PostgreSQL (MEASURESEARCH_DATABASE_URL): back it up with "
                               "pg_dump, e.g. pg_dump --format=custom --file=measuresearch.dump "
                               "\"$MEASURESEARCH_DATABASE_URL\"", "MEASURESEARCH_DATABASE_URL")
