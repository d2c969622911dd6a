"""End to end: `measuresearch serve` on a free port, queried over HTTP."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_search_over_http(server):
    status, headers, body = _get(server + "/api/search?" + urllib.parse.urlencode({"q": "ob informatizatsii"}))
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    result = json.loads(body)
    assert "Об информатизации" in result["hits"][0]["titles"][0]


def test_bad_input_over_http_is_400_json(server):
    status, _, body = _get(server + "/api/search?per_page=1000")
    assert status == 400 and json.loads(body)["error"]["parameter"] == "per_page"


def test_html_page_over_http(server):
    status, headers, body = _get(server + "/?q=shutdowns")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<mark>shutdowns</mark>" in body.decode()
