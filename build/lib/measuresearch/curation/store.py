"""The SQLite store of reports, proposals and rate-limit hits (stdlib sqlite3), shared by every process.

Every write is one short `BEGIN IMMEDIATE` transaction on its own connection, so several
`serve` processes (and the curator's CLI) can write at once: WAL lets readers go on while
one writer holds the lock, and the busy timeout makes the others wait instead of failing.
The schema is versioned with `PRAGMA user_version`; `migrate` brings any older file up to date.
"""

import contextlib
import json
import pathlib
import secrets
import sqlite3
import time

from measuresearch.errors import Conflict, NotFound, RateLimited, StoreUnavailable

FILENAME = "measuresearch.sqlite3"
BUSY_TIMEOUT_MS = 30_000
WINDOW_SECONDS = 3600

# Each step takes the schema from version N to N+1; never edit a step once released, add one.
MIGRATIONS = (
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        measure_id TEXT NOT NULL,
        message TEXT NOT NULL,
        email TEXT,
        client TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        created_at TEXT NOT NULL,
        closed_at TEXT
    );
    CREATE INDEX reports_by_measure ON reports (measure_id, status);
    CREATE TABLE proposals (
        id INTEGER PRIMARY KEY,
        data TEXT NOT NULL,
        email TEXT,
        client TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
        created_at TEXT NOT NULL,
        decided_at TEXT,
        measure_id TEXT
    );
    CREATE TABLE submissions (
        client TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX submissions_by_client ON submissions (client, at);
    CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)





