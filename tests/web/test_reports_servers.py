"""Real `measuresearch serve` processes sharing one reports database: concurrency, restarts, rebuilds.

The servers share the `store_backend` database, so each test runs on SQLite and on PostgreSQL;
what they stored is read back past the store (sqlite3 on the file, psycopg on the database).
"""

import concurrent.futures
import json
import time
import urllib.error
import urllib.request

import pytest

from measuresearch.index.build import indexer
from devtools import localserver

pytestmark = pytest.mark.e2e
TOKEN = "curator-token-for-server-tests-42"


def post_json(url, body, headers=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def get_json(url):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture()
def servers(tmp_path, real_measures, monkeypatch, store_backend):
    """Start servers on one index and one reports database; yield (start, stop, index, store_backend)."""
    index = tmp_path / "index"
    indexer.build(None, index, measures=real_measures)
    for name, value in store_backend.environ().items():
        if name.startswith("MEASURESEARCH_"):
            monkeypatch.setenv(name, value)
    if not store_backend.url:
        monkeypatch.delenv("MEASURESEARCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("MEASURESEARCH_ADMIN_TOKEN", TOKEN)
    running = []

    def start(limit="0"):
        monkeypatch.setenv("MEASURESEARCH_REPORT_LIMIT", limit)
        process, base, _ = localserver.start(index)
        running.append(process)
        return base

    def stop():
        while running:
            localserver.stop(running.pop())
    yield start, stop, index, store_backend
    stop()


def test_two_servers_take_200_concurrent_reports_and_keep_them_across_restart_and_rebuild(servers, real_measures):
    start, stop, index, data = servers
    bases = [start(), start()]
    ids = [m.id for m in real_measures]

    def send(n):
        base = bases[n % 2]
        return post_json(f"{base}/api/measures/{ids[n % len(ids)]}/reports",
                         {"message": f"Report number {n:03d} from the concurrency test."})
    with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(send, range(200)))
    assert [status for status, _ in answers] == [201] * 200
    assert len({body["report"]["id"] for _, body in answers}) == 200
    expected = {f"Report number {n:03d} from the concurrency test." for n in range(200)}

    def stored(base):
        queue = get_json(f"{base}/admin/reports.json?per_page=200")  # the whole queue: one page of 200
        return {r["message"] for group in queue["measures"] for r in group["reports"]}
    assert stored(bases[0]) == stored(bases[1]) == expected

    stop()
    assert data.rows("SELECT count(*) FROM reports") == [(200,)]  # an independent reader of the database
    indexer.build(None, index, measures=real_measures)  # a rebuild swaps index/current, never touches data/
    assert not list(index.rglob("*.sqlite3*")) and not list(index.rglob("*migrate-lock"))
    base = start()
    assert stored(base) == expected
    assert post_json(f"{base}/api/measures/{ids[0]}/reports", {"message": "One more after the restart."})[0] == 201


def test_the_rate_limit_is_shared_by_the_servers(servers, real_measures):
    start, _, _, _ = servers
    bases = [start("5"), start("5")]
    url = "/api/measures/" + real_measures[0].id + "/reports"

    def send(n):
        return post_json(bases[n % 2] + url, {"message": f"Flooding report {n}."})
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        statuses = sorted(status for status, _ in pool.map(send, range(12)))
    assert statuses == [201] * 5 + [429] * 7


def test_a_form_from_one_server_posts_to_the_other(servers, real_measures):
    """The CSRF secret lives in the shared database: behind nginx any process may take the post."""
    import http.cookiejar
    import re
    import urllib.parse
    start, _, _, data = servers
    first, second = start(), start()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    path = f"/measures/{real_measures[0].id}/report"
    page = opener.open(first + path, timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = next(c for c in jar if c.name == "ms_csrf")
    body = urllib.parse.urlencode({"message": "Posted to the other server.", "csrf_token": token}).encode()
    request = urllib.request.Request(second + path, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"ms_csrf={cookie.value}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=30)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 303
    assert data.rows("SELECT message FROM reports") == [("Posted to the other server.",)]


def hold_the_store(backend):
    """Return a connection of another program that holds the whole reports database until it is closed."""
    if backend.url:
        import psycopg
        locker = psycopg.connect(backend.url)
        locker.execute("LOCK TABLE submissions, reports, proposals IN ACCESS EXCLUSIVE MODE")
        return locker
    import sqlite3
    locker = sqlite3.connect(backend.data / "measuresearch.sqlite3", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    return locker


def timed_get(url):
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, time.monotonic() - started


def test_a_locked_store_is_a_503_within_the_bound_and_search_keeps_answering(servers, real_measures):
    start, _, _, backend = servers
    base = start()
    url = f"{base}/api/measures/{real_measures[0].id}/reports"
    assert post_json(url, {"message": "Sent before the lock."})[0] == 201  # the tables exist
    locker = hold_the_store(backend)
    try:
        def send(n):
            started = time.monotonic()
            status, body = post_json(url, {"message": f"Sent while the store is locked, {n}."})
            return status, body, time.monotonic() - started
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            posts = [pool.submit(send, n) for n in range(16)]  # twice the server's 8 threads
            time.sleep(1)
            # the store's calls never hold every thread: the search and the health check answer meanwhile
            answers = [timed_get(f"{base}{path}") for path in ("/healthz", "/api/search?q=internet", "/healthz")]
            answered = [future.result() for future in posts]
    finally:
        locker.close()
    assert all(status == 200 and took < 3 for status, took in answers), answers
    for status, body, took in answered:
        assert status == 503 and body["error"]["code"] == "store_unavailable" and took < 11, (status, body, took)
    assert post_json(url, {"message": "Sent after the lock."})[0] == 201
    assert sorted(backend.rows("SELECT message FROM reports")) == [("Sent after the lock.",), ("Sent before the lock.",)]
