"""The store of what readers send: reports, proposals, rate-limit counts and secrets, shared by every process.

One small interface over two engines: SQLite, a file in MEASURESEARCH_DATA (the default,
sqlite_engine.py), and PostgreSQL at MEASURESEARCH_DATABASE_URL (postgres_engine.py). Every
call is one transaction of the engine; the SQL here is what both understand (`?` placeholders,
RETURNING, ON CONFLICT). The schema is versioned and migrated on first use (migrations.py).
"""

import contextlib
import functools
import json
import secrets
import time

from measuresearch.curation import gate as bounds
from measuresearch.curation import migrations
from measuresearch.curation import rows as read
from measuresearch.errors import Conflict, NotFound, RateLimited

WINDOW_SECONDS = 3600
SCHEMA_VERSION = migrations.SCHEMA_VERSION


def open_store(data, database_url=None, clock=time.time, slots=bounds.SLOTS):
    """Return the Store of a deployment: PostgreSQL at database_url when given, else SQLite in `data`.

    slots: how many of its calls may wait on the database at once (gate.py).
    """
    if database_url:
        from measuresearch.curation.postgres_engine import PostgresEngine
        engine = PostgresEngine(database_url)
    else:
        from measuresearch.curation.sqlite_engine import SQLiteEngine
        engine = SQLiteEngine(data)
    return Store(engine, clock, bounds.Gate(engine.name, slots))


