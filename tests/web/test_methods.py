"""The methods a path answers, through a real `measuresearch serve` (waitress parses the request line): every other
is a 405 with the route's Allow header; static files read HTTP's dates and ranges as HTTP asks.

Falcon had answered OPTIONS 200 on every path, served /static/app.css to POST, DELETE or FOO, called a made-up
method a 400 `http_error`, and answered 400 to an If-Modified-Since in RFC 850's or asctime's format, to one
that is no date, and to a Range it could not read.
"""

import json

import pytest

from serving import call, running

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def base(real_index):
    with running(real_index) as url:
        yield url


@pytest.mark.parametrize("method, path, allow", [
    ("OPTIONS", "/", "GET, HEAD"), ("OPTIONS", "/api/search", "GET, HEAD"), ("OPTIONS", "/healthz", "GET, HEAD"),
    ("OPTIONS", "/api/proposals", "POST"), ("FOO", "/api/search", "GET, HEAD"), ("PROPFIND", "/", "GET, HEAD"),
    ("POST", "/api/search", "GET, HEAD"), ("DELETE", "/api/search", "GET, HEAD"),
    ("POST", "/static/app.css", "GET, HEAD"), ("DELETE", "/static/app.css", "GET, HEAD"),
    ("FOO", "/static/app.css", "GET, HEAD"), ("OPTIONS", "/static/app.css", "GET, HEAD"),
])
def test_a_method_a_path_does_not_answer_is_a_405_with_its_allow_header(base, method, path, allow):
    status, headers, body = call(base, method, path)
    assert status == 405 and headers["Allow"] == allow, (status, dict(headers), body[:200])
    if path.startswith("/api/") or path == "/healthz":
        error = json.loads(body)["error"]
        assert error["code"] == "method_not_allowed" and f"{method} is not answered" in error["message"]
    else:
        assert headers["Content-Type"].startswith("text/html") and b"text/css" not in body
        assert b"--- " not in body and b"Traceback" not in body


def test_the_methods_a_path_answers_still_answer(base):
    assert call(base, "GET", "/static/app.css")[0] == 200
    status, headers, body = call(base, "HEAD", "/static/app.css")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    assert call(base, "HEAD", "/api/search?q=internet")[0] == 200
    assert call(base, "FOO", "/no/such/page")[0] == 404


@pytest.mark.parametrize("value, status", [
    ("Sun, 06 Nov 1994 08:49:37 GMT", 200), ("Sunday, 06-Nov-94 08:49:37 GMT", 200), ("Sun Nov  6 08:49:37 1994", 200),
    ("Sun, 06 Nov 2094 08:49:37 GMT", 304), ("Saturday, 06-Nov-94 08:49:37 GMT", 200),
    ("Sat Nov  6 08:49:37 2094", 304), ("garbage", 200), ("", 200),
])
def test_a_static_file_reads_if_modified_since_in_each_of_https_date_formats(base, value, status):
    """RFC 9110 5.6.7: a recipient accepts all three formats; 13.1.3: one that is no date is ignored."""
    got, _, body = call(base, "GET", "/static/app.css", headers={"If-Modified-Since": value})
    assert got == status and (body == b"" if status == 304 else len(body) > 1000)


@pytest.mark.parametrize("value, status, length", [("bytes=0-3", 206, 4), ("bytes=5-1", 200, None),
                                                   ("bytes=0-1,3-4", 200, None), ("lines=0-3", 200, None),
                                                   ("bytes=x", 200, None)])
def test_a_static_file_ignores_a_range_it_cannot_serve(base, value, status, length):
    """RFC 9110 14.2: a Range the server does not understand is ignored (the whole file), never a 400."""
    got, headers, body = call(base, "GET", "/static/app.css", headers={"Range": value})
    assert got == status and len(body) == (length or int(headers["Content-Length"])) and (length or len(body) > 1000)
