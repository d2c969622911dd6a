"""Stored data is hostile too: it shows as text everywhere, and CSV cells never run as formulas."""

import csv
import io

import falcon.testing
import pytest

from conftest import make_measure
from measuresearch.web.app import create_app

EVIL_TITLE = '<script>alert("x")</script> "><img src=x onerror=alert(1)> </mark> &amp; law'
EVIL_TEXT = "=HYPERLINK(\"http://evil\") <b>bold</b> </mark><script>steal()</script> it's \"quoted\" &lt; law"


@pytest.fixture()
def evil_client(make_index):
    holder = make_index([
        make_measure(EVIL_TITLE, EVIL_TEXT, coverage="+cmd|' /C calc'!A0"),
        make_measure("@SUM(1+1)", "-2+3 law", sub_pillar="=1+1", coverage="Horizontal"),
    ])
    return falcon.testing.TestClient(create_app(holder))


def test_search_page_shows_hostile_text_as_text(evil_client):
    html = evil_client.simulate_get("/", params={"q": "law"}).text
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;x&quot;)" in html
    assert "&lt;/mark&gt;" in html
    assert "&amp;amp;" in html  # an existing entity is shown as typed, not decoded


def test_highlights_escape_everything_but_mark(evil_client):
    hits = evil_client.simulate_get("/api/search", params={"q": "law"}).json["hits"]
    for hit in hits:
        for fragment in hit["highlights"]["titles"] + [hit["highlights"]["description"]]:
            stripped = fragment.replace("<mark>", "").replace("</mark>", "")
            assert "<" not in stripped and ">" not in stripped


def test_measure_page_escapes(evil_client):
    hit = evil_client.simulate_get("/api/search", params={"q": "script"}).json["hits"][0]
    html = evil_client.simulate_get(hit["url"]).text
    assert "<script>alert" not in html and "onerror=alert(1)>" not in html


def test_suggestions_are_plain_text(evil_client):
    body = evil_client.simulate_get("/api/suggest", params={"q": "scr"}).json
    assert body["suggestions"] and all("<" not in s for s in body["suggestions"])


def test_csv_neutralises_formulas(evil_client):
    text = evil_client.simulate_get("/api/search.csv", params={"q": "law"}).text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    cells = [value for row in rows for value in row.values() if value]
    assert cells and not [c for c in cells if c[0] in "=+-@\t\r"]
    assert any(c.startswith("'=HYPERLINK") or c.startswith("'+cmd") for c in cells)
    assert any(row["titles"] == "'@SUM(1+1)" for row in rows)


def test_security_headers_on_a_500(make_index):
    class Broken:
        def acquire(self):
            raise RuntimeError("boom")

        def close(self):
            pass
    client = falcon.testing.TestClient(create_app(Broken()))
    for path in ("/", "/api/search"):
        response = client.simulate_get(path)
        assert response.status_code == 500
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "boom" not in response.text and "Traceback" not in response.text
    assert client.simulate_get("/api/search").json["error"]["status"] == 500
