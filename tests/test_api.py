"""The JSON API through falcon.testing, against API.md."""

import csv
import io

import falcon.testing
import pytest

from measuresearch.engine import IndexHolder
from measuresearch.web.app import create_app


def test_search_shape(client):
    body = client.simulate_get("/api/search", params={"q": "shutdowns", "country": "Kazakhstan"}).json
    assert set(body) >= {"query", "total", "page", "per_page", "pages", "took_ms", "hits", "facets", "suggestion"}
    assert body["query"] == {"q": "shutdowns", "filters": {"country": ["Kazakhstan"]}, "year_from": None,
                             "year_to": None, "sort": "relevance", "page": 1, "per_page": 20}
    hit = body["hits"][0]
    assert set(hit) >= {"id", "url", "score", "country", "pillar", "sub_pillar", "coverage", "titles", "dates",
                        "year", "description", "highlights", "matched"}
    assert hit["url"] == f"/measures/{hit['id']}"
    assert set(body["facets"]) == {"country", "pillar", "sub_pillar", "coverage", "year"}
    assert body["facets"]["country"] == [{"value": "Kazakhstan", "count": 2, "selected": True}]


def test_repeatable_filters(client):
    body = client.simulate_get("/api/search?pillar=Content+access&pillar=Intermediary+liability").json
    assert body["total"] == 7
    assert body["query"]["filters"] == {"pillar": ["Content access", "Intermediary liability"]}


@pytest.mark.parametrize("query, parameter", [
    ("per_page=0", "per_page"), ("per_page=101", "per_page"), ("per_page=abc", "per_page"),
    ("page=0", "page"), ("page=-1", "page"), ("sort=best", "sort"), ("year_from=20x", "year_from"),
("colour=red", "colour"), ("q=a&q=b", "q"),
    ("page=100000&per_page=100", "page"), ("q=" + "x" * 600, "q"),
])
def test_bad_parameters_are_400_with_the_error_shape(client, query, parameter):
    response = client.simulate_get("/api/search?" + query)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["status"] == 400 and error["parameter"] == parameter
    assert error["code"] in ("invalid_parameter", "query_too_complex") and error["message"]


def test_an_inverted_year_range_is_empty_not_an_error(client):
    body = client.simulate_get("/api/search?year_from=2020&year_to=2010").json
    assert body["total"] == 0 and body["hits"] == []


def test_unknown_measure_and_unknown_path_are_json_404(client):
    for path in ("/api/measures/nope", "/api/nothing-here"):
        response = client.simulate_get(path)
        assert response.status_code == 404
        assert response.json["error"]["status"] == 404 and response.json["error"]["message"]


def test_measure_record(client, real_measures):
    first = real_measures[0]
    body = client.simulate_get(f"/api/measures/{first.id}").json
    assert body["id"] == first.id and body["titles"] == first.titles and body["events"] == first.events
    assert isinstance(body["related"], list) and first.id not in [r["id"] for r in body["related"]]


def test_missing_index_is_503_saying_make_index(tmp_path):
    holder = IndexHolder(tmp_path / "empty")
    client = falcon.testing.TestClient(create_app(holder))
    for path in ("/api/search", "/healthz"):
        response = client.simulate_get(path)
        assert response.status_code == 503
        assert "make index" in response.json["error"]["message"]


def test_healthz(client):
    body = client.simulate_get("/healthz").json
    assert body["status"] == "ok" and body["documents"] == 15
    assert body["index_id"] and body["index_built_at"].endswith("+00:00")


def test_csv_has_every_match_and_opens_in_excel(client):
    response = client.simulate_get("/api/search.csv", params={"q": "law"})
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    total = client.simulate_get("/api/search", params={"q": "law"}).json["total"]
    assert rows[0][:3] == ["id", "url", "country"] and len(rows) == total + 1
    assert any("Об информатизации" in cell for row in rows for cell in row)


def test_json_export_has_every_match(client):
    body = client.simulate_get("/api/search.json").json
    assert body["total"] == 15 and len(body["measures"]) == 15


def test_suggest(client):
    body = client.simulate_get("/api/suggest", params={"q": "internet shut"}).json
    assert body["q"] == "internet shut"
    assert "internet shutdowns" in body["suggestions"] and len(body["suggestions"]) <= 10


def test_openapi_lists_every_json_endpoint(client):
    doc = client.simulate_get("/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/api/search", "/api/search.csv", "/api/measures/{measure_id}", "/api/suggest", "/healthz"} <= set(doc["paths"])


def test_security_headers_on_json_and_errors(client):
    for path in ("/api/search", "/api/measures/nope", "/"):
        headers = client.simulate_get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "referrer-policy" in headers