def iso(timestamp):
    """Return a Unix time as an ISO 8601 UTC string to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


class Store:
    """The database file of one deployment; `clock` returns Unix time (tests move it)."""

    def __init__(self, folder, clock=time.time):
        self.folder = pathlib.Path(folder)
        self.path = self.folder / FILENAME
        self.clock = clock
        self._ready = False

    @contextlib.contextmanager
    def connect(self, write=False):
        """Yield a connection inside one transaction (IMMEDIATE when writing); commit on success."""
        if not self._ready:
            self.migrate()
        connection = self._open()
        try:
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield connection
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(connection)
            raise StoreUnavailable(f"the database {self.path} failed: {exc}") from None
        except BaseException:
            _rollback(connection)
            raise
        finally:
            connection.close()

    def _open(self):
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot open the database {self.path}: {exc}") from None
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def migrate(self):
        """Create the database or bring its schema up to SCHEMA_VERSION; return the version."""
        connection = self._open()
        try:
            # WAL is a property of the file: set once, kept by every later connection
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("BEGIN IMMEDIATE")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                connection.execute("ROLLBACK")
                raise StoreUnavailable(f"{self.path} has schema version {version}, newer than this program's "
                                 f"{SCHEMA_VERSION}; upgrade measuresearch")
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {step + 1}")
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise StoreUnavailable(f"cannot prepare the database {self.path}: {exc}") from None
        finally:
            connection.close()
        self._ready = True
        return SCHEMA_VERSION

    def secret(self, name):
        """Return a random secret kept in the database, made on first use (shared by every process)."""
        with self.connect(write=True) as db:
            row = db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
            if row:
                return row["value"]
            value = secrets.token_hex(32)
            db.execute("INSERT INTO secrets (name, value) VALUES (?, ?)", (name, value))
            return value

    def _admit(self, db, client, limit, now):
        """Count this submission against the client's hourly limit, or raise RateLimited."""
        db.execute("DELETE FROM submissions WHERE at <= ?", (now - WINDOW_SECONDS,))
        if limit:
            rows = db.execute("SELECT at FROM submissions WHERE client = ? ORDER BY at", (client,)).fetchall()
            if len(rows) >= limit:
                oldest = rows[len(rows) - limit]["at"]
                raise RateLimited(max(1, int(oldest + WINDOW_SECONDS - now + 0.999)))
        db.execute("INSERT INTO submissions (client, at) VALUES (?, ?)", (client, now))

    def add_report(self, measure_id, message, email, client, limit):
        """Store one report if the client is under its limit; return it as plain data."""
        now = self.clock()
        with self.connect(write=True) as db:
            self._admit(db, client, limit, now)
            cursor = db.execute("INSERT INTO reports (measure_id, message, email, client, created_at) "
                                "VALUES (?, ?, ?, ?, ?)", (measure_id, message, email, client, iso(now)))
            row = db.execute("SELECT * FROM reports WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _report(row)

    def count_submission(self, client, limit):
        """Count a submission that is not stored (the honeypot's) against the limit."""
        with self.connect(write=True) as db:
            self._admit(db, client, limit, self.clock())

    def add_proposal(self, data, email, client, limit):
        """Store one proposal (checked plain data) if the client is under its limit."""
        now = self.clock()
        with self.connect(write=True) as db:
            self._admit(db, client, limit, now)
            cursor = db.execute("INSERT INTO proposals (data, email, client, created_at) VALUES (?, ?, ?, ?)",
                                (json.dumps(data, ensure_ascii=False), email, client, iso(now)))
            row = db.execute("SELECT * FROM proposals WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _proposal(row)

    def reports(self, status=None, measure_id=None):
        """Return reports, newest first, optionally of one status and one measure."""
        sql, args = "SELECT * FROM reports WHERE 1 = 1", []
        if status:
            sql, args = sql + " AND status = ?", args + [status]
        if measure_id:
            sql, args = sql + " AND measure_id = ?", args + [measure_id]
        with self.connect() as db:
            return [_report(row) for row in db.execute(sql + " ORDER BY id DESC", args)]

    def proposals(self, status=None):
        """Return proposals, newest first, optionally of one status."""
        sql, args = "SELECT * FROM proposals", []
        if status:
            sql, args = sql + " WHERE status = ?", [status]
        with self.connect() as db:
            return [_proposal(row) for row in db.execute(sql + " ORDER BY id DESC", args)]

    def proposal(self, proposal_id):
        """Return one proposal or raise Unknown."""
        with self.connect() as db:
            row = db.execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        return _proposal(row)

    def close_report(self, report_id):
        """Mark a report closed; return it."""
        with self.connect(write=True) as db:
            db.execute("UPDATE reports SET status = 'closed', closed_at = coalesce(closed_at, ?) WHERE id = ?",
                       (iso(self.clock()), report_id))
            row = db.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        if row is None:
            raise NotFound(f"no report with id {report_id}")
        return _report(row)

    def decide_proposal(self, proposal_id, status, measure_id=None):
        """Mark an open proposal accepted or rejected; return it."""
        with self.connect(write=True) as db:
            row = db.execute("SELECT status FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
            if row is None:
                raise NotFound(f"no proposal with id {proposal_id}")
            if row["status"] != "open":
                raise Conflict(f"proposal {proposal_id} is already {row['status']}")
            db.execute("UPDATE proposals SET status = ?, decided_at = ?, measure_id = ? WHERE id = ?",
                       (status, iso(self.clock()), measure_id, proposal_id))
        return self.proposal(proposal_id)

    def backup(self, target):
        """Copy the database to target with SQLite's online backup (consistent while others write)."""
        target = pathlib.Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not self._ready:
            self.migrate()
        source = self._open()
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        return target



def _rollback(connection):
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _report(row):
    return {"id": row["id"], "measure_id": row["measure_id"], "status": row["status"],
            "created_at": row["created_at"], "message": row["message"], "email": row["email"],
            "closed_at": row["closed_at"]}


def _proposal(row):
    return {"id": row["id"], "status": row["status"], "created_at": row["created_at"],
            "proposal": json.loads(row["data"]), "email": row["email"], "decided_at": row["decided_at"],
            "measure_id": row["measure_id"]}
