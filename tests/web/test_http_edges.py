"""The edges of a real `measuresearch serve`: framing, over-long URLs, a busy port, the access log."""

import contextlib
import json
import logging
import re
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from measuresearch.index.build import indexer
from devtools import localserver
from measuresearch.web.server import WAITRESS_SETTINGS

pytestmark = pytest.mark.e2e
HEAD_LIMIT = WAITRESS_SETTINGS["max_request_header_size"]


def exchange(base, payload, timeout=10):
    """Send raw bytes and read until the server closes; return (responses, closed).

    responses: [(status, headers dict, body bytes)] in order; closed: the server closed the connection.
    """
    url = urllib.parse.urlparse(base)
    data, closed = b"", False
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(payload)
        try:
            while chunk := sock.recv(65536):
                data += chunk
            closed = True
        except socket.timeout:
            pass
    responses = []
    while data.startswith(b"HTTP/"):
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        responses.append((int(lines[0].split(" ")[1]), headers, rest[:length]))
        data = rest[length:]
    return responses, closed


def test_pipelined_requests_are_all_answered(server):
    # the control for the next test: the same connection carries two requests when nothing is ambiguous
    payload = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /api/search?q=law HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    responses, closed = exchange(server, payload)
    assert [status for status, _, _ in responses] == [200, 200] and closed


@pytest.mark.parametrize("path", ["/healthz", "/", "/?q=data&country=kz", "/api/search?q=law", "/api/search.csv",
                                  "/api/search.json?q=data", "/api/search?per_page=x", "/api/measures/no-such-id",
                                  "/openapi.json", "/static/app.css"])
def test_head_is_answered_wherever_get_is_with_its_headers_and_no_body(server, path):
    # RFC 9110 9.3.2: HEAD as GET without the body; health checkers send it. Two on one connection, then a GET:
    # a HEAD that sent a body would be read as the start of the next answer
    request = f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    last = f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    url = urllib.parse.urlparse(server)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request + request + last)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    answers = data.split(b"HTTP/1.1 ")[1:]
    assert len(answers) == 3, data[:2000]
    heads = [answer.partition(b"\r\n\r\n") for answer in answers]
    get_status, get_headers = heads[2][0].split(b"\r\n", 1)
    for head, _, body in heads[:2]:
        status, headers = head.split(b"\r\n", 1)
        assert status == get_status and body == b""
        kept = dict(line.split(b": ", 1) for line in headers.split(b"\r\n"))
        assert kept[b"Content-Type"] == dict(line.split(b": ", 1) for line in get_headers.split(b"\r\n"))[
            b"Content-Type"]


@pytest.mark.parametrize("method, version", [("POST", "1.1"), ("GET", "1.1"), ("POST", "1.0")])
def test_content_length_with_transfer_encoding_is_400_and_the_connection_closes(server, method, version):
    # RFC 9112 6.1: a request framed both ways is refused and its connection closed, so the request
    # pipelined behind it (which a proxy may have read as part of the body) is never served
    payload = (f"{method} /api/search HTTP/{version}\r\nHost: x\r\nConnection: keep-alive\r\n"
               "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
               "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").encode()
    responses, closed = exchange(server, payload)
    assert [status for status, _, _ in responses] == [400]
    assert b"Content-Length and Transfer-Encoding" in responses[0][2]
    assert responses[0][1]["connection"] == "close" and closed


@pytest.mark.parametrize("word", ["Казахстан", "Қазақстан", "53/НК"])
def test_a_query_sent_as_raw_utf8_bytes_is_read_as_a_browser_would_send_it(server, word):
    """curl and scripts send `?q=Казахстан` as UTF-8 bytes, browsers as %D0%9A...: the same answer."""
    raw = f"GET /api/search?q={word} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    (status, headers, body), = exchange(server, raw)[0]
    assert status == 200 and headers["content-type"].startswith("application/json")
    quoted = urllib.parse.quote(word)
    (_, _, browser_body), = exchange(server, f"GET /api/search?q={quoted} HTTP/1.1\r\nHost: x\r\n"
                                             "Connection: close\r\n\r\n".encode())[0]
    answer, expected = json.loads(body), json.loads(browser_body)
    assert answer["query"]["q"] == word and answer["total"] == expected["total"]
    assert [h["id"] for h in answer["hits"]] == [h["id"] for h in expected["hits"]]


