"""The real waitress server: raw-socket abuse, slow clients, and thread safety."""

import concurrent.futures
import pathlib
import json
import os
import socket
import time
import urllib.parse
import urllib.request

import pytest

from hostile_inputs import QUERIES

pytestmark = pytest.mark.e2e
HERE = pathlib.Path(__file__).resolve().parent.parent


def raw(base, payload, timeout=10):
    """Send raw bytes; return the status line and headers as text (empty when the server closed)."""
    host, port = urllib.parse.urlparse(base).hostname, urllib.parse.urlparse(base).port
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(payload)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except socket.timeout:
            pass
    return b"".join(chunks).decode("latin-1")


def status_of(response_text):
    return int(response_text.split(" ", 2)[1]) if response_text.startswith("HTTP/") else None


def test_bad_transfer_encoding_is_refused(server):
    payload = b"POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n"
    assert status_of(raw(server, payload)) == 501  # waitress: only chunked is implemented


def test_invalid_utf8_and_surrogates_in_the_url(server):
    for query in (b"q=\xff\xfe", b"q=%ED%A0%80", b"q=%C0%AF", b"q=\xed\xa0\x80abc"):
        response = raw(server, b"GET /api/search?" + query + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(response) in (200, 400), query


def test_a_slow_client_does_not_block_others(server):
    host, port = urllib.parse.urlparse(server).hostname, urllib.parse.urlparse(server).port
    slow = [socket.create_connection((host, port)) for _ in range(12)]
    try:
        for sock in slow:
            sock.sendall(b"GET /api/search?q=law HTTP/1.1\r\nHost: x\r\n")  # never finishes its headers
        started = time.monotonic()
        with urllib.request.urlopen(server + "/healthz", timeout=5) as response:
            assert response.status == 200
        assert time.monotonic() - started < 5
    finally:
        for sock in slow:
            sock.close()


def test_error_pages_do_not_leak_tracebacks(server):
    response = raw(server, b"GET /api/measures/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert "Traceback" not in response


def fetch(server, q):
    try:
        with urllib.request.urlopen(server + "/api/search?" + urllib.parse.urlencode({"q": q, "per_page": 5}),
                                    timeout=30) as response:
            body = json.loads(response.read())
            return response.status, body["total"], [h["id"] for h in body["hits"]], body["facets"]
    except urllib.error.HTTPError as error:
        return error.code, None, None, None


def test_threads_give_exactly_the_single_threaded_answers(server, real_measures):
    words = [w for m in real_measures for w in (m.titles[0].split()[:3] + m.description.split()[:4])]
    queries = [" ".join(words[i % len(words): i % len(words) + 1 + i % 3]) for i in range(1000)]
    queries += [q for q in QUERIES if len(q) < 200][:50]
    single = [fetch(server, q) for q in queries]
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        parallel = list(pool.map(lambda q: fetch(server, q), queries))
    assert parallel == single
    assert all(status in (200, 400) for status, *_ in single)


def test_schemathesis_all_checks_against_the_openapi_document(real_index, real_measures, tmp_path):
    """Every phase over the whole document; the report and proposal bodies the schema allows are stored.

    The server has no report limit, so that the write operations answer 201 or a 4xx for what the
    body says rather than 429, and their measure_id is a real measure, so that a valid body is
    really stored (read back past the store with sqlite3). Every other parameter, and measure_id
    of the read operations, is generated.
    """
    import contextlib
    import shutil
    import sqlite3
    import subprocess
    import sys

    from devtools import localserver
    data = tmp_path / "data"
    process, base, _ = localserver.start(real_index, env={"MEASURESEARCH_DATA": str(data),
                                                          "MEASURESEARCH_REPORT_LIMIT": "0"})
    config = tmp_path / "schemathesis.toml"
    config.write_text('[[operations]]\ninclude-path-regex = "reports|proposals"\n'
                      f'parameters = {{ measure_id = "{real_measures[0].id}" }}\n')
    command = shutil.which("schemathesis") or str(pathlib.Path(sys.executable).with_name("schemathesis"))
    try:
        result = subprocess.run([command, "--config-file", str(config), "run", base + "/openapi.json",
                                 "--checks", "all", "--max-examples", "40", "--seed", "20261128", "--no-color"],
                                capture_output=True, text=True, cwd=tmp_path, timeout=900,
                                env={**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "schemathesis_hooks.py")})
    finally:
        localserver.stop(process)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout and "Rate limited" not in result.stdout
    with contextlib.closing(sqlite3.connect(data / "measuresearch.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM reports").fetchone()[0] > 10  # positive cases really stored
        assert db.execute("SELECT count(*) FROM proposals").fetchone()[0] > 10
