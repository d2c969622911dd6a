"""The reports store on both engines (SQLite and PostgreSQL), written to by real processes at once.

Each test takes `store_backend` (tests/conftest.py) and so runs on a fresh SQLite file and on a
fresh PostgreSQL database of a throwaway cluster. The writers are separate processes
(store_worker.py) that print a report's id only after the store acknowledged it.
"""

import concurrent.futures
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from measuresearch.curation import gate
from measuresearch.curation import migrations
from measuresearch.curation import sqlite_engine
from measuresearch.curation import store as store_module
from measuresearch.errors import Conflict, NotFound, StoreUnavailable

WORKER = pathlib.Path(__file__).with_name("store_worker.py")


def start_worker(backend, *args):
    """Start a writer process; return it once it printed `ready` (store opened, nothing written yet)."""
    process = subprocess.Popen([sys.executable, str(WORKER), *args], env=backend.environ(), text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = read_line(process)
    assert line == "ready\n", process.stderr.read()
    return process


def read_line(process):
    """Return the next line of a worker's output, reading no further than its end.

    Not process.stdout.readline(): that fills the text stream's buffer with what follows,
    and communicate() reads the pipe itself, so the lines in that buffer were lost (a worker
    that writes at once after `ready` had its first acknowledgements dropped, under load).
    """
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(process.stdout.fileno(), 1)
        if not byte:
            break
        line += byte
    return line.decode("utf-8")


def run_together(processes):
    """Let waiting workers go at once; return each one's output lines after it exits."""
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        outputs.append(out.splitlines())
    return outputs


def acknowledged(lines):
    """Return {report id: measure id} of the `ok` lines."""
    return {int(line.split()[1]): line.split()[2] for line in lines if line.startswith("ok ")}


def stored(backend):
    """Return {report id: measure id} of every report, read through a new Store."""
    return {r["id"]: r["measure_id"] for r in backend.store().reports()}


def test_two_processes_write_1000_reports_each_at_once_and_lose_none(store_backend):
    workers = [start_worker(store_backend, "--wait", "--count", "1000", "--tag", tag) for tag in ("a", "b")]
    outputs = run_together(workers)
    acks = [acknowledged(lines) for lines in outputs]
    assert [len(a) for a in acks] == [1000, 1000] and not set(acks[0]) & set(acks[1])
    assert stored(store_backend) == {**acks[0], **acks[1]}
    assert sorted(stored(store_backend).values()) == sorted(f"{t}-{n}" for t in "ab" for n in range(1000))


def test_the_limit_is_exact_across_processes(store_backend):
    workers = [start_worker(store_backend, "--wait", "--count", "40", "--limit", "10", "--tag", tag)
               for tag in ("a", "b")]
    outputs = run_together(workers)
    lines = [line for out in outputs for line in out if line != "done"]
    assert sum(line.startswith("ok ") for line in lines) == 10
    assert lines.count("limited") == 70
    assert len(stored(store_backend)) == 10
    # another client still has its own ten slots
    other = start_worker(store_backend, "--count", "11", "--limit", "10", "--client", "198.51.100.5")
    (out,) = run_together([other])
    assert len(acknowledged(out)) == 10 and out.count("limited") == 1


def test_a_restart_keeps_everything(store_backend):
    first = store_backend.store()
    secret = first.secret("csrf")
    proposal = first.add_proposal({"titles": ["Т", "<b>"]}, "a@example.org", "192.0.2.9", 0)
    first.close()
    (out,) = run_together([start_worker(store_backend, "--count", "50")])
    written = acknowledged(out)
    again = store_backend.store()  # a new process's view: migrate again, nothing lost or changed
    assert again.migrate() == store_module.SCHEMA_VERSION
    assert again.secret("csrf") == secret
    assert again.proposals() == [proposal]
    assert stored(store_backend) == written and len(written) == 50


def test_a_restart_of_the_postgresql_server_keeps_everything_and_the_store_reconnects(postgres_cluster):
    url = postgres_cluster.database()
    store = store_module.open_store(None, url)
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:  # four connections kept idle
            before = list(pool.map(lambda n: store.add_report(f"r-{n}", "Before the restart.", None, "c", 0), range(8)))
        postgres_cluster.restart()  # every kept connection is now dead
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            after = list(pool.map(lambda n: store.add_report(f"r-{n}", "After the restart.", None, "c", 0), range(8)))
        assert [r["id"] for r in store.reports()] == sorted((r["id"] for r in before + after), reverse=True)
    finally:
        store.close()


def test_kill_9_during_a_burst_keeps_every_acknowledged_write(store_backend):
    worker = start_worker(store_backend, "--count", "100000", "--tag", "k")
    seen = []
    while len(seen) < 300:
        line = read_line(worker)
        assert line, worker.stderr.read()
        seen.append(line)
    os.kill(worker.pid, signal.SIGKILL)
    rest, _ = worker.communicate(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    acks = acknowledged(seen + rest.splitlines())
    found = stored(store_backend)
    assert len(acks) >= 300 and all(found.get(i) == m for i, m in acks.items())
    # at most the writes in flight when it died are there without an answer, and the database goes on
    assert len(found) - len(acks) <= 8
    after = store_backend.store().add_report("k-after", "Written after the kill.", None, "192.0.2.2", 0)
    assert after["id"] > max(found)
    if store_backend.engine == "sqlite":
        with sqlite3.connect(store_backend.data / sqlite_engine.FILENAME) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_twelve_processes_on_a_fresh_database_all_succeed(store_backend):
    # before the migration lock, about one run in fifteen had a "database is locked" among them
    workers = [start_worker(store_backend, "--wait", "--count", "1", "--tag", f"p{n}") for n in range(12)]
    outputs = run_together(workers)
    assert all(len(acknowledged(out)) == 1 for out in outputs)
    assert len(stored(store_backend)) == 12


def test_the_schema_is_versioned_and_a_newer_one_is_refused(store_backend):
    store = store_backend.store()
    assert store.migrate() == store.migrate() == migrations.SCHEMA_VERSION
    with store.connect(write=True) as db:
        versions = [row["version"] for row in db.execute("SELECT version FROM schema_version ORDER BY version")]
        assert versions == list(range(1, migrations.SCHEMA_VERSION + 1))
        db.execute("INSERT INTO schema_version (version, applied_at) VALUES (?, 'later')",
                   (migrations.SCHEMA_VERSION + 1,))
    with pytest.raises(StoreUnavailable, match="newer") as refused:
        store_backend.store().migrate()
    assert "/" not in refused.value.message


def test_decisions_conflict_and_missing_ids(store_backend):
    store = store_backend.store()
    proposal = store.add_proposal({"titles": ["x"]}, None, "192.0.2.3", 0)
    assert store.decide_proposal(proposal["id"], "rejected")["status"] == "rejected"
    with pytest.raises(Conflict, match="already rejected"):
        store.decide_proposal(proposal["id"], "accepted")
    with pytest.raises(NotFound, match="no proposal with id 999"):
        store.decide_proposal(999, "accepted")
    with pytest.raises(NotFound, match="no report with id 5"):
        store.close_report(5)


def test_a_claimed_proposal_is_decided_for_everyone_until_it_is_released_or_given_its_measure(store_backend):
    store = store_backend.store()
    first, second = (store.add_proposal({"titles": [t]}, None, "192.0.2.3", 0)["id"] for t in ("a", "b"))
    assert store.claim_proposal(first)["status"] == "accepted"
    for decide in (lambda: store.claim_proposal(first), lambda: store.decide_proposal(first, "rejected")):
        with pytest.raises(Conflict, match="already accepted"):
            decide()
    store.release_proposal(first)  # its write was refused
    assert store.proposal(first)["status"] == "open" and store.proposal(first)["decided_at"] is None
    store.claim_proposal(first)
    assert store.accepted_as(first, "m-1")["measure_id"] == "m-1"
    store.release_proposal(first)  # written: no longer released
    assert store.proposal(first)["status"] == "accepted"
    with pytest.raises(NotFound):
        store.accepted_as(second, "m-2")  # never claimed
    assert store.proposal(second)["status"] == "open"


def test_a_page_of_the_queue_is_read_in_sql_and_equals_that_slice_of_the_whole(store_backend):
    store = store_backend.store()
    for n in range(23):
        report = store.add_report(f"m-{n % 4}", f"Report {n}.", None, "192.0.2.4", 0)
        if n % 3 == 0:
            store.close_report(report["id"])
    for n in range(11):
        proposal = store.add_proposal({"titles": [f"P{n}"]}, None, "192.0.2.5", 0)
        if n % 2:
            store.decide_proposal(proposal["id"], "rejected")
    for status in (None, "open", "closed"):
        for measure_id in (None, "m-1"):
            whole = store.reports(status=status, measure_id=measure_id)
            assert store.count_reports(status=status, measure_id=measure_id) == len(whole)
            for offset in (0, 5, 20, 40):
                assert store.reports(status=status, measure_id=measure_id, limit=5, offset=offset) == \
                    whole[offset:offset + 5]
    for status in (None, "open", "rejected"):
        whole = store.proposals(status=status)
        assert store.count_proposals(status=status) == len(whole) > 0
        assert [store.proposals(status=status, limit=4, offset=o) for o in (0, 4, 8)] == \
            [whole[0:4], whole[4:8], whole[8:12]]


def test_a_file_of_the_first_schema_upgrades_in_place(tmp_path):
    # what measuresearch wrote before the schema_version table: migration 1's tables, PRAGMA user_version = 1
    path = tmp_path / sqlite_engine.FILENAME
    with sqlite3.connect(path) as db:
        db.executescript(migrations.SQLITE[0])
        db.execute("INSERT INTO reports (measure_id, message, client, created_at) "
                   "VALUES ('m1', 'Kept across the upgrade.', '192.0.2.4', '2026-01-01T00:00:00Z')")
        db.execute("PRAGMA user_version = 1")
    store = store_module.open_store(tmp_path)
    assert store.migrate() == migrations.SCHEMA_VERSION
    assert [r["message"] for r in store.reports()] == ["Kept across the upgrade."]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT min(version) FROM schema_version").fetchone()[0] == 1
        assert db.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unavailable_databases_say_so_without_server_paths(tmp_path, postgres_cluster):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be")
    gone = postgres_cluster.url("no_such_database")
    nowhere = f"postgresql://nobody@/x?host={tmp_path}/no-socket-here"
    for store in (store_module.open_store(blocked), store_module.open_store(None, gone),
                  store_module.open_store(None, nowhere)):
        with pytest.raises(StoreUnavailable) as failed:
            store.reports()
        assert str(tmp_path) not in failed.value.message and "/tmp" not in failed.value.message
        assert failed.value.message.startswith("the reports database (")


def run_cli(backend, capsys, monkeypatch, *argv):
    """Run the measuresearch command in this process with the backend's environment."""
    from measuresearch.cli import main as cli
    for name in ("MEASURESEARCH_DATA", "MEASURESEARCH_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in backend.environ().items():
        if name.startswith("MEASURESEARCH_"):
            monkeypatch.setenv(name, value)
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_the_curator_commands_use_the_configured_engine(store_backend, capsys, monkeypatch, tmp_path):
    report = store_backend.store().add_report("m-cli", "Seen by the curator's CLI.", None, "192.0.2.7", 0)
    status, out, _ = run_cli(store_backend, capsys, monkeypatch, "reports", "--json")
    assert status == 0 and [r["id"] for r in json.loads(out)["reports"]] == [report["id"]]
    status, out, _ = run_cli(store_backend, capsys, monkeypatch, "reports", "close", str(report["id"]))
    assert status == 0 and store_backend.store().reports(status="closed")[0]["id"] == report["id"]
    target = tmp_path / "copy.sqlite3"
    status, out, err = run_cli(store_backend, capsys, monkeypatch, "backup", "--to", str(target))
    if store_backend.engine == "sqlite":
        assert status == 0 and str(target) in out
        with sqlite3.connect(target) as copy:
            assert copy.execute("SELECT count(*) FROM reports").fetchone()[0] == 1
    else:
        assert status == 2 and "pg_dump" in err and "Traceback" not in err and not target.exists()


@pytest.mark.parametrize("value", ["mysql://user:hunter2@db/x", "user:hunter2@db/x", "sqlite:///data.db"])
def test_a_database_url_that_is_not_postgresql_is_refused_without_echoing_it(value, capsys, monkeypatch):
    from measuresearch.cli import main as cli
    monkeypatch.setenv("MEASURESEARCH_DATABASE_URL", value)
    assert cli.main(["reports"]) == 2
    err = capsys.readouterr().err
    assert "MEASURESEARCH_DATABASE_URL must be a PostgreSQL URL" in err and "hunter2" not in err


def _hold_every_table(url):
    """Return a connection of another session holding every table of the store (a migration, a stuck job)."""
    import psycopg
    locker = psycopg.connect(url)
    locker.execute("LOCK TABLE submissions, reports, proposals, secrets IN ACCESS EXCLUSIVE MODE")
    return locker


def test_a_table_locked_by_another_session_is_a_503_within_the_lock_timeout(postgres_cluster):
    from measuresearch.curation import postgres_engine
    url = postgres_cluster.database()
    store = store_module.open_store(None, url)
    try:
        store.add_report("m", "Before the lock was taken.", None, "c", 0)  # a connection is now kept idle
        locker = _hold_every_table(url)
        try:
            for call in (lambda: store.add_report("m", "While the tables are locked.", None, "c", 0),
                         lambda: store.reports(), lambda: store.count_submission("c", 10)):
                started = time.monotonic()
                with pytest.raises(StoreUnavailable) as failed:
                    call()
                waited = time.monotonic() - started
                assert postgres_engine.LOCK_TIMEOUT_MS / 1000 - 0.5 < waited < gate.DEADLINE_S, waited
                assert "lock timeout" in failed.value.message and failed.value.status == 503
        finally:
            locker.close()
        store.add_report("m", "After the lock was let go.", None, "c", 0)  # the kept connection still works
        assert [r["message"] for r in store.reports()] == ["After the lock was let go.", "Before the lock was taken."]
    finally:
        store.close()


def test_a_frozen_server_is_a_503_at_the_deadline_and_the_late_write_is_rolled_back(postgres_cluster):
    import psycopg
    url = postgres_cluster.database()
    store = store_module.open_store(None, url)
    store.gate = gate.Gate("PostgreSQL", deadline=3)
    try:
        store.add_report("m", "Before the server froze.", None, "c", 0)
        with psycopg.connect(url, autocommit=True) as other:
            (backend,), = other.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'").fetchall()
        os.kill(backend, signal.SIGSTOP)  # the kept connection's server process stops answering: no error, nothing
        try:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as failed:
                store.add_report("m", "Sent while the server was frozen.", None, "c", 0)
            assert 2.5 < time.monotonic() - started < 5 and "did not answer within 3 s" in failed.value.message
            started = time.monotonic()  # the frozen call holds one slot; another call takes a new connection
            assert [r["message"] for r in store.reports()] == ["Before the server froze."]
            assert time.monotonic() - started < 2
        finally:
            os.kill(backend, signal.SIGCONT)
        deadline = time.monotonic() + 30
        while store.gate._running and time.monotonic() < deadline:  # the late calls end once it answers
            time.sleep(0.1)
        assert [r["message"] for r in store.reports()] == ["Before the server froze."]  # rolled back, not stored
    finally:
        store.close()