def test_an_overlong_url_under_api_is_the_json_error_414(server):
    target = "/api/search?q=" + "a" * HEAD_LIMIT
    responses, closed = exchange(server, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    (status, headers, body), = responses
    assert status == 414 and headers["content-type"] == "application/json" and closed
    error = json.loads(body)["error"]
    assert error["status"] == 414 and error["code"] == "uri_too_long" and str(HEAD_LIMIT) in error["message"]


def test_an_overlong_url_of_a_page_is_414_and_overlong_headers_431(server):
    responses, _ = exchange(server, f"GET /?q={'a' * HEAD_LIMIT} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert [status for status, _, _ in responses] == [414]
    assert responses[0][1]["content-type"].startswith("text/plain")
    big_header = f"GET /api/search HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * HEAD_LIMIT}\r\n\r\n".encode()
    (status, headers, body), = exchange(server, big_header)[0]
    assert status == 431 and json.loads(body)["error"]["code"] == "headers_too_large"


@pytest.mark.parametrize("path, json_answer", [("/api/proposals", True), ("/propose", False)])
def test_an_oversized_body_is_413_and_json_under_api(server, path, json_answer):
    limit = WAITRESS_SETTINGS["max_request_body_size"]
    # the declared length alone is refused, before a byte of the body is read (sending it would only
    # race the server's close)
    payload = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               f"Content-Length: {limit + 10}\r\nConnection: close\r\n\r\n").encode()
    (status, headers, answer), = exchange(server, payload)[0]
    assert status == 413
    if json_answer:
        assert headers["content-type"] == "application/json"
        error = json.loads(answer)["error"]
        assert error["status"] == 413 and error["code"] == "body_too_large" and str(limit) in error["message"]
    else:
        assert headers["content-type"].startswith("text/plain")


def test_a_body_that_is_not_json_is_415_with_its_documented_code(server):
    request = urllib.request.Request(server + "/api/proposals", data=b"country=x", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 415
    assert json.loads(refused.value.read())["error"]["code"] == "unsupported_media_type"


def test_the_longest_url_under_the_limit_reaches_the_app(server):
    # just under the limit, the app (not the server) names what is wrong
    target = "/api/search?q=" + "a" * (HEAD_LIMIT - 200)
    responses, _ = exchange(server, f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    (status, _, body), = responses
    assert status == 400 and json.loads(body)["error"]["parameter"] == "q"


def test_serve_on_a_busy_port_says_so_in_one_line(real_index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "measuresearch.cli", "serve", "--port", str(port),
                                 "--index", str(real_index)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and re.fullmatch(rf"measuresearch: port {port} is in use; try PORT=\d+ make serve",
                                            lines[0]), result.stderr
    suggested = int(lines[0].rsplit("PORT=", 1)[1].split()[0])
    assert suggested > port


LINE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (\d{3}) (\d+\.\d)ms (\d+)B")


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_access_log_has_one_line_per_request_and_one_per_build(tmp_path, real_measures):
    root = tmp_path / "index"
    indexer.build(None, root, measures=real_measures)
    log = tmp_path / "out.log"
    with log.open("w") as out:
        process, base, _ = localserver.start(root, output=out)
        try:
            asked = [("/api/search?q=law", 200), ("/api/search?per_page=0", 400), ("/measures/nope", 404),
                     ("/?q=%1B%5B31mred", 200)]
            sizes = []
            for path, expected in asked:
                status, body = _get(base + path)
                assert status == expected
                sizes.append(len(body))
            raw = b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            (status, _, refused), = exchange(base, raw)[0]
            assert status == 400
            indexer.build(None, root, measures=real_measures[:5])
            assert json.loads(_get(base + "/healthz")[1])["documents"] == 5
        finally:
            localserver.stop(process)
    lines = log.read_text().splitlines()
    access = [LINE.fullmatch(line) for line in lines if LINE.fullmatch(line)]
    requests = [(m[2], m[3], int(m[4]), int(m[6])) for m in access if m[3] != "/healthz"]
    # each line is written when its answer is done, by the thread that answered: the order may vary
    assert sorted(requests) == sorted([("GET", path, status, size) for (path, status), size in zip(asked, sizes)] + [
        ("POST", "/api/search", 400, len(refused))])
    assert "\x1b" not in log.read_text()  # query strings are logged as sent, percent-encoded
    picked = [line for line in lines if " picked up: " in line]
    assert len(picked) == 2 and picked[0].endswith(": 15 measures") and picked[1].endswith(": 5 measures")


def test_quiet_silences_the_access_log_but_not_the_builds(tmp_path, real_index):
    log = tmp_path / "out.log"
    with log.open("w") as out:
        process, base, _ = localserver.start(real_index, output=out, args=("--quiet",))
        try:
            assert _get(base + "/api/search?q=law")[0] == 200
        finally:
            localserver.stop(process)
    text = log.read_text()
    assert not any(LINE.fullmatch(line) for line in text.splitlines())
    assert " picked up: 15 measures" in text and "Traceback" not in text


@pytest.mark.parametrize("keep_alive", ["Connection: keep-alive\r\n", ""])
def test_http_1_0_with_transfer_encoding_is_answered_then_closed(server, keep_alive):
    # RFC 9112 6.1: HTTP/1.0 framing with Transfer-Encoding is faulty; before, its chunked body (here a whole
    # request) was served as a second request on the kept-alive connection
    smuggled = "GET /api/search?q=smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    payload = (f"POST /api/search HTTP/1.0\r\nHost: x\r\n{keep_alive}Transfer-Encoding: chunked\r\n\r\n"
               f"{smuggled}").encode()
    responses, closed = exchange(server, payload)
    assert len(responses) == 1 and responses[0][0] in (400, 405) and closed
    assert b"smuggled" not in responses[0][2]


def test_http_1_0_keep_alive_without_transfer_encoding_stays_open(server):
    # the control: the same client framing its body with Content-Length keeps its connection
    payload = (b"GET /healthz HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
               b"GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n")
    responses, closed = exchange(server, payload)
    assert [status for status, _, _ in responses] == [200, 200]


@pytest.mark.parametrize("folded", ["X-Note: a\r\n Content-Length: 40\r\n", "X-Note: a\r\n\tb\r\n",
                                    "Content-Length:\r\n 5\r\n"])
def test_a_folded_header_is_400_and_closes(server, folded):
    payload = (f"POST /api/search HTTP/1.1\r\nHost: x\r\n{folded}\r\nhello"
               "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").encode()
    responses, closed = exchange(server, payload)
    assert [status for status, _, _ in responses] == [400] and closed
    assert b"folding" in responses[0][2]


@pytest.fixture(scope="module")
def big_index(tmp_path_factory):
    from devtools import synthetic
    root = tmp_path_factory.mktemp("big") / "index"
    indexer.build(None, root, measures=synthetic.Generator(seed=5, tail=3000, countries=30).measures(4000))
    return root


def test_full_exports_go_a_few_at_a_time_and_healthz_keeps_answering(big_index):
    import concurrent.futures
    from measuresearch.web.views.resources import EXPORT_SLOTS
    process, base, _ = localserver.start(big_index, threads=8)
    try:
        def export(n):
            return _get_with_headers(f"{base}/api/search.{'csv' if n % 2 else 'json'}")
        with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
            storm = [pool.submit(export, n) for n in range(40)]
            health = [_get(base + "/healthz")[0] for _ in range(3)]  # while the storm is on
            answers = [future.result() for future in storm]
        assert health == [200, 200, 200]
        statuses = [status for status, _, _ in answers]
        assert set(statuses) == {200, 429} and statuses.count(200) >= EXPORT_SLOTS
        for status, headers, body in answers:
            if status == 429:
                assert headers["Retry-After"].isdigit() and json.loads(body)["error"]["code"] == "exports_busy"
        assert _get(base + "/api/search.csv")[0] == 200  # the slots are given back
    finally:
        localserver.stop(process)


def _get_with_headers(url):
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


REFUSED_LINES = [b"hello\r\n\r\n", b"get /api/search HTTP/1.1\r\nHost: x\r\n\r\n", b"GET / HTTP/1.x\r\nHost: x\r\n\r\n"]


@pytest.mark.parametrize("payload", REFUSED_LINES, ids=["word", "lower-case-method", "version"])
def test_a_request_line_waitress_refuses_is_400_and_the_connection_closes(server, payload):
    # its parser had no method or path for the access log to read: the line raised inside waitress, the
    # connection was never closed, and a socket stayed in CLOSE-WAIT for each such request
    responses, closed = exchange(server, payload, timeout=5)
    assert [status for status, _, _ in responses] == [400] and closed


def test_many_refused_request_lines_leave_the_server_answering(server):
    # past waitress's 200 open connections, a leak of one socket each stopped the server accepting any
    url = urllib.parse.urlparse(server)
    for _ in range(250):
        with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
            sock.sendall(b"hello\r\n\r\n")
    assert _get(server + "/healthz")[0] == 200


@contextlib.contextmanager
def serving(app):
    """Serve a WSGI app with the server `measuresearch serve` uses, in this process, on a free port."""
    from measuresearch.web.server import listen
    server = listen(app, "127.0.0.1", 0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        server.task_dispatcher.shutdown()


def test_an_app_that_fails_is_a_500_and_the_connection_closes(caplog):
    # with the access log on, as `serve` has it: the blank request waitress answers a 500 with had no method
    caplog.set_level(logging.INFO, logger="measuresearch.access")

    def failing(environ, start_response):
        raise RuntimeError("a bug")
    with serving(failing) as base:
        responses, closed = exchange(base, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout=5)
        assert [status for status, _, _ in responses] == [500] and closed
        for _ in range(3):  # and it goes on serving
            assert exchange(base, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)[0][0][0] == 500
    # one access line each, with its method, path and the status it got (not a 200 and then a "- - 500")
    lines = [LINE.fullmatch(r.getMessage()) for r in caplog.records if r.name == "measuresearch.access"]
    assert [(line[2], line[3], line[4]) for line in lines] == [("GET", "/", "500")] * 4