def iso(timestamp):
    """Return a Unix time as an ISO 8601 UTC string to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _bounded(method):
    """Run a call of the store through its gate (gate.py): its caller waits a bounded time, whatever the database."""
    @functools.wraps(method)
    def bounded(self, *args, **kwargs):
        return self.gate.run(method, self, *args, **kwargs)
    return bounded


class Store:
    """What readers sent to one deployment, in one engine; `clock` returns Unix time (tests move it).

    Every call that reads or writes is bounded by `gate` (a gate.Gate): a database that does not
    answer is a StoreUnavailable after gate.DEADLINE_S, never a request that waits with it.
    """

    def __init__(self, engine, clock=time.time, gate=None):
        self.engine = engine
        self.clock = clock
        self.gate = gate or bounds.Gate(engine.name)
        self._ready = False

    @contextlib.contextmanager
    def connect(self, write=False):
        """Yield a connection in one transaction of the engine, migrating on first use; commit on success."""
        if not self._ready:
            self.migrate()
        with self.engine.transaction(write) as db:
            yield db
            bounds.check_wanted()  # the request gave up on this call: roll back, not store what it said failed

    @_bounded
    def migrate(self):
        """Create the database or bring its schema up to SCHEMA_VERSION; return the version."""
        version = self.engine.migrate()
        self._ready = True
        return version

    def close(self):
        """Let go of the engine's idle connections."""
        self.engine.close()

    @_bounded
    def secret(self, name):
        """Return a random secret kept in the database, made on first use (shared by every process)."""
        with self.connect(write=True) as db:
            db.execute("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                       (name, secrets.token_hex(32)))
            return db.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()["value"]

    def _admit(self, db, client, limit, now):
        """Count this submission against the client's hourly limit, or raise RateLimited.

        Counted in the transaction of the write it admits, under the client's lock, so that
        concurrent submissions from any process take the slots one at a time.
        """
        self.engine.lock(db, f"submissions {client}")
        if self.engine.try_lock(db, "submissions cleanup"):  # one transaction at a time deletes
            db.execute("DELETE FROM submissions WHERE at <= ?", (now - WINDOW_SECONDS,))
        self._refuse_over(db, client, limit, now)
        db.execute("INSERT INTO submissions (client, at) VALUES (?, ?)", (client, now))

    def _refuse_over(self, db, client, limit, now):
        """Raise RateLimited when the client has used its hourly limit (0: no limit)."""
        if limit:
            rows = db.execute("SELECT at FROM submissions WHERE client = ? AND at > ? ORDER BY at",
                              (client, now - WINDOW_SECONDS)).fetchall()
            if len(rows) >= limit:
                oldest = rows[len(rows) - limit]["at"]
                raise RateLimited(max(1, int(oldest + WINDOW_SECONDS - now + 0.999)))

    @_bounded
    def check_token(self, client, limit, matches):
        """Return matches() (is the admin token a client sent the right one?) checked under its hourly limit.

        Over the limit the token is not checked at all, right or wrong (RateLimited), so that a
        guesser learns nothing more once over it; a wrong one counts like a submission. The
        check runs under the client's lock, so parallel guesses cannot all pass the count.
        """
        if not limit and matches():
            return True
        now = self.clock()
        with self.connect(write=True) as db:
            self.engine.lock(db, f"submissions {client}")
            self._refuse_over(db, client, limit, now)
            if matches():
                return True
            self._admit(db, client, limit, now)
        return False

    @_bounded
    def start_session(self, session_id, token, lifetime):
        """Record a curator's session bound to a digest of the admin token; sessions older than lifetime go."""
        now = self.clock()
        with self.connect(write=True) as db:
            db.execute("DELETE FROM admin_sessions WHERE created_at <= ? OR token <> ?", (now - lifetime, token))
            db.execute("INSERT INTO admin_sessions (id, token, created_at) VALUES (?, ?, ?)", (session_id, token, now))

    @_bounded
    def session_alive(self, session_id, token):
        """Return whether a session was started under this token and not ended since."""
        with self.connect() as db:
            return db.execute("SELECT 1 AS alive FROM admin_sessions WHERE id = ? AND token = ?",
                              (session_id, token)).fetchone() is not None

    @_bounded
    def end_sessions(self, session_ids=(), other_than_token=None):
        """End the sessions given, and every session of another admin token than other_than_token (when given)."""
        with self.connect(write=True) as db:
            for session_id in session_ids:
                db.execute("DELETE FROM admin_sessions WHERE id = ?", (session_id,))
            if other_than_token is not None:
                db.execute("DELETE FROM admin_sessions WHERE token <> ?", (other_than_token,))

    @_bounded
    def add_report(self, measure_id, message, email, client, limit):
        """Store one report if the client is under its limit; return it as plain data."""
        now = self.clock()
        with self.connect(write=True) as db:
            self._admit(db, client, limit, now)
            row = db.execute("INSERT INTO reports (measure_id, message, email, client, created_at) "
                             "VALUES (?, ?, ?, ?, ?) RETURNING *",
                             (measure_id, message, email, client, iso(now))).fetchone()
        return read.report(row)

    @_bounded
    def count_submission(self, client, limit):
        """Count a submission that is not stored (the honeypot's) against the limit."""
        with self.connect(write=True) as db:
            self._admit(db, client, limit, self.clock())

    @_bounded
    def add_proposal(self, data, email, client, limit):
        """Store one proposal (checked plain data) if the client is under its limit."""
        now = self.clock()
        with self.connect(write=True) as db:
            self._admit(db, client, limit, now)
            row = db.execute("INSERT INTO proposals (data, email, client, created_at) VALUES (?, ?, ?, ?) "
                             "RETURNING *", (json.dumps(data, ensure_ascii=False), email, client, iso(now))).fetchone()
        return read.proposal(row)

    @_bounded
    def reports(self, status=None, measure_id=None, limit=None, offset=0):
        """Return reports, newest first, optionally of one status and one measure; limit/offset: one page of them."""
        where, args = _where(status=status, measure_id=measure_id)
        with self.connect() as db:
            rows = db.execute(f"SELECT * FROM reports{where} ORDER BY id DESC{_page(limit, offset, args)}", args)
            return [read.report(row) for row in rows.fetchall()]

    def count_reports(self, status=None, measure_id=None):
        """Return how many reports reports(status, measure_id) would return without a page."""
        return self._count("reports", status=status, measure_id=measure_id)

    @_bounded
    def proposals(self, status=None, limit=None, offset=0):
        """Return proposals, newest first, optionally of one status; limit/offset: one page of them."""
        where, args = _where(status=status)
        with self.connect() as db:
            rows = db.execute(f"SELECT * FROM proposals{where} ORDER BY id DESC{_page(limit, offset, args)}", args)
            return [read.proposal(row) for row in rows.fetchall()]

    def count_proposals(self, status=None):
        """Return how many proposals proposals(status) would return without a page."""
        return self._count("proposals", status=status)

    @_bounded
    def _count(self, table, **conditions):
        where, args = _where(**conditions)
        with self.connect() as db:
            return db.execute(f"SELECT count(*) AS n FROM {table}{where}", args).fetchone()["n"]

    @_bounded
    def proposal(self, proposal_id):
        """Return one proposal or raise NotFound."""
        with self.connect() as db:
            row = db.execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
        if row is None:
            raise NotFound(f"no proposal with id {proposal_id}")
        return read.proposal(row)

    @_bounded
    def close_report(self, report_id):
        """Mark a report closed; return it."""
        with self.connect(write=True) as db:
            row = db.execute("UPDATE reports SET status = 'closed', closed_at = coalesce(closed_at, ?) "
                             "WHERE id = ? RETURNING *", (iso(self.clock()), report_id)).fetchone()
        if row is None:
            raise NotFound(f"no report with id {report_id}")
        return read.report(row)

    @_bounded
    def decide_proposal(self, proposal_id, status, measure_id=None):
        """Mark an open proposal accepted or rejected; return it (Conflict once it was decided)."""
        with self.connect(write=True) as db:
            row = db.execute("UPDATE proposals SET status = ?, decided_at = ?, measure_id = ? "
                             "WHERE id = ? AND status = 'open' RETURNING *",
                             (status, iso(self.clock()), measure_id, proposal_id)).fetchone()
            if row is None:
                now = db.execute("SELECT status FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
                if now is None:
                    raise NotFound(f"no proposal with id {proposal_id}")
                raise Conflict(f"proposal {proposal_id} is already {now['status']}")
        return read.proposal(row)

    def claim_proposal(self, proposal_id):
        """Mark an open proposal accepted, with no measure yet, before it is written; return it (Conflict once
        it was decided). Another accept or a reject of it then finds it decided (decisions.accept)."""
        return self.decide_proposal(proposal_id, "accepted")

    @_bounded
    def accepted_as(self, proposal_id, measure_id):
        """Give a claimed proposal the id its measure has in the corpus; return it."""
        with self.connect(write=True) as db:
            row = db.execute("UPDATE proposals SET measure_id = ? WHERE id = ? AND status = 'accepted' RETURNING *",
                             (measure_id, proposal_id)).fetchone()
        if row is None:
            raise NotFound(f"no accepted proposal with id {proposal_id}")
        return read.proposal(row)

    @_bounded
    def release_proposal(self, proposal_id):
        """Open again a proposal claimed for an accept that wrote nothing (refused, or failed)."""
        with self.connect(write=True) as db:
            db.execute("UPDATE proposals SET status = 'open', decided_at = NULL "
                       "WHERE id = ? AND status = 'accepted' AND measure_id IS NULL", (proposal_id,))

    def backup(self, target):
        """Copy the database to target (SQLite's online backup; PostgreSQL says to use pg_dump)."""
        if not self._ready:
            self.migrate()
        return self.engine.backup(target)


def _where(**conditions):
    """Return (" WHERE a = ? AND ...", [values]) of the conditions given (a None value is no condition)."""
    given = {name: value for name, value in conditions.items() if value}
    return ((" WHERE " + " AND ".join(f"{name} = ?" for name in given)) if given else "", list(given.values()))


def _page(limit, offset, args):
    """Return the LIMIT/OFFSET clause of one page (its values appended to args), or "" for all rows."""
    if limit is None:
        return ""
    args += [int(limit), int(offset)]
    return " LIMIT ? OFFSET ?"
