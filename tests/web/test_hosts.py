"""Absolute URLs never come from an unchecked Host, through a real `measuresearch serve`; what citations embed
is escaped (read back with bibtexparser, feedparser and the csv module)."""

import csv
import datetime
import io
import json
import os
import subprocess
import sys

import bibtexparser
import feedparser
import pytest

from measuresearch.search import cite
from serving import call, running

pytestmark = pytest.mark.e2e
HOSTILE_HOSTS = ["a},note={pwn", 'a"b', "a b", "a/b", "a\\b", "", "[::1", "a:b:c", "evil.example:99999a",
                 "example.org:99999", "example.org:65536", "example.org:0", "[::1]:70000"]  # no such port


@pytest.fixture(scope="module")
def plain(real_index):
    with running(real_index) as base:
        yield base


@pytest.fixture(scope="module")
def measure_id(real_measures):
    return real_measures[0].id


def paths(measure_id):
    return [f"/api/measures/{measure_id}/cite?format=bibtex", f"/api/measures/{measure_id}/cite?format=ris",
            "/api/search.csv?q=internet", "/api/search.atom", "/healthz", f"/measures/{measure_id}"]


@pytest.mark.parametrize("host", HOSTILE_HOSTS)
def test_a_host_that_is_not_a_host_name_is_400_everywhere(plain, measure_id, host):
    for path in paths(measure_id):
        status, headers, body = call(plain, "GET", path, headers={"Host": host})
        assert status == 400, (path, host)
        if path.startswith("/api/") or path == "/healthz":
            assert json.loads(body)["error"]["parameter"] == "Host"


def test_a_host_in_other_letters_is_named_readably(plain, measure_id):
    # http.client sends a header as Latin-1: send the UTF-8 bytes a client sends, as Latin-1 characters
    sent = "привет.рф".encode("utf-8").decode("latin-1")
    status, _, body = call(plain, "GET", f"/api/measures/{measure_id}/cite?format=ris", headers={"Host": sent})
    error = json.loads(body)["error"]
    assert status == 400 and error["parameter"] == "Host"
    assert "'привет.рф'" in error["message"] and "xn--" in error["message"] and "Ð" not in error["message"]
    status, _, body = call(plain, "GET", "/healthz", headers={"Host": "caf\xe9\x85.example"})  # not UTF-8
    assert status == 400 and "'café\\x85.example'" in json.loads(body)["error"]["message"]  # a control escaped


def test_a_host_with_the_highest_port_is_taken(plain, measure_id):
    status, _, body = call(plain, "GET", f"/api/measures/{measure_id}/cite?format=ris",
                           headers={"Host": "example.org:65535"})
    assert status == 200 and f"UR  - http://example.org:65535/measures/{measure_id}" in body.decode()


def test_a_well_formed_host_gives_urls_that_parse_back(plain, measure_id):
    host = "mirror.example:8080"
    permalink = f"http://{host}/measures/{measure_id}"
    _, _, bib = call(plain, "GET", paths(measure_id)[0], headers={"Host": host})
    [entry] = bibtexparser.loads(bib.decode()).entries
    assert entry["url"] == permalink and permalink in entry["howpublished"]
    _, _, text = call(plain, "GET", "/api/search.csv?q=internet", headers={"Host": host})
    rows = list(csv.DictReader(io.StringIO(text.decode().lstrip("\ufeff"))))
    assert rows and all(row["url"] == f"http://{host}/measures/{row['id']}" for row in rows)
    _, _, atom = call(plain, "GET", "/api/search.atom", headers={"Host": host})
    feed = feedparser.parse(atom)
    assert not feed.bozo and feed.entries
    assert all(e.link == f"http://{host}/measures/{e.id.rsplit('/', 1)[1]}" for e in feed.entries)


def test_allowed_hosts_answer_only_for_themselves(real_index, measure_id):
    with running(real_index, env={"MEASURESEARCH_ALLOWED_HOSTS": "measures.example.org, 127.0.0.1"}) as base:
        for path in paths(measure_id):
            status, _, body = call(base, "GET", path, headers={"Host": "evil.example"})
            assert status == 400 and b"evil.example" in body, path
            assert call(base, "GET", path, headers={"Host": "Measures.Example.org:8443"})[0] == 200, path
        _, _, bib = call(base, "GET", paths(measure_id)[0], headers={"Host": "measures.example.org"})
        [entry] = bibtexparser.loads(bib.decode()).entries
        assert entry["url"] == f"http://measures.example.org/measures/{measure_id}"


def _without_host(base, path, version):
    """Send a GET with no Host header at all (http.client always adds one); return its status."""
    import socket
    import urllib.parse
    url = urllib.parse.urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(f"GET {path} {version}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def test_a_request_without_host_gets_no_url_made_up(plain, real_index, measure_id):
    # HTTP/1.1 requires Host (RFC 9112 3.2); without it the citation would name "waitress.invalid"
    for version in ("HTTP/1.1", "HTTP/1.0"):
        status, answer = _without_host(plain, paths(measure_id)[0], version)
        assert status == 400 and b"no Host header" in answer and b"waitress.invalid" not in answer
        assert _without_host(plain, "/api/search.csv?q=data", version)[0] == 400
    with running(real_index, env={"MEASURESEARCH_ALLOWED_HOSTS": "measures.example.org, 127.0.0.1"}) as base:
        assert _without_host(base, paths(measure_id)[0], "HTTP/1.0")[0] == 400
        # a health check that sends no Host (HAProxy's httpchk) still gets its answer
        assert _without_host(base, "/healthz", "HTTP/1.0")[0] == 200


def test_a_base_url_is_used_whatever_the_host(real_index, measure_id):
    with running(real_index, args=("--base-url", "https://trade.example.org/dti/")) as base:
        # the service answers under the base URL's path (test_base_path.py)
        _, _, bib = call(base, "GET", "/dti" + paths(measure_id)[0], headers={"Host": "other.example"})
        [entry] = bibtexparser.loads(bib.decode()).entries
        assert entry["url"] == f"https://trade.example.org/dti/measures/{measure_id}"


def test_bad_host_settings_stop_serve_with_one_line(real_index):
    for env, args in (({"MEASURESEARCH_ALLOWED_HOSTS": "a},b"}, ()), ({}, ("--base-url", "https://a}.example/")),
                      ({}, ("--base-url", "https://a.example:99999")), ({}, ("--base-url", "https://a.example/p%zz"))):
        result = subprocess.run([sys.executable, "-m", "measuresearch.cli", "serve", "--port", "1", "--index",
                                 str(real_index), *args], env={**os.environ, **env},
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


RECORD = {"id": "kz-1", "titles": ["Order\r\nER  - \r\nTY  - JOUR"], "country": "Kazakhstan", "pillar": "P",
          "sub_pillar": "S", "dates": ["Since 2020"]}


def test_what_citations_embed_cannot_break_out():
    day = datetime.date(2026, 1, 2)
    hostile = "http://x.example/measures/a},note={pwn\\"
    [entry] = bibtexparser.loads(cite.bibtex(RECORD, hostile, day)).entries
    assert "pwn" not in entry["note"] and entry["url"] == "http://x.example/measures/a%7D,note=%7Bpwn%5C"
    lines = cite.ris(RECORD, hostile, day).split("\r\n")
    assert [line[:2] for line in lines].count("TY") == 1 and [line[:2] for line in lines].count("ER") == 1
